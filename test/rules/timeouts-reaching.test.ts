// Which written response timeouts bound the requests to a workload: gateway by gateway,
// the objects that reach its Service, the values above each controller's default, and
// the look-alikes (another Service, another rule, another namespace, another kind of timeout).
import assert from 'node:assert/strict';
import { responseTimeoutsReaching, serversTransportsFor } from '../../src/rules/lib/proxy-timeouts.ts';
import { webApp, webService as service } from '../support/web-app.ts';
import { graphOf } from '../support/scan.ts';

/** The response timeouts reaching Deployment web, as `Kind/name path seconds`. */
function reaching(...docs: string[]): string[] {
  const { graph, web } = webApp(...docs);
  return responseTimeoutsReaching(web, graph).map((r) => {
    assert.equal(r.service.name, 'web');
    return `${r.timeout.on.kind}/${r.timeout.on.name} ${r.timeout.path} ${r.timeout.seconds}`;
  });
}

const ingress = (annotations: Record<string, string>, opts: { cls?: string; service?: string; name?: string } = {}) => `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: ${opts.name ?? 'web'}, annotations: ${JSON.stringify(annotations)}}
spec:
  ingressClassName: ${opts.cls ?? 'nginx'}
  rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: ${opts.service ?? 'web'}, port: {number: 80}}}}]}}]
`;

const transport = (name: string, namespace = 'default', responseHeaderTimeout = '300s') => `
apiVersion: traefik.io/v1alpha1
kind: ServersTransport
metadata: {name: ${name}, namespace: ${namespace}}
spec: {forwardingTimeouts: {responseHeaderTimeout: ${responseHeaderTimeout}, idleConnTimeout: 1h}}
`;

const READ = 'nginx.ingress.kubernetes.io/proxy-read-timeout';

