// What a Service port serves, read from its declarations one by one: every
// appProtocol and port name the rules know, where the declaration sits, and the
// cases that give no verdict (disagreement, an "https" name in front of port 80).
import assert from 'node:assert/strict';
import { backendTlsPolicy, ingressSpeech, meshTlsOrigination, routeImplementation, routeSpeech, servedBy } from '../../src/rules/lib/protocols.ts';
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
      [speech('nginx', { 'nginx.org/grpc-services': 'other, api' }), 'grpc true', 'nginx-inc grpc in a list'],
      [speech('nginx', { 'nginx.org/grpc-services': 'api', 'nginx.org/ssl-services': 'api' }), 'grpcs true', 'nginx-inc grpcs'],
      [speech('nginx', { 'nginx.org/grpc-services': 'web', 'nginx.org/ssl-services': '80' }), 'http true', 'nginx-inc lists Services, not port names or numbers'],
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

/** What a Service port serves and what a proxy speaks: the Ingress controllers' reasons, as messages quote them. */
describe('why a proxy speaks what it speaks', () => {
  function because(cls: string, ingAnn: Record<string, string>, svcAnn: Record<string, string> = {}, port = '{name: web, port: 80, targetPort: 8080}') {
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
    return ingressSpeech(ing, svc, svc.ports[0], ingressController(ing, g)).because;
  }

  it('names the controller, how it was identified, and the default or the annotation it follows', () => {
    const bp = 'nginx.ingress.kubernetes.io/backend-protocol';
    const cases: Array<[string, string]> = [
      [because('nginx', {}), 'ingress-nginx (ingressClassName: nginx) speaks plain HTTP unless nginx.ingress.kubernetes.io/backend-protocol says otherwise'],
      [because('nginx', { [bp]: ' grpcs ' }), 'ingress-nginx (ingressClassName: nginx) follows nginx.ingress.kubernetes.io/backend-protocol: GRPCS'],
      [because('nginx', { [bp]: 'FCGI' }), 'ingress-nginx (ingressClassName: nginx) follows nginx.ingress.kubernetes.io/backend-protocol: FCGI'],
      [because('nginx', { 'nginx.ingress.kubernetes.io/secure-backends': 'true', [bp]: 'HTTP' }), 'ingress-nginx (ingressClassName: nginx) follows legacy secure-backends'],
      [because('nginx', { 'nginx.org/ssl-services': 'api' }), 'the NGINX Ingress Controller (ingressClassName: nginx) follows nginx.org/ssl-services, which lists Service api'],
      [because('nginx', { 'nginx.org/grpc-services': 'x,api' }), 'the NGINX Ingress Controller (ingressClassName: nginx) follows nginx.org/grpc-services, which lists Service api'],
      [because('nginx', { 'nginx.org/grpc-services': 'api', 'nginx.org/ssl-services': 'api' }), 'the NGINX Ingress Controller (ingressClassName: nginx) follows nginx.org/ssl-services and nginx.org/grpc-services, which list Service api'],
      [because('nginx', { 'nginx.org/ssl-services': 'other' }), 'the NGINX Ingress Controller (ingressClassName: nginx) speaks plain HTTP unless nginx.org/ssl-services or nginx.org/grpc-services lists the Service'],
      [because('traefik', {}), 'Traefik (ingressClassName: traefik) speaks plain HTTP unless the Service sets traefik.ingress.kubernetes.io/service.serversscheme'],
      [because('traefik', {}, {}, '{name: https-api, port: 8443, targetPort: 8443}'), 'Traefik (ingressClassName: traefik) speaks HTTPS to port 443 and to ports named https*'],
      [because('traefik', {}, { 'traefik.ingress.kubernetes.io/service.serversscheme': 'h2c' }), 'Traefik (ingressClassName: traefik) follows Service annotation traefik.ingress.kubernetes.io/service.serversscheme: h2c'],
      [because('alb', {}), 'the AWS Load Balancer Controller (ingressClassName: alb) speaks plain HTTP/1.1 unless alb.ingress.kubernetes.io/backend-protocol(-version) says otherwise'],
      [
        because('alb', { 'alb.ingress.kubernetes.io/backend-protocol-version': 'GRPC' }, { 'alb.ingress.kubernetes.io/backend-protocol': 'https' }),
        'the AWS Load Balancer Controller (ingressClassName: alb) follows alb.ingress.kubernetes.io/backend-protocol: https (on the Service), alb.ingress.kubernetes.io/backend-protocol-version: GRPC',
      ],
      [because('gce', {}), "GKE Ingress (ingressClassName: gce) speaks plain HTTP unless the Service's cloud.google.com/app-protocols names the port"],
      [because('gce', {}, { 'cloud.google.com/app-protocols': '{"web": "https"}' }), "GKE Ingress (ingressClassName: gce) follows the Service's app-protocols annotation, HTTPS for port web"],
      [because('gce', {}, {}, '{name: web, port: 80, targetPort: 8080, appProtocol: HTTP2}'), 'GKE Ingress (ingressClassName: gce) follows appProtocol HTTP2'],
      [because('haproxy', {}), 'HAProxy Ingress (ingressClassName: haproxy) speaks plain HTTP unless haproxy.org/server-ssl or server-proto says otherwise'],
      [because('haproxy', { 'haproxy.com/server-ssl': 'TRUE', 'haproxy.org/server-proto': 'h2' }), 'HAProxy Ingress (ingressClassName: haproxy) follows haproxy.com/server-ssl: TRUE, haproxy.org/server-proto: h2'],
      [because('haproxy', { 'ingress.kubernetes.io/backend-protocol': 'h1-ssl' }), 'HAProxy Ingress (ingressClassName: haproxy) follows ingress.kubernetes.io/backend-protocol: h1-ssl'],
      [because('contour', {}), "Contour (ingressClassName: contour) speaks plain HTTP unless the Service's projectcontour.io/upstream-protocol.* annotations or appProtocol say otherwise"],
      [because('contour', {}, { 'contour.heptio.com/upstream-protocol.h2': '80' }), 'Contour (ingressClassName: contour) follows Service annotation contour.heptio.com/upstream-protocol.h2: 80'],
      [because('contour', {}, {}, '{name: web, port: 80, targetPort: 8080, appProtocol: H2C}'), 'Contour (ingressClassName: contour) follows appProtocol H2C'],
      [because('kong', {}), 'Kong (ingressClassName: kong) speaks plain HTTP unless the Service sets konghq.com/protocol'],
      [because('kong', {}, { 'konghq.com/protocol': 'WSS' }), 'Kong (ingressClassName: kong) follows Service annotation konghq.com/protocol: WSS'],
      [because('azure-application-gateway', {}), 'Azure Application Gateway (ingressClassName: azure-application-gateway) speaks plain HTTP unless appgw.ingress.kubernetes.io/backend-protocol says https'],
      [because('azure-application-gateway', { 'appgw.ingress.kubernetes.io/backend-protocol': 'HTTPS' }), 'Azure Application Gateway (ingressClassName: azure-application-gateway) follows appgw.ingress.kubernetes.io/backend-protocol: HTTPS'],
      [because('istio', {}), 'Istio (ingressClassName: istio) derives the protocol from the port'],
      [because('', {}), 'ingress controllers speak plain HTTP/1.1 upstream by default (Traefik switches to HTTPS for ports named https*)'],
      [because('', {}, { 'konghq.com/protocol': 'https' }), 'the Service sets konghq.com/protocol for a controller guard502 cannot identify here'],
      [because('', {}, { 'projectcontour.io/upstream-protocol.h2c': 'web' }), 'the Service sets projectcontour.io/upstream-protocol.h2c for a controller guard502 cannot identify here'],
    ];
    for (const [got, expected] of cases) assert.equal(got, expected);
  });

  it("reads Contour's upstream-protocol annotations as lists of Service ports, by name or number, not Service names", () => {
    const g = (svcAnn: Record<string, string>) => because('contour', {}, svcAnn);
    assert.equal(g({ 'projectcontour.io/upstream-protocol.tls': 'api' }), "Contour (ingressClassName: contour) speaks plain HTTP unless the Service's projectcontour.io/upstream-protocol.* annotations or appProtocol say otherwise");
    assert.equal(g({ 'projectcontour.io/upstream-protocol.tls': 'grpc, web' }), 'Contour (ingressClassName: contour) follows Service annotation projectcontour.io/upstream-protocol.tls: grpc, web');
  });
});

