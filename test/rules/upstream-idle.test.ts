// How long each proxy in front of a workload reuses an idle upstream connection: the
// controller's documented default, or the setting it reads (ALB attribute, Traefik
// ServersTransport, Istio DestinationRule, Envoy Gateway policy), gateway by gateway.
import assert from 'node:assert/strict';
import { idleWindowsReaching } from '../../src/rules/lib/upstream-idle.ts';
import { webApp, webService as service } from '../support/web-app.ts';

/** The idle windows in front of Deployment web, as `proxy seconds via | how`. */
function windows(...docs: string[]): string[] {
  const { graph, web } = webApp(...docs);
  return idleWindowsReaching(web, graph).map((x) => {
    assert.equal(x.service.name, 'web');
    return `${x.proxy} ${x.seconds} ${x.via.kind}/${x.via.name} | ${x.how}`;
  });
}

const ingress = (cls: string, annotations: Record<string, string> = {}) => `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, annotations: ${JSON.stringify(annotations)}}
spec:
  ingressClassName: ${cls}
  rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]
`;

const TRANSPORT = `
apiVersion: traefik.io/v1alpha1
kind: ServersTransport
metadata: {name: short}
spec: {forwardingTimeouts: {idleConnTimeout: 30s, responseHeaderTimeout: 10m}}
`;
const USES_TRANSPORT = { 'traefik.ingress.kubernetes.io/service.serverstransport': 'short@kubernetescrd' };

const DESTINATION_RULE = `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: web}
spec: {host: web, trafficPolicy: {connectionPool: {tcp: {connectTimeout: 5s}, http: {idleTimeout: 2m}}}}
`;

const route = (controller: string | undefined, namespace = 'default') => `${controller ? `
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: edge}
spec: {controllerName: ${controller}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: ${namespace}}
spec: {gatewayClassName: edge, listeners: [{name: http, port: 80, protocol: HTTP}]}
---` : ''}
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: site, namespace: ${namespace}}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{name: web, namespace: default, port: 80}]}]
`;

