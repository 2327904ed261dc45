import { defineRule } from '../engine/rule.ts';
import { dig, isObject } from '../engine/fields.ts';
import type { ResourceGraph } from '../engine/graph.ts';
import { GATEWAY_GROUP } from '../engine/kinds.ts';
import type { Resource } from '../engine/model.ts';
import type { Json, RuleHit } from '../engine/types.ts';
import { ingressController, type IngressFamily } from './lib/ingress-controller.ts';
import { annotationPath, CONTOUR_GROUP, ENVOY_GATEWAY_GROUP, formatSeconds, isIngressNginxCanary, ISTIO_GROUP, parseGatewayDuration, parseTraefikDuration, TRAEFIK_GROUPS } from './lib/proxy-timeouts.ts';
import { routeImplementation } from './lib/protocols.ts';
import { GATEWAYS } from './lib/reads.ts';
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
  /** Said after the verdict: how the retries are spaced, who uses the setting. */
  note?: string;
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
        said: `${NGINX_TRIES}: ${JSON.stringify(tries)}${n !== 0 ? '' : timeout === undefined ? ' and no proxy-next-upstream-timeout' : ` and proxy-next-upstream-timeout: ${JSON.stringify(timeout)}, ${/^\s*\d+\s*$/.test(timeout) ? 'which sets no limit' : 'which is no whole number of seconds'}`}`,
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

/** How retries are spaced, for messages: a backoff spreads them out, none sends them while the failure lasts. */
function spacing(proxy: string, backoff: number | undefined, field: string): string {
  return backoff !== undefined && backoff > 0
    ? ` ${proxy} waits ${formatSeconds(backoff)} before the first retry, longer before the next.`
    : ` ${proxy} retries at once (no ${field}), while the failure that made the first attempt fail most likely lasts.`;
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
    // Experimental channel: `backoff` is a Gateway API Duration; unset, the implementation retries at once or at its own pace.
    const backoff = typeof retry.backoff === 'string' ? parseGatewayDuration(retry.backoff) : undefined;
    out.push({
      path: `spec.rules[${i}].retry.attempts`,
      said: `spec.rules[${i}].retry.attempts: ${n}`,
      retries: n,
      proxy: 'the gateway',
      on: codes ? `on status ${codes} and connection errors` : 'on the failures the implementation retries',
      fix: (r) => ({ within: `spec.rules[${i}]`, yaml: { retry: { attempts: r, ...(backoff ? {} : { backoff: '100ms' }) } } }),
      note: backoff === undefined ? ' No backoff is set: the gateway retries at its own pace, often at once.' : spacing('The gateway', backoff, 'backoff'),
    });
  });
  return out;
}

const TRAEFIK_INGRESS_MIDDLEWARES = 'traefik.ingress.kubernetes.io/router.middlewares';

/** The IngressRoutes (`spec.routes[].middlewares`) and Ingresses (router.middlewares annotation) that use a Traefik Middleware. */
function middlewareUsers(mw: Resource, graph: ResourceGraph): string[] {
  const users: string[] = [];
  for (const ir of TRAEFIK_GROUPS.flatMap((g) => graph.list('IngressRoute', g))) {
    const routes = dig(ir.raw, 'spec', 'routes');
    const uses = (Array.isArray(routes) ? routes : []).some((route) => {
      const refs = dig(route, 'middlewares');
      return Array.isArray(refs) && refs.some((ref) => isObject(ref) && ref.name === mw.name && (typeof ref.namespace === 'string' ? ref.namespace : ir.namespace) === mw.namespace);
    });
    if (uses) users.push(`IngressRoute ${ir.namespace === mw.namespace ? '' : `${ir.namespace}/`}${ir.name}`);
  }
  for (const ing of graph.list('Ingress', 'networking.k8s.io')) {
    const refs = (ing.annotations[TRAEFIK_INGRESS_MIDDLEWARES] ?? '').split(',').map((x) => x.trim());
    if (refs.includes(`${mw.namespace}-${mw.name}@kubernetescrd`)) users.push(`Ingress ${ing.namespace === mw.namespace ? '' : `${ing.namespace}/`}${ing.name}`);
  }
  return users;
}

function middlewareRetries(mw: Resource, graph: ResourceGraph): RetrySetting[] {
  const retry = dig(mw.raw, 'spec', 'retry');
  if (!isObject(retry)) return [];
  const n = intOf(retry.attempts);
  if (n === undefined || n <= 1) return [];
  // initialInterval: the first wait of an exponential backoff (seconds or a Go duration); unset, Traefik retries at once.
  const interval = parseTraefikDuration(retry.initialInterval);
  const users = middlewareUsers(mw, graph);
  // Traefik counts the first try among its attempts.
  return [{
    path: 'spec.retry.attempts',
    said: `spec.retry.attempts: ${n}`,
    retries: n - 1,
    proxy: 'Traefik',
    on: 'whenever a pod does not answer',
    fix: (r) => ({ yaml: { spec: { retry: { attempts: r + 1, ...(interval ? {} : { initialInterval: '100ms' }) } } } }),
    note: spacing('Traefik', interval, 'initialInterval') + (users.length ? ` Used by ${users.join(', ')}.` : ''),
  }];
}

