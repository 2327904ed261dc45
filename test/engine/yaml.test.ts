// The fix-snippet emitter must write YAML that reads back as exactly the data given.
import assert from 'node:assert/strict';
import yaml from 'js-yaml';
import { forgetWrittenScalars, toYaml } from '../../src/rules/lib/yaml.ts';
import { RULES } from '../../src/rules/index.ts';
import { scanYaml } from '../support/scan.ts';

const TRICKY = [
  '', ' ', 'true', 'False', 'yes', 'no', 'on', 'off', 'null', '~', '0', '-1', '1.5', '.5', '1e3', '0x1f', '25%', '5m', '10s', 'http',
  'a: b', 'a:b', 'key:', '# comment', 'a #b', '- x', '? x', '*alias', '&anchor', '!tag', '{x}', '[x]', '"q"', "'q'", 'line\nbreak',
  'tab\there', '@at', '`tick`', '|', '>', 'kubernetes.io/h2c', 'app=web,tier=db', 'ghcr.io/example/app:1.2', '/ready', '-', 'é', '2001-12-14',
  'nginx.ingress.kubernetes.io/proxy-read-timeout', 'sh -c sleep 5', ' lead', 'trail ', 'a  b',
];

describe('fix YAML emitter', () => {
  // Every scan fills the emitter's memory of written strings: each case here is decided afresh.
  beforeEach(forgetWrittenScalars);

  it('round-trips tricky strings as keys and values', () => {
    for (const s of TRICKY) {
      const data = { [s || 'empty']: s, list: [s, { [s || 'k']: [s] }] };
      assert.deepEqual(yaml.load(toYaml(data)), data, `${JSON.stringify(s)}:\n${toYaml(data)}`);
    }
  });

  it('writes plain scalars plain and quotes only what YAML would misread', () => {
    const cases: Array<[unknown, string]> = [
      ['http', 'http'], ['/ready', '/ready'], ['kubernetes.io/h2c', 'kubernetes.io/h2c'], ['sh -c sleep 5', 'sh -c sleep 5'], ['a:b', 'a:b'],
      ['8080', '"8080"'], ['-1', '"-1"'], ['.5', '".5"'], ['+1', '"+1"'], ['yes', '"yes"'], ['Off', '"Off"'], ['null', '"null"'], ['~', '"~"'],
      ['a: b', '"a: b"'], ['key:', '"key:"'], ['', '""'], ['# c', '"# c"'], ['5m', '"5m"'],
      [null, 'null'], [undefined, 'null'], [true, 'true'], [false, 'false'], [42, '42'], [-2.5, '-2.5'], [Infinity, '"Infinity"'], [Number.NaN, '"NaN"'],
    ];
    for (const [value, written] of cases) {
      assert.equal(toYaml(value), written, JSON.stringify(value));
      // Written the same the second time (the cache) and as a value under a key (where undefined means "no key").
      if (value !== undefined) assert.equal(toYaml({ k: value }), `k: ${written}`, JSON.stringify(value));
    }
  });

  it('lays out mappings, sequences and empty collections in block style', () => {
    assert.equal(toYaml({ a: 1, skipped: undefined, b: [], c: {}, d: [1, [2, 3], { e: 'x', f: [] }], g: { h: { i: 'j' } } }),
      ['a: 1', 'b: []', 'c: {}', 'd:', '  - 1', '  - - 2', '    - 3', '  - e: x', '    f: []', 'g:', '  h:', '    i: j'].join('\n'));
    assert.equal(toYaml({}), '{}');
    assert.equal(toYaml([]), '[]');
    assert.equal(toYaml({ only: undefined }), '{}');
  });

  it('round-trips nested structures, numbers, booleans, null and empty collections', () => {
    const data = { a: 1, b: -2.5, c: true, d: null, e: [], f: {}, g: [[1, 2], [], [{ x: [] }]], h: [{ name: 'app', ports: [{ containerPort: 8080 }] }] };
    assert.deepEqual(yaml.load(toYaml(data)), data, toYaml(data));
  });

  it('writes every fix of every rule fixture as valid YAML', () => {
    for (const rule of RULES) {
      for (const f of rule.fixtures.fire) {
        for (const finding of scanYaml(f.yaml, { rules: [rule], ...(f.params ? { params: { [rule.id]: f.params } } : {}) }).findings) {
          const snippet = finding.fix.split('\n').slice(1).join('\n');
          if (snippet.trim()) assert.doesNotThrow(() => yaml.load(snippet), `${rule.id}: ${finding.fix}`);
        }
      }
    }
  });
});
