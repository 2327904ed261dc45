// The controller: keeps guard502's findings written on every workload, Service,
// Ingress and route of the cluster. A change to one object re-checks only what it
// can affect (ResourceGraph.affected); a policy change re-checks everything once.
// Annotations are written only when they would change, so the watch event of our
// own write finds nothing to do: no write loop. Only the elected leader writes.

import type { Registry } from 'prom-client';
import type { ClusterCache, CacheChange } from '../cluster/cache.ts';
import type { KubeClient } from '../cluster/client.ts';
import { OwnPodsReader, wantsOwnPods } from '../cluster/own-pods.ts';
import { resourceFor, WATCHED } from '../cluster/resources.ts';
import { declaredReach } from './reach.ts';
import { ANNOTATION_CHECKED, ANNOTATION_FINDINGS, ANNOTATION_RISK } from '../engine/annotations.ts';
import { isServiceModel, isWorkload, type Model } from '../engine/model.ts';
import { dig } from '../engine/fields.ts';
import { check, namespaceSkipReason, sortFindings } from '../engine/run.ts';
import type { Severity } from '../engine/types.ts';
import { governingPolicy } from '../policy/select.ts';
import { POLICY_KIND } from '../policy/crd.ts';
import { desiredAnnotations } from '../report/annotations.ts';
import { RULES } from '../rules/index.ts';
import { liveClock } from '../rules/lib/live-clock.ts';
import type { Logger } from '../server/log.ts';
import { LeaderElector } from './leader.ts';
import { EventRecorder } from './events.ts';
import { controllerMetrics } from './metrics.ts';
import { WorkQueue } from './queue.ts';
import { PolicyStatus } from './status.ts';
import { ReportWriter, type ReportFormat } from './reports.ts';
import { Writer } from './writer.ts';

/** Objects reconciled at once: writes wait on the API server, so more than one keeps it busy. */
export const DEFAULT_WORKERS = 16;

export interface ControllerDeps {
  client: KubeClient;
  cache: ClusterCache;
  log: Logger;
  registry: Registry;
  identity: string;
  namespace: string;
  leaderElection?: { enabled: boolean; leaseName?: string; leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number };
  workers?: number;
  /** Annotation patches per second and their burst (default 20 and 30, as controller-runtime's clients). */
  writeQps?: number;
  writeBurst?: number;
  /** Events per second and their burst across the controller. */
  eventQps?: number;
  eventBurst?: number;
  /** A finding gets an Event only when it is still there after this long. */
  eventSettleMs?: number;
  /** How often Guard502Policy status is brought up to date. */
  statusIntervalMs?: number;
  /** Write a policy report per checked object in this format (absent: none). */
  reports?: ReportFormat;
}

export interface ControllerHandle {
  readonly leading: boolean;
  notReadyReason(): string | undefined;
  /** Stops; a leader releases its lease unless `release` is false (a simulated crash). */
  stop(release?: boolean): Promise<void>;
}

const ANNOTATED = new Set(WATCHED.filter((w) => w.annotated).map((w) => `${w.group}/${w.kind}`));
const OUR_KEYS = [ANNOTATION_FINDINGS, ANNOTATION_RISK, ANNOTATION_CHECKED];

function isAnnotated(m: Model): boolean {
  return ANNOTATED.has(`${m.group}/${m.kind}`);
}

/** The change is only guard502's own annotations (our write coming back through the watch). */
function onlyOurAnnotations(previous: Model, current: Model): boolean {
  const strip = (m: Model) => {
    const meta = { ...(m.raw.metadata as Record<string, unknown>) };
    delete meta.resourceVersion;
    delete meta.managedFields;
    const annotations = { ...(meta.annotations as Record<string, string> | undefined) };
    for (const k of OUR_KEYS) delete annotations[k];
    meta.annotations = annotations;
    return JSON.stringify({ ...m.raw, metadata: meta });
  };
  return OUR_KEYS.some((k) => previous.annotations[k] !== current.annotations[k]) && strip(previous) === strip(current);
}

/** Both versions reach the same objects (same pod labels, selector, backends): the new one's neighbours are the old one's. */
function sameReach(previous: Model, current: Model): boolean {
  const reach = (m: Model) =>
    JSON.stringify([
      isWorkload(m) ? [m.template?.labels, m.workloadRef] : null,
      isServiceModel(m) ? m.selector : null,
      dig(m.raw, 'spec', 'rules') ?? null,
      dig(m.raw, 'spec', 'defaultBackend') ?? dig(m.raw, 'spec', 'backend') ?? null,
      m.kind === 'EndpointSlice' || m.kind === 'ReplicaSet' ? [m.labels, dig(m.raw, 'metadata', 'ownerReferences') ?? null] : null,
      m.kind === 'Namespace' ? m.labels : null,
    ]);
  return reach(previous) === reach(current);
}

/** The finding and the first step of its fix, said once: a message that already gives the step does not repeat it. */
export function eventMessage(f: { message: string; fix: string }): string {
  const step = f.fix.split('\n')[0]?.trim() ?? '';
  return step === '' || f.message.includes(step) ? f.message : `${f.message} Fix: ${step}`;
}

