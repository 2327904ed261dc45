// The catalogue is a contract: IDs fixed once published, docs complete, generated
// files (rule pages, CRD) in sync with the rule metadata.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { RULES } from '../src/rules/index.ts';
import { generatedFiles } from '../src/docs/generate.ts';
import { SHAPES, SEVERITIES } from '../src/engine/types.ts';

const STATIC = [
  'service-selects-nothing', 'service-target-port-mismatch', 'ingress-backend-service-missing', 'ingress-backend-port-mismatch',
  'route-backend-mismatch', 'service-publishes-not-ready', 'probe-port-mismatch', 'readiness-probe-missing', 'readiness-probe-shallow',
  'readiness-probe-wrong-port', 'readiness-probe-slow', 'proxy-timeout-unbounded', 'proxy-retries-unbounded', 'rollout-recreate',
  'rollout-capacity-drop', 'single-replica', 'prestop-missing', 'termination-grace-too-short', 'memory-limit-missing', 'pdb-missing',
  'canary-missing', 'min-ready-seconds-missing', 'backend-protocol-mismatch', 'upstream-keepalive-race',
];
/** Live rules need cluster state and ship with the controller. */
const LIVE = ['no-ready-endpoints', 'rollout-stuck'];

describe('rule catalogue', () => {
  it('has every static rule of the design, with its exact ID, once each', () => {
    assert.deepEqual(RULES.filter((r) => !r.live).map((r) => r.id).sort(), [...STATIC].sort());
  });

  it('has no rule outside the design; live rules are only the live ones', () => {
    const ids = RULES.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length, 'duplicate IDs');
    for (const r of RULES) assert.ok(r.live ? LIVE.includes(r.id) : STATIC.includes(r.id), `${r.id} is not in the catalogue as ${r.live ? 'live' : 'static'}`);
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

  // A rule that reads controllers' settings documents them in a `| Controller | Setting` table: each setting a fixture
  // finding points at is named there (as written, or by its last field or annotation name).
  for (const r of RULES.filter((x) => /\| Controller \| Setting/.test(`${x.docs.what}\n${x.docs.notes ?? ''}`))) {
    it(`${r.id}: its settings table names every setting its fixtures find`, () => {
      const page = `${r.docs.what}\n${r.docs.notes ?? ''}`;
      const missing = new Set<string>();
      for (const f of r.fixtures.fire) {
        for (const e of f.expect ?? []) {
          const annotation = /^metadata\.annotations\["(.+)"\]$/.exec(e.path)?.[1];
          const named = annotation
            ? page.includes(annotation) || page.includes(`\`${annotation.slice(annotation.lastIndexOf('/') + 1)}\``)
            : page.includes(e.path.replace(/\[\d+\]/g, '[]')) || page.includes(`\`${e.path.split('.').pop()?.replace(/\[\d+\]/g, '')}\``) || page.includes(`.${e.path.split('.').pop()}\``);
          if (!named) missing.add(`${e.path} (${f.name})`);
        }
      }
      assert.deepEqual([...missing], []);
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
