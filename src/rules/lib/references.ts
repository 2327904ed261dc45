// Questions the reference rules ask about a name that points at a Service: is the
// target really absent, or only placed elsewhere by the way the files are applied,
// made at run time by a controller, or not a Service at all (an AWS load balancer
// action)? And which existing name did the author probably mean?

import { isObject } from '../../engine/fields.ts';
import { fixWithYaml } from './yaml.ts';
import type { ResourceGraph } from '../../engine/graph.ts';
import type { Backend, Resource, Service } from '../../engine/model.ts';
import type { Read } from '../../engine/rule.ts';

/** Whether the manifest wrote `metadata.namespace` (otherwise the scan, or `kubectl -n`, chose it). */
export function namespaceWritten(r: Resource): boolean {
  const meta = r.raw.metadata;
  return isObject(meta) && typeof meta.namespace === 'string' && meta.namespace !== '';
}

/**
 * A Service of that name in another namespace, when the manifests leave it open
 * where one of the two lands: the referring object or that Service has no
 * `metadata.namespace`, so `kubectl apply -n NS` would put both in the same one.
 */
export function sameNameElsewhere(graph: ResourceGraph, from: Resource, namespace: string, name: string): Service | undefined {
  return graph
    .services()
    .find((s) => s.name === name && s.namespace !== namespace && (!namespaceWritten(s) || (!namespaceWritten(from) && namespace === from.namespace)));
}

/**
 * AWS Load Balancer Controller actions: a backend whose port is `use-annotation`
 * names an `alb.ingress.kubernetes.io/actions.<name>` annotation (redirect,
 * fixed response, weighted forward), not a Service.
 */
export function isAlbAction(b: Backend): boolean {
  if (b.proxy !== 'ingress') return false;
  return b.port?.name === 'use-annotation' || b.from.annotations[`alb.ingress.kubernetes.io/actions.${b.serviceName}`] !== undefined;
}

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] as number;
      prev[j] = Math.min(up + 1, (prev[j - 1] as number) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length] as number;
}

/** The candidate closest to `name` (a typo, a prefix or suffix added or dropped), if any is close enough. */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const c of candidates) {
    if (c === name) continue;
    const related = c.startsWith(name) || name.startsWith(c) || c.endsWith(name) || name.endsWith(c);
    const d = distance(name, c);
    const limit = related ? Math.max(name.length, c.length) : Math.max(2, Math.floor(Math.max(name.length, c.length) / 3));
    if (d <= limit && (!best || d < best.d)) best = { name: c, d };
  }
  return best?.name;
}

/** `name (port)` or `port` of a Service port, for messages. */
export function portList(s: Service): string {
  return s.ports.map((p) => (p.name ? `${p.name} (${p.port})` : String(p.port))).join(', ') || 'none';
}

/**
 * The Services known operators create for a custom resource named `{name}`, by API group and kind:
 * their exact naming schemes, and nothing looser. A bare prefix match (`<resource>-anything`) would
 * let a custom resource `web` hide the typo `web-api`. `#` stands for a digit (Knative revisions).
 * Flagger's `<svc>`, `<svc>-primary` and `<svc>-canary` are the graph's `generatedService`.
 */
