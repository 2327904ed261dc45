import { defineRule, type Read } from '../engine/rule.ts';
import { dig, isObject } from '../engine/fields.ts';
import type { ResourceGraph } from '../engine/graph.ts';
import type { Resource, Service, Workload } from '../engine/model.ts';
import type { RuleHit } from '../engine/types.ts';
import { appYaml } from './lib/fixture-yaml.ts';
import { liveClock } from './lib/live-clock.ts';
import { DEFAULT_PROGRESS_DEADLINE_SECONDS, progressDeadlineExceeded, progressDeadlineSeconds, rolloutInProgress } from './lib/rollout-status.ts';

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** The EndpointSlices of a namespace, indexed by Service: read, and kept until one changes. */
const SLICES: readonly Read[] = [{ group: 'discovery.k8s.io', kind: 'EndpointSlice' }];

/** Ready endpoints across a Service's EndpointSlices, or undefined when it has none to judge by. */
export function readyEndpoints(graph: ResourceGraph, namespace: string, service: string): number | undefined {
  const byService = graph.memo(
    namespace,
    'no-ready-endpoints/slices',
    () => {
      const out = new Map<string, Resource[]>();
      for (const s of graph.list('EndpointSlice', 'discovery.k8s.io', namespace)) {
        const name = s.labels[SERVICE_NAME_LABEL];
        if (name) out.set(name, [...(out.get(name) ?? []), s]);
      }
      return out;
    },
    SLICES,
  );
  const slices = byService.get(service);
  if (!slices || slices.length === 0) return undefined;
  let ready = 0;
  for (const s of slices) {
    const endpoints = dig(s.raw, 'endpoints');
    if (!Array.isArray(endpoints)) continue;
    for (const e of endpoints) {
      if (!isObject(e)) continue;
      // EndpointSlice API: a nil `ready` condition is to be read as ready.
      const r = dig(e, 'conditions', 'ready');
      if (r === undefined || r === null || r === true) ready += Array.isArray(e.addresses) ? Math.min(1, e.addresses.length) : 1;
    }
  }
  return ready;
}

const CONTAINERS = '        - {name: app, image: nginx, ports: [{name: http, containerPort: 8080}]}\n';
const app = (replicas: number, ingress = false) => appYaml({ replicas, containers: CONTAINERS, ingress });
/** The live status of the fixture's Deployment (its first document). */
const withStatus = (yaml: string, status: string) => {
  const [workload, ...rest] = yaml.split('---');
  return [`${workload}status: ${status}\n`, ...rest].join('---');
};
const STATUS_STARTING = '{observedGeneration: 1, replicas: 2, conditions: [{type: Progressing, status: "True", reason: NewReplicaSetCreated}]}';
const STATUS_DEADLINE_EXCEEDED = '{observedGeneration: 1, replicas: 2, conditions: [{type: Progressing, status: "False", reason: ProgressDeadlineExceeded}]}';
const ingressOnly = `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec: {rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]}
`;
const slice = (endpoints: string) => `
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-abc12, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
ports: [{name: http, port: 8080, protocol: TCP}]
endpoints: ${endpoints}
`;

/**
 * Why a gateway-reached Service without a ready endpoint is an outage now, or undefined while its pods may
 * still be starting. The Service's endpoint history is remembered by the live clock: `ready`, then `lost`
 * once the last ready endpoint goes, or `none` when it has not been seen ready.
 */
