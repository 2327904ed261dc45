import { defineRule } from '../engine/rule.ts';
import { dig, isObject } from '../engine/fields.ts';
import type { ResourceGraph } from '../engine/graph.ts';
import { isWorkload, type Workload } from '../engine/model.ts';
import { describe as describeSelector } from '../engine/selectors.ts';
import type { Json, JsonObject } from '../engine/types.ts';
import { liveClock } from './lib/live-clock.ts';
import { DEFAULT_PROGRESS_DEADLINE_SECONDS, num, progressDeadlineExceeded, progressDeadlineSeconds } from './lib/rollout-status.ts';

const HASH_LABEL = 'pod-template-hash';

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
 * Whether the status describes the current spec. The API server bumps a Deployment's generation for
 * annotation changes too (guard502's own annotations among them), so a status behind by generation alone may
 * be about the very same pods: it is, when the newest ReplicaSet runs exactly the current pod template. A
 * changed template (a new rollout, an undo) the controller has not seen yet is not.
 */
function statusApplies(w: Workload, status: JsonObject, graph: ResourceGraph): boolean {
  const generation = dig(w.raw, 'metadata', 'generation');
  if (typeof generation !== 'number' || observedGeneration(w, status) >= generation) return true;
  if (w.workloadKind !== 'Deployment') return false;
  const rs = newReplicaSet(w, graph);
  return rs !== undefined && sameJson(templateOf(rs), dig(w.raw, 'spec', 'template'));
}

/**
 * status.observedGeneration as a number. Argo Rollouts writes it as a string ("3"); versions before 1.0 wrote a
 * hash of the spec, which cannot be compared: a Rollout's status is then taken as current.
 */
function observedGeneration(w: Workload, status: JsonObject): number {
  const v = status.observedGeneration;
  if (typeof v === 'string' && w.workloadKind === 'Rollout') return /^\d+$/.test(v) ? Number(v) : Infinity;
  return num(v);
}

/** A stuck rollout: why, how far it got, and whether an earlier revision exists to go back to. */
interface Stuck {
  why: string;
  ready: number;
  updated: number;
  desired: number;
  rollback: boolean;
}

function deploymentStuck(w: Workload, status: JsonObject): Stuck | undefined {
  // The Deployment controller's own verdict, reached after progressDeadlineSeconds without progress.
  const progressing = progressDeadlineExceeded(w);
  if (!progressing) return undefined;
  const said = typeof progressing.message === 'string' ? ` (ProgressDeadlineExceeded: ${progressing.message})` : ' (ProgressDeadlineExceeded)';
  return {
    why: `its rollout made no progress for ${progressDeadlineSeconds(w)} s${said}`,
    ready: num(status.readyReplicas),
    updated: num(status.updatedReplicas),
    desired: w.replicas ?? 1,
    rollback: Number(w.annotations['deployment.kubernetes.io/revision'] ?? '1') > 1,
  };
}

function argoRolloutStuck(w: Workload, status: JsonObject): Stuck | undefined {
  if (status.phase !== 'Degraded') return undefined;
  const stable = typeof status.stableRS === 'string' ? status.stableRS : '';
  return {
    why: `the Argo Rollout is Degraded${typeof status.message === 'string' && status.message ? ` (${status.message})` : ''}`,
    ready: num(status.readyReplicas),
    updated: num(status.updatedReplicas),
    desired: w.replicas ?? 1,
    rollback: stable !== '' && stable !== status.currentPodHash,
  };
}

/**
 * StatefulSets and DaemonSets have no progress deadline of their own: one is stuck when its rollout counters
 * (ready, updated, revisions) have not moved for the deadline. Until then the controller is asked to look again
 * when it passes, as nothing else may change meanwhile.
 */
function setStuck(w: Workload, status: JsonObject, deadlineSeconds: number): Stuck | undefined {
  const daemon = w.workloadKind === 'DaemonSet';
  const desired = daemon ? num(status.desiredNumberScheduled) : (w.replicas ?? 1);
  const ready = num(daemon ? status.numberReady : status.readyReplicas);
  const updated = num(daemon ? status.updatedNumberScheduled : status.updatedReplicas);
  const revisionsDiffer = !daemon && typeof status.updateRevision === 'string' && status.updateRevision !== status.currentRevision;
  const key = `${w.key}#rollout`;
  if (desired <= 0 || (ready >= desired && updated >= desired && !revisionsDiffer)) {
    liveClock.forget(key);
    return undefined;
  }
  const since = liveClock.since(key, JSON.stringify([desired, ready, updated, status.currentRevision ?? null, status.updateRevision ?? null, status.observedGeneration ?? null]));
  const deadline = since + deadlineSeconds * 1000;
  if (liveClock.now() < deadline) {
    liveClock.recheckAt(w.key, deadline);
    return undefined;
  }
  const generation = dig(w.raw, 'metadata', 'generation');
  return {
    why: `its rollout made no progress for ${deadlineSeconds} s`,
    ready,
    updated,
    desired,
    rollback: daemon ? typeof generation === 'number' && generation > 1 && updated < desired : revisionsDiffer,
  };
}

/** Why the pods do not become ready, as far as the pods in view say: "ImagePullBackOff (2 containers)". */
function waitingReasons(w: Workload, graph: ResourceGraph): string[] {
  const counts = new Map<string, number>();
  for (const pod of graph.podsOf(w)) {
    const statuses = dig(pod.raw, 'status', 'containerStatuses');
    for (const s of Array.isArray(statuses) ? statuses : []) {
      const reason = dig(s, 'state', 'waiting', 'reason');
      if (typeof reason === 'string' && reason) counts.set(reason, (counts.get(reason) ?? 0) + 1);
    }
  }
  return [...counts].map(([reason, n]) => `${reason} (${n} ${n === 1 ? 'container' : 'containers'})`);
}

const deployment = (status: string, extra = '', generation = 4, revision = 4) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, generation: ${generation}, annotations: {deployment.kubernetes.io/revision: "${revision}"}}
spec:
  replicas: 4
  progressDeadlineSeconds: 120
  selector: {matchLabels: {app: web}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 1, maxSurge: 1}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: web:4}]}
