// Rollback detection: `kubectl rollout undo` writes the pod template of an older
// ReplicaSet back into the Deployment. Recovery must never be blocked, so a
// workload whose new template equals one its controller already ran is admitted
// (with warnings). ReplicaSet templates carry the controller's hash label,
// which the workload's template never has.

import { dig, isObject } from '../engine/fields.ts';
import type { ResourceGraph } from '../engine/graph.ts';
import { stableJson, type Workload } from '../engine/model.ts';
import type { JsonObject } from '../engine/types.ts';

const HASH_LABELS = ['pod-template-hash', 'rollouts-pod-template-hash'];

/** A pod template as compared here: without the controller's hash labels, keys sorted. */
function comparable(template: JsonObject): string {
  const copy = structuredClone(template);
  const labels = dig(copy, 'metadata', 'labels');
  if (isObject(labels)) for (const l of HASH_LABELS) delete labels[l];
  return stableJson(copy);
}

/**
 * ReplicaSets are immutable in what is compared here: their templates are serialized once. (The
 * incoming template is not kept: it lives for one admission.)
 */
const replicaSetTemplates = new WeakMap<JsonObject, string>();

function comparableReplicaSet(template: JsonObject): string {
  let text = replicaSetTemplates.get(template);
  if (text === undefined) replicaSetTemplates.set(template, (text = comparable(template)));
  return text;
}

function ownedBy(rs: JsonObject, w: Workload): boolean {
  const owners = dig(rs, 'metadata', 'ownerReferences');
  const uid = dig(w.raw, 'metadata', 'uid');
  return Array.isArray(owners) && owners.some((o) => isObject(o) && o.kind === w.kind && o.name === w.name && (uid === undefined || o.uid === uid));
}

/** The ReplicaSet whose template the workload now returns to, if this update is a rollback. */
export function rollbackTarget(graph: ResourceGraph, w: Workload): string | undefined {
  if (w.workloadKind !== 'Deployment' && w.workloadKind !== 'Rollout') return undefined;
  const template = dig(w.raw, 'spec', 'template');
  if (!isObject(template)) return undefined;
  let wanted: string | undefined;
  for (const rs of graph.list('ReplicaSet', 'apps', w.namespace)) {
    if (!ownedBy(rs.raw, w)) continue;
    const t = dig(rs.raw, 'spec', 'template');
    if (isObject(t) && comparableReplicaSet(t) === (wanted ??= comparable(template))) return rs.name;
  }
  return undefined;
}
