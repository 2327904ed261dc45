// What a live workload's status says about its rollout, shared by the live rules
// (rollout-stuck, no-ready-endpoints): its progress deadline, and whether a
// rollout is under way or past its deadline by the workload controller's verdict.

import { dig, isObject } from '../../engine/fields.ts';
import type { Workload } from '../../engine/model.ts';
import type { Json, JsonObject } from '../../engine/types.ts';

/** The Deployment API's default progressDeadlineSeconds. */
export const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;

export function num(v: Json | undefined): number {
  return typeof v === 'number' ? v : 0;
}

/** How long a workload's rollout may go without progress: its own progressDeadlineSeconds, else the API default. */
export function progressDeadlineSeconds(w: Workload): number {
  const own = dig(w.raw, 'spec', 'progressDeadlineSeconds');
  return typeof own === 'number' && own > 0 ? own : DEFAULT_PROGRESS_DEADLINE_SECONDS;
}

function condition(status: JsonObject, type: string): JsonObject | undefined {
  const conditions = Array.isArray(status.conditions) ? status.conditions : [];
  const c = conditions.find((x) => isObject(x) && x.type === type);
  return isObject(c) ? c : undefined;
}

/** The Deployment controller's verdict that the rollout ran past progressDeadlineSeconds: its Progressing condition. */
export function progressDeadlineExceeded(w: Workload): JsonObject | undefined {
  const status = dig(w.raw, 'status');
  if (!isObject(status)) return undefined;
  const progressing = condition(status, 'Progressing');
  return progressing && progressing.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded' ? progressing : undefined;
}

/**
 * A rollout is under way (new pods may still be starting): a Deployment whose Progressing condition is True and
 * not yet complete, an Argo Rollout in phase Progressing, a StatefulSet or DaemonSet whose pods are not all
 * updated and ready. A workload with no status yet has just been created: it is starting too.
 */
export function rolloutInProgress(w: Workload): boolean {
  const status = dig(w.raw, 'status');
  if (!isObject(status) || Object.keys(status).length === 0) return true;
  if (w.workloadKind === 'Deployment') {
    const progressing = condition(status, 'Progressing');
    if (!progressing) return true;
    return progressing.status === 'True' && progressing.reason !== 'NewReplicaSetAvailable';
  }
  if (w.workloadKind === 'Rollout') return status.phase === 'Progressing' || status.phase === undefined;
  const daemon = w.workloadKind === 'DaemonSet';
  const desired = daemon ? num(status.desiredNumberScheduled) : (w.replicas ?? 1);
  const ready = num(daemon ? status.numberReady : status.readyReplicas);
  const updated = num(daemon ? status.updatedNumberScheduled : status.updatedReplicas);
  const revisionsDiffer = !daemon && typeof status.updateRevision === 'string' && status.updateRevision !== status.currentRevision;
  return ready < desired && (updated < desired || revisionsDiffer);
}