const OPERATOR_SERVICES: ReadonlyArray<{ group: string; kind: string; names: readonly string[] }> = [
  { group: 'monitoring.coreos.com', kind: 'Prometheus', names: ['prometheus-operated'] },
  { group: 'monitoring.coreos.com', kind: 'Alertmanager', names: ['alertmanager-operated'] },
  { group: 'monitoring.coreos.com', kind: 'ThanosRuler', names: ['thanos-ruler-operated'] },
  { group: 'elasticsearch.k8s.elastic.co', kind: 'Elasticsearch', names: ['{name}-es-http', '{name}-es-internal-http', '{name}-es-transport'] },
  { group: 'kibana.k8s.elastic.co', kind: 'Kibana', names: ['{name}-kb-http'] },
  { group: 'apm.k8s.elastic.co', kind: 'ApmServer', names: ['{name}-apm-http'] },
  { group: 'enterprisesearch.k8s.elastic.co', kind: 'EnterpriseSearch', names: ['{name}-ent-http'] },
  { group: 'agent.k8s.elastic.co', kind: 'Agent', names: ['{name}-agent-http'] },
  { group: 'kafka.strimzi.io', kind: 'Kafka', names: ['{name}-kafka-bootstrap', '{name}-kafka-brokers', '{name}-kafka-external-bootstrap', '{name}-zookeeper-client', '{name}-zookeeper-nodes'] },
  { group: 'kafka.strimzi.io', kind: 'KafkaConnect', names: ['{name}-connect-api'] },
  { group: 'kafka.strimzi.io', kind: 'KafkaBridge', names: ['{name}-bridge-service'] },
  { group: 'kafka.strimzi.io', kind: 'KafkaMirrorMaker2', names: ['{name}-mirrormaker2-api'] },
  { group: 'serving.knative.dev', kind: 'Service', names: ['{name}', '{name}-#####', '{name}-#####-private'] },
  { group: 'postgresql.cnpg.io', kind: 'Cluster', names: ['{name}-rw', '{name}-ro', '{name}-r'] },
  { group: 'acid.zalan.do', kind: 'postgresql', names: ['{name}', '{name}-repl'] },
  { group: 'rabbitmq.com', kind: 'RabbitmqCluster', names: ['{name}', '{name}-nodes'] },
  { group: 'mongodbcommunity.mongodb.com', kind: 'MongoDBCommunity', names: ['{name}-svc'] },
  { group: 'grafana.integreatly.org', kind: 'Grafana', names: ['{name}-service'] },
  { group: 'jaegertracing.io', kind: 'Jaeger', names: ['{name}-query', '{name}-collector', '{name}-collector-headless', '{name}-agent'] },
  { group: 'opentelemetry.io', kind: 'OpenTelemetryCollector', names: ['{name}-collector', '{name}-collector-headless', '{name}-collector-monitoring'] },
  { group: 'k8s.keycloak.org', kind: 'Keycloak', names: ['{name}-service', '{name}-discovery'] },
  { group: 'minio.min.io', kind: 'Tenant', names: ['minio', '{name}-console', '{name}-hl'] },
];

/** The custom resources of that table, as the reads of the rules that consult it: the cluster faces watch them. */
export const OPERATOR_RESOURCES: readonly Read[] = OPERATOR_SERVICES.map(({ group, kind }) => ({ group, kind }));

function nameMatches(scheme: string, resource: string, service: string): boolean {
  const expanded = scheme.replace('{name}', resource);
  if (!expanded.includes('#')) return expanded === service;
  return expanded.length === service.length && [...expanded].every((ch, i) => (ch === '#' ? /\d/.test(service[i]!) : ch === service[i]));
}

/**
 * The custom resource of the namespace whose operator creates the Service at run time, by that
 * operator's exact naming scheme (the Prometheus operator's `prometheus-operated`, ECK's
 * `<name>-es-http`, ...).
 */
export function operatorMadeService(graph: ResourceGraph, namespace: string, name: string): Resource | undefined {
  for (const { group, kind, names } of OPERATOR_SERVICES) {
    const found = graph.list(kind, group, namespace).find((r) => names.some((n) => nameMatches(n, r.name, name)));
    if (found) return found;
  }
  return undefined;
}

/**
 * The Service a backend names but the input lacks, as a fix: the port the backend asks for (by name or
 * number), the selector and targetPort marked as the placeholders they are.
 */
export function missingServiceFix(b: Backend, namespace: string, serves: string, grpc: boolean): string {
  const portName = b.port?.name ?? (grpc ? 'grpc' : 'http');
  return fixWithYaml(
    `Create Service ${b.serviceName} in namespace ${namespace}, selecting the pods that serve ${serves} (placeholders: the selector must be your pods' labels, the targetPort their container port):`,
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: b.serviceName, namespace },
      spec: { selector: { app: b.serviceName }, ports: [{ name: portName, port: b.port?.number ?? 80, targetPort: portName }] },
    },
  );
}
