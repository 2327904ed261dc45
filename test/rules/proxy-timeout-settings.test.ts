// Every timeout setting each controller reads, decoded value by value: where it is
// written (path and field), what it bounds, which proxy reads it, what the controller
// uses when nothing is written, and how a fix writes a number of seconds back.
import assert from 'node:assert/strict';
import { annotationPath, backendConfigNames, ingressTimeouts, isIngressNginxCanary, timeoutsOf, type ProxyTimeout } from '../../src/rules/lib/proxy-timeouts.ts';
import { graphOf } from '../support/scan.ts';
import type { ResourceGraph } from '../../src/engine/graph.ts';
import type { Resource } from '../../src/engine/model.ts';

/** The decoded settings without the object they sit on, with the fix written for 90s. */
function shape(list: readonly ProxyTimeout[]): object[] {
  return list.map((t) => ({
    path: t.path, field: t.field, written: t.written, seconds: t.seconds, kind: t.kind, proxy: t.proxy, phrase: t.phrase,
    fix90: t.write(90), fix7200: t.write(7200), suggested: t.suggested, hardMax: t.hardMax, defaultSeconds: t.defaultSeconds, scope: t.scope,
  }));
}

function only(graph: ResourceGraph, kind: string, name?: string): Resource {
  const r = [...graph.all()].find((o) => o.kind === kind && (name === undefined || o.name === name));
  assert.ok(r, `${kind} ${name ?? ''} in the fixture`);
  return r;
}

const OTHER_CLASS = `
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: other}
spec: {controller: example.com/other}
`;

const ingress = (annotations: Record<string, string>, cls?: string) => `${cls === 'other' ? `${OTHER_CLASS}---` : ''}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations: ${JSON.stringify(annotations)}
spec:
  ${cls ? `ingressClassName: ${cls}` : ''}
  rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]
`;

const ingressSettings = (annotations: Record<string, string>, cls?: string) => {
  const g = graphOf(ingress(annotations, cls));
  return shape(ingressTimeouts(only(g, 'Ingress'), g));
};

const nginxPhrase = {
  'proxy-read-timeout': "ingress-nginx waits {limit} between two reads of a pod's response",
  'proxy-send-timeout': 'ingress-nginx waits {limit} between two writes of a request to a pod',
  'proxy-connect-timeout': 'ingress-nginx waits {limit} for a connection to a pod',
};