describe('response timeouts reaching a workload', () => {
  it('takes Ingress response timeouts raised above the controller default, and only those', () => {
    assert.deepEqual(reaching(service(), ingress({ [READ]: '3600' })), [`Ingress/web metadata.annotations["${READ}"] 3600`]);
    assert.deepEqual(reaching(service(), ingress({ [READ]: '61' })), [`Ingress/web metadata.annotations["${READ}"] 61`]);
    assert.deepEqual(reaching(service(), ingress({ [READ]: '60' })), [], 'the default written out says nothing');
    assert.deepEqual(reaching(service(), ingress({ 'nginx.ingress.kubernetes.io/proxy-send-timeout': '3600' })), [], 'a send timeout bounds no response');
    assert.deepEqual(reaching(service(), ingress({ [READ]: '3600' }, { service: 'other' })), [], 'an Ingress to another Service');
  });

  it("lets HAProxy's Service annotation win over the Ingress one, and counts it only behind an Ingress", () => {
    const svcTimeout = { 'haproxy.org/timeout-server': '5m' };
    const ingTimeout = { 'haproxy.org/timeout-server': '10m' };
    assert.deepEqual(reaching(service(svcTimeout), ingress(ingTimeout, { cls: 'haproxy' })), ['Service/web metadata.annotations["haproxy.org/timeout-server"] 300']);
    assert.deepEqual(reaching(service(), ingress(ingTimeout, { cls: 'haproxy' })), ['Ingress/web metadata.annotations["haproxy.org/timeout-server"] 600']);
    assert.deepEqual(reaching(service(svcTimeout)), [], 'no Ingress in front of the Service');
    assert.deepEqual(reaching(service({ 'haproxy.org/timeout-server': '50s' }), ingress(ingTimeout, { cls: 'haproxy' })), ['Ingress/web metadata.annotations["haproxy.org/timeout-server"] 600'], 'a Service value at the default neither counts nor wins');
  });

  const route = (rules: string, namespace = 'default') => `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: site, namespace: ${namespace}}
spec:
  parentRefs: [{name: gw}]
  rules: ${rules}
`;

  it('takes the HTTPRoute rule that sends to the Service: backendRequest, else request', () => {
    const to = (timeouts: string, svc = 'web') => `{backendRefs: [{name: ${svc}, namespace: default, port: 80}], timeouts: ${timeouts}}`;
    assert.deepEqual(reaching(service(), route(`[${to('{request: 300s, backendRequest: 120s}')}]`)), ['HTTPRoute/site spec.rules[0].timeouts.backendRequest 120']);
    assert.deepEqual(reaching(service(), route(`[${to('{request: 300s}')}]`)), ['HTTPRoute/site spec.rules[0].timeouts.request 300']);
    assert.deepEqual(reaching(service(), route(`[${to('{request: 0s}')}]`)), ['HTTPRoute/site spec.rules[0].timeouts.request Infinity']);
    assert.deepEqual(reaching(service(), route(`[${to('{request: 300s}', 'other')}, ${to('{request: 10s}')}]`)), ['HTTPRoute/site spec.rules[1].timeouts.request 10'], 'the rule of another Service does not count');
    assert.deepEqual(reaching(service(), route(`[${to('{request: 300s}')}]`, 'edge')), [], 'another namespace without a ReferenceGrant');
    const grant = `
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: edge, namespace: default}
spec: {from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: edge}], to: [{group: "", kind: Service}]}
`;
    assert.deepEqual(reaching(service(), route(`[${to('{request: 300s}')}]`, 'edge'), grant), ['HTTPRoute/site spec.rules[0].timeouts.request 300']);
  });

  it("takes the GKE BackendConfig a Service behind an Ingress names, above GKE's 30s", () => {
    const bc = (name: string, timeoutSec: number) => `
apiVersion: cloud.google.com/v1
kind: BackendConfig
metadata: {name: ${name}}
spec: {timeoutSec: ${timeoutSec}}
`;
    const uses = { 'cloud.google.com/backend-config': '{"default": "long"}' };
    assert.deepEqual(reaching(service(uses), ingress({}, { cls: 'gce' }), bc('long', 600)), ['BackendConfig/long spec.timeoutSec 600']);
    assert.deepEqual(reaching(service(uses), ingress({}, { cls: 'gce' }), bc('long', 30)), []);
    assert.deepEqual(reaching(service(uses), ingress({}, { cls: 'gce' }), bc('other', 600)), [], 'a BackendConfig the Service does not name');
    assert.deepEqual(reaching(service(uses), bc('long', 600)), [], 'no Ingress in front of the Service');
  });

  it('takes the Contour HTTPProxy route that sends to the Service, above Envoy’s 15s', () => {
    const hp = (r0: string, r1: string) => `
apiVersion: projectcontour.io/v1
kind: HTTPProxy
metadata: {name: site}
spec:
  virtualhost: {fqdn: web.example.com}
  routes:
    - {services: [{name: ${r0}, port: 80}], timeoutPolicy: {response: 10m}}
    - {services: [{name: ${r1}, port: 80}], timeoutPolicy: {response: 5m, idle: 1h}}
`;
    assert.deepEqual(reaching(service(), hp('other', 'web')), ['HTTPProxy/site spec.routes[1].timeoutPolicy.response 300']);
    assert.deepEqual(reaching(service(), hp('web', 'other')), ['HTTPProxy/site spec.routes[0].timeoutPolicy.response 600']);
    assert.deepEqual(reaching(service(), hp('other', 'other')), []);
  });

  it('takes the OpenShift Route to the Service', () => {
    const r = (to: string, timeout: string) => `
apiVersion: route.openshift.io/v1
kind: Route
metadata: {name: site, annotations: {haproxy.router.openshift.io/timeout: ${timeout}}}
spec: {to: {kind: Service, name: ${to}}}
`;
    assert.deepEqual(reaching(service(), r('web', '5m')), ['Route/site metadata.annotations["haproxy.router.openshift.io/timeout"] 300']);
    assert.deepEqual(reaching(service(), r('web', '30s')), [], 'the router default');
    assert.deepEqual(reaching(service(), r('other', '5m')), []);
  });


  it('takes the Traefik ServersTransport of the Service', () => {
    const uses = (ref: string) => ({ 'traefik.ingress.kubernetes.io/service.serverstransport': ref });
    assert.deepEqual(reaching(service(uses('long@kubernetescrd')), transport('long')), ['ServersTransport/long spec.forwardingTimeouts.responseHeaderTimeout 300']);
    assert.deepEqual(reaching(service(uses('long@kubernetescrd')), transport('long', 'default', '0s')), ['ServersTransport/long spec.forwardingTimeouts.responseHeaderTimeout Infinity'], '0s: Traefik waits without limit');
    assert.deepEqual(reaching(service(uses('other@kubernetescrd')), transport('long')), []);
  });

  it('takes Kong and Linkerd timeouts from the Service itself, whoever sends it traffic', () => {
    assert.deepEqual(reaching(service({ 'konghq.com/read-timeout': '300000' })), ['Service/web metadata.annotations["konghq.com/read-timeout"] 300']);
    assert.deepEqual(reaching(service({ 'konghq.com/read-timeout': '60000' })), [], "Kong's default");
    assert.deepEqual(reaching(service({ 'konghq.com/write-timeout': '300000' })), [], 'a write timeout');
    assert.deepEqual(reaching(service({ 'timeout.linkerd.io/request': '5m' })), ['Service/web metadata.annotations["timeout.linkerd.io/request"] 300']);
    assert.deepEqual(reaching(service({ 'timeout.linkerd.io/idle': '5m' })), [], 'an idle timeout');
  });

  it('takes the GCPBackendPolicy aimed at the Service', () => {
    const p = (kind: string, name: string) => `
apiVersion: networking.gke.io/v1
kind: GCPBackendPolicy
metadata: {name: long}
spec: {default: {timeoutSec: 300}, targetRef: {group: "", kind: ${kind}, name: ${name}}}
`;
    assert.deepEqual(reaching(service(), p('Service', 'web')), ['GCPBackendPolicy/long spec.default.timeoutSec 300']);
    assert.deepEqual(reaching(service(), p('Service', 'other')), []);
    assert.deepEqual(reaching(service(), p('ServiceImport', 'web')), []);
  });

  it('takes the Istio VirtualService route timeout to the Service host, not per-try timeouts', () => {
    const vs = (host: string, namespace = 'default') => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: site, namespace: ${namespace}}
spec:
  hosts: [web.example.com]
  http:
    - {route: [{destination: {host: other}}], timeout: 600s}
    - {route: [{destination: {host: ${host}}}], timeout: 300s, retries: {attempts: 3, perTryTimeout: 100s}}
`;
    assert.deepEqual(reaching(service(), vs('web')), ['VirtualService/site spec.http[1].timeout 300']);
    assert.deepEqual(reaching(service(), vs('web.default.svc.cluster.local', 'istio-system')), ['VirtualService/site spec.http[1].timeout 300']);
    assert.deepEqual(reaching(service(), vs('web', 'istio-system')), [], 'a short host names a Service of the rule’s own namespace');
  });

  it('takes the Envoy Gateway BackendTrafficPolicy of a route that sends to the Service', () => {
    const btp = (target: string) => `
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: long}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: ${target}}]
  timeout: {http: {requestTimeout: 300s, connectionIdleTimeout: 2h}}
  retry: {perRetry: {timeout: 100s}}
