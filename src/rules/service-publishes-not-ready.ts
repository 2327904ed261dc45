import { defineRule } from '../engine/rule.ts';
import { isServiceModel, type Backend } from '../engine/model.ts';
import type { ResourceGraph } from '../engine/graph.ts';
import { fixWithYaml } from './lib/yaml.ts';
import { GATEWAYS } from './lib/reads.ts';

/** Gateway edges that really carry traffic to the Service: weighted in, and allowed across namespaces. */
function liveGatewayEdges(svc: { namespace: string; name: string }, graph: ResourceGraph): Backend[] {
  return graph
    .backendsTo(svc)
    .filter((b) => b.weight !== 0 && (b.proxy === 'ingress' || graph.referenceGrantAllows(b.from, b.serviceNamespace, b.serviceName)));
}

/** Service shop/web publishing not-ready pods, with Ingresses site and admin in front. */
const TWO_INGRESSES = `
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  publishNotReadyAddresses: true
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: site, namespace: shop}
spec:
  defaultBackend: {service: {name: web, port: {number: 80}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: admin, namespace: shop}
spec:
  defaultBackend: {service: {name: web, port: {number: 80}}}
`;

export default defineRule({
  id: 'service-publishes-not-ready',
  title: 'Gateway-facing Service publishes pods that are not ready',
  shape: 'unreachable',
  severity: 'warning',
  targets: ['Service'],
  reads: GATEWAYS,
  params: {},
  docs: {
    what:
      'Reports a Service with `spec.publishNotReadyAddresses: true` that an Ingress, HTTPRoute or GRPCRoute sends ' +
      'traffic to. The field makes every pod the Service selects an endpoint as soon as it has an IP, whatever its ' +
      'readiness — and keeps terminating pods in as well.',
    why:
      'The field exists for peer discovery (StatefulSet members that must find each other before any of them is ' +
      'ready). In front of a gateway it switches readiness off: the proxy sends requests to pods whose server is not ' +
      'listening yet, still warming up, or shutting down, and those connections are refused or reset — a 502 on every ' +
      'rollout, restart and scale-up.',
    fix:
      'Keep the peer-discovery Service headless with the field, and put the gateway in front of a separate Service ' +
      'that honours readiness:\n\n```yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: db-peers        ' +
      '# for the members\nspec:\n  clusterIP: None\n  publishNotReadyAddresses: true\n  selector: {app: db}\n  ' +
      'ports: [{name: peer, port: 7000}]\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: db            ' +
      '# for the gateway\nspec:\n  selector: {app: db}\n  ports: [{name: http, port: 80, targetPort: http}]\n```',
    notes:
      'Silent when no gateway references the Service (headless Services for StatefulSet peer discovery), for ' +
      'backendRefs with `weight: 0`, and for cross-namespace routes no ReferenceGrant allows (they carry no ' +
      'traffic; see `route-backend-mismatch`). Some charts set the field on purpose for a UI that must answer while ' +
      'the pods are not ready (a sealed Vault, for one): the warning still holds for those requests, and ' +
      '`guard502.dev/ignore` records the decision.',
  },
  evaluate(svc, graph) {
    if (!isServiceModel(svc) || !svc.publishNotReadyAddresses) return [];
    const edges = liveGatewayEdges(svc, graph);
    const first = edges[0];
    if (!first) return [];
    const gateways = [...new Set(edges.map((b) => `${b.from.kind}/${b.from.name}`))];
    const shown = gateways.length > 2 ? `${gateways.slice(0, 2).join(', ')} and ${gateways.length - 2} more` : gateways.join(' and ');
    return [
      {
        path: 'spec.publishNotReadyAddresses',
        message:
          `Service ${svc.name} sets publishNotReadyAddresses: true and ${shown} send${gateways.length === 1 ? 's' : ''} ` +
          'traffic to it: pods get requests before their readiness probe passes and while they terminate, and the ' +
          'refused or reset connections come back as 502s.',
        fix: fixWithYaml(
          `Let Service ${svc.name} honour readiness (keep a separate headless Service with the field for peer discovery, if the pods need one):`,
          { spec: { publishNotReadyAddresses: false } },
        ),
      },
    ];
  },
  fixtures: {
    fire: [
      {
        name: 'Ingress in front of a Service that publishes not-ready pods',
        yaml: `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  publishNotReadyAddresses: true
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
    - http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {name: http}}}}
          - {path: /api, pathType: Prefix, backend: {service: {name: web, port: {name: http}}}}
`,
        expect: [{ severity: 'warning', path: 'spec.publishNotReadyAddresses', message: 'Service web sets publishNotReadyAddresses: true and Ingress/web sends traffic to it: pods get requests before their readiness probe passes and while they terminate, and the refused or reset connections come back as 502s.', fix: 'Let Service web honour readiness (keep a separate headless Service with the field for peer discovery, if the pods need one):\nspec:\n  publishNotReadyAddresses: false' }],
      },
      {
        name: 'HTTPRoute in front of such a Service',
        yaml: `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  publishNotReadyAddresses: true
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web}
spec:
  rules:
    - backendRefs: [{name: web, port: 80}]
`,
        expect: [{ severity: 'warning', path: 'spec.publishNotReadyAddresses', message: 'Service web sets publishNotReadyAddresses: true and HTTPRoute/web sends traffic to it: pods get requests before their readiness probe passes and while they terminate, and the refused or reset connections come back as 502s.', fix: 'Let Service web honour readiness (keep a separate headless Service with the field for peer discovery, if the pods need one):\nspec:\n  publishNotReadyAddresses: false' }],
      },
      {
        name: 'two Ingresses in front: both named',
        yaml: TWO_INGRESSES,
        expect: [{ severity: 'warning', path: 'spec.publishNotReadyAddresses', resource: 'Service/shop/web', message: 'Service web sets publishNotReadyAddresses: true and Ingress/site and Ingress/admin send traffic to it: pods get requests before their readiness probe passes and while they terminate, and the refused or reset connections come back as 502s.', fix: 'Let Service web honour readiness (keep a separate headless Service with the field for peer discovery, if the pods need one):\nspec:\n  publishNotReadyAddresses: false' }],
      },
      {
        name: 'three gateways in front (a route of another namespace without a ReferenceGrant sends none): two named, the third counted',
        yaml: `${TWO_INGRESSES}---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: api, namespace: shop}
spec:
  rules: [{backendRefs: [{name: web, port: 80}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: outside, namespace: edge}
spec:
  rules: [{backendRefs: [{name: web, namespace: shop, port: 80}]}]
`,
        expect: [{ severity: 'warning', path: 'spec.publishNotReadyAddresses', resource: 'Service/shop/web', message: 'Service web sets publishNotReadyAddresses: true and Ingress/site, Ingress/admin and 1 more send traffic to it: pods get requests before their readiness probe passes and while they terminate, and the refused or reset connections come back as 502s.', fix: 'Let Service web honour readiness (keep a separate headless Service with the field for peer discovery, if the pods need one):\nspec:\n  publishNotReadyAddresses: false' }],
      },
    ],
    silent: [
      {
        name: 'headless Service for StatefulSet peer discovery, no gateway in front',
        yaml: `
apiVersion: v1
kind: Service
metadata: {name: db-peers}
spec:
  clusterIP: None
  publishNotReadyAddresses: true
  selector: {app: db}
  ports: [{name: peer, port: 7000}]
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  selector: {app: db}
  ports: [{name: http, port: 80}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: db}
spec:
  defaultBackend: {service: {name: db, port: {name: http}}}
`,
      },
      {
        name: 'gateway-facing Service without the field',
        yaml: `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web}
spec:
  rules:
    - backendRefs: [{name: web, port: 80}]
`,
      },
      {
        name: 'only a weight-0 backendRef points at it',
        yaml: `
apiVersion: v1
kind: Service
metadata: {name: web-preview}
spec:
  publishNotReadyAddresses: true
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web}
spec:
  rules:
    - backendRefs:
        - {name: web, port: 80, weight: 100}
        - {name: web-preview, port: 80, weight: 0}
`,
      },
    ],
  },
});