/** A Gateway API route in namespace shop to Service api port 0, behind Gateway gw of class `cls`, plus `extra` documents. */
function gatewayGraph(opts: { route?: 'HTTPRoute' | 'GRPCRoute'; port?: string; cls?: string; controller?: string | null; parentRefs?: string; extra?: string } = {}) {
  const route = opts.route ?? 'HTTPRoute';
  const cls = opts.cls ?? 'eg';
  return graphOf(`
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec: {selector: {app: api}, ports: [${opts.port ?? '{name: web, port: 80, targetPort: 8080}'}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: shop}
spec: {gatewayClassName: ${cls}, listeners: [{name: http, port: 80, protocol: HTTP}]}
---
${opts.controller === null ? '' : `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: ${cls}}
spec: {controllerName: ${opts.controller ?? 'gateway.envoyproxy.io/gatewayclass-controller'}}
---`}
apiVersion: gateway.networking.k8s.io/v1
kind: ${route}
metadata: {name: api, namespace: shop}
spec:
  parentRefs: ${opts.parentRefs ?? '[{name: gw}]'}
  rules: [{backendRefs: [{name: api, port: 80}]}]
${opts.extra ? `---\n${opts.extra}` : ''}`);
}

const TLS_POLICY = (targetRefs: string, namespace = 'shop') => `
apiVersion: gateway.networking.k8s.io/v1alpha3
kind: BackendTLSPolicy
metadata: {name: api-tls, namespace: ${namespace}}
spec:
  ${targetRefs}
  validation: {hostname: api.shop.svc, wellKnownCACertificates: System}
`;