`;
    const r = route('[{backendRefs: [{name: web, port: 80}]}]');
    assert.deepEqual(reaching(service(), r, btp('site')), ['BackendTrafficPolicy/long spec.timeout.http.requestTimeout 300']);
    assert.deepEqual(reaching(service(), r, btp('other')), []);
    assert.deepEqual(reaching(service(), btp('site')), [], 'no route to the Service');
  });
});

describe('the Traefik ServersTransports of a Service', () => {
  function transports(svcAnnotation: string | undefined, ...docs: string[]): string[] {
    const svc = service(svcAnnotation ? { 'traefik.ingress.kubernetes.io/service.serverstransport': svcAnnotation } : {});
    const g = graphOf([svc, ...docs].join('---\n'));
    const s = g.service('default', 'web');
    assert.ok(s);
    return serversTransportsFor(s, g).map((st) => `${st.namespace}/${st.name}`);
  }

  it('follows the Service annotation: name@kubernetescrd, namespace-name@kubernetescrd, a bare name', () => {
    assert.deepEqual(transports('long@kubernetescrd', transport('long'), transport('long', 'other')), ['default/long']);
    assert.deepEqual(transports('long', transport('long')), ['default/long']);
    assert.deepEqual(transports('traefik-long@kubernetescrd', transport('long', 'traefik')), ['traefik/long']);
    assert.deepEqual(transports('long@file', transport('long')), [], 'another provider');
    assert.deepEqual(transports('missing@kubernetescrd', transport('long')), []);
    assert.deepEqual(transports(undefined, transport('long')), []);
  });

  const ingressRoute = (services: string, namespace = 'default') => `
apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata: {name: site, namespace: ${namespace}}
spec:
  routes:
    - {match: Host(\`a.example.com\`), kind: Rule, services: [{name: other, port: 80, serversTransport: other}]}
    - {match: Host(\`b.example.com\`), kind: Rule, services: ${services}}
`;

  it('follows the IngressRoute services that name the Service, in their namespace', () => {
    const docs = [transport('long'), transport('other'), transport('long', 'edge')];
    assert.deepEqual(transports(undefined, ingressRoute('[{name: web, port: 80, serversTransport: long}]'), ...docs), ['default/long']);
    assert.deepEqual(transports(undefined, ingressRoute('[{name: web, port: 80}]'), ...docs), [], 'no serversTransport');
    assert.deepEqual(transports(undefined, ingressRoute('[{name: web, namespace: default, port: 80, serversTransport: long}]', 'edge'), ...docs), ['edge/long'], 'the transport is looked up in the route’s namespace');
    assert.deepEqual(transports(undefined, ingressRoute('[{name: web, port: 80, serversTransport: long}]', 'edge'), ...docs), [], 'a route of another namespace means its own Service web');
    assert.deepEqual(transports(undefined, ingressRoute('[{name: web, namespace: shop, port: 80, serversTransport: long}]'), ...docs), [], 'a Service of another namespace');
    assert.deepEqual(transports('long@kubernetescrd', ingressRoute('[{name: web, port: 80, serversTransport: long}]'), ...docs), ['default/long'], 'one transport named twice');
  });
});
