import { defineRule } from '../engine/rule.ts';
import { isRouteResource, type Backend } from '../engine/model.ts';
import { dig } from '../engine/fields.ts';
import type { RuleHit } from '../engine/types.ts';
import { closestName, missingServiceFix, operatorMadeService, portList, sameNameElsewhere } from './lib/references.ts';
import { fixWithYaml } from './lib/yaml.ts';
import { SERVICE_MAKERS } from './lib/reads.ts';

/** What the Gateway API requires of an implementation for an invalid backendRef: a 500 for HTTP, UNAVAILABLE for gRPC. */
function consequence(route: { kind: string }): string {
  return route.kind === 'GRPCRoute'
    ? 'the route marks the backend unresolved (ResolvedRefs: False) and the gateway answers the calls meant for it with gRPC status UNAVAILABLE'
    : 'the route marks the backend unresolved (ResolvedRefs: False) and the gateway answers the requests meant for it with a 500';
}

function backendLabel(b: Backend, routeNamespace: string): string {
  return b.serviceNamespace === routeNamespace ? `Service ${b.serviceName}` : `Service ${b.serviceNamespace}/${b.serviceName}`;
}

export default defineRule({
  id: 'route-backend-mismatch',
  title: 'Route backendRef names a missing Service, a port it lacks, or an ungranted namespace',
  shape: 'unreachable',
  severity: 'error',
  targets: ['HTTPRoute', 'GRPCRoute'],
  reads: [
    { group: '', kind: 'Service' },
    ...SERVICE_MAKERS,
    { group: 'gateway.networking.k8s.io', kind: 'ReferenceGrant' },
  ],
  params: {},
  docs: {
    what:
      'Checks every core `Service` backendRef of a Gateway API HTTPRoute or GRPCRoute: the Service must exist, the ' +
      'backendRef `port` must be one of its `ports[].port` (the Service port, not the targetPort; it is required ' +
      'for Services), and a Service in another namespace must be opened to the route by a ReferenceGrant in that ' +
      'namespace (`from` the route\'s kind and namespace, `to` Service, optionally by name).',
    why:
      'A backendRef that does not resolve is invalid: the implementation sets `ResolvedRefs: False` on the route and ' +
      'must answer the requests that would have gone to it with a 500 (an HTTPRoute) or gRPC status UNAVAILABLE (a ' +
      'GRPCRoute) — for a route with one backend, every request. ' +
      'A port the Service lacks resolves to no endpoints and fails the same way.',
    fix:
      'Reference an existing Service by its Service port; for another namespace, grant the reference there:\n\n' +
      '```yaml\n# HTTPRoute (namespace web)\nbackendRefs:\n  - name: api\n    namespace: backend\n    port: 80\n---\n' +
      'apiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata:\n  name: web-routes-to-api\n  ' +
      'namespace: backend\nspec:\n  from:\n    - group: gateway.networking.k8s.io\n      kind: HTTPRoute\n      ' +
      'namespace: web\n  to:\n    - group: ""\n      kind: Service\n      name: api\n```',
    notes:
      'A missing Service or ReferenceGrant is a reference to an absent object: the webhook warns instead of denying ' +
      '(it may be applied next) and `guard502 scan --partial` leaves it out; a port the existing Service lacks is ' +
      'always reported. Silent for backendRefs of other kinds (ServiceImport, implementation-specific backends), ' +
      'for backendRefs with `weight: 0` (they receive no traffic), for Services Flagger generates for a Canary or a ' +
      'known operator creates for a custom resource of the namespace (by its exact naming scheme), for ' +
      'ExternalName Services and Services without ports (the port is not checked), and when a Service of that name ' +
      'exists in another namespace while the manifests leave open where one of the two lands (no ' +
      '`metadata.namespace` on one of them).',
  },
  evaluate(route, graph) {
    if (!isRouteResource(route)) return [];
    const hits: RuleHit[] = [];
    const refs = dig(route.raw, 'spec', 'rules');
    for (const b of graph.backendsFrom(route)) {
      if (b.weight === 0) continue;
      const label = backendLabel(b, route.namespace);
      const explicitNs = b.serviceNamespace !== route.namespace;
      if (explicitNs && !graph.referenceGrantAllows(route, b.serviceNamespace, b.serviceName)) {
        hits.push({
          path: `${b.path}.namespace`,
          message:
            `${route.kind} ${route.name} sends traffic to ${label} in another namespace, but no ReferenceGrant in namespace ` +
            `${b.serviceNamespace} allows ${route.kind}s from namespace ${route.namespace} to reference it: ${consequence(route)}.`,
          fix: fixWithYaml(`Allow the reference with a ReferenceGrant in namespace ${b.serviceNamespace}:`, {
            apiVersion: 'gateway.networking.k8s.io/v1beta1',
            kind: 'ReferenceGrant',
            metadata: { name: `${route.namespace}-${route.kind.toLowerCase()}s-to-${b.serviceName}`, namespace: b.serviceNamespace },
            spec: {
              from: [{ group: 'gateway.networking.k8s.io', kind: route.kind, namespace: route.namespace }],
              to: [{ group: '', kind: 'Service', name: b.serviceName }],
            },
          }),
          missingReference: `a ReferenceGrant in namespace ${b.serviceNamespace} for ${route.kind}s of namespace ${route.namespace}`,
        });
        continue;
      }
      const svc = graph.service(b.serviceNamespace, b.serviceName);
      if (!svc) {
        if (graph.generatedService(b.serviceNamespace, b.serviceName) || operatorMadeService(graph, b.serviceNamespace, b.serviceName)) continue;
        if (!explicitNs && sameNameElsewhere(graph, route, b.serviceNamespace, b.serviceName)) continue;
        const guess = closestName(b.serviceName, graph.services(b.serviceNamespace).map((s) => s.name));
        hits.push({
          path: `${b.path}.name`,
          message:
            `${route.kind} ${route.name} sends traffic to ${label}, which does not exist in namespace ${b.serviceNamespace}` +
            (guess ? ` (did you mean ${guess}?)` : '') +
            `: ${consequence(route)}.`,
          fix: guess
            ? fixWithYaml(`Point the backendRef at the existing Service ${guess}:`, { backendRefs: [{ name: guess, ...(b.port?.number !== undefined ? { port: b.port.number } : {}) }] })
            : missingServiceFix(b, b.serviceNamespace, 'this route', route.kind === 'GRPCRoute'),
          missingReference: `Service ${b.serviceNamespace}/${b.serviceName}`,
        });
        continue;
      }
      if (svc.type === 'ExternalName' || svc.ports.length === 0) continue;
      const only = svc.ports.length === 1 ? svc.ports[0] : undefined;
      if (b.port?.number === undefined) {
        // Absent, or not an integer (the normalization pass reports the type): only judge a real absence.
        if (dig(refs, ...pathKeys(b.path), 'port') !== undefined) continue;
        hits.push({
          path: b.path,
          message: `${route.kind} ${route.name} references ${label} without a port, which a Service backendRef requires (ports: ${portList(svc)}): ${consequence(route)}.`,
          fix: fixWithYaml('Add the Service port to the backendRef:', { name: svc.name, port: (only ?? svc.ports[0])?.port ?? 80 }),
        });
        continue;
      }
      const number = b.port.number;
      if (svc.ports.some((p) => p.port === number)) continue;
      const viaTarget = svc.ports.find((p) => p.targetPort === number || p.targetPort === String(number));
      const sp = viaTarget ?? only;
      hits.push({
        path: b.portPath,
        message:
          `${route.kind} ${route.name} sends traffic to port ${number} of ${label}, which has no such port (ports: ${portList(svc)})` +
          (viaTarget ? ` — ${number} is the targetPort of Service port ${viaTarget.port}; backendRefs take the Service port` : '') +
          `: ${consequence(route)}.`,
        fix: sp
          ? fixWithYaml(`Use the Service port ${sp.port}:`, { name: svc.name, port: sp.port })
          : fixWithYaml(`Use one of the ports of Service ${svc.name} (${portList(svc)}):`, { name: svc.name, port: svc.ports[0]?.port ?? 80 }),
      });
    }
    return hits;
  },
  fixtures: {
    fire: [
      {
        name: 'backendRef names a Service that does not exist',
        yaml: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web}
spec:
  parentRefs: [{name: gw}]
  rules:
    - backendRefs: [{name: web-svc, port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`,
        expect: [{ severity: 'error', path: 'spec.rules[0].backendRefs[0].name', message: 'HTTPRoute web sends traffic to Service web-svc, which does not exist in namespace default (did you mean web?): the route marks the backend unresolved (ResolvedRefs: False) and the gateway answers the requests meant for it with a 500.', fix: 'Point the backendRef at the existing Service web:\nbackendRefs:\n  - name: web\n    port: 80' }],
      },
      {
        name: 'backendRef gives the targetPort instead of the Service port',
        yaml: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web}
spec:
  parentRefs: [{name: gw}]
  rules:
    - backendRefs: [{name: web, port: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`,
        expect: [{ severity: 'error', path: 'spec.rules[0].backendRefs[0].port', message: 'HTTPRoute web sends traffic to port 8080 of Service web, which has no such port (ports: 80) — 8080 is the targetPort of Service port 80; backendRefs take the Service port: the route marks the backend unresolved (ResolvedRefs: False) and the gateway answers the requests meant for it with a 500.', fix: 'Use the Service port 80:\nname: web\nport: 80' }],
      },
      {
        name: 'cross-namespace backendRef without a ReferenceGrant',
        yaml: `
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: api, namespace: edge}
spec:
  parentRefs: [{name: gw}]
  rules:
    - backendRefs: [{name: api, namespace: backend, port: 9000}]
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: backend}
spec:
  selector: {app: api}
  ports: [{name: grpc, port: 9000}]
`,
        expect: [{ severity: 'error', path: 'spec.rules[0].backendRefs[0].namespace', message: 'GRPCRoute api sends traffic to Service backend/api in another namespace, but no ReferenceGrant in namespace backend allows GRPCRoutes from namespace edge to reference it: the route marks the backend unresolved (ResolvedRefs: False) and the gateway answers the calls meant for it with gRPC status UNAVAILABLE.', fix: 'Allow the reference with a ReferenceGrant in namespace backend:\napiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata:\n  name: edge-grpcroutes-to-api\n  namespace: backend\nspec:\n  from:\n    - group: gateway.networking.k8s.io\n      kind: GRPCRoute\n      namespace: edge\n  to:\n    - group: ""\n      kind: Service\n      name: api' }],
      },
      {
        name: 'ReferenceGrant exists but grants another kind (GRPCRoute, not HTTPRoute)',
        yaml: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: edge}
spec:
  rules:
    - backendRefs: [{name: web, namespace: backend, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: grpc-only, namespace: backend}
spec:
  from: [{group: gateway.networking.k8s.io, kind: GRPCRoute, namespace: edge}]
  to: [{group: "", kind: Service}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: backend}
spec:
  selector: {app: web}
  ports: [{port: 80}]
`,
        expect: [{ severity: 'error', path: 'spec.rules[0].backendRefs[0].namespace', message: 'HTTPRoute web sends traffic to Service backend/web in another namespace, but no ReferenceGrant in namespace backend allows HTTPRoutes from namespace edge to reference it: the route marks the backend unresolved (ResolvedRefs: False) and the gateway answers the requests meant for it with a 500.', fix: 'Allow the reference with a ReferenceGrant in namespace backend:\napiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata:\n  name: edge-httproutes-to-web\n  namespace: backend\nspec:\n  from:\n    - group: gateway.networking.k8s.io\n      kind: HTTPRoute\n      namespace: edge\n  to:\n    - group: ""\n      kind: Service\n      name: web' }],
      },
      {
        name: 'Service backendRef without a port',
        yaml: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web}
spec:
  rules:
    - backendRefs: [{name: web}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
`,
        expect: [{ severity: 'error', path: 'spec.rules[0].backendRefs[0]', message: 'HTTPRoute web references Service web without a port, which a Service backendRef requires (ports: 80): the route marks the backend unresolved (ResolvedRefs: False) and the gateway answers the requests meant for it with a 500.', fix: 'Add the Service port to the backendRef:\nname: web\nport: 80' }],
      },
      {
        name: 'GRPCRoute to a Service that does not exist, with nothing like it',
        yaml: `
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: checkout}
spec:
  rules:
    - backendRefs: [{name: payments, port: 9090}]
`,
        expect: [{ severity: 'error', path: 'spec.rules[0].backendRefs[0].name', message: 'GRPCRoute checkout sends traffic to Service payments, which does not exist in namespace default: the route marks the backend unresolved (ResolvedRefs: False) and the gateway answers the calls meant for it with gRPC status UNAVAILABLE.', fix: "Create Service payments in namespace default, selecting the pods that serve this route (placeholders: the selector must be your pods' labels, the targetPort their container port):\napiVersion: v1\nkind: Service\nmetadata:\n  name: payments\n  namespace: default\nspec:\n  selector:\n    app: payments\n  ports:\n    - name: grpc\n      port: 9090\n      targetPort: grpc" }],
      },
      {
        name: 'ports judged backendRef by backendRef: a wrong port of a one-port Service, a missing port, a wrong port of a multi-port Service (ExternalName and port-less Services are left alone)',
        yaml: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: site}
spec:
  parentRefs: [{name: gw}]
  rules:
    - backendRefs: [{name: single, port: 80}]
    - backendRefs: [{name: single, port: 81}, {name: multi}]
    - backendRefs: [{name: multi, port: 7000}, {name: external}, {name: headless, port: 1234}]
---
apiVersion: v1
kind: Service
metadata: {name: single}
spec:
  selector: {app: single}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: multi}
spec:
  selector: {app: multi}
  ports: [{name: http, port: 8080}, {name: admin, port: 9000}]
---
apiVersion: v1
kind: Service
metadata: {name: external}
spec: {type: ExternalName, externalName: example.com}
---
apiVersion: v1
kind: Service
metadata: {name: headless}
spec: {clusterIP: None, selector: {app: x}}
`,
        expect: [
          { severity: 'error', path: 'spec.rules[1].backendRefs[0].port', message: 'HTTPRoute site sends traffic to port 81 of Service single, which has no such port (ports: 80): the route marks the backend unresolved (ResolvedRefs: False) and the gateway answers the requests meant for it with a 500.', fix: 'Use the Service port 80:\nname: single\nport: 80' },
          { severity: 'error', path: 'spec.rules[1].backendRefs[1]', message: 'HTTPRoute site references Service multi without a port, which a Service backendRef requires (ports: http (8080), admin (9000)): the route marks the backend unresolved (ResolvedRefs: False) and the gateway answers the requests meant for it with a 500.', fix: 'Add the Service port to the backendRef:\nname: multi\nport: 8080' },
          { severity: 'error', path: 'spec.rules[2].backendRefs[0].port', message: 'HTTPRoute site sends traffic to port 7000 of Service multi, which has no such port (ports: http (8080), admin (9000)): the route marks the backend unresolved (ResolvedRefs: False) and the gateway answers the requests meant for it with a 500.', fix: 'Use one of the ports of Service multi (http (8080), admin (9000)):\nname: multi\nport: 8080' },
        ],
      },
    ],
    silent: [
      {
        name: 'backendRefs resolve (same namespace, and cross-namespace with a ReferenceGrant)',
        yaml: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: edge}
spec:
  rules:
    - backendRefs:
        - {name: web, port: 80}
        - {name: api, namespace: backend, port: 8080}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: edge}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: backend}
spec:
  selector: {app: api}
  ports: [{port: 8080}]
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: edge-routes, namespace: backend}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: edge}]
  to: [{group: "", kind: Service, name: api}]
`,
      },
      {
        name: 'backendRef of another kind (ServiceImport)',
        yaml: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web}
spec:
  rules:
    - backendRefs: [{group: multicluster.x-k8s.io, kind: ServiceImport, name: web, port: 80}]
`,
      },
      {
        name: 'canary backendRef with weight 0',
        yaml: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web}
spec:
  rules:
    - backendRefs:
        - {name: web-stable, port: 80, weight: 100}
        - {name: web-canary, port: 80, weight: 0}
---
apiVersion: v1
kind: Service
metadata: {name: web-stable}
spec:
  selector: {app: web}
  ports: [{port: 80}]
`,
      },
      {
        name: 'Services Flagger generates for a Canary',
        yaml: `
apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {name: podinfo}
spec:
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
  service: {port: 9898}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: podinfo}
spec:
  rules:
    - backendRefs:
        - {name: podinfo-primary, port: 9898, weight: 90}
        - {name: podinfo-canary, port: 9898, weight: 10}
`,
      },
      {
        name: 'Service the Prometheus operator creates (prometheus-operated)',
        yaml: `
apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata: {name: main}
spec: {replicas: 2}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: prometheus}
spec:
  rules:
    - backendRefs: [{name: prometheus-operated, port: 9090}]
`,
      },
      {
        name: 'Service without metadata.namespace while the route names one',
        yaml: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: shop}
spec:
  rules:
    - backendRefs: [{name: web, port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
`,
      },
    ],
  },
});

/** `spec.rules[0].backendRefs[1]` → the keys below `spec.rules`: [0, 'backendRefs', 1]. */
function pathKeys(path: string): Array<string | number> {
  const rest = path.replace(/^spec\.rules/, '');
  const out: Array<string | number> = [];
  for (const m of rest.matchAll(/\[(\d+)\]|\.([^.[]+)/g)) out.push(m[1] !== undefined ? Number(m[1]) : (m[2] as string));
  return out;
}