function outage(service: Service, ready: number, graph: ResourceGraph, graceSeconds: number, recheck: string): string | undefined {
  const key = `${service.key}#endpoints`;
  if (ready > 0) {
    liveClock.since(key, 'ready');
    return undefined;
  }
  const prior = liveClock.stateOf(key);
  const state = prior === 'ready' || prior === 'lost' ? 'lost' : 'none';
  const since = liveClock.since(key, state);
  const workloads: Workload[] = graph.workloadsSelectedBy(service);
  const zero = workloads.filter((w) => w.replicas === 0);
  if (workloads.length > 0 && zero.length === workloads.length) {
    return `whose ${zero.map((w) => `${w.kind}/${w.name}`).join(', ')} ${zero.length === 1 ? 'is' : 'are'} scaled to 0`;
  }
  const stuck = workloads.find((w) => progressDeadlineExceeded(w));
  if (stuck) return `which has no ready endpoint: the rollout of ${stuck.kind}/${stuck.name} ran past its progress deadline`;
  const starting = workloads.some((w) => rolloutInProgress(w));
  if (state === 'lost' && !starting) return 'which lost its last ready endpoint';
  const grace = graceSeconds > 0 ? graceSeconds : workloads.length > 0 ? Math.max(...workloads.map(progressDeadlineSeconds)) : DEFAULT_PROGRESS_DEADLINE_SECONDS;
  const end = since + grace * 1000;
  if (liveClock.now() >= end) return `which has had no ready endpoint for more than ${grace} s`;
  liveClock.recheckAt(recheck, end);
  return undefined;
}