/** A count decoded from `v` at `path`, as retries after the first attempt (`toRetries`), unless it is off or within the default. */
function countSetting(path: string, v: Json | undefined, proxy: string, on: string, fix: RetrySetting['fix'], toRetries = (n: number) => n): RetrySetting | undefined {
  const n = intOf(v);
  if (n === undefined || n <= 0) return undefined;
  return { path, said: `${path}: ${JSON.stringify(v)}`, retries: toRetries(n), proxy, on, fix };
}

/** Envoy Gateway BackendTrafficPolicy `spec.retry.numRetries` (2 when a retry block is set without it; `0` turns retries off). */
function backendTrafficPolicyRetries(p: Resource): RetrySetting[] {
  const retry = dig(p.raw, 'spec', 'retry');
  if (!isObject(retry)) return [];
  const triggers = dig(retry, 'retryOn', 'triggers');
  const on = Array.isArray(triggers) && triggers.length ? `on ${triggers.join(', ')}` : 'on connection failures and 503s';
  const fix = (r: number) => ({ yaml: { spec: { retry: { numRetries: r } } } });
  const backoff = dig(retry, 'perRetry', 'backOff', 'baseInterval');
  const note = spacing('Envoy Gateway', typeof backoff === 'string' ? parseGatewayDuration(backoff) : undefined, 'perRetry.backOff');
  if (retry.numRetries === undefined) {
    return [{ path: 'spec.retry', said: 'spec.retry without numRetries (Envoy Gateway\'s default)', retries: ENVOY_GATEWAY_DEFAULT_RETRIES, proxy: 'Envoy Gateway', on, fix, note }];
  }
  const s = countSetting('spec.retry.numRetries', retry.numRetries, 'Envoy Gateway', on, fix);
  return s ? [{ ...s, note }] : [];
}

const ENVOY_GATEWAY_DEFAULT_RETRIES = 2;
/** Istio retries every HTTP route twice unless told otherwise (`retries.attempts`, `0` turns them off). */
const ISTIO_DEFAULT_RETRIES = 2;
const ISTIO_DEFAULT_RETRY_ON = 'connect-failure, refused-stream, unavailable, cancelled and 503';

/**
 * Istio VirtualService `spec.http[].retries.attempts` (retries after the first try; `0` turns them off). A route
 * without `retries`, or without `attempts`, is retried by Istio's default: 2 times, with no `perTryTimeout` (each
 * retry may take the route's whole timeout).
 */
function virtualServiceRetries(vs: Resource): RetrySetting[] {
  const routes = dig(vs.raw, 'spec', 'http');
  return (Array.isArray(routes) ? routes : []).flatMap((route, i) => {
    if (!Array.isArray(dig(route, 'route'))) return []; // redirects and direct responses are not retried
    const retries = dig(route, 'retries');
    const fix = (r: number) => ({ within: `spec.http[${i}]`, yaml: { retries: { attempts: r } } });
    const perTry = isObject(retries) && typeof retries.perTryTimeout === 'string' ? undefined : ' No perTryTimeout is set: each retry may take the route\'s whole timeout.';
    if (!isObject(retries) || retries.attempts === undefined) {
      const on = isObject(retries) && typeof retries.retryOn === 'string' ? `on ${retries.retryOn}` : `on ${ISTIO_DEFAULT_RETRY_ON}`;
      const where = isObject(retries) ? `spec.http[${i}].retries` : `spec.http[${i}]`;
      return [{ path: where, said: `${where} without ${isObject(retries) ? 'attempts' : 'retries'} (Istio's default)`, retries: ISTIO_DEFAULT_RETRIES, proxy: 'Istio', on, fix, note: perTry }];
    }
    const on = typeof retries.retryOn === 'string' ? `on ${retries.retryOn}` : `on ${ISTIO_DEFAULT_RETRY_ON}`;
    const s = countSetting(`spec.http[${i}].retries.attempts`, retries.attempts, 'Istio', on, fix);
    return s ? [{ ...s, note: perTry }] : [];
  });
}

const KONG_RETRIES = 'konghq.com/retries';
const KONG_DEFAULT_RETRIES = 5;
const LINKERD_LIMIT = 'retry.linkerd.io/limit';

/** The Ingress or HTTPRoute through which Kong sends traffic to the Service, when one does (by IngressClass or GatewayClass). */
function servedByKong(svc: Resource, graph: ResourceGraph): Resource | undefined {
  return graph.backendsTo(svc).find((b) =>
    b.proxy === 'ingress' ? ingressController(b.from, graph).family === 'kong' : b.proxy === 'httproute' && /konghq\.com\//.test(routeImplementation(graph, b.from) ?? '') && graph.referenceGrantAllows(b.from, b.serviceNamespace, b.serviceName),
  )?.from;
}

