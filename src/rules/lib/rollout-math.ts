// Replica and rollout arithmetic shared by the rules about capacity: how many
// pods a workload runs at its smallest, how many of them a rollout may take
// down at once, and which Services would be left with how many pods. The
// rounding follows the controllers: a Deployment (and an Argo Rollout) rounds
// maxUnavailable down and maxSurge up, and when both resolve to 0 it lets one
// pod be unavailable; StatefulSets and DaemonSets round maxUnavailable up.

import { dig } from '../../engine/fields.ts';
import type { ResourceGraph } from '../../engine/graph.ts';
import { scaledValue, type Backend, type Resource, type Service, type Workload } from '../../engine/model.ts';

export interface ReplicaCount {
  /** Pods the workload runs at its smallest: `spec.replicas`, or the autoscaler's minimum. */
  count: number;
  /** The object that owns the replica count when an autoscaler targets the workload. */
  scaler?: Resource;
  /** Where the count comes from, for messages: `replicas: 1`, `HorizontalPodAutoscaler/web minReplicas: 1`. */
  source: string;
}

function intField(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;
}

/** A KEDA ScaledObject targeting the workload (KEDA creates the HPA at run time). */
function scaledObjectFor(w: Workload, graph: ResourceGraph): Resource | undefined {
  return graph.list('ScaledObject', 'keda.sh', w.namespace).find((s) => {
    const ref = dig(s.raw, 'spec', 'scaleTargetRef');
    if (typeof ref !== 'object' || ref === null || Array.isArray(ref)) return false;
    return ref.name === w.name && (ref.kind ?? 'Deployment') === w.kind;
  });
}

/**
 * The smallest number of pods the workload runs. An HPA (or KEDA ScaledObject)
 * owns the count when it targets the workload: `spec.replicas` is then ignored and
 * the minimum counts. Undefined for DaemonSets (one pod per node, count unknown).
 */
export function replicaCount(w: Workload, graph: ResourceGraph): ReplicaCount | undefined {
  if (w.workloadKind === 'DaemonSet' || w.replicas === undefined) return undefined;
  if (w.workloadKind === 'Pod') return { count: 1, source: 'a bare Pod' };
  // An autoscaler does not act on a workload scaled to 0 on purpose.
  if (w.replicas === 0) return { count: 0, source: 'replicas: 0' };
  const hpa = graph.hpaFor(w);
  if (hpa) {
    const count = intField(dig(hpa.raw, 'spec', 'minReplicas')) ?? 1;
    return { count, scaler: hpa, source: `HorizontalPodAutoscaler/${hpa.name} minReplicas: ${count}` };
  }
  const so = scaledObjectFor(w, graph);
  if (so) {
    const count = intField(dig(so.raw, 'spec', 'minReplicaCount')) ?? 0;
    return { count, scaler: so, source: `ScaledObject/${so.name} minReplicaCount: ${count}` };
  }
  return { count: w.replicas, source: `replicas: ${w.replicas}` };
}

/** Off on purpose (0 replicas, or an autoscaler minimum of 0) or a mere template (Argo `workloadRef`). */
export function isSwitchedOff(w: Workload, graph: ResourceGraph): boolean {
  if (graph.isTemplateOnly(w)) return true;
  const n = replicaCount(w, graph);
  return n !== undefined && n.count === 0;
}

export interface RolloutBudget {
  /** Pods the rollout may take down at once, resolved against the replica count. */
  unavailable: number;
  /** Extra pods it may start first (0 when the kind cannot surge). */
  surge: number;
  /** The field to change, as a path in the workload. */
  path: string;
  /** How the values were written, for messages: `maxUnavailable: 1, maxSurge: 0`. */
  written: string;
  /** The API's rule applied: both resolved to 0, so one pod may be unavailable. */
  forcedOne: boolean;
}

function show(v: number | string | undefined): string {
  return v === undefined ? 'unset' : typeof v === 'number' ? String(v) : JSON.stringify(v);
}

/**
 * Deployment and Argo Rollout canary arithmetic (the Deployment controller's
 * ResolveFenceposts): maxSurge rounds up, maxUnavailable rounds down, and both 0
 * means maxUnavailable 1.
 */
