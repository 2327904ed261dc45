// The kinds the engine understands, identified by API group and kind (never by
// apiVersion alone: extensions/v1beta1 and apps/v1 Deployments are the same thing).

export interface GroupKind {
  group: string;
  kind: string;
}

export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

export const WORKLOAD_GROUPS: Record<string, readonly string[]> = {
  Deployment: ['apps', 'extensions'],
  StatefulSet: ['apps'],
  DaemonSet: ['apps', 'extensions'],
  ReplicaSet: ['apps', 'extensions'],
  Rollout: ['argoproj.io'],
  Pod: [''],
};

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Rollout' | 'Pod';

/** The workload kinds rules judge. ReplicaSets are kept for rollback detection only. */
export function workloadKind(group: string, kind: string): WorkloadKind | undefined {
  if (kind === 'ReplicaSet') return undefined;
  const groups = WORKLOAD_GROUPS[kind];
  return groups?.includes(group) ? (kind as WorkloadKind) : undefined;
}

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';

export function isService(group: string, kind: string): boolean {
  return group === '' && kind === 'Service';
}

export function isIngress(group: string, kind: string): boolean {
  return kind === 'Ingress' && (group === 'networking.k8s.io' || group === 'extensions');
}

export function isRoute(group: string, kind: string): boolean {
  return group === GATEWAY_GROUP && (kind === 'HTTPRoute' || kind === 'GRPCRoute');
}

/** Objects that have no namespace; everything else defaults to the scan's namespace. */
const CLUSTER_SCOPED = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition',
  'StorageClass', 'PriorityClass', 'IngressClass', 'GatewayClass', 'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration', 'APIService', 'Guard502Policy', 'ClusterIssuer', 'RuntimeClass',
  'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'CSIDriver', 'VolumeSnapshotClass',
]);

export function isClusterScoped(kind: string): boolean {
  return CLUSTER_SCOPED.has(kind);
}

/** Kinds rules read. An object of another kind without a name (a kustomize or tool config file) is skipped, not an error. */
const MODELED: Record<string, readonly string[]> = {
  ...WORKLOAD_GROUPS,
  Service: [''],
  Namespace: [''],
  Ingress: ['networking.k8s.io', 'extensions'],
  HTTPRoute: [GATEWAY_GROUP],
  GRPCRoute: [GATEWAY_GROUP],
  ReferenceGrant: [GATEWAY_GROUP],
  PodDisruptionBudget: ['policy'],
  HorizontalPodAutoscaler: ['autoscaling'],
  Canary: ['flagger.app'],
  Guard502Policy: ['guard502.dev'],
};

export function isModeledKind(group: string, kind: string): boolean {
  return MODELED[kind]?.includes(group) ?? false;
}

/**
 * The groups whose objects a rule targeting `kind` judges: those the engine models the kind in (a
 * Knative `serving.knative.dev` Service is no core Service), any group (`*`) for the kinds it does not model.
 */
export function targetGroups(kind: string): readonly string[] {
  return MODELED[kind] ?? ANY_GROUP;
}
const ANY_GROUP = ['*'];

/** Whether rules targeting `kind` judge an object of `group` (see targetGroups). */
export function isTargetGroup(group: string, kind: string): boolean {
  const groups = MODELED[kind];
  return groups === undefined || groups.includes(group);
}