describe('idle windows of the proxies in front of a workload', () => {
  it("takes each Ingress controller's default", () => {
    assert.deepEqual(windows(service(), ingress('nginx')), ['ingress-nginx 60 Ingress/web | `upstream-keepalive-timeout` in the controller ConfigMap']);
    assert.deepEqual(windows(service(), ingress('gce')), ['the Google Cloud load balancer 600 Ingress/web | none (fixed at 600 s)']);
    assert.deepEqual(windows(service(), ingress('alb')), ['the AWS ALB 60 Ingress/web | `idle_timeout.timeout_seconds` in `alb.ingress.kubernetes.io/load-balancer-attributes`']);
    assert.deepEqual(windows(service(), ingress('example')), [], 'an unknown controller: nothing is assumed');
    assert.deepEqual(windows(service(), ingress('haproxy')), [], 'a controller without a listed window');
    assert.deepEqual(windows(service()), []);
  });

  it('takes the setting each controller reads instead of its default', () => {
    assert.deepEqual(windows(service(), ingress('alb', { 'alb.ingress.kubernetes.io/load-balancer-attributes': 'idle_timeout.timeout_seconds=120' })), [
      'the AWS ALB 120 Ingress/web | alb.ingress.kubernetes.io/load-balancer-attributes idle_timeout.timeout_seconds on Ingress/web',
    ]);
    assert.deepEqual(windows(service(USES_TRANSPORT), TRANSPORT, ingress('traefik')), ['Traefik 30 Ingress/web | spec.forwardingTimeouts.idleConnTimeout on ServersTransport/short']);
    assert.deepEqual(windows(service(), TRANSPORT, ingress('traefik')), ['Traefik 90 Ingress/web | ServersTransport `spec.forwardingTimeouts.idleConnTimeout`'], 'a ServersTransport the Service does not use');
    assert.deepEqual(windows(service(), DESTINATION_RULE, ingress('istio')), ['Istio (Envoy) 120 Ingress/web | spec.trafficPolicy.connectionPool.http.idleTimeout on DestinationRule/web']);
    assert.deepEqual(windows(service(), DESTINATION_RULE, ingress('nginx')), ['ingress-nginx 60 Ingress/web | `upstream-keepalive-timeout` in the controller ConfigMap'], 'ingress-nginx reads no DestinationRule');
    assert.deepEqual(windows(service(USES_TRANSPORT), TRANSPORT, ingress('nginx')), ['ingress-nginx 60 Ingress/web | `upstream-keepalive-timeout` in the controller ConfigMap'], 'nor a ServersTransport');
  });

  it('takes the Gateway API implementation of each route, and what overrides it', () => {
    assert.deepEqual(windows(service(), route('gateway.envoyproxy.io/gatewayclass-controller')), [
      'Envoy Gateway 3600 HTTPRoute/site | BackendTrafficPolicy `spec.timeout.http.connectionIdleTimeout` attached to the HTTPRoute',
    ]);
    const policy = (target: string) => `
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: idle}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: ${target}}]
  timeout: {tcp: {connectTimeout: 5s}, http: {connectionIdleTimeout: 5m}}
`;
    assert.deepEqual(windows(service(), route('gateway.envoyproxy.io/gatewayclass-controller'), policy('site')), [
      'Envoy Gateway 300 HTTPRoute/site | spec.timeout.http.connectionIdleTimeout on BackendTrafficPolicy/idle',
    ]);
    assert.deepEqual(windows(service(), route('gateway.envoyproxy.io/gatewayclass-controller'), policy('other')), [
      'Envoy Gateway 3600 HTTPRoute/site | BackendTrafficPolicy `spec.timeout.http.connectionIdleTimeout` attached to the HTTPRoute',
    ]);
    assert.deepEqual(windows(service(), DESTINATION_RULE, route('istio.io/gateway-controller')), ['Istio (Envoy) 120 HTTPRoute/site | spec.trafficPolicy.connectionPool.http.idleTimeout on DestinationRule/web']);
    assert.deepEqual(windows(service(USES_TRANSPORT), TRANSPORT, route('traefik.io/gateway-controller')), ['Traefik 30 HTTPRoute/site | spec.forwardingTimeouts.idleConnTimeout on ServersTransport/short']);
    assert.deepEqual(windows(service(), DESTINATION_RULE, route('projectcontour.io/gateway-controller')), ['Contour (Envoy) 3600 HTTPRoute/site | the Envoy cluster idle timeout in the Contour configuration']);
    assert.deepEqual(windows(service(), route('gateway.nginx.org/nginx-gateway-controller')), ['NGINX Gateway Fabric 60 HTTPRoute/site | nginx `keepalive_timeout` of the upstream']);
    assert.deepEqual(windows(service(), route('example.com/gateway')), [], 'an unknown implementation');
    assert.deepEqual(windows(service(), route(undefined)), [], 'no Gateway in the input');
    assert.deepEqual(windows(service(), route('gateway.nginx.org/nginx-gateway-controller', 'edge')), [], 'a route of another namespace without a ReferenceGrant');
  });

  it('takes Traefik IngressRoutes that send to the Service', () => {
    const ir = (services: string, namespace = 'default') => `
apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata: {name: site, namespace: ${namespace}}
spec:
  routes:
    - {match: Host(\`a.example.com\`), kind: Rule, services: [{name: other, port: 80}]}
    - {match: Host(\`b.example.com\`), kind: Rule, services: ${services}}
`;
    assert.deepEqual(windows(service(), ir('[{name: web, port: 80}]')), ['Traefik 90 IngressRoute/site | ServersTransport `spec.forwardingTimeouts.idleConnTimeout`']);
    assert.deepEqual(windows(service(USES_TRANSPORT), TRANSPORT, ir('[{name: web, port: 80}]')), ['Traefik 30 IngressRoute/site | spec.forwardingTimeouts.idleConnTimeout on ServersTransport/short']);
    assert.deepEqual(windows(service(), ir('[{name: web, namespace: default, port: 80}]', 'edge')), ['Traefik 90 IngressRoute/site | ServersTransport `spec.forwardingTimeouts.idleConnTimeout`']);
    assert.deepEqual(windows(service(), ir('[{name: web, port: 80}]', 'edge')), [], 'the Service web of the route’s own namespace');
    assert.deepEqual(windows(service(), ir('[{name: other-web, port: 80}]')), []);
  });
});