status:
${status}
${extra}`;
const newRs = (ready: number, image = 'web:4', owner = 'Deployment, name: web', revision = '4', more = '') => `---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web-7d9c
  namespace: shop
  annotations: {deployment.kubernetes.io/revision: "${revision}"}
  ownerReferences: [{apiVersion: apps/v1, kind: ${owner}, uid: u1, controller: true}]
spec: {replicas: 2, selector: {matchLabels: {app: web, pod-template-hash: 7d9c}}, template: {metadata: {labels: {pod-template-hash: 7d9c, app: web}}, spec: {containers: [{image: ${image}, name: app}${more}]}}}
status: {replicas: 2, readyReplicas: ${ready}}
`;
const deadlineExceeded = `  observedGeneration: 4
  replicas: 5
  readyReplicas: 3
  updatedReplicas: 2
  conditions:
    - {type: Progressing, status: "False", reason: ProgressDeadlineExceeded, message: 'ReplicaSet "web-7d9c" has timed out progressing.'}`;
const progressing = (ready: number, updated: number, reason = 'ReplicaSetUpdated') => `  observedGeneration: 4
  replicas: 5
  readyReplicas: ${ready}
  updatedReplicas: ${updated}
  conditions: [{type: Progressing, status: "True", reason: ${reason}}]`;
const pod = (name: string, reason: string) => `---
apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: shop, labels: {app: web, pod-template-hash: 7d9c}}
spec: {containers: [{name: app, image: web:4}]}
status: {phase: Pending, containerStatuses: [{name: app, ready: false, restartCount: 0, image: web:4, imageID: '', state: {waiting: {reason: ${reason}}}}]}
`;
const argo = (phase: string, stable: string) => `
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  strategy: {canary: {steps: [{setWeight: 20}]}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: web:2}]}
status: {phase: ${phase}, message: 'ProgressDeadlineExceeded: ReplicaSet "web-6f7" has timed out progressing.', readyReplicas: 3, updatedReplicas: 1, currentPodHash: 6f7, stableRS: ${stable}}
`;

export default defineRule({
  id: 'rollout-stuck',
  title: 'Rollout stuck: no progress past its deadline',
  shape: 'reset',
  severity: 'error',
  targets: ['workload'],
  reads: [{ group: '*', kind: 'workload', status: true }, { group: 'apps', kind: 'ReplicaSet', status: true }],
  params: {
    progressDeadlineSeconds: {
      type: 'integer',
      default: DEFAULT_PROGRESS_DEADLINE_SECONDS,
      minimum: 1,
      unit: 'seconds',
      description: 'How long a StatefulSet or DaemonSet rollout may make no progress before it counts as stuck (Deployments and Argo Rollouts use their own deadline)',
    },
  },
  live: true,
  readsOwnPods: true,
  docs: {
    what:
      'Live rule (controller only). Fires when a rollout is really stuck, by the workload controller\'s own verdict ' +
      'where there is one: a Deployment whose `Progressing` condition is `False` with reason `ProgressDeadlineExceeded` ' +
      '(no progress for its `progressDeadlineSeconds`), an Argo Rollout in phase `Degraded`. StatefulSets and ' +
      'DaemonSets have no such deadline: they count as stuck when their ready and updated pods have not moved for ' +
      '`progressDeadlineSeconds` (a parameter, 600 s by default) while the rollout is incomplete. The message says how ' +
      'far the rollout got (ready and updated pods, and why their containers wait: the controller, at most once a minute per ' +
      'workload, and `scan --cluster` read the pods of a stuck workload, as they cache no pods a workload made) and, when there ' +
      'is an earlier revision, the exact command that rolls back to it. It clears itself when the rollout completes or is rolled back.',
    why:
      'The new version does not become ready, so the capacity behind the Service shrinks to the old pods that are ' +
      'left: the gateway sends their share of traffic to fewer pods (timeouts, then 502s) and, when they are gone, ' +
      'to none (502/503). Pods that crash during the rollout also reset the connections they held.',
    fix:
      'When an earlier revision exists, roll back first and investigate second:\n\n```sh\nkubectl rollout undo deployment/<name> -n <namespace>\n```\n\n' +
      'A first revision has nothing to roll back to: look at its pods (`kubectl describe pod`, `kubectl logs --previous`) ' +
      'for the crash, the failing readiness probe or the image that does not pull. Set `minReadySeconds` and ' +
      '`progressDeadlineSeconds` so a bad release stops early.',
    notes:
      'Silent while a rollout progresses, however slowly, within its deadline: new Deployments, scale-ups and workers ' +
      'without a Service start without a finding. Silent while the status describes an older pod template than the ' +
      'spec (a new rollout or an undo the workload controller has not picked up yet) and for workloads scaled to 0. ' +
      'A Deployment\'s generation also moves when only its annotations change (guard502 writes some): its status ' +
      'still counts then, as long as its newest ReplicaSet runs exactly the current pod template. For StatefulSets ' +
      'and DaemonSets the controller times the lack of progress itself: after a restart it starts timing again.',
  },
  evaluate(w, graph, params) {
    if (!isWorkload(w) || w.workloadKind === 'Pod') return [];
    const status = dig(w.raw, 'status');
    // A status written for an older spec says nothing about this one.
    if (!isObject(status) || !statusApplies(w, status, graph)) return [];
    const stuck =
      w.workloadKind === 'Deployment'
        ? deploymentStuck(w, status)
        : w.workloadKind === 'Rollout'
          ? argoRolloutStuck(w, status)
          : setStuck(w, status, params.progressDeadlineSeconds);
    if (!stuck) return [];
    const ns = w.namespace ? ` -n ${w.namespace}` : '';
    const waiting = waitingReasons(w, graph);
    const progress =
      `${stuck.ready} of ${stuck.desired} pods ready, ${stuck.updated} of ${stuck.desired} updated` +
      (waiting.length > 0 ? `, waiting: ${waiting.join(', ')}` : '');
    const look = `kubectl describe pods${w.selector ? ` -l ${describeSelector(w.selector)}` : ''}${ns}`;
    if (stuck.rollback) {
      const undo = undoCommand(w);
      return [
        {
          path: 'status',
          message: `${w.kind}/${w.name}: ${stuck.why}; ${progress}. Its Services are served by the pods that are left. Roll back: ${undo}`,
          fix: `${undo}\nthen find why the new pods are not ready: ${look}`,
        },
      ];
    }
    return [
      {
        path: 'status',
        message: `${w.kind}/${w.name}: ${stuck.why}; ${progress}. There is no earlier revision to roll back to: its pods must become ready.`,
        fix: `find why its pods are not ready: ${look}, then kubectl logs <pod> --previous${ns}`,
      },
    ];
  },
  fixtures: {
    fire: [
      { name: 'Progressing=False (ProgressDeadlineExceeded) on revision 4: roll back', yaml: deployment(deadlineExceeded), expect: [{ severity: 'error', path: 'status', message: '3 of 4 pods ready, 2 of 4 updated. Its Services are served by the pods that are left. Roll back: kubectl rollout undo deployment/web -n shop', fix: 'kubectl rollout undo deployment/web -n shop' }] },
      { name: 'ProgressDeadlineExceeded on the first revision: what is failing, no rollback', yaml: deployment(deadlineExceeded, pod('web-7d9c-a', 'ImagePullBackOff'), 4, 1), expect: [{ severity: 'error', path: 'status', message: 'waiting: ImagePullBackOff (1 container). There is no earlier revision to roll back to', fix: 'find why its pods are not ready' }] },
      {
        // Annotations (guard502's own included) bump a Deployment's generation: the status is not stale for that.
        name: 'status behind by generation only: the newest ReplicaSet runs exactly the current template',
        yaml: deployment(deadlineExceeded, '', 6) + newRs(0),
        expect: [{ severity: 'error', path: 'status', message: 'its rollout made no progress for 120 s (ProgressDeadlineExceeded' }],
      },
      { name: 'an Argo Rollout in phase Degraded', yaml: argo('Degraded', 'abc12'), expect: [{ severity: 'error', path: 'status', message: 'the Argo Rollout is Degraded (ProgressDeadlineExceeded', fix: 'kubectl argo rollouts undo web -n shop' }] },
    ],
    silent: [
      { name: 'a rollout in progress within its deadline, capacity down (2 of 4 ready)', yaml: deployment(progressing(2, 2)) + newRs(0) },
      { name: 'a brand-new Deployment starting (revision 1, nothing ready yet)', yaml: deployment(progressing(0, 4, 'NewReplicaSetCreated'), '', 4, 1) },
      { name: 'capacity dropped but the rollout is complete (old pods evicted, not a rollout problem)', yaml: deployment(progressing(2, 4, 'NewReplicaSetAvailable')) + newRs(2) },
      { name: 'Progressing=False for another reason than the deadline', yaml: deployment(deadlineExceeded.replace('ProgressDeadlineExceeded', 'ReplicaSetCreateError')) },
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
      { name: 'status behind by generation, and the ReplicaSet of that revision belongs to another Deployment', yaml: deployment(deadlineExceeded, '', 6) + newRs(0, 'web:4', 'Deployment, name: other') },
      { name: 'status behind by generation, and the ReplicaSet of that revision belongs to a StatefulSet of that name', yaml: deployment(deadlineExceeded, '', 6) + newRs(0, 'web:4', 'StatefulSet, name: web') },
      { name: 'status behind by generation, and the Deployment\'s ReplicaSet is of another revision', yaml: deployment(deadlineExceeded, '', 6) + newRs(0, 'web:4', 'Deployment, name: web', '3') },
      { name: 'status behind by generation, and the newest ReplicaSet runs one more container', yaml: deployment(deadlineExceeded, '', 6) + newRs(0, 'web:4', 'Deployment, name: web', '4', ', {name: proxy, image: envoy}') },
      { name: 'an Argo Rollout progressing', yaml: argo('Progressing', 'abc12') },
      {
        name: 'a StatefulSet rollout just seen incomplete: it has its deadline to progress',
        yaml: `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop, generation: 2}
spec: {replicas: 3, serviceName: db, selector: {matchLabels: {app: db}}, template: {metadata: {labels: {app: db}}, spec: {containers: [{name: db, image: db:2}]}}}
status: {observedGeneration: 2, replicas: 3, readyReplicas: 2, updatedReplicas: 1, currentRevision: db-1, updateRevision: db-2}
`,
      },
    ],
  },
});
