import { defineRule } from '../engine/rule.ts';
import { dig, isObject } from '../engine/fields.ts';
import type { ResourceGraph } from '../engine/graph.ts';
import { isWorkload, scaledValue, type Workload } from '../engine/model.ts';
import type { Json } from '../engine/types.ts';

const HASH_LABEL = 'pod-template-hash';

function num(v: Json | undefined): number {
  return typeof v === 'number' ? v : 0;
}

/** The exact command that rolls the workload back to its previous revision. */
export function undoCommand(w: Workload): string {
  const ns = w.namespace ? ` -n ${w.namespace}` : '';
  if (w.workloadKind === 'Rollout') return `kubectl argo rollouts undo ${w.name}${ns}`;
  return `kubectl rollout undo ${w.kind.toLowerCase()}/${w.name}${ns}`;
}

/** The newest ReplicaSet of a Deployment: the one carrying its current revision. */
function newReplicaSet(w: Workload, graph: ResourceGraph) {
  const revision = w.annotations['deployment.kubernetes.io/revision'];
  if (!revision) return undefined;
  return graph.list('ReplicaSet', 'apps', w.namespace).find((rs) => {
    const owners = dig(rs.raw, 'metadata', 'ownerReferences');
    const owned = Array.isArray(owners) && owners.some((o) => isObject(o) && o.kind === w.kind && o.name === w.name);
    return owned && rs.annotations['deployment.kubernetes.io/revision'] === revision;
  });
}

/** Same JSON value, whatever the order of object keys. */
function sameJson(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  }
  if (!isObject(a) || !isObject(b)) return false;
  const ka = Object.keys(a).filter((k) => a[k] !== undefined);
  const kb = Object.keys(b).filter((k) => b[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => sameJson(a[k], b[k]));
}

/** The ReplicaSet's pod template without the label the Deployment controller adds to it. */
function templateOf(rs: { raw: Json }): Json | undefined {
  const t = dig(rs.raw, 'spec', 'template');
  if (!isObject(t)) return t;
  const metadata = isObject(t.metadata) ? { ...t.metadata } : undefined;
  if (metadata && isObject(metadata.labels)) {
    const labels = { ...metadata.labels };
    delete labels[HASH_LABEL];
    metadata.labels = labels;
  }
  return metadata ? { ...t, metadata } : t;
}

/**
 * Whether a status written for an older generation still describes this spec. The API server bumps a
 * Deployment's generation for annotation changes too (guard502's own annotations among them), so a status
 * behind by generation alone may be about the very same pods: it is, when the newest ReplicaSet runs exactly
 * the current pod template. A changed template (a new rollout, an undo) the controller has not seen yet is not.
 */
function statusStillApplies(w: Workload, graph: ResourceGraph): boolean {
  if (w.workloadKind !== 'Deployment') return false;
  const rs = newReplicaSet(w, graph);
  return rs !== undefined && sameJson(templateOf(rs), dig(w.raw, 'spec', 'template'));
}

/** Why the rollout is stuck, or undefined while it is healthy (or its status cannot be trusted yet). */
function stuckReason(w: Workload, graph: ResourceGraph): string | undefined {
  const status = dig(w.raw, 'status');
  if (!isObject(status)) return undefined;
  const generation = dig(w.raw, 'metadata', 'generation');
  // A status written for an older spec says nothing about this one.
  if (typeof generation === 'number' && num(status.observedGeneration) < generation && !statusStillApplies(w, graph)) return undefined;
  const conditions = Array.isArray(status.conditions) ? status.conditions : [];
  const progressing = conditions.find((c) => isObject(c) && c.type === 'Progressing');
  if (isObject(progressing) && progressing.status === 'False') {
    return `its rollout stopped progressing (${String(progressing.reason ?? 'Progressing=False')}${progressing.message ? `: ${String(progressing.message)}` : ''})`;
  }
  const desired = w.replicas ?? num(status.desiredNumberScheduled);
  if (desired <= 0) return undefined;
  const ready = num(w.workloadKind === 'DaemonSet' ? status.numberReady : status.readyReplicas);
  const maxUnavailable = scaledValue(w.strategy?.maxUnavailable, desired, false);
  if (ready >= desired - maxUnavailable) return undefined;
  let newPodsNotReady: boolean;
  if (w.workloadKind === 'Deployment') {
    const rs = newReplicaSet(w, graph);
    newPodsNotReady = rs ? num(dig(rs.raw, 'status', 'readyReplicas')) < num(dig(rs.raw, 'spec', 'replicas')) : num(status.updatedReplicas) < desired;
  } else if (w.workloadKind === 'StatefulSet') {
    newPodsNotReady = status.updateRevision !== undefined && status.updateRevision !== status.currentRevision;
  } else if (w.workloadKind === 'DaemonSet') {
    newPodsNotReady = num(status.updatedNumberScheduled) < desired;
  } else {
    newPodsNotReady = num(status.updatedReplicas) < desired;
  }
  if (!newPodsNotReady) return undefined;
  return `its new pods are not ready while ready capacity dropped to ${ready} of ${desired} (the rollout allows ${desired - maxUnavailable})`;
}