/**
 * Retries a mesh or proxy reads from annotations on the object itself: Kong `konghq.com/retries` (Services; default 5,
 * judged by that default when a Kong Ingress or route sends traffic to the Service) and Linkerd `retry.linkerd.io/limit`
 * (Services and routes; default 1, applied only with `retry.linkerd.io/http` or `grpc`).
 */
function annotationRetries(r: Resource, graph: ResourceGraph): RetrySetting[] {
  const a = r.annotations;
  const out: RetrySetting[] = [];
  const annotationFix = (key: string) => (n: number) => ({ yaml: { metadata: { annotations: { [key]: String(n) } } } });
  if (r.kind === 'Service') {
    const kongOn = 'on connection errors and timeouts';
    const kong = countSetting(annotationPath(KONG_RETRIES), a[KONG_RETRIES], 'Kong', kongOn, annotationFix(KONG_RETRIES));
    if (kong) out.push({ ...kong, said: `${KONG_RETRIES}: ${JSON.stringify(a[KONG_RETRIES])}` });
    const via = a[KONG_RETRIES] === undefined ? servedByKong(r, graph) : undefined;
    if (via) {
      out.push({
        path: annotationPath(KONG_RETRIES),
        said: `no ${KONG_RETRIES} (Kong's default)`,
        retries: KONG_DEFAULT_RETRIES,
        proxy: `Kong (through ${via.kind} ${via.name})`,
        on: kongOn,
        fix: annotationFix(KONG_RETRIES),
      });
    }
  }
  const on = a['retry.linkerd.io/http'] ?? a['retry.linkerd.io/grpc'];
  if (on !== undefined) {
    const linkerd = countSetting(annotationPath(LINKERD_LIMIT), a[LINKERD_LIMIT], 'Linkerd', `on ${on}`, annotationFix(LINKERD_LIMIT));
    if (linkerd) out.push({ ...linkerd, said: `${LINKERD_LIMIT}: ${JSON.stringify(a[LINKERD_LIMIT])}` });
  }
  return out;
}

export const GATEWAY_X_GROUP = 'gateway.networking.x-k8s.io';

/** Gateway API XBackendTrafficPolicy `spec.retryConstraint.budget.percent`: the share of active requests that may be retries (default 20). */
function retryBudgetPercent(p: Resource): { percent: number; written: Json } | undefined {
  const v = dig(p.raw, 'spec', 'retryConstraint', 'budget', 'percent');
  const n = intOf(v as Json | undefined);
  return n === undefined ? undefined : { percent: n, written: v as Json };
}

function retriesOf(r: Resource, graph: ResourceGraph): RetrySetting[] {
  if (r.kind === 'Ingress' && (r.group === 'networking.k8s.io' || r.group === 'extensions')) return ingressRetries(r, graph);
  if (r.kind === 'HTTPProxy' && r.group === CONTOUR_GROUP) return httpProxyRetries(r);
  if (r.kind === 'HTTPRoute' && r.group === GATEWAY_GROUP) return [...httpRouteRetries(r), ...annotationRetries(r, graph)];
  if (r.kind === 'Service' && r.group === '') return annotationRetries(r, graph);
  if (r.kind === 'BackendTrafficPolicy' && r.group === ENVOY_GATEWAY_GROUP) return backendTrafficPolicyRetries(r);
  if (r.kind === 'VirtualService' && r.group === ISTIO_GROUP) return virtualServiceRetries(r);
  if (r.kind === 'Middleware' && TRAEFIK_GROUPS.includes(r.group)) return middlewareRetries(r, graph);
  return [];
}

/** An ingress-nginx Ingress `shop` with the given annotations, for the fixtures. */
const nginxIngress = (annotations: Record<string, string>) => `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop, annotations: ${JSON.stringify(annotations)}}
spec:
  ingressClassName: nginx
  rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]
`;

