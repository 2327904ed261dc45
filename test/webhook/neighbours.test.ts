// The neighbours an admission judges (graph.affected) must hold every object to which the new object
// gives a finding it did not have, or a more severe one: the webhook shows, or denies, what a change
// creates on its neighbours, and cannot show what it does not judge. Tried over every rule fixture and
// the real-world corpus, each object applied last in turn. (Findings the object takes away from its
// neighbours are the controller's to clear; it re-checks more, see test/controller/reach.test.ts.)
import assert from 'node:assert/strict';
import type { ResourceGraph } from '../../src/engine/graph.ts';
import { check } from '../../src/engine/run.ts';
import { defaultPolicy } from '../../src/policy/policy.ts';
import { RULES } from '../../src/rules/index.ts';
import { corpus, FIXTURES } from '../support/recording.ts';
import { clusterGraphOf } from '../support/scan.ts';

const policy = defaultPolicy();
const RANK = { info: 0, warning: 1, error: 2 } as const;

/** The most severe finding of each rule on each object (the webhook runs no live rule): `Kind/namespace/name` → rule → rank. */
function worst(graph: ResourceGraph): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const f of check(graph, graph.all(), { rules: RULES, policy }).findings) {
    const key = `${f.resource.kind}/${f.resource.namespace}/${f.resource.name}`;
    const rules = out.get(key) ?? new Map<string, number>();
    rules.set(f.rule, Math.max(rules.get(f.rule) ?? -1, RANK[f.severity]));
    out.set(key, rules);
  }
  return out;
}

describe('webhook: the neighbours an admission judges', () => {
  it('hold every object the new one gives a finding, over every fixture and the corpus', function () {
    this.timeout(300_000);
    const missed: string[] = [];
    let admissions = 0;
    for (const { name, yaml } of [...FIXTURES, ...corpus()]) {
      const graph = clusterGraphOf(yaml);
      if (!graph) continue;
      const after = worst(graph);
      for (const r of [...graph.all()]) {
        admissions++;
        const self = `${r.kind}/${r.namespace}/${r.name}`;
        const judged = new Set(graph.affected(r, RULES).map((x) => `${x.kind}/${x.namespace}/${x.name}`));
        const before = graph.withChanges([{ remove: r.key }], () => worst(graph));
        for (const [key, rules] of after) {
          if (key === self || judged.has(key)) continue;
          for (const [rule, rank] of rules) if (rank > (before.get(key)?.get(rule) ?? -1)) missed.push(`${name}: ${self} gives ${key} ${rule}`);
        }
      }
    }
    assert.ok(admissions > 1_000, `only ${admissions} admissions tried`);
    assert.deepEqual(missed, []);
  });
});
