import { defineRule } from '../engine/rule.ts';
import { dig, isObject } from '../engine/fields.ts';
import type { ResourceGraph } from '../engine/graph.ts';
import { GATEWAY_GROUP } from '../engine/kinds.ts';
import type { Resource } from '../engine/model.ts';
import type { Json, RuleHit } from '../engine/types.ts';
import { ingressController, type IngressFamily } from './lib/ingress-controller.ts';
import { annotationPath, CONTOUR_GROUP, isIngressNginxCanary, TRAEFIK_GROUPS } from './lib/proxy-timeouts.ts';
import { fixWithYaml } from './lib/yaml.ts';

/** One retry setting, decoded: how many retries follow the first attempt (Infinity: no limit). */
interface RetrySetting {
  path: string;
  /** The setting as written, for messages: `nginx.ingress.kubernetes.io/proxy-next-upstream-tries: "0"`. */
  said: string;
  retries: number;
  /** Who retries, for messages: `ingress-nginx`, `Contour`, `the gateway`, `Traefik`. */
  proxy: string;
  /** What counts as a failure worth retrying, for messages. */
  on: string;
  /** The YAML that sets a bounded value. */
  fix(retries: number): { within?: string; yaml: unknown };
}

const NGINX_TRIES = 'nginx.ingress.kubernetes.io/proxy-next-upstream-tries';
const NGINX_NEXT = 'nginx.ingress.kubernetes.io/proxy-next-upstream';
const NGINX_NEXT_TIMEOUT = 'nginx.ingress.kubernetes.io/proxy-next-upstream-timeout';
const CONTOUR_PREFIXES = ['projectcontour.io/', 'contour.heptio.com/'];

function intOf(v: Json | undefined): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) return Number(v);
  return undefined;
}

function readBy(controller: IngressFamily, family: IngressFamily): boolean {
  return controller === 'unknown' || controller === family;
}

function ingressRetries(ing: Resource, graph: ResourceGraph): RetrySetting[] {
  const family = ingressController(ing, graph).family;
  const out: RetrySetting[] = [];
  const a = ing.annotations;
  const tries = a[NGINX_TRIES];
  if (tries !== undefined && readBy(family, 'ingress-nginx') && !isIngressNginxCanary(ing) && /^\s*\d+\s*$/.test(tries)) {
    const next = (a[NGINX_NEXT] ?? '').trim().split(/\s+/);
    const timeout = a[NGINX_NEXT_TIMEOUT];
    const timeBound = timeout !== undefined && /^\s*\d+\s*$/.test(timeout) && Number(timeout) > 0;
    const n = Number(tries);
    // `off` turns retries off whatever the count; a positive next-upstream timeout bounds an unlimited count in time.
    if (!next.includes('off') && !(n === 0 && timeBound)) {
      out.push({
        path: annotationPath(NGINX_TRIES),
        said: `${NGINX_TRIES}: ${JSON.stringify(tries)}${n === 0 ? ' and no proxy-next-upstream-timeout' : ''}`,
        retries: n === 0 ? Infinity : n - 1,
        proxy: 'ingress-nginx',
        on: a[NGINX_NEXT] !== undefined ? `on the failures proxy-next-upstream lists (${a[NGINX_NEXT].trim()})` : 'on connection errors and timeouts',
        fix: (r) => ({ yaml: { metadata: { annotations: { [NGINX_TRIES]: String(r + 1) } } } }),
      });
    }
  }
  if (readBy(family, 'contour')) {
    for (const p of CONTOUR_PREFIXES) {
      const v = a[`${p}num-retries`];
      // Contour applies num-retries only together with retry-on.
      if (v === undefined || a[`${p}retry-on`] === undefined) continue;
      const n = intOf(v);
      if (n === undefined || n <= 0) continue; // -1 disables retries, 0 means Envoy's default of 1
      const key = `${p}num-retries`;
      out.push({
        path: annotationPath(key),
        said: `${key}: ${JSON.stringify(v)}`,
        retries: n,
        proxy: 'Contour',
        on: `on the conditions retry-on lists (${a[`${p}retry-on`]})`,
        fix: (r) => ({ yaml: { metadata: { annotations: { [key]: String(r) } } } }),
      });
      break;
    }
  }
  return out;
}