export function resolveFenceposts(maxUnavailable: number | string | undefined, maxSurge: number | string | undefined, replicas: number): { unavailable: number; surge: number; forcedOne: boolean } {
  const surge = scaledValue(maxSurge, replicas, true);
  const unavailable = scaledValue(maxUnavailable, replicas, false);
  if (surge === 0 && unavailable === 0) return { unavailable: 1, surge: 0, forcedOne: true };
  return { unavailable, surge, forcedOne: false };
}

/**
 * What one rollout step of a replicated workload may take down, or undefined when
 * its rollouts take nothing down on their own (blueGreen, OnDelete) or it is not
 * judged here (DaemonSets: see `daemonSetShare`; bare Pods).
 */
export function rolloutBudget(w: Workload, replicas: number): RolloutBudget | undefined {
  const s = w.strategy;
  if (!s) return undefined;
  const written = `maxUnavailable: ${show(s.maxUnavailable)}, maxSurge: ${show(s.maxSurge)}`;
  if (w.workloadKind === 'Deployment' && s.type === 'RollingUpdate') {
    return { ...resolveFenceposts(s.maxUnavailable, s.maxSurge, replicas), path: `${s.path}.rollingUpdate`, written };
  }
  if (w.workloadKind === 'Rollout' && s.type === 'canary') {
    return { ...resolveFenceposts(s.maxUnavailable, s.maxSurge, replicas), path: s.path, written };
  }
  if (w.workloadKind === 'StatefulSet' && s.type === 'RollingUpdate') {
    // maxUnavailable rounds up, never below 1. Under the default OrderedReady pod
    // management the controller still replaces pods one at a time, so only a
    // Parallel StatefulSet is taken at its word.
    const parallel = dig(w.raw, 'spec', 'podManagementPolicy') === 'Parallel';
    const unavailable = parallel ? Math.max(1, scaledValue(s.maxUnavailable, replicas, true)) : 1;
    return { unavailable, surge: 0, path: `${s.path}.rollingUpdate`, written: `maxUnavailable: ${show(s.maxUnavailable)}${parallel ? ', podManagementPolicy: Parallel' : ''}`, forcedOne: false };
  }
  return undefined;
}

/**
 * The share of its pods (0..1) a DaemonSet's RollingUpdate may take down at once,
 * when it can be told without knowing the node count: a percentage maxUnavailable
 * with maxSurge 0. Absolute numbers depend on how many nodes run it: undefined.
 */
export function daemonSetShare(w: Workload): { share: number; path: string; written: string } | undefined {
  const s = w.strategy;
  if (w.workloadKind !== 'DaemonSet' || !s || s.type !== 'RollingUpdate') return undefined;
  const surge = s.maxSurge;
  const surgeZero = surge === undefined || surge === 0 || (typeof surge === 'string' && /^\s*0+%?\s*$/.test(surge));
  if (!surgeZero) return undefined; // surging DaemonSets start the new pod before the old one goes
  const m = typeof s.maxUnavailable === 'string' ? /^\s*(\d+)%\s*$/.exec(s.maxUnavailable) : null;
  if (!m) return undefined;
  return { share: Math.min(1, Number(m[1]) / 100), path: `${s.path}.rollingUpdate.maxUnavailable`, written: `maxUnavailable: ${JSON.stringify(s.maxUnavailable)}` };
}

// ── who serves a Service, and who sends it traffic ────────────────────────

export interface Exposure {
  service: Service;
  /** Ingress and route edges that reach this Service (cross-namespace routes only with a ReferenceGrant). */
  gateways: Backend[];
  /** A cloud load balancer sends HTTP traffic straight to the Service (`type: LoadBalancer` on an HTTP-looking port). */
  loadBalancer: boolean;
}

const METRICS = /metrics|prometheus|monitoring|telemetry/i;
const HTTP_NAME = /(^|[-_])(http|https|http2|h2c|grpc|grpcs|web|ws|wss)($|[-_])/i;
const HTTP_APP_PROTOCOL = /http|h2c|grpc|(^|\/)wss?$/i;
const HTTP_PORTS = new Set([80, 443, 3000, 5000, 8000, 8080, 8443, 8888]);