export default defineRule({
  id: 'proxy-retries-unbounded',
  title: 'Proxy retries unlimited or above the ceiling',
  shape: 'too-slow',
  severity: 'warning',
  targets: ['Ingress', 'HTTPRoute', 'HTTPProxy', 'Middleware', 'Service', 'BackendTrafficPolicy', 'VirtualService', 'XBackendTrafficPolicy'],
  reads: [
    // Who sends a Service its traffic (Kong's default retries), and who uses a Traefik retry Middleware.
    ...GATEWAYS,
    { group: 'networking.k8s.io', kind: 'IngressClass' },
    { group: GATEWAY_GROUP, kind: 'Gateway' },
    { group: GATEWAY_GROUP, kind: 'GatewayClass' },
    // The users of a Traefik Middleware: IngressRoutes and Ingresses of any namespace (read from afar for Middlewares only).
    ...TRAEFIK_GROUPS.map((group) => ({ group, kind: 'IngressRoute', anyNamespace: ['Middleware'] })),
    { group: 'networking.k8s.io', kind: 'Ingress', anyNamespace: ['Middleware'] },
  ],
  params: {
    maxRetries: {
      type: 'integer',
      default: 3,
      minimum: 0,
      description: 'Most retries accepted after the first attempt of a request.',
      unit: 'retries',
    },
    maxRetryBudgetPercent: {
      type: 'integer',
      default: 50,
      minimum: 0,
      maximum: 100,
      description: 'Largest share of active requests a retry budget (Gateway API XBackendTrafficPolicy) may let be retries.',
      unit: 'percent',
    },
  },
  docs: {
    what:
      'Reads the retry counts written in the manifests and reports those without a limit or with more than `maxRetries` ' +
      'retries (default 3) after the first attempt, and retry budgets that let more than `maxRetryBudgetPercent` (default 50) ' +
      'of the active requests be retries.\n\n' +
      '| Controller | Setting (on) | Counts | Default (judged when nothing is written) | No limit | Spacing read |\n|---|---|---|---|---|---|\n' +
      '| ingress-nginx | `nginx.ingress.kubernetes.io/proxy-next-upstream-tries` (Ingress) | attempts, first included | 3 | `0` (unless `proxy-next-upstream-timeout` bounds it) | — |\n' +
      '| Contour | `projectcontour.io/num-retries` with `retry-on` (Ingress); HTTPProxy `spec.routes[].retryPolicy.count` | retries | 1 | none (`-1` disables) | — |\n' +
      '| Gateway API | HTTPRoute `spec.rules[].retry.attempts` (experimental channel) | retries | implementation\'s (not judged) | none | `retry.backoff` (Gateway API Duration; unset: the implementation\'s pace) |\n' +
      '| Gateway API | XBackendTrafficPolicy `spec.retryConstraint.budget.percent` (experimental channel) | % of active requests | 20 % | 100 % | — |\n' +
      '| Traefik | Middleware `spec.retry.attempts` (named by IngressRoute `spec.routes[].middlewares` or the Ingress annotation `traefik.ingress.kubernetes.io/router.middlewares`) | attempts, first included | no retry middleware | none | `spec.retry.initialInterval` (seconds or Go duration; unset or `0`: retries at once) |\n' +
      '| Envoy Gateway | BackendTrafficPolicy `spec.retry.numRetries` | retries | 2 with a `retry` block (judged), none without | none (`0` disables) | `spec.retry.perRetry.backOff.baseInterval` |\n' +
      '| Istio | VirtualService `spec.http[].retries.attempts` | retries | 2 on every route with a `route` (judged, `retryOn` connect-failure, refused-stream, unavailable, cancelled, 503; `perTryTimeout` unset) | none (`0` disables) | — |\n' +
      '| Kong | `konghq.com/retries` (Service) | retries | 5 (judged on a Service a Kong Ingress or a route of a Kong GatewayClass sends traffic to) | none | — |\n' +
      '| Linkerd | `retry.linkerd.io/limit` with `retry.linkerd.io/http` or `grpc` (Service, HTTPRoute) | retries | 1 | none | — |\n\n' +
      'Where a controller retries by default, a route with nothing written is judged by that default: Kong\'s 5 retries ' +
      'are above the default ceiling of 3; Istio\'s and Envoy Gateway\'s 2 are within it and fire only under a stricter ' +
      '`maxRetries`. How the retries are spaced (backoff) is said in the message but does not change the verdict.\n',
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
      'Silent when nothing is written and the controller\'s default is within the ceiling (ingress-nginx 3 attempts, ' +
      'Contour 1 retry, Istio and Envoy Gateway 2), for ' +
      'ingress-nginx `proxy-next-upstream: off` (no retries at all) and for `proxy-next-upstream-tries: "0"` bounded in ' +
      'time by a positive `proxy-next-upstream-timeout`, for annotations of a controller other than the one identified ' +
      'for the Ingress, for ingress-nginx canary Ingresses (the controller takes their settings from the main Ingress), ' +
      'for Contour `num-retries` without `retry-on` (Contour ignores it), for Istio routes that redirect or answer ' +
      'directly, and for Kong\'s default on a Service no Kong Ingress or route is seen to reach (no Ingress class, IngressClass ' +
      'controller or GatewayClass in the input names Kong). Retrying non-idempotent ' +
      'requests (`non_idempotent` in `proxy-next-upstream`) is a correctness risk rather than a 502 one and is not ' +
      'judged. HAProxy has no per-Ingress retry annotation; controller-wide settings (ConfigMaps, Helm values) and the ' +
      'default retries of an Istio sidecar reached without a VirtualService are not read.',
  },
  evaluate(r, graph, params) {
    const hits: RuleHit[] = [];
    const budget = r.kind === 'XBackendTrafficPolicy' && r.group === GATEWAY_X_GROUP ? retryBudgetPercent(r) : undefined;
    if (budget && budget.percent > params.maxRetryBudgetPercent) {
      hits.push({
        path: 'spec.retryConstraint.budget.percent',
        message:
          `With spec.retryConstraint.budget.percent: ${JSON.stringify(budget.written)}, up to ${budget.percent}% of the active requests to the backend may be retries ` +
          `(ceiling ${params.maxRetryBudgetPercent}%): when pods are slow or failing, the retries ${budget.percent >= 100 ? 'double' : 'swell'} the load that keeps them ` +
          'from recovering, and clients and outer load balancers give up first with a 502 or 504.',
        fix: fixWithYaml('Keep the budget small (20% is the default):', { spec: { retryConstraint: { budget: { percent: Math.min(20, params.maxRetryBudgetPercent) } } } }),
      });
    }
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
          `first with a 502 or 504.${s.note ?? ''}`,
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
  defaultBackend: {service: {name: api, port: {number: 80}}}
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
        expect: [{ severity: 'warning', path: 'spec.rules[0].retry.attempts', message: 'With spec.rules[0].retry.attempts: 5, the gateway retries a failed request 5 times (ceiling 3) on status 500, 502, 503, 504 and connection errors: when pods are slow or failing, every request turns into 6 attempts, each waiting out its own timeout; the extra load keeps the pods from recovering, and clients and outer load balancers give up first with a 502 or 504. The gateway waits 100ms before the first retry, longer before the next.', fix: 'Retry at most 2 times, in spec.rules[0]:\nretry:\n  attempts: 2' }],
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
      {
        name: 'Envoy Gateway BackendTrafficPolicy numRetries 5 (documented example)',
        yaml: `
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: retry-for-route}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: backend}]
  retry:
    numRetries: 5
    perRetry: {backOff: {baseInterval: 100ms, maxInterval: 10s}, timeout: 250ms}
    retryOn: {httpStatusCodes: [500], triggers: [connect-failure, retriable-status-codes]}
`,
        expect: [
          { severity: 'warning', path: 'spec.retry.numRetries', message: 'With spec.retry.numRetries: 5, Envoy Gateway retries a failed request 5 times (ceiling 3) on connect-failure, retriable-status-codes: when pods are slow or failing, every request turns into 6 attempts, each waiting out its own timeout; the extra load keeps the pods from recovering, and clients and outer load balancers give up first with a 502 or 504. Envoy Gateway waits 100ms before the first retry, longer before the next.', fix: 'Retry at most 2 times:' },
        ],
      },
      {
        name: 'Istio VirtualService retries attempts 10',
        yaml: `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ratings}
spec:
  hosts: [ratings.prod.svc.cluster.local]
  http:
    - route: [{destination: {host: ratings.prod.svc.cluster.local, subset: v1}}]
      retries: {attempts: 10, perTryTimeout: 2s, retryOn: "gateway-error,connect-failure,refused-stream"}
`,
        expect: [
          { severity: 'warning', path: 'spec.http[0].retries.attempts', message: 'With spec.http[0].retries.attempts: 10, Istio retries a failed request 10 times (ceiling 3) on gateway-error,connect-failure,refused-stream: when pods are slow or failing, every request turns into 11 attempts, each waiting out its own timeout; the extra load keeps the pods from recovering, and clients and outer load balancers give up first with a 502 or 504.', fix: 'Retry at most 2 times, in spec.http[0]:' },
        ],
      },
      {
        name: 'Kong retries 10 on a Service',
        yaml: `
apiVersion: v1
kind: Service
metadata:
  name: echo
  annotations: {konghq.com/retries: "10"}
spec:
  selector: {app: echo}
  ports: [{port: 80, targetPort: 1027}]
`,
        expect: [
          { severity: 'warning', path: 'metadata.annotations["konghq.com/retries"]', message: 'With konghq.com/retries: "10", Kong retries a failed request 10 times (ceiling 3) on connection errors and timeouts: when pods are slow or failing, every request turns into 11 attempts, each waiting out its own timeout; the extra load keeps the pods from recovering, and clients and outer load balancers give up first with a 502 or 504.', fix: 'Retry at most 2 times:' },
        ],
      },
      {
        name: 'Linkerd retry limit 5 on an HTTPRoute and on a Service',
        yaml: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: books
  annotations: {retry.linkerd.io/http: 5xx, retry.linkerd.io/limit: "5"}
spec:
  parentRefs: [{group: core, kind: Service, name: books, port: 7002}]
  rules: [{backendRefs: [{name: books, port: 7002}]}]
---
apiVersion: v1
kind: Service
metadata:
  name: authors
  annotations: {retry.linkerd.io/http: 5xx, retry.linkerd.io/limit: "5", retry.linkerd.io/timeout: 300ms}
spec:
  selector: {app: authors}
  ports: [{port: 7001}]
`,
        expect: [
          { severity: 'warning', resource: 'HTTPRoute/books', path: 'metadata.annotations["retry.linkerd.io/limit"]', message: 'With retry.linkerd.io/limit: "5", Linkerd retries a failed request 5 times (ceiling 3) on 5xx: when pods are slow or failing, every request turns into 6 attempts, each waiting out its own timeout; the extra load keeps the pods from recovering, and clients and outer load balancers give up first with a 502 or 504.', fix: 'Retry at most 2 times:' },
          { severity: 'warning', resource: 'Service/authors', path: 'metadata.annotations["retry.linkerd.io/limit"]', message: 'With retry.linkerd.io/limit: "5", Linkerd retries a failed request 5 times (ceiling 3) on 5xx: when pods are slow or failing, every request turns into 6 attempts, each waiting out its own timeout; the extra load keeps the pods from recovering, and clients and outer load balancers give up first with a 502 or 504.', fix: 'Retry at most 2 times:' },
        ],
      },
      {
        name: 'XBackendTrafficPolicy retry budget of 100%',
        yaml: `
apiVersion: gateway.networking.x-k8s.io/v1alpha1
kind: XBackendTrafficPolicy
metadata: {name: retry-budget}
spec:
  targetRefs: [{group: "", kind: Service, name: api}]
  retryConstraint:
    budget: {percent: 100, interval: 10s}
    minRetryRate: {count: 10, interval: 1s}
`,
        expect: [
          { severity: 'warning', path: 'spec.retryConstraint.budget.percent', message: 'With spec.retryConstraint.budget.percent: 100, up to 100% of the active requests to the backend may be retries (ceiling 50%): when pods are slow or failing, the retries double the load that keeps them from recovering, and clients and outer load balancers give up first with a 502 or 504.', fix: 'Keep the budget small (20% is the default):' },
        ],
      },
      {
        name: 'unlimited ingress-nginx tries with a proxy-next-upstream-timeout of 0, which bounds nothing',
        yaml: nginxIngress({ [NGINX_TRIES]: '0', [NGINX_NEXT_TIMEOUT]: '0' }),
        expect: [{ severity: 'warning', path: 'metadata.annotations["nginx.ingress.kubernetes.io/proxy-next-upstream-tries"]', message: 'With nginx.ingress.kubernetes.io/proxy-next-upstream-tries: "0" and proxy-next-upstream-timeout: "0", which sets no limit, ingress-nginx retries a failed request without limit on connection errors and timeouts: when pods are slow or failing, every request turns into one attempt per pod, each waiting out its own timeout; the extra load keeps the pods from recovering, and clients and outer load balancers give up first with a 502 or 504.', fix: 'Retry at most 2 times:\nmetadata:\n  annotations:\n    nginx.ingress.kubernetes.io/proxy-next-upstream-tries: "3"' }],
      },
      {
        name: 'unlimited ingress-nginx tries with a proxy-next-upstream-timeout of "10s" (not whole seconds), which bounds nothing',
        yaml: nginxIngress({ [NGINX_TRIES]: '0', [NGINX_NEXT_TIMEOUT]: '10s' }),
        expect: [{ severity: 'warning', path: 'metadata.annotations["nginx.ingress.kubernetes.io/proxy-next-upstream-tries"]', message: 'With nginx.ingress.kubernetes.io/proxy-next-upstream-tries: "0" and proxy-next-upstream-timeout: "10s", which is no whole number of seconds, ingress-nginx retries a failed request without limit on connection errors and timeouts: when pods are slow or failing, every request turns into one attempt per pod, each waiting out its own timeout; the extra load keeps the pods from recovering, and clients and outer load balancers give up first with a 502 or 504.', fix: 'Retry at most 2 times:\nmetadata:\n  annotations:\n    nginx.ingress.kubernetes.io/proxy-next-upstream-tries: "3"' }],
      },
      {
        name: 'unlimited ingress-nginx tries with a negative proxy-next-upstream-timeout, which bounds nothing',
        yaml: nginxIngress({ [NGINX_TRIES]: '0', [NGINX_NEXT_TIMEOUT]: '-5' }),
        expect: [{ severity: 'warning', path: 'metadata.annotations["nginx.ingress.kubernetes.io/proxy-next-upstream-tries"]', message: 'With nginx.ingress.kubernetes.io/proxy-next-upstream-tries: "0" and proxy-next-upstream-timeout: "-5", which is no whole number of seconds, ingress-nginx retries a failed request without limit on connection errors and timeouts: when pods are slow or failing, every request turns into one attempt per pod, each waiting out its own timeout; the extra load keeps the pods from recovering, and clients and outer load balancers give up first with a 502 or 504.', fix: 'Retry at most 2 times:\nmetadata:\n  annotations:\n    nginx.ingress.kubernetes.io/proxy-next-upstream-tries: "3"' }],
      },
      {
        name: 'ingress-nginx twelve attempts on the failures proxy-next-upstream lists',
        yaml: nginxIngress({ [NGINX_TRIES]: ' 12 ', [NGINX_NEXT]: ' error timeout http_502 ' }),
        expect: [{ severity: 'warning', path: 'metadata.annotations["nginx.ingress.kubernetes.io/proxy-next-upstream-tries"]', message: 'With nginx.ingress.kubernetes.io/proxy-next-upstream-tries: " 12 ", ingress-nginx retries a failed request 11 times (ceiling 3) on the failures proxy-next-upstream lists (error timeout http_502): when pods are slow or failing, every request turns into 12 attempts', fix: 'Retry at most 2 times:\nmetadata:\n  annotations:\n    nginx.ingress.kubernetes.io/proxy-next-upstream-tries: "3"' }],
      },
      {
        name: 'Traefik retry Middleware of the documented example (4 attempts, 100ms backoff) used by an IngressRoute, under a ceiling of 2',
        params: { maxRetries: 2 },
        yaml: `
apiVersion: traefik.io/v1alpha1
kind: Middleware
metadata: {name: test-retry}
spec:
  retry:
    attempts: 4
    initialInterval: 100ms
---
apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata: {name: whoami}
spec:
  entryPoints: [web]
  routes:
    - match: Host(\`whoami.example.com\`)
      kind: Rule
      middlewares: [{name: test-retry}]
      services: [{name: whoami, port: 80}]
`,
        expect: [{ severity: 'warning', path: 'spec.retry.attempts', message: 'With spec.retry.attempts: 4, Traefik retries a failed request 3 times (ceiling 2) whenever a pod does not answer: when pods are slow or failing, every request turns into 4 attempts, each waiting out its own timeout; the extra load keeps the pods from recovering, and clients and outer load balancers give up first with a 502 or 504. Traefik waits 100ms before the first retry, longer before the next. Used by IngressRoute whoami.', fix: 'Retry at most 2 times:\nspec:\n  retry:\n    attempts: 3' }],
      },
      {
        name: 'Traefik retry Middleware without initialInterval, used by an Ingress of another namespace: retries at once',
        yaml: `
apiVersion: traefik.io/v1alpha1
kind: Middleware
metadata: {name: retry, namespace: edge}
spec:
  retry: {attempts: 6}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  namespace: shop
  annotations: {traefik.ingress.kubernetes.io/router.middlewares: edge-retry@kubernetescrd}
spec:
  ingressClassName: traefik
  rules:
    - http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: shop, port: {number: 80}}}}]
`,
        expect: [{ severity: 'warning', path: 'spec.retry.attempts', message: 'Traefik retries a failed request 5 times (ceiling 3) whenever a pod does not answer: when pods are slow or failing, every request turns into 6 attempts, each waiting out its own timeout; the extra load keeps the pods from recovering, and clients and outer load balancers give up first with a 502 or 504. Traefik retries at once (no initialInterval), while the failure that made the first attempt fail most likely lasts. Used by Ingress shop/shop.', fix: 'Retry at most 2 times:\nspec:\n  retry:\n    attempts: 3\n    initialInterval: "100ms"' }],
      },
      {
        name: 'HTTPRoute retry attempts 5 without backoff (experimental channel)',
        yaml: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: api}
spec:
  parentRefs: [{name: gw}]
  rules:
    - backendRefs: [{name: api, port: 80}]
      retry: {codes: [503], attempts: 5}
`,
        expect: [{ severity: 'warning', path: 'spec.rules[0].retry.attempts', message: 'the gateway retries a failed request 5 times (ceiling 3) on status 503 and connection errors: when pods are slow or failing, every request turns into 6 attempts, each waiting out its own timeout; the extra load keeps the pods from recovering, and clients and outer load balancers give up first with a 502 or 504. No backoff is set: the gateway retries at its own pace, often at once.', fix: 'Retry at most 2 times, in spec.rules[0]:\nretry:\n  attempts: 2\n  backoff: "100ms"' }],
      },
      {
        name: 'Istio defaults under a ceiling of 1: a route without retries and one with retries but no attempts are retried 2 times',
        params: { maxRetries: 1 },
        yaml: `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
    - route: [{destination: {host: reviews, subset: v1}}]
    - match: [{uri: {prefix: /api}}]
      route: [{destination: {host: reviews, subset: v2}}]
      retries: {perTryTimeout: 2s, retryOn: "gateway-error,connect-failure"}
    - match: [{uri: {prefix: /old}}]
      redirect: {uri: /new}
`,
        expect: [
          { severity: 'warning', path: 'spec.http[0]', message: 'With spec.http[0] without retries (Istio\'s default), Istio retries a failed request 2 times (ceiling 1) on connect-failure, refused-stream, unavailable, cancelled and 503: when pods are slow or failing, every request turns into 3 attempts, each waiting out its own timeout; the extra load keeps the pods from recovering, and clients and outer load balancers give up first with a 502 or 504. No perTryTimeout is set: each retry may take the route\'s whole timeout.', fix: 'Retry at most once, in spec.http[0]:\nretries:\n  attempts: 1' },
          { severity: 'warning', path: 'spec.http[1].retries', message: 'With spec.http[1].retries without attempts (Istio\'s default), Istio retries a failed request 2 times (ceiling 1) on gateway-error,connect-failure: when pods are slow or failing', fix: 'Retry at most once, in spec.http[1]:' },
        ],
      },
      {
        name: 'Envoy Gateway retry block without numRetries (default 2) under a ceiling of 1',
        params: { maxRetries: 1 },
        yaml: `
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: retry-for-route}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: backend}]
  retry:
    retryOn: {triggers: [connect-failure, reset]}
`,
        expect: [{ severity: 'warning', path: 'spec.retry', message: 'With spec.retry without numRetries (Envoy Gateway\'s default), Envoy Gateway retries a failed request 2 times (ceiling 1) on connect-failure, reset: when pods are slow or failing', fix: 'Retry at most once:\nspec:\n  retry:\n    numRetries: 1' }],
      },
      {
        name: 'Kong default of 5 retries: a Service behind a Kong Ingress and one behind a Kong Gateway route, without konghq.com/retries',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: echo}
spec:
  ingressClassName: kong
  rules:
    - http:
        paths: [{path: /echo, pathType: ImplementationSpecific, backend: {service: {name: echo, port: {number: 1027}}}}]
---
apiVersion: v1
kind: Service
metadata: {name: echo}
spec:
  selector: {app: echo}
  ports: [{port: 1027, targetPort: 1027}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: kong}
spec: {controllerName: konghq.com/kic-gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: kong}
spec:
  gatewayClassName: kong
  listeners: [{name: proxy, port: 80, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: books}
spec:
  parentRefs: [{name: kong}]
  rules: [{backendRefs: [{name: books, port: 80}]}]
---
apiVersion: v1
kind: Service
metadata: {name: books}
spec:
  selector: {app: books}
  ports: [{port: 80}]
`,
        expect: [
          { severity: 'warning', resource: 'Service/echo', path: 'metadata.annotations["konghq.com/retries"]', message: 'With no konghq.com/retries (Kong\'s default), Kong (through Ingress echo) retries a failed request 5 times (ceiling 3) on connection errors and timeouts: when pods are slow or failing, every request turns into 6 attempts', fix: 'Retry at most 2 times:\nmetadata:\n  annotations:\n    konghq.com/retries: "2"' },
          { severity: 'warning', resource: 'Service/books', path: 'metadata.annotations["konghq.com/retries"]', message: 'With no konghq.com/retries (Kong\'s default), Kong (through HTTPRoute books) retries a failed request 5 times (ceiling 3)', fix: 'konghq.com/retries: "2"' },
        ],
      },
    ],
    silent: [
      {
        name: 'defaults within the ceiling or not Kong\'s: Kong Service with konghq.com/retries "2", a Service behind an nginx Ingress, Istio\'s default of 2, an Envoy Gateway retry block without numRetries',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: echo}
spec:
  ingressClassName: kong
  rules:
    - http:
        paths: [{path: /echo, pathType: ImplementationSpecific, backend: {service: {name: echo, port: {number: 1027}}}}]
---
apiVersion: v1
kind: Service
metadata:
  name: echo
  annotations: {konghq.com/retries: "2"}
spec:
  selector: {app: echo}
  ports: [{port: 1027, targetPort: 1027}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop}
spec:
  ingressClassName: nginx
  rules:
    - http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: shop, port: {number: 80}}}}]