describe('proxy timeout settings', () => {
  it('writes annotation paths as JSON-quoted keys', () => {
    assert.equal(annotationPath('a/b'), 'metadata.annotations["a/b"]');
  });

  it('reads ingress-nginx annotations: integer seconds above 0, with defaults and the connect hard maximum', () => {
    const got = ingressSettings({
      'nginx.ingress.kubernetes.io/proxy-read-timeout': '3600',
      'nginx.ingress.kubernetes.io/proxy-send-timeout': ' 120 ',
      'nginx.ingress.kubernetes.io/proxy-connect-timeout': '30',
    }, 'nginx');
    assert.deepEqual(got, [
      { path: 'metadata.annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]', field: 'nginx.ingress.kubernetes.io/proxy-read-timeout', written: '3600', seconds: 3600, kind: 'response', proxy: 'ingress-nginx', phrase: nginxPhrase['proxy-read-timeout'], fix90: '90', fix7200: '7200', suggested: 60, hardMax: undefined, defaultSeconds: 60, scope: undefined },
      { path: 'metadata.annotations["nginx.ingress.kubernetes.io/proxy-send-timeout"]', field: 'nginx.ingress.kubernetes.io/proxy-send-timeout', written: ' 120 ', seconds: 120, kind: 'send', proxy: 'ingress-nginx', phrase: nginxPhrase['proxy-send-timeout'], fix90: '90', fix7200: '7200', suggested: 60, hardMax: undefined, defaultSeconds: 60, scope: undefined },
      { path: 'metadata.annotations["nginx.ingress.kubernetes.io/proxy-connect-timeout"]', field: 'nginx.ingress.kubernetes.io/proxy-connect-timeout', written: '30', seconds: 30, kind: 'connect', proxy: 'ingress-nginx', phrase: nginxPhrase['proxy-connect-timeout'], fix90: '90', fix7200: '7200', suggested: 5, hardMax: 75, defaultSeconds: 5, scope: undefined },
    ]);
  });

  it('ignores ingress-nginx values the controller refuses: 0, units, fractions, words', () => {
    for (const v of ['0', '60s', '1.5', 'x', '', '-1']) {
      assert.deepEqual(ingressSettings({ 'nginx.ingress.kubernetes.io/proxy-read-timeout': v }, 'nginx'), [], v);
    }
  });

  it('reads the NGINX Ingress Controller annotations as nginx times above 0', () => {
    const got = ingressSettings({
      'nginx.org/proxy-read-timeout': '1h',
      'nginx.org/proxy-send-timeout': '90',
      'nginx.org/proxy-connect-timeout': '1m 15s',
    }, 'nginx');
    assert.deepEqual(got, [
      { path: 'metadata.annotations["nginx.org/proxy-read-timeout"]', field: 'nginx.org/proxy-read-timeout', written: '1h', seconds: 3600, kind: 'response', proxy: 'the NGINX Ingress Controller', phrase: "the NGINX Ingress Controller waits {limit} between two reads of a pod's response", fix90: '90s', fix7200: '7200s', suggested: 60, hardMax: undefined, defaultSeconds: 60, scope: undefined },
      { path: 'metadata.annotations["nginx.org/proxy-send-timeout"]', field: 'nginx.org/proxy-send-timeout', written: '90', seconds: 90, kind: 'send', proxy: 'the NGINX Ingress Controller', phrase: 'the NGINX Ingress Controller waits {limit} between two writes of a request to a pod', fix90: '90s', fix7200: '7200s', suggested: 60, hardMax: undefined, defaultSeconds: undefined, scope: undefined },
      { path: 'metadata.annotations["nginx.org/proxy-connect-timeout"]', field: 'nginx.org/proxy-connect-timeout', written: '1m 15s', seconds: 75, kind: 'connect', proxy: 'the NGINX Ingress Controller', phrase: 'the NGINX Ingress Controller waits {limit} for a connection to a pod', fix90: '90s', fix7200: '7200s', suggested: 5, hardMax: 75, defaultSeconds: undefined, scope: undefined },
    ]);
    assert.deepEqual(ingressSettings({ 'nginx.org/proxy-read-timeout': '0' }, 'nginx'), []);
    assert.deepEqual(ingressSettings({ 'nginx.org/proxy-read-timeout': 'x' }, 'nginx'), []);
  });

  it('reads HAProxy timeout-server under each prefix, in the order the controller reads them; 0 is no limit', () => {
    const haproxy = (key: string, written: string, seconds: number) => ({
      path: annotationPath(key), field: key, written, seconds, kind: 'response', proxy: 'HAProxy', phrase: 'HAProxy waits {limit} for a pod to send data',
      fix90: '90s', fix7200: '7200s', suggested: 50, hardMax: undefined, defaultSeconds: 50, scope: undefined,
    });
    assert.deepEqual(ingressSettings({ 'haproxy.org/timeout-server': '5m' }, 'haproxy'), [haproxy('haproxy.org/timeout-server', '5m', 300)]);
    assert.deepEqual(ingressSettings({ 'haproxy.com/timeout-server': '0' }, 'haproxy'), [haproxy('haproxy.com/timeout-server', '0', Infinity)]);
    assert.deepEqual(ingressSettings({ 'ingress.kubernetes.io/timeout-server': '90000' }, 'haproxy'), [haproxy('ingress.kubernetes.io/timeout-server', '90000', 90)]);
    assert.deepEqual(ingressSettings({ 'haproxy-ingress.github.io/timeout-server': '2h' }, 'haproxy'), [haproxy('haproxy-ingress.github.io/timeout-server', '2h', 7200)]);
    // The first key present wins, and an unreadable first value is not replaced by a later one.
    assert.deepEqual(ingressSettings({ 'haproxy.com/timeout-server': '1m', 'haproxy.org/timeout-server': '2m' }, 'haproxy'), [haproxy('haproxy.org/timeout-server', '2m', 120)]);
    assert.deepEqual(ingressSettings({ 'haproxy.org/timeout-server': 'soon', 'haproxy.com/timeout-server': '2m' }, 'haproxy'), []);
  });

  it('reads Contour response and request timeouts: infinity and infinite are no limit, 0s is not set', () => {
    const contour = (key: string, written: string, seconds: number) => ({
      path: annotationPath(key), field: key, written, seconds, kind: 'response', proxy: 'Contour', phrase: "Envoy waits {limit} for a pod's complete response",
      fix90: '90s', fix7200: '2h', suggested: 60, hardMax: undefined, defaultSeconds: 15, scope: undefined,
    });
    assert.deepEqual(ingressSettings({ 'projectcontour.io/response-timeout': '5m' }, 'contour'), [contour('projectcontour.io/response-timeout', '5m', 300)]);
    assert.deepEqual(ingressSettings({ 'projectcontour.io/request-timeout': 'infinity' }, 'contour'), [contour('projectcontour.io/request-timeout', 'infinity', Infinity)]);
    assert.deepEqual(ingressSettings({ 'contour.heptio.com/response-timeout': ' infinite ' }, 'contour'), [contour('contour.heptio.com/response-timeout', ' infinite ', Infinity)]);
    assert.deepEqual(ingressSettings({ 'contour.heptio.com/request-timeout': '90s' }, 'contour'), [contour('contour.heptio.com/request-timeout', '90s', 90)]);
    assert.deepEqual(ingressSettings({ 'projectcontour.io/response-timeout': '0s' }, 'contour'), []);
    assert.deepEqual(ingressSettings({ 'projectcontour.io/response-timeout': 'never' }, 'contour'), []);
  });

  it('reads the OpenShift router timeout only when no controller is identified', () => {
    const key = 'haproxy.router.openshift.io/timeout';
    assert.deepEqual(ingressSettings({ [key]: '2m' }), [{
      path: annotationPath(key), field: key, written: '2m', seconds: 120, kind: 'response', proxy: 'the OpenShift router', phrase: 'the OpenShift router waits {limit} for a pod to send data',
      fix90: '90s', fix7200: '7200s', suggested: 30, hardMax: undefined, defaultSeconds: 30, scope: undefined,
    }]);
    assert.deepEqual(ingressSettings({ [key]: '2m' }, 'nginx'), []);
  });

  it('reads the ALB idle timeout inside load-balancer-attributes, and writes the fix in place', () => {
    const key = 'alb.ingress.kubernetes.io/load-balancer-attributes';
    const written = 'deletion_protection.enabled=true, idle_timeout.timeout_seconds = 4000,routing.http2.enabled=true';
    const got = ingressSettings({ [key]: written }, 'alb');
    assert.deepEqual(got, [{
      path: annotationPath(key), field: `${key} idle_timeout.timeout_seconds`, written: '4000', seconds: 4000, kind: 'keepalive', proxy: 'the AWS Load Balancer Controller',
      phrase: 'the ALB keeps idle connections to clients and pods open {limit}',
      fix90: 'deletion_protection.enabled=true, idle_timeout.timeout_seconds=90,routing.http2.enabled=true',
      fix7200: 'deletion_protection.enabled=true, idle_timeout.timeout_seconds=7200,routing.http2.enabled=true',
      suggested: 60, hardMax: undefined, defaultSeconds: undefined, scope: undefined,
    }]);
    assert.equal(ingressSettings({ [key]: 'idle_timeout.timeout_seconds=60' }, 'alb').length, 1);
    for (const v of ['idle_timeout.timeout_seconds=0', 'idle_timeout.timeout_seconds=x', 'xidle_timeout.timeout_seconds=60', 'idle_timeout.timeout_seconds=60x', 'deletion_protection.enabled=true']) {
      assert.deepEqual(ingressSettings({ [key]: v }, 'alb'), [], v);
    }
    assert.deepEqual(ingressSettings({ [key]: 'idle_timeout.timeout_seconds=600' }, 'nginx'), []);
  });

  it('reads only the annotations of the controller that serves the Ingress; all of them when it is unknown', () => {
    const all = {
      'nginx.ingress.kubernetes.io/proxy-read-timeout': '600',
      'nginx.org/proxy-read-timeout': '600s',
      'haproxy.org/timeout-server': '600s',
      'projectcontour.io/response-timeout': '600s',
      'alb.ingress.kubernetes.io/load-balancer-attributes': 'idle_timeout.timeout_seconds=600',
    };
    const proxies = (cls?: string) => (ingressSettings(all, cls) as Array<{ proxy: string }>).map((t) => t.proxy);
    assert.deepEqual(proxies('nginx'), ['ingress-nginx']);
    assert.deepEqual(proxies('haproxy'), ['HAProxy']);
    assert.deepEqual(proxies('contour'), ['Contour']);
    assert.deepEqual(proxies('alb'), ['the AWS Load Balancer Controller']);
    assert.deepEqual(proxies('traefik'), []);
    assert.deepEqual(proxies(), ['ingress-nginx'], 'identified by its first trusted annotation prefix');
    assert.deepEqual(proxies('other'), ['ingress-nginx', 'the NGINX Ingress Controller', 'HAProxy', 'Contour', 'the AWS Load Balancer Controller']);
  });

  it('skips ingress-nginx timeouts on a canary Ingress, which takes them from the main Ingress', () => {
    for (const v of ['true', ' True ', 'TRUE']) assert.equal(isIngressNginxCanary(only(graphOf(ingress({ 'nginx.ingress.kubernetes.io/canary': v })), 'Ingress')), true, v);
    for (const v of ['false', '', 'yes']) assert.equal(isIngressNginxCanary(only(graphOf(ingress({ 'nginx.ingress.kubernetes.io/canary': v })), 'Ingress')), false, v);
    assert.deepEqual(ingressSettings({ 'nginx.ingress.kubernetes.io/canary': 'true', 'nginx.ingress.kubernetes.io/proxy-read-timeout': '600' }, 'nginx'), []);
    assert.equal(ingressSettings({ 'nginx.ingress.kubernetes.io/canary': 'false', 'nginx.ingress.kubernetes.io/proxy-read-timeout': '600' }, 'nginx').length, 1);
    // Another controller's annotations on an ingress-nginx canary are still read when the controller is unknown.
    assert.equal(ingressSettings({ 'nginx.ingress.kubernetes.io/canary': 'true', 'haproxy.org/timeout-server': '10m' }, 'other').length, 1);
  });

  const crd = (yaml: string, kind: string) => {
    const g = graphOf(yaml);
    return shape(timeoutsOf(only(g, kind), g));
  };

  it('reads Contour HTTPProxy route timeouts: response with its 15s default, idle as stream idle, per route scope', () => {
    const got = crd(`
apiVersion: projectcontour.io/v1
kind: HTTPProxy
metadata: {name: web}
spec:
  routes:
  - services: [{name: web, port: 80}]
  - services: [{name: web, port: 80}]
    timeoutPolicy: {response: infinity, idle: 10m}
  - services: [{name: web, port: 80}]
    timeoutPolicy: {response: 0s, idle: soon}
`, 'HTTPProxy');
    assert.deepEqual(got, [
      { path: 'spec.routes[1].timeoutPolicy.response', field: 'spec.routes[1].timeoutPolicy.response', written: 'infinity', seconds: Infinity, kind: 'response', proxy: 'Contour', phrase: "Envoy waits {limit} for a pod's complete response", fix90: '90s', fix7200: '2h', suggested: 60, hardMax: undefined, defaultSeconds: 15, scope: 'spec.routes[1]' },
      { path: 'spec.routes[1].timeoutPolicy.idle', field: 'spec.routes[1].timeoutPolicy.idle', written: '10m', seconds: 600, kind: 'stream-idle', proxy: 'Contour', phrase: 'Envoy lets a request stream stay silent {limit}', fix90: '90s', fix7200: '2h', suggested: 300, hardMax: undefined, defaultSeconds: undefined, scope: 'spec.routes[1]' },
    ]);
  });

  it('reads Gateway API HTTPRoute rule timeouts: request and backendRequest, 0s is no limit, invalid durations ignored', () => {
    const got = crd(`
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web}
spec:
  rules:
  - backendRefs: [{name: web, port: 80}]
    timeouts: {request: 0s, backendRequest: 1m}
  - backendRefs: [{name: web, port: 80}]
    timeouts: {request: 1.5s}
  - backendRefs: [{name: web, port: 80}]
`, 'HTTPRoute');
    const rule = (field: string, written: string, seconds: number, phrase: string) => ({
      path: `spec.rules[0].timeouts.${field}`, field: `spec.rules[0].timeouts.${field}`, written, seconds, kind: 'response', proxy: 'Gateway API', phrase,
      fix90: '90s', fix7200: '2h', suggested: 60, hardMax: undefined, defaultSeconds: undefined, scope: 'spec.rules[0]',
    });
    assert.deepEqual(got, [
      rule('request', '0s', Infinity, 'the gateway waits {limit} to answer a request'),
      rule('backendRequest', '1m', 60, 'the gateway waits {limit} for each request to a pod'),
    ]);
  });

  it('reads Traefik ServersTransport forwarding timeouts: numbers are seconds, 0s is no limit', () => {
    const got = crd(`
apiVersion: traefik.io/v1alpha1
kind: ServersTransport
metadata: {name: slow}
spec:
  forwardingTimeouts: {responseHeaderTimeout: 0s, idleConnTimeout: 120, dialTimeout: "45", pingTimeout: 1s}
`, 'ServersTransport');
    const st = (field: string, written: string, seconds: number, kind: string, phrase: string, suggested: number) => ({
      path: `spec.forwardingTimeouts.${field}`, field: `spec.forwardingTimeouts.${field}`, written, seconds, kind, proxy: 'Traefik', phrase,
      fix90: '90s', fix7200: '2h', suggested, hardMax: undefined, defaultSeconds: undefined, scope: undefined,
    });
    assert.deepEqual(got, [
      st('responseHeaderTimeout', '0s', Infinity, 'response', "Traefik waits {limit} for a pod's response headers", 60),
      st('idleConnTimeout', '120', 120, 'keepalive', 'Traefik keeps idle connections to pods open for reuse {limit}', 90),
      st('dialTimeout', '45', 45, 'connect', 'Traefik waits {limit} for a connection to a pod', 30),
    ]);
    assert.deepEqual(crd(`
apiVersion: traefik.containo.us/v1alpha1
kind: ServersTransport
metadata: {name: slow}
spec: {forwardingTimeouts: {responseHeaderTimeout: x, dialTimeout: null}}
`, 'ServersTransport'), []);
  });

  it('reads the GKE BackendConfig timeoutSec as whole positive seconds', () => {
    const bc = (v: string) => `
apiVersion: cloud.google.com/v1
kind: BackendConfig
metadata: {name: slow}
spec: {timeoutSec: ${v}}
`;
    assert.deepEqual(crd(bc('3600'), 'BackendConfig'), [{
      path: 'spec.timeoutSec', field: 'spec.timeoutSec', written: '3600', seconds: 3600, kind: 'response', proxy: 'GKE Ingress',
      phrase: 'the Google Cloud load balancer waits {limit} for a pod to answer', fix90: 90, fix7200: 7200, suggested: 30, hardMax: undefined, defaultSeconds: 30, scope: undefined,
    }]);
    for (const v of ['0', '1.5', '"60"', '-5']) assert.deepEqual(crd(bc(v), 'BackendConfig'), [], v);
  });

  it('reads the OpenShift Route timeout annotation, and nothing from kinds it does not know', () => {
    const key = 'haproxy.router.openshift.io/timeout';
    assert.deepEqual(crd(`
apiVersion: route.openshift.io/v1
kind: Route
metadata: {name: web, annotations: {${JSON.stringify(key)}: "0"}}
spec: {to: {kind: Service, name: web}}
`, 'Route'), [{
      path: annotationPath(key), field: key, written: '0', seconds: Infinity, kind: 'response', proxy: 'the OpenShift router', phrase: 'the OpenShift router waits {limit} for a pod to send data',
      fix90: '90s', fix7200: '7200s', suggested: 30, hardMax: undefined, defaultSeconds: 30, scope: undefined,
    }]);
    assert.deepEqual(crd(`
apiVersion: example.com/v1
kind: Route
metadata: {name: web, annotations: {${JSON.stringify(key)}: 10m}}
`, 'Route'), []);
  });

  it('reads HAProxy timeout-server on a Service', () => {
    const got = crd(`
apiVersion: v1
kind: Service
metadata: {name: web, annotations: {haproxy.org/timeout-server: 10m}}
spec: {selector: {app: web}, ports: [{port: 80}]}
`, 'Service');
    assert.deepEqual((got as Array<{ seconds: number; proxy: string; path: string }>).map((t) => [t.proxy, t.seconds, t.path]), [['HAProxy', 600, 'metadata.annotations["haproxy.org/timeout-server"]']]);
  });

  it('names the BackendConfigs a Service uses, by default and per port', () => {
    const names = (v: string, key = 'cloud.google.com/backend-config') => {
      const g = graphOf(`
apiVersion: v1
kind: Service
metadata: {name: web, annotations: {${JSON.stringify(key)}: ${JSON.stringify(v)}}}
spec: {selector: {app: web}, ports: [{port: 80}]}
`);
      return backendConfigNames(only(g, 'Service'));
    };
    assert.deepEqual(names('{"default": "a", "ports": {"80": "b", "http": "c", "81": 5}}'), [{ name: 'a' }, { name: 'b', port: '80' }, { name: 'c', port: 'http' }]);
    assert.deepEqual(names('{"default": "a"}', 'beta.cloud.google.com/backend-config'), [{ name: 'a' }]);
    assert.deepEqual(names('{"ports": null, "default": 1}'), []);
    assert.deepEqual(names('null'), []);
    assert.deepEqual(names('not json'), []);
  });
});