function httpProxyRetries(hp: Resource): RetrySetting[] {
  const out: RetrySetting[] = [];
  const routes = dig(hp.raw, 'spec', 'routes');
  (Array.isArray(routes) ? routes : []).forEach((route, i) => {
    const policy = dig(route, 'retryPolicy');
    if (!isObject(policy)) return;
    const n = intOf(policy.count);
    if (n === undefined || n <= 0) return; // -1 disables retries, 0 or unset means 1
    const retryOn = Array.isArray(policy.retryOn) ? policy.retryOn.filter((x) => typeof x === 'string').join(', ') : '';
    out.push({
      path: `spec.routes[${i}].retryPolicy.count`,
      said: `spec.routes[${i}].retryPolicy.count: ${n}`,
      retries: n,
      proxy: 'Contour',
      on: retryOn ? `on ${retryOn}` : 'on 5xx responses and resets',
      fix: (r) => ({ within: `spec.routes[${i}]`, yaml: { retryPolicy: { count: r } } }),
    });
  });
  return out;
}

function httpRouteRetries(route: Resource): RetrySetting[] {
  const out: RetrySetting[] = [];
  const rules = dig(route.raw, 'spec', 'rules');
  (Array.isArray(rules) ? rules : []).forEach((rule, i) => {
    const retry = dig(rule, 'retry');
    if (!isObject(retry)) return;
    const n = intOf(retry.attempts);
    if (n === undefined || n <= 0) return;
    const codes = Array.isArray(retry.codes) ? retry.codes.filter((c) => typeof c === 'number').join(', ') : '';
    out.push({
      path: `spec.rules[${i}].retry.attempts`,
      said: `spec.rules[${i}].retry.attempts: ${n}`,
      retries: n,
      proxy: 'the gateway',
      on: codes ? `on status ${codes} and connection errors` : 'on the failures the implementation retries',
      fix: (r) => ({ within: `spec.rules[${i}]`, yaml: { retry: { attempts: r } } }),
    });
  });
  return out;
}

function middlewareRetries(mw: Resource): RetrySetting[] {
  const n = intOf(dig(mw.raw, 'spec', 'retry', 'attempts') as Json | undefined);
  if (n === undefined || n <= 1) return [];
  // Traefik counts the first try among its attempts.
  return [{
    path: 'spec.retry.attempts',
    said: `spec.retry.attempts: ${n}`,
    retries: n - 1,
    proxy: 'Traefik',
    on: 'whenever a pod does not answer',
    fix: (r) => ({ yaml: { spec: { retry: { attempts: r + 1 } } } }),
  }];
}

function retriesOf(r: Resource, graph: ResourceGraph): RetrySetting[] {
  if (r.kind === 'Ingress' && (r.group === 'networking.k8s.io' || r.group === 'extensions')) return ingressRetries(r, graph);
  if (r.kind === 'HTTPProxy' && r.group === CONTOUR_GROUP) return httpProxyRetries(r);
  if (r.kind === 'HTTPRoute' && r.group === GATEWAY_GROUP) return httpRouteRetries(r);
  if (r.kind === 'Middleware' && TRAEFIK_GROUPS.includes(r.group)) return middlewareRetries(r);
  return [];
}

