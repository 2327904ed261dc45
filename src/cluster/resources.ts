// The API resources guard502 reads from a cluster, and which face needs them. One catalogue holds
// the API facts of every kind (group, versions, plural, scope, whether a CRD serves it); what is
// watched is derived from what the rules declare they read and judge (Rule.targets, Rule.reads), so
// the informers, the RBAC and the rules cannot drift apart. Optional kinds come from CRDs: when
// absent they are skipped with one log line and picked up when their CRD appears.

import { hasOwner } from '../engine/fields.ts';
import type { JsonObject } from '../engine/types.ts';
import { inputsFor } from '../engine/inputs.ts';
import type { Rule } from '../engine/rule.ts';
import { RULES } from '../rules/index.ts';

export interface ApiResource {
  group: string;
  /** Served versions guard502 reads, preferred first: the first one the API server serves is watched. */
  versions: readonly string[];
  plural: string;
  kind: string;
  namespaced: boolean;
  /** Served only when a CRD is installed. */
  optional: boolean;
  /** Why a kind rules read is never watched in a cluster, when it is not. */
  unwatched?: string;
  /** Only objects without an owner are kept, for this reason (the owned ones are judged through their owners). */
  unownedOnly?: string;
  /** Watched whatever the rules read, for this reason (policies, namespaces, rollback detection). */
  always?: string;
  /** Sent to the webhook although no rule judges it, for this reason. */
  admitted?: string;
}

export interface WatchedResource extends ApiResource {
  /** The version watched (the first served one, once the cache has looked). */
  version: string;
  /** guard502 writes annotations on these (controller) — RBAC `patch`: some rule judges this kind. */
  annotated: boolean;
  /** Only the controller needs it (only live rules read it). */
  liveOnly?: boolean;
  /** Some rule reads the objects' status: the cache keeps it (otherwise it is dropped). */
  keepStatus: boolean;
}

const api = (group: string, versions: string | readonly string[], plural: string, kind: string, opts: Partial<ApiResource> = {}): ApiResource => ({
  group,
  versions: typeof versions === 'string' ? [versions] : versions,
  plural,
  kind,
  namespaced: true,
  optional: false,
  ...opts,
});
const crd = (group: string, versions: string | readonly string[], plural: string, kind: string, opts: Partial<ApiResource> = {}) =>
  api(group, versions, plural, kind, { optional: true, ...opts });
const GW = 'gateway.networking.k8s.io';

