// Where the pods of a namespace come from, beyond the workloads the model judges.
// A Service may legitimately select the pods of a Job, a CronJob, a
// ReplicationController, an OpenShift DeploymentConfig — or of an operator's
// custom resource (Prometheus, Elasticsearch, Kafka, Knative, a GitOps
// Application) whose pod labels only that operator knows. A rule that says
// "nothing carries these labels" must look at the first kind and stay silent in
// the presence of the second.

import { dig, isObject } from '../../engine/fields.ts';
import type { ResourceGraph } from '../../engine/graph.ts';
import { isWorkload, type Resource } from '../../engine/model.ts';
import type { Read } from '../../engine/rule.ts';
import type { Json } from '../../engine/types.ts';

export interface PodTemplateSource {
  resource: Resource;
  labels: Record<string, string>;
  /** The ports its containers declare (the pod template's `spec.containers[*].ports`). */
  ports: Array<{ name?: string; containerPort: number }>;
}

/** Pod template locations of the pod-creating kinds that the model does not treat as workloads. */
const TEMPLATE_PATHS: Record<string, { groups: readonly string[]; path: readonly string[] }> = {
  Job: { groups: ['batch'], path: ['spec', 'template', 'metadata', 'labels'] },
  CronJob: { groups: ['batch'], path: ['spec', 'jobTemplate', 'spec', 'template', 'metadata', 'labels'] },
  ReplicationController: { groups: [''], path: ['spec', 'template', 'metadata', 'labels'] },
  ReplicaSet: { groups: ['apps', 'extensions'], path: ['spec', 'template', 'metadata', 'labels'] },
  DeploymentConfig: { groups: ['apps.openshift.io', ''], path: ['spec', 'template', 'metadata', 'labels'] },
  PodTemplate: { groups: [''], path: ['template', 'metadata', 'labels'] },
};

/** What a rule that calls `extraPodTemplates` reads, derived from the template locations above (a kind served by several groups: all of them). */
export const POD_TEMPLATE_READS: readonly Read[] = Object.entries(TEMPLATE_PATHS).map(([kind, { groups }]) => ({ group: groups.length === 1 ? (groups[0] as string) : '*', kind }));

/** API groups whose objects never create pods (configuration, policy, routing, certificates). */
const POD_FREE_GROUPS = new Set([
  'rbac.authorization.k8s.io', 'networking.k8s.io', 'policy', 'autoscaling', 'gateway.networking.k8s.io',
  'gateway.networking.x-k8s.io', 'storage.k8s.io', 'scheduling.k8s.io', 'admissionregistration.k8s.io',
  'apiextensions.k8s.io', 'apiregistration.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'node.k8s.io',
  'certificates.k8s.io', 'flowcontrol.apiserver.k8s.io', 'snapshot.storage.k8s.io', 'events.k8s.io',
  'cert-manager.io', 'acme.cert-manager.io', 'networking.istio.io', 'security.istio.io', 'telemetry.istio.io',
  'extensions.istio.io', 'guard502.dev', 'kustomize.config.k8s.io', 'builtin', 'config.kubernetes.io',
  'cloud.google.com', 'networking.gke.io', 'net.gke.io', 'monitoring.googleapis.com', 'elbv2.k8s.aws',
  'application-networking.k8s.aws', 'appmesh.k8s.aws', 'traefik.io', 'traefik.containo.us', 'projectcontour.io',
  'configuration.konghq.com', 'getambassador.io', 'k8s.nginx.org', 'external-secrets.io',
  'secrets-store.csi.x-k8s.io', 'bitnami.com', 'linkerd.io', 'policy.linkerd.io', 'split.smi-spec.io',
  'specs.smi-spec.io', 'access.smi-spec.io', 'multicluster.x-k8s.io', 'gateway.envoyproxy.io',
  'source.toolkit.fluxcd.io', 'notification.toolkit.fluxcd.io', 'image.toolkit.fluxcd.io',
  'templates.gatekeeper.sh', 'constraints.gatekeeper.sh', 'kyverno.io', 'route.openshift.io',
]);

