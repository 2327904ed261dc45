// What a change may alter beyond what the graph's relations say (graph.affected follows selectors
// and backend references). A rule may read more than its neighbours: every workload of the namespace
// (service-selects-nothing), every Ingress on a host (canary-missing), the Service naming a
// BackendConfig. What it reads it declares (Rule.targets, Rule.reads): so after a change of a kind,
// everything a rule declaring that kind judges in the namespace is checked again — the order in
// which `kubectl apply -f` delivers the objects then cannot change the outcome.

import { isDeepStrictEqual } from 'node:util';
import type { ResourceGraph } from '../engine/graph.ts';
import { judges, judgesFromAfar, readersOf } from '../engine/inputs.ts';
import type { Model } from '../engine/model.ts';
import type { Rule } from '../engine/rule.ts';
import type { JsonObject } from '../engine/types.ts';

/** The two versions differ in their status only (and in what the API server bumps with it). */
function statusOnly(a: JsonObject, b: JsonObject): boolean {
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (k === 'status') continue;
    if (k !== 'metadata') {
      if (!isDeepStrictEqual(a[k], b[k])) return false;
      continue;
    }
    const { resourceVersion: _r1, generation: _g1, managedFields: _m1, ...ma } = (a.metadata ?? {}) as JsonObject;
    const { resourceVersion: _r2, generation: _g2, managedFields: _m2, ...mb } = (b.metadata ?? {}) as JsonObject;
    if (!isDeepStrictEqual(ma, mb)) return false;
  }
  return true;
}

/** Objects judged by the rules that declare the changed object's kind, in its namespace (everywhere for a cluster-scoped one, or one they read in every namespace). */
export function declaredReach(graph: ResourceGraph, rules: readonly Rule[], previous: Model | undefined, current: Model | undefined): Model[] {
  const r = (current ?? previous) as Model | undefined;
  if (!r) return [];
  // Status is live state, churning with every pod: the rules that read it (live ones) read the judged object's own
  // and its ReplicaSets', which the object itself and graph.affected already cover.
  if (previous !== undefined && current !== undefined && statusOnly(previous.raw, current.raw)) return [];
  const { readers, everywhere } = readersOf(rules, r.group, r.kind, true);
  if (readers.length === 0) return [];
  const scope = r.namespace === '' ? [...graph.all()] : graph.inNamespace(r.namespace);
  const out = scope.filter((x) => x.key !== r.key && readers.some((rule) => judges(rule, x)));
  if (everywhere.length === 0 || r.namespace === '') return out;
  for (const x of graph.all()) if (x.namespace !== r.namespace && everywhere.some((reader) => judgesFromAfar(reader, x))) out.push(x);
  return out;
}