/** API facts of every kind guard502 may read from a cluster. */
export const CATALOGUE: readonly ApiResource[] = [
  api('', 'v1', 'namespaces', 'Namespace', { namespaced: false, always: 'policies select namespaces by their labels' }),
  api('', 'v1', 'services', 'Service'),
  api('', 'v1', 'pods', 'Pod', { unownedOnly: "a cluster's other Pods are made by the workloads it judges" }),
  api('', 'v1', 'replicationcontrollers', 'ReplicationController'),
  api('', 'v1', 'podtemplates', 'PodTemplate'),
  api('apps', 'v1', 'deployments', 'Deployment'),
  api('apps', 'v1', 'statefulsets', 'StatefulSet'),
  api('apps', 'v1', 'daemonsets', 'DaemonSet'),
  api('apps', 'v1', 'replicasets', 'ReplicaSet', { always: 'the webhook recognises a rollback by its ReplicaSets' }),
  api('batch', 'v1', 'jobs', 'Job'),
  api('batch', 'v1', 'cronjobs', 'CronJob'),
  api('networking.k8s.io', 'v1', 'ingresses', 'Ingress'),
  api('networking.k8s.io', 'v1', 'ingressclasses', 'IngressClass', { namespaced: false }),
  api('policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget'),
  api('autoscaling', 'v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', { admitted: 'an HPA owns the replica count its workload is judged by' }),
  api('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice'),
  crd('argoproj.io', 'v1alpha1', 'rollouts', 'Rollout'),
  crd(GW, 'v1', 'httproutes', 'HTTPRoute'),
  crd(GW, 'v1', 'grpcroutes', 'GRPCRoute'),
  crd(GW, ['v1', 'v1beta1'], 'referencegrants', 'ReferenceGrant'),
  crd(GW, 'v1', 'gateways', 'Gateway'),
  crd(GW, 'v1', 'gatewayclasses', 'GatewayClass', { namespaced: false }),
  crd(GW, ['v1', 'v1alpha3'], 'backendtlspolicies', 'BackendTLSPolicy'),
  crd('gateway.networking.x-k8s.io', 'v1alpha1', 'xbackendtrafficpolicies', 'XBackendTrafficPolicy'),
  crd('gateway.envoyproxy.io', 'v1alpha1', 'backendtrafficpolicies', 'BackendTrafficPolicy'),
  crd('networking.gke.io', 'v1', 'gcpbackendpolicies', 'GCPBackendPolicy'),
  crd('configuration.konghq.com', 'v1beta1', 'kongupstreampolicies', 'KongUpstreamPolicy'),
  crd('flagger.app', 'v1beta1', 'canaries', 'Canary'),
  crd('networking.istio.io', ['v1', 'v1beta1', 'v1alpha3'], 'destinationrules', 'DestinationRule'),
  crd('networking.istio.io', ['v1', 'v1beta1', 'v1alpha3'], 'virtualservices', 'VirtualService'),
  crd('projectcontour.io', 'v1', 'httpproxies', 'HTTPProxy'),
  crd('route.openshift.io', 'v1', 'routes', 'Route'),
  crd('apps.openshift.io', 'v1', 'deploymentconfigs', 'DeploymentConfig'),
  crd('cloud.google.com', ['v1', 'v1beta1'], 'backendconfigs', 'BackendConfig'),
  ...['traefik.io', 'traefik.containo.us'].flatMap((group) => [
    crd(group, 'v1alpha1', 'ingressroutes', 'IngressRoute'),
    crd(group, 'v1alpha1', 'middlewares', 'Middleware'),
    crd(group, 'v1alpha1', 'serverstransports', 'ServersTransport'),
    crd(group, 'v1alpha1', 'traefikservices', 'TraefikService'),
  ]),
  crd('split.smi-spec.io', ['v1alpha4', 'v1alpha3', 'v1alpha2', 'v1alpha1'], 'trafficsplits', 'TrafficSplit'),
  crd('rollouts.kruise.io', ['v1beta1', 'v1alpha1'], 'rollouts', 'Rollout'),
  crd('keda.sh', 'v1alpha1', 'scaledobjects', 'ScaledObject'),
  // Operators' custom resources: the Services their operators create are not references to missing ones.
  crd('monitoring.coreos.com', 'v1', 'prometheuses', 'Prometheus'),
  crd('monitoring.coreos.com', 'v1', 'alertmanagers', 'Alertmanager'),
  crd('monitoring.coreos.com', 'v1', 'thanosrulers', 'ThanosRuler'),
  crd('elasticsearch.k8s.elastic.co', ['v1', 'v1beta1'], 'elasticsearches', 'Elasticsearch'),
  crd('kibana.k8s.elastic.co', ['v1', 'v1beta1'], 'kibanas', 'Kibana'),
  crd('apm.k8s.elastic.co', ['v1', 'v1beta1'], 'apmservers', 'ApmServer'),
  crd('enterprisesearch.k8s.elastic.co', ['v1', 'v1beta1'], 'enterprisesearches', 'EnterpriseSearch'),
  crd('agent.k8s.elastic.co', 'v1alpha1', 'agents', 'Agent'),
  crd('kafka.strimzi.io', ['v1', 'v1beta2'], 'kafkas', 'Kafka'),
  crd('kafka.strimzi.io', ['v1', 'v1beta2'], 'kafkaconnects', 'KafkaConnect'),
  crd('kafka.strimzi.io', ['v1', 'v1beta2'], 'kafkabridges', 'KafkaBridge'),
  crd('kafka.strimzi.io', ['v1', 'v1beta2'], 'kafkamirrormaker2s', 'KafkaMirrorMaker2'),
  crd('serving.knative.dev', 'v1', 'services', 'Service'),
  crd('postgresql.cnpg.io', 'v1', 'clusters', 'Cluster'),
  crd('acid.zalan.do', 'v1', 'postgresqls', 'postgresql'),
  crd('rabbitmq.com', 'v1beta1', 'rabbitmqclusters', 'RabbitmqCluster'),
  crd('mongodbcommunity.mongodb.com', 'v1', 'mongodbcommunity', 'MongoDBCommunity'),
  crd('grafana.integreatly.org', 'v1beta1', 'grafanas', 'Grafana'),
  crd('jaegertracing.io', 'v1', 'jaegers', 'Jaeger'),
  crd('opentelemetry.io', ['v1beta1', 'v1alpha1'], 'opentelemetrycollectors', 'OpenTelemetryCollector'),
  crd('k8s.keycloak.org', 'v2alpha1', 'keycloaks', 'Keycloak'),
  crd('minio.min.io', 'v2', 'tenants', 'Tenant'),
  crd('guard502.dev', 'v1alpha1', 'guard502policies', 'Guard502Policy', { namespaced: false, always: 'the policy in force' }),
];

