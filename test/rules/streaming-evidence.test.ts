// Why the traffic a timeout governs looks long-lived: each annotation, name, path,
// port and route setting that says websockets, streams, gRPC or large uploads, and
// the look-alikes that do not.
import assert from 'node:assert/strict';
import { streamingEvidence, timeoutsOf } from '../../src/rules/lib/proxy-timeouts.ts';
import { graphOf } from '../support/scan.ts';

/** The streaming evidence for the first timeout the object of `kind` holds. */
function evidence(yaml: string, kind: string): string | undefined {
  const g = graphOf(yaml);
  const r = [...g.all()].find((o) => o.kind === kind);
  assert.ok(r, kind);
  const t = timeoutsOf(r, g)[0];
  assert.ok(t, `a timeout on the ${kind}`);
  return streamingEvidence(t, g);
}

const SERVICE = (name: string, port: string) => `
apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec: {selector: {app: web}, ports: [${port}]}
`;

const ingress = (annotations: Record<string, string>, opts: { name?: string; path?: string; service?: string; port?: string; servicePort?: string } = {}) => `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${opts.name ?? 'web'}
  annotations: ${JSON.stringify({ 'nginx.ingress.kubernetes.io/proxy-read-timeout': '3600', ...annotations })}
spec:
  ingressClassName: nginx
  rules: [{http: {paths: [{path: ${opts.path ?? '/'}, pathType: Prefix, backend: {service: {name: ${opts.service ?? 'web'}, port: ${opts.port ?? '{number: 80}'}}}}]}}]
---
${SERVICE(opts.service ?? 'web', opts.servicePort ?? '{name: http, port: 80, targetPort: 8080}')}`;

