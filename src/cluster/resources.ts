// The API resources guard502 reads from a cluster, and which face needs them.
// Optional ones come from CRDs (Argo Rollouts, Gateway API, Flagger, our own
// policy): when absent they are skipped with one log line and picked up when
// their CRD appears.

export interface WatchedResource {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  /** Served only when a CRD is installed. */
  optional: boolean;
  /** guard502 writes annotations on these (controller) — RBAC `patch`. */
  annotated: boolean;
  /** Only the controller needs it (live state). */
  liveOnly?: boolean;
}

const r = (group: string, version: string, plural: string, kind: string, opts: Partial<WatchedResource> = {}): WatchedResource => ({
  group,
  version,
  plural,
  kind,
  namespaced: true,
  optional: false,
  annotated: false,
  ...opts,
});

export const WATCHED: readonly WatchedResource[] = [
  r('', 'v1', 'namespaces', 'Namespace', { namespaced: false }),
  r('', 'v1', 'services', 'Service', { annotated: true }),
  r('apps', 'v1', 'deployments', 'Deployment', { annotated: true }),
  r('apps', 'v1', 'statefulsets', 'StatefulSet', { annotated: true }),
  r('apps', 'v1', 'daemonsets', 'DaemonSet', { annotated: true }),
  r('apps', 'v1', 'replicasets', 'ReplicaSet'),
  r('argoproj.io', 'v1alpha1', 'rollouts', 'Rollout', { optional: true, annotated: true }),
  r('networking.k8s.io', 'v1', 'ingresses', 'Ingress', { annotated: true }),
  r('gateway.networking.k8s.io', 'v1', 'httproutes', 'HTTPRoute', { optional: true, annotated: true }),
  r('gateway.networking.k8s.io', 'v1', 'grpcroutes', 'GRPCRoute', { optional: true, annotated: true }),
  r('gateway.networking.k8s.io', 'v1beta1', 'referencegrants', 'ReferenceGrant', { optional: true }),
  r('policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget'),
  r('autoscaling', 'v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler'),
  r('flagger.app', 'v1beta1', 'canaries', 'Canary', { optional: true }),
  r('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', { liveOnly: true }),
  r('guard502.dev', 'v1alpha1', 'guard502policies', 'Guard502Policy', { namespaced: false, optional: true }),
];

export function watchedFor(face: 'webhook' | 'controller'): WatchedResource[] {
  return WATCHED.filter((w) => face === 'controller' || !w.liveOnly);
}

export function apiVersionOf(w: Pick<WatchedResource, 'group' | 'version'>): string {
  return w.group === '' ? w.version : `${w.group}/${w.version}`;
}

export function resourceFor(group: string, kind: string): WatchedResource | undefined {
  return WATCHED.find((w) => w.group === group && w.kind === kind);
}