/**
 * Whether a Service looks like it carries HTTP (or gRPC): by appProtocol, port name, or a
 * well-known HTTP port. A load balancer in front of a database port answers no 502s.
 */
export function servesHttp(s: Service): boolean {
  return s.ports.some((p) => (p.appProtocol !== undefined && HTTP_APP_PROTOCOL.test(p.appProtocol)) || HTTP_NAME.test(p.name ?? '') || HTTP_PORTS.has(p.port));
}

/**
 * A Service that exists for a metrics scraper: every port is named like a metrics port. By port
 * names only: a Service named `prometheus` or `grafana-monitoring` serves a UI people use.
 */
export function isMetricsOnly(s: Service): boolean {
  return s.ports.length > 0 && s.ports.every((p) => p.name !== undefined && METRICS.test(p.name));
}

/**
 * The Services that select `w` and carry request traffic, each with the gateways in
 * front of it. Metrics-only Services (a scraper missing a scrape is no outage) are
 * left out unless a gateway reaches them.
 */
export function exposures(w: Workload, graph: ResourceGraph): Exposure[] {
  // Most workload rules ask this first: once per workload and graph state.
  return graph.memoOf(w, 'exposures', () => computeExposures(w, graph));
}

function computeExposures(w: Workload, graph: ResourceGraph): Exposure[] {
  return graph
    .servicesSelecting(w)
    .map((service) => ({
      service,
      gateways: graph
        .backendsTo(service)
        .filter((b) => b.proxy === 'ingress' || graph.referenceGrantAllows(b.from, b.serviceNamespace, b.serviceName)),
      loadBalancer: service.type === 'LoadBalancer' && servesHttp(service),
    }))
    .filter((e) => isGatewayFacing(e) || !isMetricsOnly(e.service));
}

/** Whether a gateway (Ingress, HTTPRoute/GRPCRoute, cloud load balancer) sends traffic to the Service. */
export function isGatewayFacing(e: Exposure): boolean {
  return e.gateways.length > 0 || e.loadBalancer;
}

/** `Ingress/web`, `HTTPRoute/web`, or `its cloud load balancer (type: LoadBalancer)`, for messages. */
export function gatewayLabel(e: Exposure): string {
  const g = e.gateways[0];
  if (g) return `${g.from.kind}/${g.from.name}`;
  return 'its cloud load balancer (type: LoadBalancer)';
}

export interface ServiceCapacity {
  /** Workloads the Service selects that actually run pods (switched-off ones left out). */
  serving: Workload[];
  /** Their pods at the smallest scale; undefined when a DaemonSet (node count unknown) is among them. */
  pods: number | undefined;
}

/** The pods behind a Service, across every workload it selects (canary pairs share a Service). */
export function serviceCapacity(service: Service, graph: ResourceGraph): ServiceCapacity {
  return graph.memoOf(service, 'service-capacity', () => computeServiceCapacity(service, graph));
}

function computeServiceCapacity(service: Service, graph: ResourceGraph): ServiceCapacity {
  const serving = graph.workloadsSelectedBy(service).filter((x) => !isSwitchedOff(x, graph));
  let pods: number | undefined = 0;
  for (const x of serving) {
    const n = replicaCount(x, graph);
    if (n === undefined) {
      pods = undefined;
      break;
    }
    pods += n.count;
  }
  return { serving, pods };
}

/** Whether the template mounts a PersistentVolumeClaim (often ReadWriteOnce: two pods cannot share it). */
export function mountsClaim(w: Workload, graph: ResourceGraph): boolean {
  const volumes = dig(graph.templateOf(w)?.raw, 'spec', 'volumes');
  const own = Array.isArray(volumes) && volumes.some((v) => typeof v === 'object' && v !== null && !Array.isArray(v) && v.persistentVolumeClaim !== undefined);
  return own || w.workloadKind === 'StatefulSet' && Array.isArray(dig(w.raw, 'spec', 'volumeClaimTemplates'));
}
