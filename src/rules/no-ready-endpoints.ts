import { defineRule } from '../engine/rule.ts';
import { dig, isObject } from '../engine/fields.ts';
import type { ResourceGraph } from '../engine/graph.ts';
import type { Resource } from '../engine/model.ts';
import type { RuleHit } from '../engine/types.ts';
import { appYaml } from './lib/fixture-yaml.ts';

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

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
    ['EndpointSlice'],
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

export default defineRule({
  id: 'no-ready-endpoints',
  title: 'Gateway sends traffic to a Service with no ready endpoint',
  shape: 'unreachable',
  severity: 'error',
  targets: ['Ingress', 'HTTPRoute', 'GRPCRoute'],
  params: {},
  live: true,
  docs: {
    what:
      'Live rule (controller only). Checks every Service that an Ingress or an HTTPRoute/GRPCRoute sends traffic to, ' +
      'and fires when the EndpointSlices of that Service list no ready endpoint at this moment: no pod behind it is ' +
      'ready, or none is running. It clears itself as soon as a ready endpoint appears.',
    why:
      'The gateway has an upstream with no server in it: ingress-nginx answers 503 or 502, Envoy-based gateways 503 ' +
      '("no healthy upstream"), cloud load balancers 502. Every request to these paths fails now — this is an outage ' +
      'in progress, not a risk.',
    fix:
      'Find out why no pod is ready: `kubectl get pods -l <selector of the Service>` and `kubectl describe` them ' +
      '(crash loops, failing readiness probes, image pull errors, a Deployment scaled to 0, a selector that matches ' +
      'nothing). If a rollout caused it, roll back: `kubectl rollout undo deployment/<name>`.',
    notes:
      'Silent when the Service has no EndpointSlice at all (no endpoints controller, or a Service guard502 cannot ' +
      'judge), and for backends that are not Services. Ready means the `ready` condition is true or unset, as the ' +
      'EndpointSlice API defines it; terminating endpoints that are not ready do not count.',
  },
  evaluate(r, graph) {
    const hits: RuleHit[] = [];
    const seen = new Set<string>();
    for (const b of graph.backendsFrom(r as Resource)) {
      const key = `${b.serviceNamespace}/${b.serviceName}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (!graph.service(b.serviceNamespace, b.serviceName)) continue;
      const ready = readyEndpoints(graph, b.serviceNamespace, b.serviceName);
      if (ready !== 0) continue;
      const ns = b.serviceNamespace === r.namespace ? '' : ` -n ${b.serviceNamespace}`;
      hits.push({
        path: b.path,
        message:
          `${r.kind}/${r.name} sends traffic to Service ${b.serviceNamespace === r.namespace ? '' : `${b.serviceNamespace}/`}${b.serviceName}, ` +
          'which has no ready endpoint now: every request on this path gets a 502/503 from the gateway until a pod behind it is ready.',
        fix:
          `See why no pod is ready: kubectl get endpointslices -l ${SERVICE_NAME_LABEL}=${b.serviceName}${ns} -o wide, then ` +
          `kubectl describe pods of the Service's selector${ns}. If a rollout caused it, roll it back with kubectl rollout undo.`,
      });
    }
    return hits;
  },
  fixtures: {
    fire: [
      { name: 'Ingress to a Service whose only slice has no endpoints (scaled to zero)', yaml: app(0, true) + '---' + slice('[]'), expect: [{ severity: 'error', path: 'spec.rules[0].http.paths[0].backend', message: 'Ingress/web sends traffic to Service web, which has no ready endpoint now: every request on this path gets a 502/503 from the gateway until a pod behind it is ready.', fix: 'See why no pod is ready: kubectl get endpointslices -l kubernetes.io/service-name=web -o wide, then kubectl describe pods of the Service\'s selector. If a rollout caused it, roll it back with kubectl rollout undo.' }] },
      {
        name: 'HTTPRoute to a Service whose endpoints are all not ready',
        yaml:
          app(2) +
          '---' +
          slice('[{addresses: [10.0.0.1], conditions: {ready: false}}, {addresses: [10.0.0.2], conditions: {ready: false, terminating: true}}]') +
          '---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: web}\nspec: {parentRefs: [{name: gw}], rules: [{backendRefs: [{name: web, port: 80}]}]}\n',
        expect: [{ severity: 'error', path: 'spec.rules[0].backendRefs[0]', message: 'HTTPRoute/web sends traffic to Service web, which has no ready endpoint now: every request on this path gets a 502/503 from the gateway until a pod behind it is ready.', fix: 'See why no pod is ready: kubectl get endpointslices -l kubernetes.io/service-name=web -o wide, then kubectl describe pods of the Service\'s selector. If a rollout caused it, roll it back with kubectl rollout undo.' }],
      },
    ],
    silent: [
      { name: 'a ready endpoint (the ready condition true, or unset)', yaml: app(2, true) + '---' + slice('[{addresses: [10.0.0.1], conditions: {ready: false}}, {addresses: [10.0.0.2]}]') },
      { name: 'no EndpointSlice at all: nothing to judge by', yaml: app(0, true) },
      { name: 'Ingress to a Service that does not exist (another rule reports it)', yaml: ingressOnly + '---' + slice('[]') },
    ],
  },
});