---
apiVersion: v1
kind: Service
metadata: {name: shop}
spec:
  selector: {app: shop}
  ports: [{port: 80}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http: [{route: [{destination: {host: reviews}}]}]
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: retry}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: backend}]
  retry: {retryOn: {triggers: [connect-failure]}}
`,
      },
      {
        name: 'documented examples within the ceiling: Istio attempts 3, Linkerd limit 2, Kong 3, Envoy Gateway numRetries 2, a 20% retry budget',
        yaml: `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ratings}
spec:
  hosts: [ratings.prod.svc.cluster.local]
  http:
    - route: [{destination: {host: ratings.prod.svc.cluster.local, subset: v1}}]
      retries: {attempts: 3, perTryTimeout: 2s, retryOn: "gateway-error,connect-failure,refused-stream"}
    - route: [{destination: {host: ratings.prod.svc.cluster.local, subset: v2}}]
---
apiVersion: v1
kind: Service
metadata:
  name: authors
  annotations: {retry.linkerd.io/http: 5xx, retry.linkerd.io/limit: "2", konghq.com/retries: "3"}
spec:
  selector: {app: authors}
  ports: [{port: 7001}]
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: retry}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: backend}]
  retry: {numRetries: 2, retryOn: {triggers: [connect-failure]}}