/** Pod-free kinds in groups that also hold pod-creating kinds. */
const POD_FREE_KINDS: Record<string, readonly string[]> = {
  '': ['ConfigMap', 'Secret', 'ServiceAccount', 'Service', 'Endpoints', 'PersistentVolumeClaim', 'PersistentVolume', 'Namespace', 'LimitRange', 'ResourceQuota', 'Event', 'List'],
  apps: ['ControllerRevision'],
  'monitoring.coreos.com': ['ServiceMonitor', 'PodMonitor', 'PrometheusRule', 'Probe', 'ScrapeConfig', 'AlertmanagerConfig'],
  'argoproj.io': ['AnalysisTemplate', 'ClusterAnalysisTemplate', 'AnalysisRun', 'AppProject'],
  'flagger.app': ['MetricTemplate', 'AlertProvider'],
  'keda.sh': ['ScaledObject', 'TriggerAuthentication', 'ClusterTriggerAuthentication'],
};

/** Pod templates of Jobs, CronJobs, ReplicationControllers, ReplicaSets and the like in a namespace. */
export function extraPodTemplates(graph: ResourceGraph, namespace: string): PodTemplateSource[] {
  const out: PodTemplateSource[] = [];
  for (const [kind, { groups, path }] of Object.entries(TEMPLATE_PATHS)) {
    for (const group of groups) {
      for (const r of graph.list(kind, group, namespace)) {
        const labels = dig(r.raw, ...path);
        const map: Record<string, string> = {};
        if (isObject(labels)) for (const [k, v] of Object.entries(labels)) if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') map[k] = String(v);
        out.push({ resource: r, labels: map, ports: declaredPorts(dig(r.raw, ...path.slice(0, -2), 'spec', 'containers')) });
      }
    }
  }
  return out;
}

function declaredPorts(containers: Json | undefined): PodTemplateSource['ports'] {
  const out: PodTemplateSource['ports'] = [];
  for (const c of Array.isArray(containers) ? containers : []) {
    const ports = dig(c, 'ports');
    for (const p of Array.isArray(ports) ? ports : []) {
      const n = dig(p, 'containerPort');
      const name = dig(p, 'name');
      if (typeof n === 'number') out.push({ ...(typeof name === 'string' ? { name } : {}), containerPort: n });
    }
  }
  return out;
}

function isTemplateKind(r: Resource): boolean {
  return TEMPLATE_PATHS[r.kind]?.groups.includes(r.group) ?? false;
}

/**
 * Objects of the namespace that may create pods whose labels the manifests do not
 * show: custom resources of operators, GitOps applications, Flagger Canaries
 * (whose `-primary` Deployment is generated), anything of an unknown kind.
 */
export function opaquePodCreators(graph: ResourceGraph, namespace: string): Resource[] {
  return graph.inNamespace(namespace).filter((r) => {
    if (isWorkload(r) || isTemplateKind(r)) return false;
    if (POD_FREE_GROUPS.has(r.group)) return false;
    return !(POD_FREE_KINDS[r.group]?.includes(r.kind) ?? false);
  });
}

/** Labels that controllers add to pods at run time: a selector may use them although no template shows them. */
export const RUNTIME_POD_LABELS = new Set([
  'pod-template-hash', 'rollouts-pod-template-hash', 'controller-revision-hash', 'pod-template-generation',
  'statefulset.kubernetes.io/pod-name', 'apps.kubernetes.io/pod-index', 'job-name', 'batch.kubernetes.io/job-name',
  'controller-uid', 'batch.kubernetes.io/controller-uid', 'batch.kubernetes.io/job-completion-index',
]);

function labelsAt(v: Json | undefined): Record<string, string> | undefined {
  if (!isObject(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return Object.keys(out).length ? out : undefined;
}

/**
 * Label sets an Argo Rollout puts on some of its pods at run time, on top of the
 * template's: `canaryMetadata`/`stableMetadata`, `activeMetadata`/`previewMetadata`,
 * and the `metadata.labels` of the experiment templates of its canary steps.
 */
export function rolloutRuntimeLabels(w: Resource): Array<Record<string, string>> {
  const out: Array<Record<string, string>> = [];
  const strategy = dig(w.raw, 'spec', 'strategy');
  for (const [kind, keys] of [['canary', ['canaryMetadata', 'stableMetadata']], ['blueGreen', ['activeMetadata', 'previewMetadata']]] as const) {
    for (const key of keys) {
      const l = labelsAt(dig(strategy, kind, key, 'labels'));
      if (l) out.push(l);
    }
  }
  const steps = dig(strategy, 'canary', 'steps');
  for (const step of Array.isArray(steps) ? steps : []) {
    const templates = dig(step, 'experiment', 'templates');
    for (const t of Array.isArray(templates) ? templates : []) {
      const l = labelsAt(dig(t, 'metadata', 'labels'));
      if (l) out.push(l);
    }
  }
  return out;
}
