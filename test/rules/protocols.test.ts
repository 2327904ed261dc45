// What a Service port serves, read from its declarations one by one: every
// appProtocol and port name the rules know, where the declaration sits, and the
// cases that give no verdict (disagreement, an "https" name in front of port 80).
import assert from 'node:assert/strict';
import { ingressSpeech, servedBy } from '../../src/rules/lib/protocols.ts';
import { ingressController } from '../../src/rules/lib/ingress-controller.ts';
import { graphOf } from '../support/scan.ts';

function served(ports: string, containerPorts = '[{containerPort: 8443}]', portIndex = 0) {
  const g = graphOf(`
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec:
  selector: {app: api}
  ports: ${ports}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template: {metadata: {labels: {app: api}}, spec: {containers: [{name: api, image: api:1, ports: ${containerPorts}}]}}
`);
  const svc = g.service('shop', 'api');
  assert.ok(svc);
  const sp = svc.ports[portIndex];
  assert.ok(sp);
  return servedBy(svc, sp, g);
}

describe('what a Service port serves', () => {
  it('reads every appProtocol it knows, case-insensitively, as strong evidence', () => {
    const cases: Array<[string, string | undefined]> = [
      ['http', 'http'], ['https', 'tls'], ['tls', 'tls'], ['grpc', 'grpc'], ['h2c', 'h2c'], ['kubernetes.io/h2c', 'h2c'],
      ['kubernetes.io/ws', 'http'], ['kubernetes.io/wss', 'tls'], ['HTTPS', 'tls'], ['GRPC', 'grpc'], ['example.com/custom', undefined],
    ];
    for (const [appProtocol, expected] of cases) {
      const got = served(`[{port: 443, targetPort: 8443, appProtocol: ${JSON.stringify(appProtocol)}}]`);
      assert.deepEqual(got, expected ? { served: expected, because: [`the Service port has appProtocol: ${appProtocol}`], strong: true } : undefined, appProtocol);
    }
  });

  it('reads every port name it knows, exactly, as weak evidence', () => {
    const cases: Array<[string, string | undefined]> = [['http', 'http'], ['https', 'tls'], ['tls', 'tls'], ['grpc', 'grpc'], ['h2c', 'h2c'], ['HTTP', undefined], ['web', undefined], ['http-api', undefined]];
    for (const [name, expected] of cases) {
      const got = served(`[{name: ${name}, port: 443, targetPort: 8443}]`);
      assert.deepEqual(got, expected ? { served: expected, because: [`the Service port is named "${name}"`], strong: false } : undefined, name);
    }
  });

  it('reads a named targetPort and the container port it lands on as strong evidence', () => {
    assert.deepEqual(served('[{port: 443, targetPort: https}]', '[{name: https, containerPort: 8443}]'), {
      served: 'tls', because: ['its targetPort is "https"', 'container api names the port "https"'], strong: true,
    });
    assert.deepEqual(served('[{port: 80, targetPort: 8080}]', '[{name: grpc, containerPort: 8080}]'), {
      served: 'grpc', because: ['container api names the port "grpc"'], strong: true,
    });
    assert.equal(served('[{port: 80, targetPort: 8080}]', '[{name: grpc, containerPort: 9090}]'), undefined);
    assert.equal(served('[{port: 80, targetPort: "8080"}]', '[{containerPort: 8080}]'), undefined);
  });

  it('counts the other Service ports aimed at the same container port', () => {
    assert.deepEqual(served('[{name: web, port: 80, targetPort: 8080}, {name: h2c, port: 81, targetPort: 8080}, {name: https, port: 443, targetPort: 9443}]', '[{containerPort: 8080}]'), {
      served: 'h2c', because: ['Service port h2c (same target) is named "h2c"'], strong: false,
    });
    assert.deepEqual(served('[{port: 80, targetPort: 8080}, {port: 81, targetPort: 8080, appProtocol: http}]', '[{containerPort: 8080}]'), {
      served: 'http', because: ['Service port 81 (same target) has appProtocol: http'], strong: true,
    });
  });

  it('takes gRPC and h2c as one answer, and gives none when declarations disagree', () => {
    assert.deepEqual(served('[{name: grpc, port: 80, targetPort: 8080, appProtocol: kubernetes.io/h2c}]', '[{containerPort: 8080}]'), {
      served: 'grpc', because: ['the Service port is named "grpc"', 'the Service port has appProtocol: kubernetes.io/h2c'], strong: true,
    });
    assert.equal(served('[{name: http, port: 443, targetPort: 8443, appProtocol: https}]'), undefined);
    assert.equal(served('[{port: 80, targetPort: 8080}, {name: https, port: 443, targetPort: 8080}, {name: http, port: 81, targetPort: 8080}]', '[{containerPort: 8080}]'), undefined);
  });

  it('does not take a bare "https" Service port name in front of port 80 or 8080 as what the container serves', () => {
    assert.equal(served('[{name: https, port: 443, targetPort: 8080}]', '[{containerPort: 8080}]'), undefined);
    assert.equal(served('[{name: https, port: 443, targetPort: 80}]', '[{containerPort: 80}]'), undefined);
    assert.equal(served('[{name: https, port: 443, targetPort: web}]', '[{name: web, containerPort: 8080}]'), undefined);
    assert.deepEqual(served('[{name: https, port: 443, targetPort: 8081}]', '[{containerPort: 8081}]'), { served: 'tls', because: ['the Service port is named "https"'], strong: false });
    assert.deepEqual(served('[{name: https, port: 443, targetPort: 8080, appProtocol: https}]', '[{containerPort: 8080}]'), {
      served: 'tls', because: ['the Service port has appProtocol: https', 'the Service port is named "https"'], strong: true,
    });
    assert.deepEqual(served('[{name: tls, port: 443, targetPort: 8080}]', '[{containerPort: 8080}]'), undefined);
  });

  /** What the controller of an Ingress speaks to port 0 of Service api: the wire, and whether the controller is identified. */
  function speech(cls: string, ingAnn: Record<string, string>, svcAnn: Record<string, string> = {}, port = '{name: web, port: 80, targetPort: 8080}') {
    const g = graphOf(`
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop, annotations: ${JSON.stringify(svcAnn)}}
spec: {selector: {app: api}, ports: [${port}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: api, namespace: shop, annotations: ${JSON.stringify(ingAnn)}}
spec:
  ${cls ? `ingressClassName: ${cls}` : ''}
  rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}]}}]
`);
    const svc = g.service('shop', 'api');
    const ing = [...g.all()].find((o) => o.kind === 'Ingress');
    assert.ok(svc && ing && svc.ports[0]);
    const s = ingressSpeech(ing, svc, svc.ports[0], ingressController(ing, g));
    return s.wire === undefined ? `? ${s.certain}` : `${s.wire} ${s.certain}`;
  }

  it('tells what each Ingress controller speaks upstream, by default and as told', () => {
    const bp = 'nginx.ingress.kubernetes.io/backend-protocol';
    const cases: Array<[string, string, string]> = [
      [speech('nginx', {}), 'http true', 'ingress-nginx default'],
      [speech('nginx', { [bp]: 'https' }), 'tls true', 'ingress-nginx HTTPS'],
      [speech('nginx', { [bp]: 'GRPC' }), 'grpc true', 'ingress-nginx GRPC'],
      [speech('nginx', { [bp]: ' grpcs ' }), 'grpcs true', 'ingress-nginx GRPCS'],
      [speech('nginx', { [bp]: 'HTTP' }), 'http true', 'ingress-nginx HTTP'],
      [speech('nginx', { [bp]: 'FCGI' }), '? true', 'ingress-nginx FCGI'],
      [speech('nginx', { 'nginx.ingress.kubernetes.io/secure-backends': 'true' }), '? true', 'ingress-nginx secure-backends'],
      [speech('nginx', { 'nginx.org/ssl-services': 'api' }), 'tls true', 'nginx-inc ssl by Service name'],
      [speech('nginx', { 'nginx.org/grpc-services': 'other, web' }), 'grpc true', 'nginx-inc grpc by port name'],
      [speech('nginx', { 'nginx.org/grpc-services': '80', 'nginx.org/ssl-services': 'api' }), 'grpcs true', 'nginx-inc grpcs'],
      [speech('nginx', { 'nginx.org/ssl-services': 'other' }), 'http true', 'nginx-inc not listed'],
      [speech('traefik', {}), 'http true', 'traefik default'],
      [speech('traefik', {}, {}, '{name: https-api, port: 8443, targetPort: 8443}'), 'tls true', 'traefik https* name'],
      [speech('traefik', {}, {}, '{name: web, port: 443, targetPort: 8443}'), 'tls true', 'traefik port 443'],
      [speech('traefik', {}, { 'traefik.ingress.kubernetes.io/service.serversscheme': ' H2C ' }), 'h2c true', 'traefik h2c'],
      [speech('traefik', {}, { 'traefik.ingress.kubernetes.io/service.serversscheme': 'https' }), 'tls true', 'traefik https'],
      [speech('traefik', {}, { 'traefik.ingress.kubernetes.io/service.serversscheme': 'http' }, '{name: web, port: 443, targetPort: 8443}'), 'http true', 'traefik http on 443'],
      [speech('traefik', {}, { 'traefik.ingress.kubernetes.io/service.serversscheme': 'ftp' }), '? true', 'traefik unknown scheme'],
      [speech('alb', {}), 'http true', 'alb default'],
      [speech('alb', { 'alb.ingress.kubernetes.io/backend-protocol': 'HTTPS' }), 'tls true', 'alb https'],
      [speech('alb', { 'alb.ingress.kubernetes.io/backend-protocol-version': 'GRPC' }), 'grpc true', 'alb grpc'],
      [speech('alb', { 'alb.ingress.kubernetes.io/backend-protocol-version': 'GRPC' }, { 'alb.ingress.kubernetes.io/backend-protocol': 'https' }), 'grpcs true', 'alb grpcs, Service wins'],
      [speech('alb', { 'alb.ingress.kubernetes.io/backend-protocol-version': 'HTTP2' }), 'h2c true', 'alb h2c'],
      [speech('alb', { 'alb.ingress.kubernetes.io/backend-protocol-version': 'http2', 'alb.ingress.kubernetes.io/backend-protocol': 'https' }), 'h2 true', 'alb h2'],
      [speech('alb', { 'alb.ingress.kubernetes.io/backend-protocol-version': 'HTTP3' }), '? true', 'alb unknown version'],
      [speech('gce', {}), 'http true', 'gce default'],
      [speech('gce', {}, { 'cloud.google.com/app-protocols': '{"web": "HTTPS"}' }), 'tls true', 'gce https'],
      [speech('gce', {}, { 'service.alpha.kubernetes.io/app-protocols': '{"web": "http2"}' }), 'h2 true', 'gce http2 alpha key'],
      [speech('gce', {}, { 'cloud.google.com/app-protocols': '{"other": "HTTPS"}' }), 'http true', 'gce other port'],
      [speech('gce', {}, { 'cloud.google.com/app-protocols': 'nonsense' }), 'http true', 'gce unreadable'],
      [speech('gce', {}, { 'cloud.google.com/app-protocols': '{"web": "TCP"}' }), '? true', 'gce unknown'],
      [speech('gce', {}, {}, '{name: web, port: 80, targetPort: 8080, appProtocol: HTTP2}'), '? true', 'gce appProtocol'],
      [speech('haproxy', {}), 'http true', 'haproxy default'],
      [speech('haproxy', { 'haproxy.org/server-ssl': 'true' }), 'tls true', 'haproxy ssl'],
      [speech('haproxy', { 'haproxy.com/server-ssl': 'TRUE', 'haproxy.org/server-proto': 'h2' }), 'h2 true', 'haproxy h2 ssl'],
      [speech('haproxy', {}, { 'haproxy.com/server-proto': 'h2' }), 'h2c true', 'haproxy h2c on the Service'],
      [speech('haproxy', { 'ingress.kubernetes.io/server-ssl': 'false' }), 'http true', 'haproxy ssl false'],
      [speech('haproxy', { 'haproxy-ingress.github.io/backend-protocol': 'h2-ssl', 'haproxy.org/server-ssl': 'false' }), 'h2 true', 'haproxy-ingress h2-ssl wins'],
      [speech('haproxy', { 'ingress.kubernetes.io/backend-protocol': 'h1-ssl' }), 'tls true', 'haproxy-ingress h1-ssl'],
      [speech('haproxy', { 'ingress.kubernetes.io/backend-protocol': 'H2' }), 'h2c true', 'haproxy-ingress h2'],
      [speech('haproxy', { 'ingress.kubernetes.io/backend-protocol': 'h1' }), 'http true', 'haproxy-ingress h1'],
      [speech('haproxy', { 'ingress.kubernetes.io/backend-protocol': 'fcgi' }), '? true', 'haproxy-ingress unknown'],
      [speech('contour', {}), 'http true', 'contour default'],
      [speech('contour', {}, { 'projectcontour.io/upstream-protocol.tls': 'web' }), 'tls true', 'contour tls by name'],
      [speech('contour', {}, { 'contour.heptio.com/upstream-protocol.h2': '80' }), 'h2 true', 'contour h2 by number'],
      [speech('contour', {}, { 'projectcontour.io/upstream-protocol.h2c': 'web,grpc' }), 'h2c true', 'contour h2c'],
      [speech('contour', {}, { 'projectcontour.io/upstream-protocol.tls': '443' }), 'http true', 'contour tls other port'],
      [speech('contour', {}, {}, '{name: web, port: 80, targetPort: 8080, appProtocol: kubernetes.io/wss}'), 'tls true', 'contour wss'],
      [speech('contour', {}, {}, '{name: web, port: 80, targetPort: 8080, appProtocol: H2C}'), 'h2c true', 'contour appProtocol h2c'],
      [speech('contour', {}, {}, '{name: web, port: 80, targetPort: 8080, appProtocol: kubernetes.io/ws}'), 'http true', 'contour ws'],
      [speech('contour', {}, {}, '{name: web, port: 80, targetPort: 8080, appProtocol: example.com/x}'), '? true', 'contour unknown appProtocol'],
      [speech('kong', {}), 'http true', 'kong default'],
      [speech('kong', {}, { 'konghq.com/protocol': 'grpcs' }), 'grpcs true', 'kong grpcs'],
      [speech('kong', {}, { 'konghq.com/protocol': 'WSS' }), 'tls true', 'kong wss'],
      [speech('kong', {}, { 'konghq.com/protocol': 'ws' }), 'http true', 'kong ws'],
      [speech('kong', {}, { 'konghq.com/protocol': 'grpc' }), 'grpc true', 'kong grpc'],
      [speech('kong', {}, { 'konghq.com/protocol': 'tcp' }), '? true', 'kong tcp'],
      [speech('azure-application-gateway', {}), 'http true', 'agic default'],
      [speech('azure-application-gateway', { 'appgw.ingress.kubernetes.io/backend-protocol': 'HTTPS' }), 'tls true', 'agic https'],
      [speech('azure-application-gateway', { 'appgw.ingress.kubernetes.io/backend-protocol': 'http' }), 'http true', 'agic http'],
      [speech('azure-application-gateway', { 'appgw.ingress.kubernetes.io/backend-protocol': 'h2' }), '? true', 'agic unknown'],
      [speech('istio', {}), '? true', 'istio'],
      [speech('', {}), 'http false', 'unknown'],
      [speech('', {}, { 'konghq.com/protocol': 'https' }), '? false', 'unknown, Service tells another controller'],
    ];
    for (const [got, expected, what] of cases) assert.equal(got, expected, what);
  });
});