const derived = new WeakMap<readonly Rule[], WatchedResource[]>();

/** What `rules` need watched: every catalogued kind they judge or read, and the kinds always watched. */
export function watchedBy(rules: readonly Rule[]): WatchedResource[] {
  const known = derived.get(rules);
  if (known) return known;
  const out: WatchedResource[] = [];
  for (const a of CATALOGUE) {
    const inputs = inputsFor(rules, a.group, a.kind);
    if (a.unwatched || (inputs.length === 0 && !a.always)) continue;
    const liveOnly = !a.always && inputs.every((i) => i.liveOnly);
    out.push({
      ...a,
      version: a.versions[0] as string,
      annotated: inputs.some((i) => i.target),
      keepStatus: inputs.some((i) => i.status),
      ...(liveOnly ? { liveOnly } : {}),
    });
  }
  derived.set(rules, out);
  return out;
}

/** Every kind the rules read or judge, with what the cluster faces need to know about it. */
export const WATCHED: readonly WatchedResource[] = watchedBy(RULES);

/** The kinds a face reads from a cluster (the webhook leaves out those only live rules read). */
export function watchedFor(face: 'webhook' | 'controller', rules: readonly Rule[] = RULES): WatchedResource[] {
  return watchedBy(rules).filter((w) => face === 'controller' || !w.liveOnly);
}

export function apiVersionOf(w: Pick<WatchedResource, 'group' | 'version'>): string {
  return w.group === '' ? w.version : `${w.group}/${w.version}`;
}

export function resourceFor(group: string, kind: string): WatchedResource | undefined {
  return WATCHED.find((w) => w.group === group && w.kind === kind);
}

/** What the validating webhook is sent: every kind a rule judges (Pods included), and the catalogue's admitted context. */
export function admittedBy(rules: readonly Rule[] = RULES): ApiResource[] {
  return CATALOGUE.filter((a) => a.admitted !== undefined || inputsFor(rules, a.group, a.kind).some((i) => i.target));
}

/**
 * Whether the cluster faces keep `o`, read as an object of `resource`: every object, or for kinds read
 * for their unowned objects only, those without an owner. The informers and `scan --cluster` ask the same.
 */
export function kept(resource: Pick<WatchedResource, 'unownedOnly'>, o: JsonObject): boolean {
  return !resource.unownedOnly || !hasOwner(o);
}
