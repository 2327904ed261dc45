// Every rule's own fixtures: the ones that must fire do, exactly as often as they
// say; the look-alikes stay silent. Graphs are frozen, so a rule that mutates
// its input fails here.
import assert from 'node:assert/strict';
import { RULES } from '../../src/rules/index.ts';
import { scanYaml } from '../support/scan.ts';

for (const rule of RULES) {
  describe(`rule ${rule.id}`, () => {
    it('has fixtures that fire and fixtures that stay silent', () => {
      assert.ok(rule.fixtures.fire.length > 0, 'no fire fixtures');
      assert.ok(rule.fixtures.silent.length > 0, 'no silent fixtures');
    });
    for (const f of rule.fixtures.fire) {
      it(`fires: ${f.name}`, () => {
        const result = scanYaml(f.yaml, { rules: [rule], live: rule.live ?? false, ...(f.params ? { params: { [rule.id]: f.params } } : {}) });
        assert.deepEqual(result.failures, []);
        const hits = result.findings.filter((x) => x.rule === rule.id);
        if (f.hits !== undefined) assert.equal(hits.length, f.hits, JSON.stringify(hits.map((h) => h.message), null, 1));
        else assert.ok(hits.length > 0, 'expected the rule to fire');
        for (const h of hits) {
          assert.ok(h.message.length > 20, 'message too short');
          assert.ok(h.fix.length > 10, 'fix missing');
          assert.ok(h.path.length > 0, 'path missing');
        }
      });
    }
    for (const f of rule.fixtures.silent) {
      it(`stays silent: ${f.name}`, () => {
        const result = scanYaml(f.yaml, { rules: [rule], live: rule.live ?? false, ...(f.params ? { params: { [rule.id]: f.params } } : {}) });
        assert.deepEqual(result.failures, []);
        assert.deepEqual(result.findings.filter((x) => x.rule === rule.id).map((x) => x.message), []);
      });
    }
  });
}
