// The catalogue is a contract: IDs as in DESIGN.md, docs complete, generated
// files (rule pages, CRD) in sync with the rule metadata.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { RULES } from '../src/rules/index.ts';
import { generatedFiles } from '../src/docs/generate.ts';
import { SHAPES, SEVERITIES } from '../src/engine/types.ts';

const CATALOGUE = [
  'service-selects-nothing', 'service-target-port-mismatch', 'ingress-backend-service-missing', 'ingress-backend-port-mismatch',
  'route-backend-mismatch', 'service-publishes-not-ready', 'probe-port-mismatch', 'readiness-probe-missing', 'readiness-probe-shallow',
  'readiness-probe-wrong-port', 'readiness-probe-slow', 'proxy-timeout-unbounded', 'proxy-retries-unbounded', 'rollout-recreate',
  'rollout-capacity-drop', 'single-replica', 'prestop-missing', 'termination-grace-too-short', 'memory-limit-missing', 'pdb-missing',
  'canary-missing', 'min-ready-seconds-missing', 'backend-protocol-mismatch', 'no-ready-endpoints', 'rollout-stuck',
];

describe('rule catalogue', () => {
  it('has exactly the rule IDs of the design, once each', () => {
    assert.deepEqual([...RULES.map((r) => r.id)].sort(), [...CATALOGUE].sort());
  });

  it('only the two live rules are live', () => {
    assert.deepEqual(RULES.filter((r) => r.live).map((r) => r.id).sort(), ['no-ready-endpoints', 'rollout-stuck']);
  });

  for (const r of RULES) {
    it(`${r.id}: metadata and docs are complete`, () => {
      assert.match(r.id, /^[a-z]+(-[a-z]+)*$/);
      assert.ok(SHAPES.includes(r.shape));
      assert.ok(SEVERITIES.includes(r.severity));
      assert.ok(r.targets.length > 0, 'targets');
      assert.ok(r.title.length > 10, 'title');
      for (const k of ['what', 'why', 'fix'] as const) assert.ok(r.docs[k].length > 40, `docs.${k} too short`);
      for (const [name, p] of Object.entries(r.params)) {
        assert.match(name, /^[a-z][A-Za-z]*$/, `parameter name ${name}`);
        assert.ok(p.description.length > 10, `parameter ${name} description`);
        assert.equal(typeof p.default, p.type === 'integer' ? 'number' : p.type, `parameter ${name} default type`);
      }
    });
  }

  it('generated rule pages and the CRD are up to date (npm run generate)', () => {
    for (const [path, content] of generatedFiles()) {
      let onDisk = '';
      try {
        onDisk = readFileSync(path, 'utf8');
      } catch {
        assert.fail(`${path} is missing: run npm run generate`);
      }
      assert.equal(onDisk, content, `${path} is out of date: run npm run generate`);
    }
  });
});