const DESTINATION_RULE = (trafficPolicy: string, host = 'api', namespace = 'shop') => `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: api-dr, namespace: ${namespace}}
spec: {host: ${host}, trafficPolicy: ${trafficPolicy}}
`;

function serviceAndRoute(g: ReturnType<typeof graphOf>) {
  const svc = g.service('shop', 'api');
  const route = [...g.all()].find((o) => o.kind === 'HTTPRoute' || o.kind === 'GRPCRoute');
  assert.ok(svc && svc.ports[0] && route);
  return { svc, sp: svc.ports[0], route };
}

describe('Gateway API: who implements a route and what it speaks upstream', () => {
  it('finds the implementation from the first parent Gateway that resolves to a class', () => {
    const impl = (opts: Parameters<typeof gatewayGraph>[0]) => {
      const g = gatewayGraph(opts);
      return routeImplementation(g, serviceAndRoute(g).route);
    };
    assert.equal(impl({}), 'gateway.envoyproxy.io/gatewayclass-controller');
    assert.equal(impl({ controller: null }), 'eg', 'no GatewayClass in the input: the class name');
    assert.equal(impl({ parentRefs: '[{name: missing}]' }), undefined);
    assert.equal(impl({ parentRefs: '[]' }), undefined);
    assert.equal(impl({ parentRefs: '[{kind: Service, name: api}, {name: gw}]' }), 'gateway.envoyproxy.io/gatewayclass-controller', 'a mesh parent is skipped');
    assert.equal(impl({ parentRefs: '[{name: missing}, {kind: Gateway, name: gw}]' }), 'gateway.envoyproxy.io/gatewayclass-controller');
    assert.equal(impl({ parentRefs: '[{name: gw, namespace: infra}]' }), undefined, 'the parent is looked up in the namespace it names');
    const infra = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: infra}
spec: {gatewayClassName: istio, listeners: [{name: http, port: 80, protocol: HTTP}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: istio}
spec: {}
`;
    assert.equal(impl({ parentRefs: '[{name: edge, namespace: infra}]', extra: infra }), 'istio', 'a class without controllerName: the class name');
  });

  it('finds the BackendTLSPolicy aimed at the Service, or at its port by sectionName', () => {
    const policy = (targetRefs: string, namespace?: string) => {
      const g = gatewayGraph({ extra: TLS_POLICY(targetRefs, namespace) });
      const { svc, sp } = serviceAndRoute(g);
      return backendTlsPolicy(g, svc, sp)?.name;
    };
    assert.equal(policy('targetRefs: [{group: "", kind: Service, name: api}]'), 'api-tls');
    assert.equal(policy('targetRefs: [{kind: Service, name: other}, {kind: Service, name: api}]'), 'api-tls');
    assert.equal(policy('targetRef: {group: "", kind: Service, name: api}'), 'api-tls', 'the single targetRef of v1alpha2');
    assert.equal(policy('targetRefs: [{group: "", kind: Service, name: api, sectionName: web}]'), 'api-tls');
    assert.equal(policy('targetRefs: [{group: "", kind: Service, name: api, sectionName: grpc}]'), undefined);
    assert.equal(policy('targetRefs: [{group: example.com, kind: Service, name: api}]'), undefined);
    assert.equal(policy('targetRefs: [{group: "", kind: ServiceImport, name: api}]'), undefined);
    assert.equal(policy('targetRefs: [{group: "", kind: Service, name: other}]'), undefined);
    assert.equal(policy('targetRefs: [{group: "", kind: Service, name: api}]', 'other'), undefined, 'a policy of another namespace');
  });

  it('finds the DestinationRule that originates TLS to the port, port-level settings first', () => {
    const rule = (trafficPolicy: string, host?: string, namespace?: string) => {
      const g = gatewayGraph({ extra: DESTINATION_RULE(trafficPolicy, host, namespace) });
      const { svc, sp } = serviceAndRoute(g);
      return meshTlsOrigination(g, svc, sp)?.name;
    };
    assert.equal(rule('{tls: {mode: SIMPLE}}'), 'api-dr');
    assert.equal(rule('{tls: {mode: MUTUAL}}'), 'api-dr');
    assert.equal(rule('{tls: {mode: ISTIO_MUTUAL}}'), undefined, "the mesh's own mTLS is transparent to the app");
    assert.equal(rule('{tls: {mode: DISABLE}}'), undefined);
    assert.equal(rule('{loadBalancer: {simple: ROUND_ROBIN}}'), undefined);
    assert.equal(rule('{portLevelSettings: [{port: {number: 80}, tls: {mode: SIMPLE}}]}'), 'api-dr');
    assert.equal(rule('{portLevelSettings: [{port: {number: 8443}, tls: {mode: SIMPLE}}]}'), undefined, 'TLS to another port');
    assert.equal(rule('{tls: {mode: SIMPLE}, portLevelSettings: [{port: {number: 80}, tls: {mode: DISABLE}}]}'), undefined, 'the port overrides the rule');
    assert.equal(rule('{tls: {mode: SIMPLE}, portLevelSettings: [{port: {number: 80}, connectionPool: {tcp: {maxConnections: 10}}}]}'), 'api-dr', 'a port setting without tls keeps the rule-wide mode');
    assert.equal(rule('{tls: {mode: SIMPLE}}', 'api.shop.svc.cluster.local', 'istio-system'), 'api-dr', 'a full host from another namespace');
    assert.equal(rule('{tls: {mode: SIMPLE}}', 'api', 'istio-system'), undefined, 'a short host means the rule’s own namespace');
  });

  it('tells what the implementation speaks to the port, and why', () => {
    const speech = (opts: Parameters<typeof gatewayGraph>[0]) => {
      const g = gatewayGraph(opts);
      const { svc, sp } = serviceAndRoute(g);
      const b = g.backendsTo(svc)[0];
      assert.ok(b);
      const s = routeSpeech(g, b, svc, sp);
      return `${s.wire ?? '?'} ${s.certain} | ${s.because}`;
    };
    const policy = TLS_POLICY('targetRefs: [{group: "", kind: Service, name: api}]');
    const port = (appProtocol: string) => `{name: web, port: 80, targetPort: 8080, appProtocol: ${appProtocol}}`;
    const cases: Array<[string, string]> = [
      [speech({}), 'http true | an HTTPRoute speaks plain HTTP/1.1 unless a BackendTLSPolicy originates TLS or appProtocol says otherwise'],
      [speech({ route: 'GRPCRoute' }), 'grpc true | a GRPCRoute speaks cleartext HTTP/2 (gRPC) unless a BackendTLSPolicy originates TLS'],
      [speech({ extra: policy }), 'tls true | BackendTLSPolicy api-tls originates TLS'],
      [speech({ route: 'GRPCRoute', extra: policy }), 'grpcs true | BackendTLSPolicy api-tls originates TLS'],
      [speech({ extra: DESTINATION_RULE('{tls: {mode: SIMPLE}}') }), 'tls true | DestinationRule api-dr originates TLS'],
      [speech({ extra: `${policy}---${DESTINATION_RULE('{tls: {mode: SIMPLE}}')}` }), 'tls true | BackendTLSPolicy api-tls originates TLS'],
      [speech({ port: port('https') }), 'http true | appProtocol https describes the port but originates nothing: an HTTPRoute speaks plain HTTP/1.1 unless a BackendTLSPolicy originates TLS'],
      [speech({ port: port('https'), route: 'GRPCRoute' }), 'grpc true | appProtocol https describes the port but originates nothing: a GRPCRoute speaks cleartext HTTP/2 unless a BackendTLSPolicy originates TLS'],
      [speech({ port: port('https'), extra: policy }), 'tls true | BackendTLSPolicy api-tls originates TLS'],
      [speech({ port: port('https'), route: 'GRPCRoute', extra: policy }), 'grpcs true | BackendTLSPolicy api-tls originates TLS'],
      [speech({ port: port('https'), controller: 'networking.gke.io/gateway' }), '? false | appProtocol https on the Service port'],
      [speech({ port: port('https'), controller: 'traefik.io/gateway-controller' }), '? false | appProtocol https on the Service port'],
      [speech({ port: port('HTTP2') }), '? false | appProtocol HTTP2 on the Service port'],
      [speech({ port: port('kubernetes.io/h2c') }), 'h2c true | appProtocol kubernetes.io/h2c on the Service port'],
      [speech({ port: port('kubernetes.io/h2c'), extra: policy }), 'h2 true | appProtocol kubernetes.io/h2c on the Service port and BackendTLSPolicy api-tls originates TLS'],
      [speech({ port: port('kubernetes.io/ws') }), 'http true | appProtocol kubernetes.io/ws on the Service port'],
      [speech({ port: port('kubernetes.io/ws'), extra: policy }), 'tls true | appProtocol kubernetes.io/ws on the Service port and BackendTLSPolicy api-tls originates TLS'],
      [speech({ port: port('kubernetes.io/wss') }), 'tls true | appProtocol kubernetes.io/wss on the Service port'],
      [speech({ controller: 'istio.io/gateway-controller' }), '? true | Istio (istio.io/gateway-controller) derives the protocol from the port'],
      [speech({ controller: null, cls: 'istio' }), '? true | Istio (istio) derives the protocol from the port'],
    ];
    for (const [got, expected] of cases) assert.equal(got, expected);
  });
});