/** Rules with an error or warning in a findings annotation: those already announced (info findings never are). */
function rulesIn(annotation: string | undefined): Set<string> {
  try {
    const list = JSON.parse(annotation ?? '[]') as Array<{ rule?: string; severity?: string }>;
    return new Set(list.filter((f) => f.severity !== 'info').map((f) => f.rule ?? ''));
  } catch {
    return new Set();
  }
}

export async function startController(deps: ControllerDeps): Promise<ControllerHandle> {
  const { cache, log } = deps;
  const queue = new WorkQueue();
  const writer = new Writer(deps.client, { ...(deps.writeQps ? { qps: deps.writeQps } : {}), ...(deps.writeBurst ? { burst: deps.writeBurst } : {}) });
  /** What each object's findings were at its last check: metrics, policy status and Events read it. */
  const current = new Map<string, { policy: string; findings: Array<{ rule: string; severity: Severity }> }>();
  const ownPods = new OwnPodsReader(deps.client, cache.graph);
  const reports = deps.reports ? new ReportWriter(deps.client, { format: deps.reports, log, rules: RULES }) : undefined;
  const metrics = controllerMetrics(deps.registry, {
    queueDepth: () => queue.length,
    findings: function* () {
      for (const c of current.values()) yield* c.findings;
    },
  });
  const events = new EventRecorder({
    client: deps.client,
    log,
    identity: deps.identity,
    ...(deps.eventQps ? { qps: deps.eventQps } : {}),
    ...(deps.eventBurst ? { burst: deps.eventBurst } : {}),
    ...(deps.eventSettleMs !== undefined ? { settleMs: deps.eventSettleMs } : {}),
    stillCurrent: (key, rule) => current.get(key)?.findings.some((f) => f.rule === rule) ?? false,
    onOutcome: (rule, result) => metrics.events.inc({ rule, result }),
  });
  const status = new PolicyStatus(deps.client, log, () => current.values());
  status.setPolicies(() => cache.policies());
  let leading = !(deps.leaderElection?.enabled ?? true);
  let stopped = false;
  /**
   * The cache has delivered a complete first view. Changes before it are not judged one by one: a Service
   * listed before the workloads it selects would "select nothing" (a wrong annotation and a false Event);
   * the whole cluster is queued once instead.
   */
  let complete = false;

  const enqueueAll = () => {
    for (const m of cache.graph.all()) if (isAnnotated(m)) queue.add(m.key);
  };
  const enqueue = (m: Model | undefined) => {
    if (!m) return;
    if (isAnnotated(m)) queue.add(m.key);
    for (const n of cache.graph.affected(m, RULES)) if (isAnnotated(n)) queue.add(n.key);
  };

  cache.onChange((c: CacheChange) => {
    if (!leading || stopped || !complete) return;
    if (c.resource.kind === POLICY_KIND) {
      enqueueAll();
      status.touch();
      return;
    }
    // Our own write: this object was just checked, and annotations change nobody's findings.
    if (c.fromWrite) return;
    if (c.current && c.previous && onlyOurAnnotations(c.previous, c.current)) {
      // Our write coming back (or someone editing our keys): re-check the object itself, not its neighbours.
      // (The Deployment controller copies a Deployment's annotations to its ReplicaSets: those are not ours to judge.)
      if (isAnnotated(c.current)) queue.add(c.current.key);
      return;
    }
    // A change of someone else's: Events of the namespace wait until it is quiet (an apply in progress).
    const changed = c.current ?? c.previous;
    if (changed) events.noteChange(changed.namespace);
    enqueue(c.current);
    // What the old version reached may have changed too (a Service it no longer selects).
    const previous = c.previous;
    if (previous && !(c.current && sameReach(previous, c.current))) {
      for (const n of cache.graph.withChanges([previous], () => cache.graph.affected(previous, RULES))) if (isAnnotated(n)) queue.add(n.key);
    }
    // What rules that read this kind judge in the namespace, whatever relation the graph sees.
    for (const n of declaredReach(cache.graph, RULES, c.previous, c.current)) if (isAnnotated(n)) queue.add(n.key);
    if (!c.current && c.previous) {
      current.delete(c.previous.key);
      ownPods.forget(c.previous.key);
      liveClock.forgetObject(c.previous.key);
      reports?.forget(c.previous);
    }
  });

  async function reconcile(key: string): Promise<string> {
    // Keys queued before this replica stepped down are not its to write any more.
    if (!leading) return 'skipped';
    const object = cache.graph.get(key);
    if (!object || !isAnnotated(object)) {
      current.delete(key);
      return 'gone';
    }
    const policies = cache.policies();
    const policy = governingPolicy(policies, cache.graph, object.namespace);
    if (!policy || namespaceSkipReason(policy, cache.graph, object.namespace)) {
      current.delete(key);
      return 'skipped';
    }
    let result = check(cache.graph, [object], { rules: RULES, policy, live: true });
    // A stuck rollout says why its pods wait: they are read (the cache holds no owned pods) and it is judged again.
    if (wantsOwnPods(object, result.findings)) {
      try {
        if (await ownPods.refresh(object)) result = check(cache.graph, [object], { rules: RULES, policy, live: true });
      } catch (err) {
        log.warn({ kind: object.kind, namespace: object.namespace, name: object.name, error: (err as Error).message }, 'could not read the pods of a stuck workload');
      }
    } else ownPods.forget(key);
    // A live rule waits for a deadline (a rollout's, a Service's grace): judge the object again then.
    const recheckAt = liveClock.takeRecheck(key);
    if (recheckAt !== undefined) queue.addAfter(key, recheckAt - liveClock.now() + 50);
    for (const f of result.failures) log.error({ rule: f.rule, kind: object.kind, namespace: object.namespace, name: object.name, error: f.message }, 'rule failed');
    const findings = sortFindings(result.findings);
    current.set(key, { policy: policy.name, findings: findings.map((f) => ({ rule: f.rule, severity: f.severity })) });
    if (reports) {
      try {
        const r = await reports.write(object, result);
        if (r === 'written') metrics.writes.inc({ kind: 'Report', result: 'ok' });
      } catch (err) {
        // The report is a view of the findings: failing to write it must not hold back the annotations.
        metrics.writes.inc({ kind: 'Report', result: 'error' });
        log.warn({ kind: object.kind, namespace: object.namespace, name: object.name, error: (err as Error).message }, 'could not write policy report');
      }
    }
    const desired = desiredAnnotations(findings, policy.generation, object.annotations, new Date());
    if (!desired) return 'unchanged';
    const before = rulesIn(object.annotations[ANNOTATION_FINDINGS]);
    const written = await writer.annotate(object, desired);
    const resource = resourceFor(object.group, object.kind);
    if (written.status === 'gone') {
      metrics.writes.inc({ kind: object.kind, result: 'gone' });
      current.delete(key);
      return 'gone';
    }
    metrics.writes.inc({ kind: object.kind, result: 'ok' });
    if (resource) cache.observe(resource, written.object);
    // One Event when an error or warning appears and stays past the settle period; none while it stays (the
    // annotation remembers it across restarts). Info findings are hygiene: the annotation and the metrics carry
    // them, Events would be noise.
    const announced = new Set<string>();
    for (const f of findings) {
      if (f.severity === 'info' || before.has(f.rule) || announced.has(f.rule)) continue;
      announced.add(f.rule);
      events.warn(object, f.rule, eventMessage(f));
    }
    log.info({ kind: object.kind, namespace: object.namespace, name: object.name, risk: desired[ANNOTATION_RISK], findings: findings.map((f) => f.rule) }, 'annotated');
    return 'written';
  }

  async function worker(): Promise<void> {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      const started = process.hrtime.bigint();
      let outcome = 'error';
      try {
        outcome = await reconcile(key);
        queue.forget(key);
      } catch (err) {
        const delay = queue.retry(key);
        metrics.writes.inc({ kind: key.split('/')[1] ?? '', result: 'error' });
        log.warn({ key, error: (err as Error).message, retryInMs: delay }, 'reconcile failed; will retry');
      } finally {
        queue.done(key);
        metrics.reconcileSeconds.observe({ result: outcome }, Number(process.hrtime.bigint() - started) / 1e9);
      }
    }
  }

  const startWriting = () => {
    leading = true;
    events.resume();
    metrics.leader.set(1);
    // Everything, once the cache is complete: a partial graph would produce wrong findings (and Events).
    void cache.waitForSync().then(() => {
      complete = true;
      if (!leading || stopped) return;
      enqueueAll();
      status.start(deps.statusIntervalMs ?? 5_000);
      status.touch();
    });
  };
  const stopWriting = () => {
    leading = false;
    events.stop();
    metrics.leader.set(0);
    status.stop();
  };

  const workers = Array.from({ length: deps.workers ?? DEFAULT_WORKERS }, () => worker());
  let elector: LeaderElector | undefined;
  if (deps.leaderElection?.enabled ?? true) {
    elector = new LeaderElector({
      client: deps.client,
      namespace: deps.namespace,
      name: deps.leaderElection?.leaseName ?? 'guard502-controller',
      identity: deps.identity,
      log,
      ...(deps.leaderElection?.leaseDurationMs ? { leaseDurationMs: deps.leaderElection.leaseDurationMs } : {}),
      ...(deps.leaderElection?.renewDeadlineMs ? { renewDeadlineMs: deps.leaderElection.renewDeadlineMs } : {}),
      ...(deps.leaderElection?.retryPeriodMs ? { retryPeriodMs: deps.leaderElection.retryPeriodMs } : {}),
      onStartedLeading: startWriting,
      onStoppedLeading: stopWriting,
    });
    metrics.leader.set(0);
    elector.start();
  } else {
    startWriting();
  }

  return {
    get leading() {
      return leading;
    },
    notReadyReason: () => (cache.synced ? undefined : 'the cluster cache has not synced yet'),
    async stop(release = true) {
      stopped = true;
      queue.shutDown();
      await Promise.all(workers);
      await elector?.stop(release);
      stopWriting();
    },
  };
}