describe('streaming evidence', () => {
  it('reads the Ingress annotations that say streams, websockets or large uploads', () => {
    const cases: Array<[Record<string, string>, string | undefined]> = [
      [{ 'nginx.ingress.kubernetes.io/backend-protocol': 'GRPCS' }, 'the Ingress sets nginx.ingress.kubernetes.io/backend-protocol: GRPCS'],
      [{ 'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS' }, undefined],
      [{ 'nginx.ingress.kubernetes.io/proxy-buffering': ' Off ' }, 'the Ingress sets nginx.ingress.kubernetes.io/proxy-buffering:  Off '],
      [{ 'nginx.ingress.kubernetes.io/proxy-buffering': 'on' }, undefined],
      [{ 'nginx.ingress.kubernetes.io/proxy-request-buffering': 'off' }, 'the Ingress sets nginx.ingress.kubernetes.io/proxy-request-buffering: off'],
      [{ 'nginx.ingress.kubernetes.io/proxy-body-size': '0' }, 'the Ingress sets nginx.ingress.kubernetes.io/proxy-body-size: 0'],
      [{ 'nginx.ingress.kubernetes.io/proxy-body-size': '1g' }, 'the Ingress sets nginx.ingress.kubernetes.io/proxy-body-size: 1g'],
      [{ 'nginx.ingress.kubernetes.io/proxy-body-size': '1024M' }, 'the Ingress sets nginx.ingress.kubernetes.io/proxy-body-size: 1024M'],
      [{ 'nginx.ingress.kubernetes.io/proxy-body-size': '1023m' }, undefined],
      [{ 'nginx.ingress.kubernetes.io/proxy-body-size': '1073741823' }, undefined],
      [{ 'nginx.ingress.kubernetes.io/proxy-body-size': '1073741824' }, 'the Ingress sets nginx.ingress.kubernetes.io/proxy-body-size: 1073741824'],
      [{ 'nginx.ingress.kubernetes.io/proxy-body-size': '8k' }, undefined],
      [{ 'nginx.ingress.kubernetes.io/proxy-body-size': 'big' }, undefined],
      [{ 'nginx.ingress.kubernetes.io/configuration-snippet': 'proxy_set_header Upgrade $http_upgrade;' }, 'the Ingress sets nginx.ingress.kubernetes.io/configuration-snippet: proxy_set_header Upgrade $http_upgrade;'],
      [{ 'nginx.ingress.kubernetes.io/configuration-snippet': 'more_set_headers "X-Frame-Options: DENY";' }, undefined],
      [{ 'nginx.ingress.kubernetes.io/server-snippet': 'location /ws { proxy_set_header Connection "upgrade"; }' }, 'the Ingress sets nginx.ingress.kubernetes.io/server-snippet: location /ws { proxy_set_header Connecti…'],
      [{ 'nginx.ingress.kubernetes.io/websocket-services': 'web' }, 'the Ingress sets nginx.ingress.kubernetes.io/websocket-services: web'],
      [{ 'nginx.org/websocket-services': 'web' }, 'the Ingress sets nginx.org/websocket-services: web'],
      [{ 'nginx.org/grpc-services': 'web' }, 'the Ingress sets nginx.org/grpc-services: web'],
      [{ 'nginx.org/proxy-buffering': 'False' }, 'the Ingress sets nginx.org/proxy-buffering: False'],
      [{ 'nginx.org/proxy-buffering': 'true' }, undefined],
      [{ 'nginx.org/client-max-body-size': '0' }, 'the Ingress sets nginx.org/client-max-body-size: 0'],
      [{ 'nginx.org/client-max-body-size': '2G' }, 'the Ingress sets nginx.org/client-max-body-size: 2G'],
      [{ 'nginx.org/client-max-body-size': '10m' }, undefined],
      [{ 'projectcontour.io/websocket-routes': '/' }, 'the Ingress sets projectcontour.io/websocket-routes: /'],
      [{ 'contour.heptio.com/websocket-routes': '/' }, 'the Ingress sets contour.heptio.com/websocket-routes: /'],
      [{ 'haproxy.org/server-proto': ' h2 ' }, 'the Ingress sets haproxy.org/server-proto:  h2 '],
      [{ 'haproxy.org/server-proto': 'h1' }, undefined],
      [{ 'alb.ingress.kubernetes.io/backend-protocol-version': 'grpc' }, 'the Ingress sets alb.ingress.kubernetes.io/backend-protocol-version: grpc'],
      [{ 'alb.ingress.kubernetes.io/backend-protocol-version': 'HTTP2' }, undefined],
    ];
    for (const [annotations, expected] of cases) assert.equal(evidence(ingress(annotations), 'Ingress'), expected, JSON.stringify(annotations));
  });

  it("reads streaming words in the Ingress's name, paths, Services and ports, not inside other words", () => {
    assert.equal(evidence(ingress({}, { name: 'chat-websocket' }), 'Ingress'), 'the Ingress is named "chat-websocket"');
    assert.equal(evidence(ingress({}, { name: 'newsletter' }), 'Ingress'), undefined);
    assert.equal(evidence(ingress({}, { path: '/api/stream' }), 'Ingress'), 'it routes the path "/api/stream"');
    assert.equal(evidence(ingress({}, { path: '/upstreams' }), 'Ingress'), undefined);
    assert.equal(evidence(ingress({}, { path: '/events/sse' }), 'Ingress'), 'it routes the path "/events/sse"');
    assert.equal(evidence(ingress({}, { service: 'uploads' }), 'Ingress'), 'it routes to the Service "uploads"');
    assert.equal(evidence(ingress({}, { service: 'socket-io' }), 'Ingress'), 'it routes to the Service "socket-io"');
    assert.equal(evidence(ingress({}, { port: '{name: ws}' }), 'Ingress'), 'it routes to the port "ws"');
    assert.equal(evidence(ingress({}, { service: 'realtimeish' }), 'Ingress'), undefined);
  });

  it("reads a websocket, gRPC or streaming port on the Service behind the Ingress", () => {
    const behind = (servicePort: string) => ingress({}, { servicePort });
    const said = 'Service web declares a websocket, gRPC or streaming port';
    assert.equal(evidence(behind('{name: web, port: 80, targetPort: 8080, appProtocol: kubernetes.io/ws}'), 'Ingress'), said);
    assert.equal(evidence(behind('{name: web, port: 80, targetPort: 8080, appProtocol: GRPC}'), 'Ingress'), said);
    assert.equal(evidence(behind('{name: web, port: 80, targetPort: 8080, appProtocol: kubernetes.io/h2c}'), 'Ingress'), said);
    assert.equal(evidence(behind('{name: web, port: 80, targetPort: events-stream}'), 'Ingress'), said);
    assert.equal(evidence(behind('{name: web, port: 80, targetPort: 8080, appProtocol: http}'), 'Ingress'), undefined);
    assert.equal(evidence(behind('{name: web, port: 81, targetPort: 8080, appProtocol: grpc}'), 'Ingress'), undefined);
  });

  const said = (svc: string) => `Service ${svc} declares a websocket, gRPC or streaming port`;

  it("reads a Service's own ports and name when the timeout sits on the Service", () => {
    const svc = (name: string, port: string) => `
apiVersion: v1
kind: Service
metadata: {name: ${name}, annotations: {konghq.com/read-timeout: "3600000"}}
spec: {selector: {app: web}, ports: [${port}]}
`;
    assert.equal(evidence(svc('web', '{name: grpc-api, port: 80, targetPort: 8080}'), 'Service'), said('web'));
    assert.equal(evidence(svc('events-stream', '{name: web, port: 80, targetPort: 8080}'), 'Service'), 'the Service is named "events-stream"');
    assert.equal(evidence(svc('web', '{name: web, port: 80, targetPort: 8080}'), 'Service'), undefined);
  });

  it('reads the HTTPRoute rule that holds the timeout: its name, path matches, Services and their ports', () => {
    const route = (opts: { name?: string; path?: string; service?: string; port?: number; servicePort?: string; otherPath?: string }) => `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ${opts.name ?? 'site'}}
spec:
  parentRefs: [{name: gw}]
  rules:
    - {matches: [{path: {type: PathPrefix, value: ${opts.otherPath ?? '/other'}}}], backendRefs: [{name: ws, port: 80}]}
    - matches: [{headers: [{name: x, value: y}]}, {path: {type: PathPrefix, value: ${opts.path ?? '/'}}}]
      backendRefs: [{name: ${opts.service ?? 'web'}, port: ${opts.port ?? 80}}]
      timeouts: {request: 1h}
---
${SERVICE(opts.service ?? 'web', opts.servicePort ?? '{name: http, port: 80, targetPort: 8080}')}`;
    assert.equal(evidence(route({}), 'HTTPRoute'), undefined, 'rule 0 (its path /other, its Service ws) is another rule');
    assert.equal(evidence(route({ name: 'chat-ws' }), 'HTTPRoute'), 'the route is named "chat-ws"');
    assert.equal(evidence(route({ path: '/ws' }), 'HTTPRoute'), 'the rule matches the path "/ws"');
    assert.equal(evidence(route({ otherPath: '/ws' }), 'HTTPRoute'), undefined);
    assert.equal(evidence(route({ service: 'uploads' }), 'HTTPRoute'), 'the rule routes to the Service "uploads"');
    assert.equal(evidence(route({ servicePort: '{name: http, port: 80, targetPort: 8080, appProtocol: kubernetes.io/wss}' }), 'HTTPRoute'), said('web'));
    assert.equal(evidence(route({ port: 81, servicePort: '{name: http, port: 80, targetPort: 8080, appProtocol: kubernetes.io/wss}' }), 'HTTPRoute'), undefined, 'another port of the Service');
  });

  it('reads the Contour HTTPProxy route that holds the timeout', () => {
    const proxy = (route1: string, opts: { name?: string; servicePort?: string } = {}) => `
apiVersion: projectcontour.io/v1
kind: HTTPProxy
metadata: {name: ${opts.name ?? 'site'}}
spec:
  virtualhost: {fqdn: web.example.com}
  routes:
    - {enableWebsockets: true, conditions: [{prefix: /ws}], services: [{name: ws, port: 80, protocol: h2c}]}
    - {timeoutPolicy: {response: 1h}, ${route1}}
---
${SERVICE('web', opts.servicePort ?? '{name: http, port: 80, targetPort: 8080}')}`;
    const plain = 'services: [{name: web, port: 80}]';
    assert.equal(evidence(proxy(plain), 'HTTPProxy'), undefined, 'route 0 streams, not the route with the timeout');
    assert.equal(evidence(proxy(`enableWebsockets: true, ${plain}`), 'HTTPProxy'), 'spec.routes[1].enableWebsockets is true');
    assert.equal(evidence(proxy(`enableWebsockets: false, ${plain}`), 'HTTPProxy'), undefined);
    assert.equal(evidence(proxy(`conditions: [{header: {name: x, present: true}}, {prefix: /stream}], ${plain}`), 'HTTPProxy'), 'the route matches the prefix "/stream"');
    assert.equal(evidence(proxy('services: [{name: web, port: 80, protocol: h2c}]'), 'HTTPProxy'), 'the route speaks h2c (gRPC) to Service web');
    assert.equal(evidence(proxy('services: [{name: web, port: 80, protocol: h2}]'), 'HTTPProxy'), 'the route speaks h2 (gRPC) to Service web');
    assert.equal(evidence(proxy('services: [{name: web, port: 80, protocol: tls}]'), 'HTTPProxy'), undefined);
    assert.equal(evidence(proxy('services: [{name: uploads, port: 80}]'), 'HTTPProxy'), 'the route sends to Service "uploads"');
    const ws = '{name: http, port: 80, targetPort: 8080, appProtocol: kubernetes.io/ws}';
    assert.equal(evidence(proxy(plain, { servicePort: ws }), 'HTTPProxy'), said('web'));
    assert.equal(evidence(proxy('services: [{name: web, port: 81}]', { servicePort: ws }), 'HTTPProxy'), undefined, 'another port of the Service');
    assert.equal(evidence(proxy(plain, { name: 'stream-proxy' }), 'HTTPProxy'), 'the HTTPProxy is named "stream-proxy"');
  });

  it('reads the Services that use a GKE BackendConfig', () => {
    const bc = (name: string, svcName: string, port: string, uses = name) => `
apiVersion: cloud.google.com/v1
kind: BackendConfig
metadata: {name: ${name}}
spec: {timeoutSec: 3600}
---
apiVersion: v1
kind: Service
metadata: {name: ${svcName}, annotations: {cloud.google.com/backend-config: '{"default": "${uses}"}'}}
spec: {selector: {app: web}, ports: [${port}]}
`;
    const plain = '{name: http, port: 80, targetPort: 8080}';
    assert.equal(evidence(bc('long', 'web', '{name: grpc, port: 80, targetPort: 8080}'), 'BackendConfig'), 'Service web, which uses it, declares a websocket, gRPC or streaming port');
    assert.equal(evidence(bc('long', 'uploads', plain), 'BackendConfig'), 'it serves Service "uploads"');
    assert.equal(evidence(bc('long', 'uploads', plain, 'other'), 'BackendConfig'), undefined, 'a Service that uses another BackendConfig');
    assert.equal(evidence(bc('websocket', 'web', plain), 'BackendConfig'), 'the BackendConfig is named "websocket"');
    assert.equal(evidence(bc('long', 'web', plain), 'BackendConfig'), undefined);
  });

  it('reads an OpenShift Route: its name, its Service and the ports of that Service', () => {
    const route = (name: string, to: string, port = '{name: http, port: 80, targetPort: 8080}') => `
apiVersion: route.openshift.io/v1
kind: Route
metadata: {name: ${name}, annotations: {haproxy.router.openshift.io/timeout: 1h}}
spec: {to: {kind: Service, name: ${to}}}
---
${SERVICE(to, port)}`;
    assert.equal(evidence(route('ws', 'web'), 'Route'), 'the Route is named "ws"');
    assert.equal(evidence(route('site', 'uploads'), 'Route'), 'the Route sends to Service "uploads"');
    assert.equal(evidence(route('site', 'web', '{name: grpc-web, port: 80, targetPort: 8080}'), 'Route'), said('web'));
    assert.equal(evidence(route('site', 'web'), 'Route'), undefined);
  });

  it('reads the name of any other object that holds a timeout', () => {
    const vs = (name: string) => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}}
spec: {hosts: [web], http: [{route: [{destination: {host: web}}], timeout: 1h}]}
`;
    assert.equal(evidence(vs('grpc-gateway'), 'VirtualService'), 'the VirtualService is named "grpc-gateway"');
    assert.equal(evidence(vs('web'), 'VirtualService'), undefined);
  });
});