export default defineRule({
  id: 'proxy-retries-unbounded',
  title: 'Proxy retries unlimited or above the ceiling',
  shape: 'too-slow',
  severity: 'warning',
  targets: ['Ingress', 'HTTPRoute', 'HTTPProxy', 'Middleware'],
  reads: [{ group: 'networking.k8s.io', kind: 'IngressClass' }],
  params: {
    maxRetries: {
      type: 'integer',
      default: 3,
      minimum: 0,
      description: 'Most retries accepted after the first attempt of a request.',
      unit: 'retries',
    },
  },
  docs: {
    what:
      'Reads the retry counts written in the manifests and reports those without a limit or with more than `maxRetries` ' +
      'retries (default 3) after the first attempt. Covered: ingress-nginx `nginx.ingress.kubernetes.io/' +
      'proxy-next-upstream-tries` (attempts in total, first included; `0` means no limit), Contour ' +
      '`projectcontour.io/num-retries` (with `retry-on`) and HTTPProxy `spec.routes[].retryPolicy.count` (`-1` disables ' +
      'retries), Gateway API HTTPRoute `spec.rules[].retry.attempts` (GEP-1731: retries after the first attempt), and ' +
      'Traefik Middleware `spec.retry.attempts` (attempts in total).',
    why:
      'Retries hide a lone failing pod, but when the failure is general — pods slow, overloaded or restarting — every ' +
      'client request becomes one request per attempt, each waiting out its own timeout. The extra load keeps the pods ' +
      'from recovering (a retry storm), and the request outlives the patience of the client and of any load balancer in ' +
      'front, which answer 502 or 504. With ingress-nginx and no limit, one request can be tried on every pod of the ' +
      'Service in turn.',
    fix:
      'Keep retries few, and bound the time they may take:\n\n```yaml\n# ingress-nginx\nmetadata:\n  annotations:\n' +
      '    nginx.ingress.kubernetes.io/proxy-next-upstream-tries: "3"\n    nginx.ingress.kubernetes.io/proxy-next-upstream-timeout: "10"\n' +
      '---\n# Gateway API\nspec:\n  rules:\n    - retry:\n        attempts: 2\n        backoff: 100ms\n```',
    notes:
      'Silent when nothing is written (the defaults are bounded: ingress-nginx 3 attempts, Contour 1 retry), for ' +
      'ingress-nginx `proxy-next-upstream: off` (no retries at all) and for `proxy-next-upstream-tries: "0"` bounded in ' +
      'time by a positive `proxy-next-upstream-timeout`, for annotations of a controller other than the one identified ' +
      'for the Ingress, for ingress-nginx canary Ingresses (the controller takes their settings from the main Ingress), ' +
      'and for Contour `num-retries` without `retry-on` (Contour ignores it). Retrying non-idempotent ' +
      'requests (`non_idempotent` in `proxy-next-upstream`) is a correctness risk rather than a 502 one and is not ' +
      'judged. HAProxy has no per-Ingress retry annotation; controller-wide settings and Envoy Gateway ' +
      'BackendTrafficPolicy are not read.',
  },
  evaluate(r, graph, params) {
    const hits: RuleHit[] = [];
    for (const s of retriesOf(r, graph)) {
      if (s.retries <= params.maxRetries) continue;
      const unlimited = s.retries === Infinity;
      const amount = unlimited ? 'without limit' : `${s.retries} times`;
      const bound = Math.min(params.maxRetries, 2);
      const fix = s.fix(bound);
      hits.push({
        path: s.path,
        message:
          `With ${s.said}, ${s.proxy} retries a failed request ${amount}${unlimited ? '' : ` (ceiling ${params.maxRetries})`} ${s.on}: ` +
          `when pods are slow or failing, every request turns into ${unlimited ? 'one attempt per pod' : `${s.retries + 1} attempts`}, each ` +
          'waiting out its own timeout; the extra load keeps the pods from recovering, and clients and outer load balancers give up ' +
          'first with a 502 or 504.',
        fix: fixWithYaml(`Retry at most ${bound === 1 ? 'once' : `${bound} times`}${fix.within ? `, in ${fix.within}` : ''}:`, fix.yaml),
      });
    }
    return hits;
  },
  fixtures: {
    fire: [
      {
        name: 'ingress-nginx proxy-next-upstream-tries "0": no limit',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  annotations:
    nginx.ingress.kubernetes.io/proxy-next-upstream: error timeout http_502 http_503
    nginx.ingress.kubernetes.io/proxy-next-upstream-tries: "0"
spec:
  ingressClassName: nginx
  rules:
    - http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: shop, port: {number: 80}}}}]
`,
        expect: [{ severity: 'warning', path: 'metadata.annotations["nginx.ingress.kubernetes.io/proxy-next-upstream-tries"]', message: 'With nginx.ingress.kubernetes.io/proxy-next-upstream-tries: "0" and no proxy-next-upstream-timeout, ingress-nginx retries a failed request without limit on the failures proxy-next-upstream lists (error timeout http_502 http_503): when pods are slow or failing, every request turns into one attempt per pod, each waiting out its own timeout; the extra load keeps the pods from recovering, and clients and outer load balancers give up first with a 502 or 504.', fix: 'Retry at most 2 times:\nmetadata:\n  annotations:\n    nginx.ingress.kubernetes.io/proxy-next-upstream-tries: "3"' }],
      },
      {
        name: 'ingress-nginx ten attempts',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  annotations: {nginx.ingress.kubernetes.io/proxy-next-upstream-tries: "10"}
spec:
  rules:
    - http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: shop, port: {number: 80}}}}]
`,
        expect: [{ severity: 'warning', path: 'metadata.annotations["nginx.ingress.kubernetes.io/proxy-next-upstream-tries"]', message: 'With nginx.ingress.kubernetes.io/proxy-next-upstream-tries: "10", ingress-nginx retries a failed request 9 times (ceiling 3) on connection errors and timeouts: when pods are slow or failing, every request turns into 10 attempts, each waiting out its own timeout; the extra load keeps the pods from recovering, and clients and outer load balancers give up first with a 502 or 504.', fix: 'Retry at most 2 times:\nmetadata:\n  annotations:\n    nginx.ingress.kubernetes.io/proxy-next-upstream-tries: "3"' }],
      },
      {
        name: 'Contour HTTPProxy retry count of 10',
        yaml: `
apiVersion: projectcontour.io/v1
kind: HTTPProxy
metadata: {name: api}
spec:
  virtualhost: {fqdn: api.example.com}
  routes:
    - services: [{name: api, port: 80}]
      retryPolicy: {count: 10, perTryTimeout: 5s}
    - conditions: [{prefix: /health}]
      services: [{name: api, port: 80}]
      retryPolicy: {count: 2}
`,
        expect: [{ severity: 'warning', path: 'spec.routes[0].retryPolicy.count', message: 'With spec.routes[0].retryPolicy.count: 10, Contour retries a failed request 10 times (ceiling 3) on 5xx responses and resets: when pods are slow or failing, every request turns into 11 attempts, each waiting out its own timeout; the extra load keeps the pods from recovering, and clients and outer load balancers give up first with a 502 or 504.', fix: 'Retry at most 2 times, in spec.routes[0]:\nretryPolicy:\n  count: 2' }],
      },
      {
        name: 'Contour Ingress annotations num-retries with retry-on',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: api
  annotations:
    projectcontour.io/retry-on: 5xx,gateway-error
    projectcontour.io/num-retries: "6"
spec:
  ingressClassName: contour
`,
        expect: [{ severity: 'warning', path: 'metadata.annotations["projectcontour.io/num-retries"]', message: 'With projectcontour.io/num-retries: "6", Contour retries a failed request 6 times (ceiling 3) on the conditions retry-on lists (5xx,gateway-error): when pods are slow or failing, every request turns into 7 attempts, each waiting out its own timeout; the extra load keeps the pods from recovering, and clients and outer load balancers give up first with a 502 or 504.', fix: 'Retry at most 2 times:\nmetadata:\n  annotations:\n    projectcontour.io/num-retries: "2"' }],
      },
      {
        name: 'HTTPRoute retry attempts 5',
        yaml: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: api}
spec:
  parentRefs: [{name: gw}]
  rules:
    - backendRefs: [{name: api, port: 80}]
      retry: {codes: [500, 502, 503, 504], attempts: 5, backoff: 100ms}
`,
        expect: [{ severity: 'warning', path: 'spec.rules[0].retry.attempts', message: 'With spec.rules[0].retry.attempts: 5, the gateway retries a failed request 5 times (ceiling 3) on status 500, 502, 503, 504 and connection errors: when pods are slow or failing, every request turns into 6 attempts, each waiting out its own timeout; the extra load keeps the pods from recovering, and clients and outer load balancers give up first with a 502 or 504.', fix: 'Retry at most 2 times, in spec.rules[0]:\nretry:\n  attempts: 2' }],
      },
      {
        name: 'Traefik retry middleware with 10 attempts',
        yaml: `
apiVersion: traefik.io/v1alpha1
kind: Middleware
metadata: {name: retry}
spec:
  retry: {attempts: 10, initialInterval: 100ms}
`,
        expect: [{ severity: 'warning', path: 'spec.retry.attempts', message: 'With spec.retry.attempts: 10, Traefik retries a failed request 9 times (ceiling 3) whenever a pod does not answer: when pods are slow or failing, every request turns into 10 attempts, each waiting out its own timeout; the extra load keeps the pods from recovering, and clients and outer load balancers give up first with a 502 or 504.', fix: 'Retry at most 2 times:\nspec:\n  retry:\n    attempts: 3' }],
      },
      {
        name: 'stricter ceiling from the policy',
        params: { maxRetries: 1 },
        yaml: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: api}