export default defineRule({
  id: 'no-ready-endpoints',
  title: 'Gateway sends traffic to a Service with no ready endpoint',
  shape: 'unreachable',
  severity: 'error',
  targets: ['Ingress', 'HTTPRoute', 'GRPCRoute'],
  reads: [{ group: '', kind: 'Service' }, ...SLICES, { group: '*', kind: 'workload', status: true }],
  params: {
    graceSeconds: {
      type: 'integer',
      default: 0,
      minimum: 0,
      unit: 'seconds',
      description: "How long a Service that has not been seen ready may have no ready endpoint before it counts as an outage; 0 means the progressDeadlineSeconds of the workloads behind it (600 s by default)",
    },
  },
  live: true,
  docs: {
    what:
      'Live rule (controller only). Checks every Service that an Ingress or an HTTPRoute/GRPCRoute sends traffic to, ' +
      'and fires when its EndpointSlices list no ready endpoint and this is an outage, not a start: at once when the ' +
      'workloads behind it are scaled to 0, or when it had ready endpoints and lost them outside a rollout, or when a ' +
      "rollout behind it ran past its progress deadline; otherwise once it has had no ready endpoint for longer than a " +
      "grace (`graceSeconds`; by default the workloads' `progressDeadlineSeconds`, 600 s unless set). It clears itself " +
      'as soon as a ready endpoint appears.',
    why:
      'The gateway has an upstream with no server in it: ingress-nginx answers 503 or 502, Envoy-based gateways 503 ' +
      '("no healthy upstream"), cloud load balancers 502. Every request to these paths fails now — this is an outage ' +
      'in progress, not a risk.',
    fix:
      'Find out why no pod is ready: `kubectl get pods -l <selector of the Service>` and `kubectl describe` them ' +
      '(crash loops, failing readiness probes, image pull errors, a Deployment scaled to 0, a selector that matches ' +
      'nothing). If a rollout caused it, roll back: `kubectl rollout undo deployment/<name>`.',
    notes:
      'Silent while an application starts: a new Deployment, a scale-up or a rollout within its deadline has no ready ' +
      'endpoint for a while, and that is not an outage. Silent when the Service has no EndpointSlice at all (no ' +
      'endpoints controller, or a Service guard502 cannot judge), and for backends that are not Services. Ready means ' +
      'the `ready` condition is true or unset, as the EndpointSlice API defines it; terminating endpoints that are not ' +
      'ready do not count. The controller remembers which Services it has seen ready and times the grace itself; after ' +
      'a restart a Service it has not yet seen ready gets the grace again.',
  },
  evaluate(r, graph, params) {
    const hits: RuleHit[] = [];
    const seen = new Set<string>();
    for (const b of graph.backendsFrom(r as Resource)) {
      const key = `${b.serviceNamespace}/${b.serviceName}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const service = graph.service(b.serviceNamespace, b.serviceName);
      if (!service) continue;
      const ready = readyEndpoints(graph, b.serviceNamespace, b.serviceName);
      if (ready === undefined) continue;
      const why = outage(service, ready, graph, params.graceSeconds, r.key);
      if (!why) continue;
      const ns = b.serviceNamespace === r.namespace ? '' : ` -n ${b.serviceNamespace}`;
      hits.push({
        path: b.path,
        message:
          `${r.kind}/${r.name} sends traffic to Service ${b.serviceNamespace === r.namespace ? '' : `${b.serviceNamespace}/`}${b.serviceName}, ` +
          `${why}: every request on this path gets a 502/503 from the gateway until a pod behind it is ready.`,
        fix:
          `See why no pod is ready: kubectl get endpointslices -l ${SERVICE_NAME_LABEL}=${b.serviceName}${ns} -o wide, then ` +
          `kubectl describe pods of the Service's selector${ns}. If a rollout caused it, roll it back with kubectl rollout undo.`,
      });
    }
    return hits;
  },
  fixtures: {
    fire: [
      { name: 'Ingress to a Service whose workload is scaled to 0: at once', yaml: app(0, true) + '---' + slice('[]'), expect: [{ severity: 'error', path: 'spec.rules[0].http.paths[0].backend', message: 'whose Deployment/web is scaled to 0: every request on this path gets a 502/503', fix: 'kubectl get endpointslices -l kubernetes.io/service-name=web' }] },
      {
        name: 'HTTPRoute to a Service whose endpoints are all not ready, its rollout past its progress deadline',
        yaml:
          withStatus(app(2), STATUS_DEADLINE_EXCEEDED) +
          '---' +
          slice('[{addresses: [10.0.0.1], conditions: {ready: false}}, {addresses: [10.0.0.2], conditions: {ready: false, terminating: true}}]') +
          '---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: web}\nspec: {parentRefs: [{name: gw}], rules: [{backendRefs: [{name: web, port: 80}]}]}\n',
        expect: [{ severity: 'error', path: 'spec.rules[0].backendRefs[0]', message: 'which has no ready endpoint: the rollout of Deployment/web ran past its progress deadline' }],
      },
      {
        name: 'a route of another namespace to a Service whose two workloads are scaled to 0: the Service and the commands name its namespace',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 0
  selector: {matchLabels: {app: web}}
  template: {metadata: {labels: {app: web}}, spec: {containers: [{name: app, image: nginx}]}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-canary, namespace: shop}
spec:
  replicas: 0
  selector: {matchLabels: {app: web, track: canary}}
  template: {metadata: {labels: {app: web, track: canary}}, spec: {containers: [{name: app, image: nginx}]}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: 8080}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: site, namespace: edge}
spec: {rules: [{backendRefs: [{name: web, namespace: shop, port: 80}]}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-abc12, namespace: shop, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
endpoints: []
`,
        expect: [{ severity: 'error', path: 'spec.rules[0].backendRefs[0]', resource: 'HTTPRoute/edge/site', message: 'HTTPRoute/site sends traffic to Service shop/web, whose Deployment/web, Deployment/web-canary are scaled to 0: every request on this path gets a 502/503 from the gateway until a pod behind it is ready.', fix: "See why no pod is ready: kubectl get endpointslices -l kubernetes.io/service-name=web -n shop -o wide, then kubectl describe pods of the Service's selector -n shop. If a rollout caused it, roll it back with kubectl rollout undo." }],
      },
    ],
    silent: [
      { name: 'a ready endpoint (the ready condition true, or unset)', yaml: app(2, true) + '---' + slice('[{addresses: [10.0.0.1], conditions: {ready: false}}, {addresses: [10.0.0.2]}]') },
      {
        name: 'a new application still starting: no endpoint ready yet, its rollout within its deadline',
        yaml: withStatus(app(2, true), STATUS_STARTING) + '---' + slice('[{addresses: [10.0.0.1], conditions: {ready: false}}]'),
      },
      { name: 'no EndpointSlice at all: nothing to judge by', yaml: app(0, true) },
      { name: 'Ingress to a Service that does not exist (another rule reports it)', yaml: ingressOnly + '---' + slice('[]') },
    ],
  },
});