---
apiVersion: gateway.networking.x-k8s.io/v1alpha1
kind: XBackendTrafficPolicy
metadata: {name: retry-budget}
spec:
  targetRefs: [{group: "", kind: Service, name: api}]
  retryConstraint:
    budget: {percent: 20, interval: 10s}
`,
      },
      {
        name: 'Linkerd limit without a retry condition (no retries), Istio retries turned off, Kong timeouts only',
        yaml: `
apiVersion: v1
kind: Service
metadata:
  name: books
  annotations: {retry.linkerd.io/limit: "10", konghq.com/read-timeout: "60000"}
spec:
  selector: {app: books}
  ports: [{port: 7002}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: payments}
spec:
  hosts: [payments]
  http: [{route: [{destination: {host: payments}}], retries: {attempts: 0}}]
`,
      },
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
spec:
  defaultBackend: {service: {name: shop, port: {number: 80}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: payments
  annotations:
    nginx.ingress.kubernetes.io/proxy-next-upstream: "off"
    nginx.ingress.kubernetes.io/proxy-next-upstream-tries: "0"
spec:
  defaultBackend: {service: {name: payments, port: {number: 80}}}
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
  defaultBackend: {service: {name: shop-canary, port: {number: 80}}}
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
  defaultBackend: {service: {name: shop, port: {number: 80}}}
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
  defaultBackend: {service: {name: api, port: {number: 80}}}
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