spec:
  parentRefs: [{name: gw}]
  rules:
    - backendRefs: [{name: api, port: 80}]
      retry: {attempts: 2}
`,
        expect: [{ severity: 'warning', path: 'spec.rules[0].retry.attempts', message: 'With spec.rules[0].retry.attempts: 2, the gateway retries a failed request 2 times (ceiling 1) on the failures the implementation retries: when pods are slow or failing, every request turns into 3 attempts, each waiting out its own timeout; the extra load keeps the pods from recovering, and clients and outer load balancers give up first with a 502 or 504.', fix: 'Retry at most once, in spec.rules[0]:\nretry:\n  attempts: 1' }],
      },
    ],
    silent: [
      {
        name: 'ingress-nginx three attempts (the default), and no annotation',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  annotations: {nginx.ingress.kubernetes.io/proxy-next-upstream-tries: "3"}
spec:
  rules:
    - http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: shop, port: {number: 80}}}}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: plain}
spec:
  rules:
    - http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: shop, port: {number: 80}}}}]
`,
      },
      {
        name: 'unlimited ingress-nginx tries bounded by proxy-next-upstream-timeout, and retries turned off',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  annotations:
    nginx.ingress.kubernetes.io/proxy-next-upstream-tries: "0"
    nginx.ingress.kubernetes.io/proxy-next-upstream-timeout: "10"
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: payments
  annotations:
    nginx.ingress.kubernetes.io/proxy-next-upstream: "off"
    nginx.ingress.kubernetes.io/proxy-next-upstream-tries: "0"
`,
      },
      {
        name: 'ingress-nginx canary Ingress: its annotations other than canary ones are ignored',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop-canary
  annotations:
    nginx.ingress.kubernetes.io/canary: "true"
    nginx.ingress.kubernetes.io/canary-weight: "10"
    nginx.ingress.kubernetes.io/proxy-next-upstream-tries: "0"
spec:
  ingressClassName: nginx
`,
      },
      {
        name: 'ingress-nginx annotation on an Ingress served by Traefik',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  annotations: {nginx.ingress.kubernetes.io/proxy-next-upstream-tries: "0"}
spec:
  ingressClassName: traefik
`,
      },
      {
        name: 'Contour: retries disabled with -1, count 0 (Envoy default of 1), num-retries without retry-on',
        yaml: `
apiVersion: projectcontour.io/v1
kind: HTTPProxy
metadata: {name: api}
spec:
  virtualhost: {fqdn: api.example.com}
  routes:
    - services: [{name: api, port: 80}]
      retryPolicy: {count: -1}
    - conditions: [{prefix: /v2}]
      services: [{name: api, port: 80}]
      retryPolicy: {count: 0}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: api
  annotations: {projectcontour.io/num-retries: "10"}
spec:
  ingressClassName: contour
`,
      },
      {
        name: 'HTTPRoute and Traefik retries within the ceiling (Traefik counts the first try)',
        yaml: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: api}
spec:
  parentRefs: [{name: gw}]
  rules:
    - backendRefs: [{name: api, port: 80}]
      retry: {codes: [503], attempts: 2}
---
apiVersion: traefik.io/v1alpha1
kind: Middleware
metadata: {name: retry}
spec:
  retry: {attempts: 4}
`,
      },
    ],
  },
});
