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
});
