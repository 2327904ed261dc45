// Every rule's own fixtures: the ones that must fire produce exactly the findings
// they state (severity, path, message and fix fragments), no more, no fewer; the
// look-alikes stay silent. Graphs are frozen, so a rule that mutates its input fails here.
import assert from 'node:assert/strict';
import type { ExpectedFinding } from '../../src/engine/rule.ts';
import type { Finding } from '../../src/engine/types.ts';
import { RULES } from '../../src/rules/index.ts';
import { scanYaml } from '../support/scan.ts';

function resourceMatches(expected: string, f: Finding): boolean {
  const parts = expected.split('/');
  const [kind, namespace, name] = parts.length === 3 ? parts : [parts[0], 'default', parts[1]];
  return f.resource.kind === kind && f.resource.namespace === namespace && f.resource.name === name;
}

function satisfies(f: Finding, e: ExpectedFinding): boolean {
  return (
    f.severity === e.severity &&
    f.path === e.path &&
    f.message.includes(e.message) &&
    (e.fix === undefined || f.fix.includes(e.fix)) &&
    (e.resource === undefined || resourceMatches(e.resource, f))
  );
}

/** Pairs every expectation with a finding of its own; what is left on either side is the difference. */
function unmatched(findings: readonly Finding[], expected: readonly ExpectedFinding[]): { missing: ExpectedFinding[]; unexpected: Finding[] } {
  const left = [...findings];
  const missing: ExpectedFinding[] = [];
  for (const e of expected) {
    const i = left.findIndex((f) => satisfies(f, e));
    if (i < 0) missing.push(e);
    else left.splice(i, 1);
  }
  return { missing, unexpected: left };
}

const show = (f: Finding) => ({ severity: f.severity, resource: `${f.resource.kind}/${f.resource.namespace}/${f.resource.name}`, path: f.path, message: f.message, fix: f.fix });

for (const rule of RULES) {
  describe(`rule ${rule.id}`, () => {
    it('has fixtures that fire and fixtures that stay silent', () => {
      assert.ok(rule.fixtures.fire.length > 0, 'no fire fixtures');
      assert.ok(rule.fixtures.silent.length > 0, 'no silent fixtures');
    });
    for (const f of rule.fixtures.fire) {
      it(`fires: ${f.name}`, () => {
        assert.ok(f.expect && f.expect.length > 0, 'a fire fixture states the findings it expects');
        const result = scanYaml(f.yaml, { rules: [rule], live: rule.live ?? false, ...(f.params ? { params: { [rule.id]: f.params } } : {}) });
        assert.deepEqual(result.failures, []);
        const findings = result.findings.filter((x) => x.rule === rule.id);
        const { missing, unexpected } = unmatched(findings, f.expect);
        assert.deepEqual({ missing, unexpected: unexpected.map(show) }, { missing: [], unexpected: [] }, JSON.stringify(findings.map(show), null, 1));
        for (const h of findings) {
          assert.ok(h.fix.length > 10, 'fix missing');
        }
      });
    }
    for (const f of rule.fixtures.silent) {
      it(`stays silent: ${f.name}`, () => {
        assert.equal(f.expect, undefined, 'a silent fixture expects no findings');
        const result = scanYaml(f.yaml, { rules: [rule], live: rule.live ?? false, ...(f.params ? { params: { [rule.id]: f.params } } : {}) });
        assert.deepEqual(result.failures, []);
        assert.deepEqual(result.findings.filter((x) => x.rule === rule.id).map((x) => x.message), []);
      });
    }
  });
}
