// Which policy governs a namespace when a cluster holds several Guard502Policies.
//
// - No policy at all: the built-in defaults govern every namespace.
// - Otherwise policies are taken in name order; the first whose namespaceSelector
//   (absent: every namespace) matches governs. A namespace no policy selects is not
//   checked: a policy with a selector says which namespaces its author wants checked.
//
// Exclusions (`excludedNamespaces`) stay with the governing policy, where the
// runner reports them as skipped.

import type { ResourceGraph } from '../engine/graph.ts';
import { matches } from '../engine/selectors.ts';
import { check, type CheckOptions, type CheckResult } from '../engine/run.ts';
import type { Model } from '../engine/model.ts';
import { defaultPolicy, type Policy } from './policy.ts';

const BUILT_IN = defaultPolicy();

export function governingPolicy(policies: readonly Policy[], graph: ResourceGraph, namespace: string): Policy | undefined {
  if (policies.length === 0) return BUILT_IN;
  const sorted = [...policies].sort((a, b) => a.name.localeCompare(b.name));
  if (namespace === '') return sorted[0];
  const labels = graph.namespaceLabels(namespace);
  return sorted.find((p) => !p.namespaceSelector || matches(p.namespaceSelector, labels));
}

/** Checks objects, each under the policy governing its namespace. */
export function checkUnderPolicies(
  graph: ResourceGraph,
  objects: Iterable<Model>,
  policies: readonly Policy[],
  options: Omit<CheckOptions, 'policy'>,
): CheckResult {
  const groups = new Map<Policy, Model[]>();
  for (const o of objects) {
    const p = governingPolicy(policies, graph, o.namespace);
    if (!p) continue;
    const list = groups.get(p) ?? [];
    list.push(o);
    groups.set(p, list);
  }
  const out: CheckResult = { findings: [], suppressed: [], failures: [] };
  for (const [policy, list] of groups) {
    const r = check(graph, list, { ...options, policy });
    out.findings.push(...r.findings);
    out.suppressed.push(...r.suppressed);
    out.failures.push(...r.failures);
  }
  return out;
}