const deployment = (status: string, extra = '', generation = 4) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, generation: ${generation}, annotations: {deployment.kubernetes.io/revision: "4"}}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 1, maxSurge: 1}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: web:4}]}
status:
${status}
${extra}`;
const newRs = (ready: number, image = 'web:4') => `---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web-7d9c
  namespace: shop
  annotations: {deployment.kubernetes.io/revision: "4"}
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: u1, controller: true}]
spec: {replicas: 2, selector: {matchLabels: {app: web, pod-template-hash: 7d9c}}, template: {metadata: {labels: {pod-template-hash: 7d9c, app: web}}, spec: {containers: [{image: ${image}, name: app}]}}}
status: {replicas: 2, readyReplicas: ${ready}}
`;
const deadlineExceeded = `  observedGeneration: 4
  replicas: 5
  readyReplicas: 3
  updatedReplicas: 2
  conditions:
    - {type: Progressing, status: "False", reason: ProgressDeadlineExceeded, message: 'ReplicaSet "web-7d9c" has timed out progressing.'}`;

export default defineRule({
  id: 'rollout-stuck',
  title: 'Rollout stuck: new pods not ready, capacity dropped',
  shape: 'reset',
  severity: 'error',
  targets: ['workload'],
  params: {},
  live: true,
  docs: {
    what:
      'Live rule (controller only). Fires on a Deployment (or Argo Rollout) whose rollout stopped progressing — the ' +
      '`Progressing` condition is `False`, for example `ProgressDeadlineExceeded` — or on any rolling workload whose ' +
      'new pods are not ready while its ready pods dropped below what its strategy allows (`replicas − maxUnavailable`). ' +
      'The message carries the exact `kubectl rollout undo` command. It clears itself when the rollout completes or is rolled back.',
    why:
      'The new version does not become ready, so the capacity behind the Service shrinks to the old pods that are ' +
      'left: the gateway sends their share of traffic to fewer pods (timeouts, then 502s) and, when they are gone, ' +
      'to none (502/503). Pods that crash during the rollout also reset the connections they held.',
    fix:
      'Roll back first, investigate second:\n\n```sh\nkubectl rollout undo deployment/<name> -n <namespace>\n```\n\nThen look ' +
      'at the new pods (`kubectl describe pod`, `kubectl logs --previous`) for the crash, the failing readiness probe or ' +
      'the image that does not pull, and set `minReadySeconds` and `progressDeadlineSeconds` so a bad release stops early.',
    notes:
      'Silent while the status describes an older pod template than the spec (a new rollout or an undo the workload ' +
      'controller has not picked up yet), for workloads scaled to 0, and while a rollout is progressing within its ' +
      'budget (new pods starting, ready capacity at or above `replicas − maxUnavailable`). A Deployment\'s generation ' +
      'also moves when only its annotations change (guard502 writes some): its status still counts then, as long as ' +
      'its newest ReplicaSet runs exactly the current pod template.',
  },
  evaluate(w, graph) {
    if (!isWorkload(w) || w.workloadKind === 'Pod') return [];
    const reason = stuckReason(w, graph);
    if (!reason) return [];
    const undo = undoCommand(w);
    return [
      {
        path: 'status',
        message: `${w.kind}/${w.name}: ${reason}; traffic to its Services is served by fewer pods every minute. Roll back now: ${undo}`,
        fix: `${undo}\nthen find why the new pods are not ready: kubectl describe pods -l <selector>${w.namespace ? ` -n ${w.namespace}` : ''}; kubectl logs --previous …`,
      },
    ];
  },
  fixtures: {
    fire: [
      {
        name: 'Progressing=False (ProgressDeadlineExceeded)',
        yaml: deployment(`  observedGeneration: 4
  replicas: 5
  readyReplicas: 3
  updatedReplicas: 2
  conditions:
    - {type: Progressing, status: "False", reason: ProgressDeadlineExceeded, message: 'ReplicaSet "web-7d9c" has timed out progressing.'}`),
        expect: [{ severity: 'error', path: 'status', message: 'Deployment/web: its rollout stopped progressing (ProgressDeadlineExceeded: ReplicaSet "web-7d9c" has timed out progressing.); traffic to its Services is served by fewer pods every minute. Roll back now: kubectl rollout undo deployment/web -n shop', fix: 'kubectl rollout undo deployment/web -n shop\nthen find why the new pods are not ready: kubectl describe pods -l <selector> -n shop; kubectl logs --previous …' }],
      },
      {
        // Annotations (guard502's own included) bump a Deployment's generation: the status is not stale for that.
        name: 'status behind by generation only: the newest ReplicaSet runs exactly the current template',
        yaml: deployment(deadlineExceeded, '', 6) + newRs(0),
        expect: [{ severity: 'error', path: 'status', message: 'Deployment/web: its rollout stopped progressing (ProgressDeadlineExceeded: ReplicaSet "web-7d9c" has timed out progressing.); traffic to its Services is served by fewer pods every minute. Roll back now: kubectl rollout undo deployment/web -n shop', fix: 'kubectl rollout undo deployment/web -n shop\nthen find why the new pods are not ready: kubectl describe pods -l <selector> -n shop; kubectl logs --previous …' }],
      },
      {
        name: 'new pods not ready and ready capacity below replicas − maxUnavailable',
        yaml: deployment(`  observedGeneration: 4
  replicas: 5
  readyReplicas: 2
  updatedReplicas: 2
  conditions: [{type: Progressing, status: "True", reason: ReplicaSetUpdated}]`) + newRs(0),
        expect: [{ severity: 'error', path: 'status', message: 'Deployment/web: its new pods are not ready while ready capacity dropped to 2 of 4 (the rollout allows 3); traffic to its Services is served by fewer pods every minute. Roll back now: kubectl rollout undo deployment/web -n shop', fix: 'kubectl rollout undo deployment/web -n shop\nthen find why the new pods are not ready: kubectl describe pods -l <selector> -n shop; kubectl logs --previous …' }],
      },
    ],
    silent: [
      {
        name: 'a rollout in progress within its budget (3 of 4 ready, maxUnavailable 1)',
        yaml: deployment(`  observedGeneration: 4
  replicas: 5
  readyReplicas: 3
  updatedReplicas: 2
  conditions: [{type: Progressing, status: "True", reason: ReplicaSetUpdated}]`) + newRs(0),
      },
      {
        name: 'capacity dropped but the new pods are ready (old pods evicted, not a rollout problem)',
        yaml: deployment(`  observedGeneration: 4
  replicas: 4
  readyReplicas: 2
  updatedReplicas: 4
  conditions: [{type: Progressing, status: "True", reason: NewReplicaSetAvailable}]`) + newRs(2),
      },
      {
        name: 'a status written for an older generation',
        yaml: deployment(`  observedGeneration: 3
  conditions: [{type: Progressing, status: "False", reason: ProgressDeadlineExceeded}]`),
      },
      { name: 'no status at all (a manifest, not a live object)', yaml: deployment('  {}') },
      {
        name: 'a changed template the Deployment controller has not seen yet (just rolled back): its old status says nothing',
        yaml: deployment(deadlineExceeded, '', 5) + newRs(0, 'web:5'),
      },
    ],
  },
});
