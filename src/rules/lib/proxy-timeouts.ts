// What the proxies in front of a workload are told about timeouts, read from the
// objects that hold the values: Ingress annotations (ingress-nginx, the NGINX
// Ingress Controller, HAProxy, Contour, the AWS Load Balancer Controller,
// OpenShift), HAProxy Service annotations, Contour HTTPProxy, Traefik
// ServersTransport, GKE BackendConfig, OpenShift Route and Gateway API HTTPRoute.
// Each controller writes durations its own way (plain seconds, HAProxy
// milliseconds, Go durations, Gateway API durations, nginx times) and disables
// a timeout its own way (`0` here, `0s` there, `infinity` elsewhere); both are
// decoded here once, into seconds, with Infinity for "no timeout".

import { dig, isObject } from '../../engine/fields.ts';
import type { ResourceGraph } from '../../engine/graph.ts';
import { GATEWAY_GROUP } from '../../engine/kinds.ts';
import { isServiceModel, type Backend, type Resource, type Service, type Workload } from '../../engine/model.ts';
import type { Json } from '../../engine/types.ts';
import { ingressController, type IngressFamily } from './ingress-controller.ts';
import { INGRESS_TIMEOUT_INPUTS } from './reads.ts';

// ── durations ──────────────────────────────────────────────────────────────

const GO_UNITS: Record<string, number> = { ns: 1e-9, us: 1e-6, 'µs': 1e-6, 'μs': 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** Go's time.ParseDuration (`1h30m`, `500ms`, `1.5s`, `0`), in seconds; undefined when Go would reject it. */
export function parseGoDuration(text: string): number | undefined {
  const s = text.trim();
  if (s === '0' || s === '+0' || s === '-0') return 0;
  const body = s.replace(/^[+-]/, '');
  if (!/^((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/.test(body)) return undefined;
  let total = 0;
  for (const m of body.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) total += Number(m[1]) * (GO_UNITS[m[2] as string] ?? 0);
  return s.startsWith('-') ? -total : total;
}

/** A Gateway API Duration (GEP-2257: `1h`, `30s`, `500ms`, `1h30m`; `0s` disables), in seconds. */
export function parseGatewayDuration(text: string): number | undefined {
  if (!/^([0-9]{1,5}(h|m|s|ms)){1,4}$/.test(text.trim())) return undefined;
  return parseGoDuration(text);
}

const HAPROXY_UNITS: Record<string, number> = { us: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600, d: 86400 };

/** An HAProxy time (`30s`, `5m`, `1h`; a bare number is milliseconds; `0` is no timeout), in seconds. */
export function parseHaproxyTime(text: string): number | undefined {
  const m = /^(\d+)(us|ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * (HAPROXY_UNITS[m[2] ?? 'ms'] ?? 0);
}

const NGINX_UNITS: Record<string, number> = { ms: 1e-3, s: 1, m: 60, h: 3600, d: 86400, w: 604800, M: 2592000, y: 31536000 };

/** An nginx time (`60s`, `1m`, `1h 30m`; a bare number is seconds), in seconds. */
export function parseNginxTime(text: string): number | undefined {
  const s = text.replace(/\s+/g, '');
  if (!/^(\d+(ms|s|m|h|d|w|M|y)?)+$/.test(s)) return undefined;
  let total = 0;
  for (const m of s.matchAll(/(\d+)(ms|s|m|h|d|w|M|y)?/g)) total += Number(m[1]) * (NGINX_UNITS[m[2] ?? 's'] ?? 0);
  return total;
}

/** A Traefik duration: an integer (seconds), a string of digits (seconds) or a Go duration. */
export function parseTraefikDuration(v: Json | undefined): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  if (/^\s*\d+\s*$/.test(v)) return Number(v);
  return parseGoDuration(v);
}

/** `45s`, `600s (10m)`, `5400s (1h30m)`, `250ms`, or `no limit`. */
export function formatSeconds(seconds: number): string {
  if (seconds === Infinity) return 'no limit';
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  const s = Math.round(seconds * 1000) / 1000;
  if (s < 120) return `${s}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = Math.round((s % 60) * 1000) / 1000;
  return `${s}s (${h ? `${h}h` : ''}${m ? `${m}m` : ''}${rest ? `${rest}s` : ''})`;
}

// ── timeout settings ───────────────────────────────────────────────────────

/**
 * What a timeout bounds: `response` — how long the proxy waits for (part of) the
 * upstream's response, so it also bounds how long a request may stay in flight;
 * `send` — writing the request upstream; `connect` — opening the upstream
 * connection; `stream-idle` — silence on one request's stream; `keepalive` — how
 * long an idle upstream connection is kept for reuse.
 */
export type TimeoutKind = 'response' | 'send' | 'connect' | 'stream-idle' | 'keepalive';

export interface ProxyTimeout {
  /** The object that holds the value. */
  on: Resource;
  /** Field path inside `on`: `metadata.annotations["…"]`, `spec.routes[0].timeoutPolicy.response`. */
  path: string;
  /** How the user knows the setting: the annotation key, or the field path. */
  field: string;
  /** The value as written. */
  written: string;
  /** Decoded value in seconds; Infinity when the setting disables the timeout. */
  seconds: number;
  kind: TimeoutKind;
  /** The implementation, for messages: `ingress-nginx`, `Contour`, `Gateway API`. */
  proxy: string;
  /** What the timeout limits, with `{limit}` for `up to 60s` or `without limit`: `nginx waits {limit} for a connection to a pod`. */
  phrase: string;
  /** The value in this field's own syntax for a number of seconds (for fixes). */
  write(seconds: number): string | number;
  /** The bounded value to propose in a fix. */
  suggested: number;
  /** A bound the implementation enforces whatever is written (nginx connects for at most about 75s). */
  hardMax?: number;
  /** The controller's value when nothing is written, when it has a bounded one. */
  defaultSeconds?: number;
  /** Where in `on` the affected traffic is described (a route rule), for streaming evidence: Ingress-wide when absent. */
  scope?: string;
}

export function annotationPath(key: string): string {
  return `metadata.annotations[${JSON.stringify(key)}]`;
}

const plainSeconds = (s: number): string => String(Math.round(s));
const goDuration = (s: number): string => (s % 3600 === 0 ? `${s / 3600}h` : s % 60 === 0 && s >= 60 ? `${s / 60}m` : `${s}s`);

interface AnnotationSpec {
  /** Annotation keys, in the order the controller reads them. */
  keys: readonly string[];
  family: IngressFamily;
  proxy: string;
  kind: TimeoutKind;
  phrase: string;
  parse(v: string): number | undefined;
  write(seconds: number): string;
  suggested: number;
  hardMax?: number;
  defaultSeconds?: number;
}

const HAPROXY_PREFIXES = ['haproxy.org/', 'haproxy.com/', 'ingress.kubernetes.io/', 'haproxy-ingress.github.io/'];
const CONTOUR_PREFIXES = ['projectcontour.io/', 'contour.heptio.com/'];

/** ingress-nginx annotations are integers of seconds; anything else is refused and the default applies. `0` does not disable them. */
const nginxSeconds = (v: string): number | undefined => (/^\s*\d+\s*$/.test(v) && Number(v) > 0 ? Number(v) : undefined);
/** nginx times; `0` is not "no timeout" in nginx (it expires at once), so it is not decoded here. */
const nginxTime = (v: string): number | undefined => {
  const s = parseNginxTime(v);
  return s !== undefined && s > 0 ? s : undefined;
};
/** HAProxy: `0` is an infinite timeout. */
const haproxyTime = (v: string): number | undefined => {
  const s = parseHaproxyTime(v);
  return s === undefined ? undefined : s === 0 ? Infinity : s;
};
/** Contour: `infinity` (or `infinite`) disables the timeout; `0s` means "not set" (Envoy's default applies). */
const contourDuration = (v: string): number | undefined => {
  const t = v.trim();
  if (t === 'infinity' || t === 'infinite') return Infinity;
  const s = parseGoDuration(t);
  return s !== undefined && s > 0 ? s : undefined;
};

const INGRESS_ANNOTATIONS: readonly AnnotationSpec[] = [
  {
    keys: ['nginx.ingress.kubernetes.io/proxy-read-timeout'],
    family: 'ingress-nginx', proxy: 'ingress-nginx', kind: 'response',
    phrase: "ingress-nginx waits {limit} between two reads of a pod's response", parse: nginxSeconds, write: plainSeconds, suggested: 60, defaultSeconds: 60,
  },
  {
    keys: ['nginx.ingress.kubernetes.io/proxy-send-timeout'],
    family: 'ingress-nginx', proxy: 'ingress-nginx', kind: 'send',
    phrase: 'ingress-nginx waits {limit} between two writes of a request to a pod', parse: nginxSeconds, write: plainSeconds, suggested: 60, defaultSeconds: 60,
  },
  {
    keys: ['nginx.ingress.kubernetes.io/proxy-connect-timeout'],
    family: 'ingress-nginx', proxy: 'ingress-nginx', kind: 'connect',
    phrase: 'ingress-nginx waits {limit} for a connection to a pod', parse: nginxSeconds, write: plainSeconds, suggested: 5, hardMax: 75, defaultSeconds: 5,
  },
  {
    keys: ['nginx.org/proxy-read-timeout'],
    family: 'nginx-inc', proxy: 'the NGINX Ingress Controller', kind: 'response',
    phrase: "the NGINX Ingress Controller waits {limit} between two reads of a pod's response", parse: nginxTime, write: (s) => `${Math.round(s)}s`, suggested: 60, defaultSeconds: 60,
  },
  {
    keys: ['nginx.org/proxy-send-timeout'],
    family: 'nginx-inc', proxy: 'the NGINX Ingress Controller', kind: 'send',
    phrase: 'the NGINX Ingress Controller waits {limit} between two writes of a request to a pod', parse: nginxTime, write: (s) => `${Math.round(s)}s`, suggested: 60,
  },
  {
    keys: ['nginx.org/proxy-connect-timeout'],
    family: 'nginx-inc', proxy: 'the NGINX Ingress Controller', kind: 'connect',
    phrase: 'the NGINX Ingress Controller waits {limit} for a connection to a pod', parse: nginxTime, write: (s) => `${Math.round(s)}s`, suggested: 5, hardMax: 75,
  },
  {
    keys: HAPROXY_PREFIXES.map((p) => `${p}timeout-server`),
    family: 'haproxy', proxy: 'HAProxy', kind: 'response',
    phrase: 'HAProxy waits {limit} for a pod to send data', parse: haproxyTime, write: (s) => `${Math.round(s)}s`, suggested: 50, defaultSeconds: 50,
  },
  {
    keys: CONTOUR_PREFIXES.flatMap((p) => [`${p}response-timeout`, `${p}request-timeout`]),
    family: 'contour', proxy: 'Contour', kind: 'response',
    phrase: "Envoy waits {limit} for a pod's complete response", parse: contourDuration, write: goDuration, suggested: 60, defaultSeconds: 15,
  },
  {
    keys: ['haproxy.router.openshift.io/timeout'],
    family: 'unknown', proxy: 'the OpenShift router', kind: 'response',
    phrase: 'the OpenShift router waits {limit} for a pod to send data', parse: haproxyTime, write: (s) => `${Math.round(s)}s`, suggested: 30, defaultSeconds: 30,
  },
];

/** AWS ALB: `idle_timeout.timeout_seconds=N` inside the comma-separated load-balancer-attributes annotation. */
const ALB_ATTRIBUTES = 'alb.ingress.kubernetes.io/load-balancer-attributes';

export function albIdleTimeout(ing: Resource): ProxyTimeout | undefined {
  const v = ing.annotations[ALB_ATTRIBUTES];
  if (v === undefined) return undefined;
  const m = /(?:^|,)\s*idle_timeout\.timeout_seconds\s*=\s*(\d+)\s*(?:,|$)/.exec(v);
  if (!m) return undefined;
  const seconds = Number(m[1]);
  if (seconds <= 0) return undefined;
  return {
    on: ing, path: annotationPath(ALB_ATTRIBUTES), field: `${ALB_ATTRIBUTES} idle_timeout.timeout_seconds`, written: m[1] as string, seconds,
    kind: 'keepalive', proxy: 'the AWS Load Balancer Controller',
    phrase: 'the ALB keeps idle connections to clients and pods open {limit}',
    write: (s) => v.replace(/idle_timeout\.timeout_seconds\s*=\s*\d+/, `idle_timeout.timeout_seconds=${Math.round(s)}`),
    suggested: 60,
  };
}

function annotationTimeout(on: Resource, spec: AnnotationSpec): ProxyTimeout | undefined {
  for (const key of spec.keys) {
    const v = on.annotations[key];
    if (v === undefined) continue;
    const seconds = spec.parse(v);
    if (seconds === undefined) return undefined;
    return {
      on, path: annotationPath(key), field: key, written: v, seconds, kind: spec.kind, proxy: spec.proxy, phrase: spec.phrase,
      write: spec.write, suggested: spec.suggested, ...(spec.hardMax !== undefined ? { hardMax: spec.hardMax } : {}),
      ...(spec.defaultSeconds !== undefined ? { defaultSeconds: spec.defaultSeconds } : {}),
    };
  }
  return undefined;
}

/** Whether a controller family reads annotations meant for `family` (an identified other controller ignores them). */
function readBy(controller: IngressFamily, family: IngressFamily): boolean {
  if (family === 'unknown') return controller === 'unknown';
  return controller === 'unknown' || controller === family;
}

/**
 * An ingress-nginx canary Ingress: the controller ignores its other annotations (they
 * come from the main Ingress of the same host and path), load balancing and affinity aside.
 */
export function isIngressNginxCanary(ing: Resource): boolean {
  return (ing.annotations['nginx.ingress.kubernetes.io/canary'] ?? '').trim().toLowerCase() === 'true';
}

/**
 * Timeouts an Ingress sets through annotations, for the controller that serves it. Asked for every
 * workload behind the Ingress: kept until an Ingress or IngressClass changes (INGRESS_TIMEOUT_INPUTS, which
 * the rules asking declare among their reads). Shared: not to be modified.
 */
export function ingressTimeouts(ing: Resource, graph: ResourceGraph): readonly ProxyTimeout[] {
  return graph.memoOf(ing, 'ingress-timeouts', () => readIngressTimeouts(ing, graph), INGRESS_TIMEOUT_INPUTS);
}

function readIngressTimeouts(ing: Resource, graph: ResourceGraph): ProxyTimeout[] {
  const { family } = ingressController(ing, graph);
  const canary = isIngressNginxCanary(ing);
  const out: ProxyTimeout[] = [];
  for (const spec of INGRESS_ANNOTATIONS) {
    if (!readBy(family, spec.family)) continue;
    if (canary && spec.family === 'ingress-nginx') continue;
    const t = annotationTimeout(ing, spec);
    if (t) out.push(t);
  }
  if (readBy(family, 'alb')) {
    const alb = albIdleTimeout(ing);
    if (alb) out.push(alb);
  }
  return out;
}

/** HAProxy's `timeout-server` on a Service: it wins over the Ingress and ConfigMap values. */
export function serviceTimeouts(svc: Resource): ProxyTimeout[] {
  const spec = INGRESS_ANNOTATIONS.find((s) => s.family === 'haproxy') as AnnotationSpec;
  const t = annotationTimeout(svc, spec);
  return t ? [t] : [];
}

/** OpenShift Route: `haproxy.router.openshift.io/timeout`. */
export function openshiftRouteTimeouts(route: Resource): ProxyTimeout[] {
  const spec = INGRESS_ANNOTATIONS.find((s) => s.keys.includes('haproxy.router.openshift.io/timeout')) as AnnotationSpec;
  const t = annotationTimeout(route, spec);
  return t ? [t] : [];
}

function str(v: Json | undefined): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

/** Contour HTTPProxy: `spec.routes[].timeoutPolicy.response` and `.idle`. */
export function httpProxyTimeouts(hp: Resource): ProxyTimeout[] {
  const out: ProxyTimeout[] = [];
  const routes = dig(hp.raw, 'spec', 'routes');
  (Array.isArray(routes) ? routes : []).forEach((route, i) => {
    const policy = dig(route, 'timeoutPolicy');
    if (!isObject(policy)) return;
    for (const [field, kind, phrase] of [
      ['response', 'response', "Envoy waits {limit} for a pod's complete response"],
      ['idle', 'stream-idle', 'Envoy lets a request stream stay silent {limit}'],
    ] as const) {
      const written = str(policy[field]);
      if (written === undefined) continue;
      const seconds = contourDuration(written);
      if (seconds === undefined) continue;
      const path = `spec.routes[${i}].timeoutPolicy.${field}`;
      out.push({
        on: hp, path, field: path, written, seconds, kind, proxy: 'Contour', phrase, write: goDuration, suggested: kind === 'response' ? 60 : 300,
        scope: `spec.routes[${i}]`, ...(kind === 'response' ? { defaultSeconds: 15 } : {}),
      });
    }
  });
  return out;
}

/** Gateway API HTTPRoute: `spec.rules[].timeouts.request` and `.backendRequest` (`0s` disables). */
export function httpRouteTimeouts(route: Resource): ProxyTimeout[] {
  const out: ProxyTimeout[] = [];
  const rules = dig(route.raw, 'spec', 'rules');
  (Array.isArray(rules) ? rules : []).forEach((rule, i) => {
    const timeouts = dig(rule, 'timeouts');
    if (!isObject(timeouts)) return;
    for (const [field, phrase] of [
      ['request', 'the gateway waits {limit} to answer a request'],
      ['backendRequest', 'the gateway waits {limit} for each request to a pod'],
    ] as const) {
      const written = str(timeouts[field]);
      if (written === undefined) continue;
      const parsed = parseGatewayDuration(written);
      if (parsed === undefined) continue;
      const path = `spec.rules[${i}].timeouts.${field}`;
      out.push({
        on: route, path, field: path, written, seconds: parsed === 0 ? Infinity : parsed, kind: 'response', proxy: 'Gateway API',
        phrase, write: goDuration, suggested: 60, scope: `spec.rules[${i}]`,
      });
    }
  });
  return out;
}

/** Traefik ServersTransport: `spec.forwardingTimeouts.*` (`0s` is no timeout, or no limit for idle connections). */
export function serversTransportTimeouts(st: Resource): ProxyTimeout[] {
  const ft = dig(st.raw, 'spec', 'forwardingTimeouts');
  if (!isObject(ft)) return [];
  const out: ProxyTimeout[] = [];
  for (const [field, kind, phrase, suggested] of [
    ['responseHeaderTimeout', 'response', "Traefik waits {limit} for a pod's response headers", 60],
    ['idleConnTimeout', 'keepalive', 'Traefik keeps idle connections to pods open for reuse {limit}', 90],
    ['dialTimeout', 'connect', 'Traefik waits {limit} for a connection to a pod', 30],
  ] as const) {
    const v = ft[field];
    if (v === undefined || v === null) continue;
    const parsed = parseTraefikDuration(v);
    if (parsed === undefined) continue;
    const path = `spec.forwardingTimeouts.${field}`;
    out.push({
      on: st, path, field: path, written: String(v), seconds: parsed === 0 ? Infinity : parsed, kind, proxy: 'Traefik', phrase,
      write: goDuration, suggested,
    });
  }
  return out;
}

/** GKE BackendConfig: `spec.timeoutSec` (seconds; for websockets, the longest a connection may live). */
export function backendConfigTimeouts(bc: Resource): ProxyTimeout[] {
  const v = dig(bc.raw, 'spec', 'timeoutSec');
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) return [];
  return [{
    on: bc, path: 'spec.timeoutSec', field: 'spec.timeoutSec', written: String(v), seconds: v, kind: 'response', proxy: 'GKE Ingress',
    phrase: 'the Google Cloud load balancer waits {limit} for a pod to answer', write: (s) => Math.round(s), suggested: 30, defaultSeconds: 30,
  }];
}

/** Istio durations are protobuf Durations written like Go's (`1h`, `30s`, `0.5s`); `0s` disables an Envoy idle timeout. */
const istioDuration = (v: string): number | undefined => {
  const s = parseGoDuration(v);
  return s === undefined || s < 0 ? undefined : s === 0 ? Infinity : s;
};

/** Istio DestinationRule: `spec.trafficPolicy.connectionPool.http.idleTimeout` (default 1 h) and `tcp.connectTimeout` (default 10 s), also per port. */
export function destinationRuleTimeouts(dr: Resource): ProxyTimeout[] {
  const out: ProxyTimeout[] = [];
  const policies: Array<[string, Json | undefined]> = [['spec.trafficPolicy', dig(dr.raw, 'spec', 'trafficPolicy')]];
  const ports = dig(dr.raw, 'spec', 'trafficPolicy', 'portLevelSettings');
  (Array.isArray(ports) ? ports : []).forEach((p, i) => policies.push([`spec.trafficPolicy.portLevelSettings[${i}]`, p]));
  for (const [at, policy] of policies) {
    for (const [keys, kind, phrase, suggested, defaultSeconds] of [
      [['http', 'idleTimeout'], 'keepalive', 'Envoy keeps idle connections to pods open for reuse {limit}', 300, 3600],
      [['tcp', 'connectTimeout'], 'connect', 'Envoy waits {limit} for a connection to a pod', 10, 10],
    ] as const) {
      const written = str(dig(policy, 'connectionPool', ...keys));
      if (written === undefined) continue;
      const seconds = kind === 'connect' ? parseGoDuration(written) : istioDuration(written);
      // A connect timeout of 0 or below is no setting (Istio rejects negative durations; 0 leaves the default).
      if (seconds === undefined || seconds <= 0) continue;
      const path = `${at}.connectionPool.${keys.join('.')}`;
      out.push({
        on: dr, path, field: path, written, seconds, kind, proxy: 'Istio', phrase, write: goDuration, suggested, defaultSeconds,
        ...(at !== 'spec.trafficPolicy' ? { scope: at } : {}),
      });
    }
  }
  return out;
}

/** One timeout field of a custom resource: where it sits below a base path, and how its controller reads it. */
interface FieldSpec {
  keys: readonly string[];
  kind: TimeoutKind;
  phrase: string;
  parse(v: Json): number | undefined;
  write(seconds: number): string | number;
  suggested: number;
  defaultSeconds?: number;
}

/** Decodes `specs` below `base` (a path such as `spec.http[0]`) of `on`, for `proxy`. */
function fieldTimeouts(on: Resource, proxy: string, base: string, node: Json | undefined, specs: readonly FieldSpec[], scope?: string): ProxyTimeout[] {
  const out: ProxyTimeout[] = [];
  for (const spec of specs) {
    const v = dig(node, ...spec.keys);
    if (v === undefined || v === null || typeof v === 'object') continue;
    const seconds = spec.parse(v);
    if (seconds === undefined) continue;
    const path = `${base}.${spec.keys.join('.')}`;
    out.push({
      on, path, field: path, written: String(v), seconds, kind: spec.kind, proxy, phrase: spec.phrase, write: spec.write, suggested: spec.suggested,
      ...(spec.defaultSeconds !== undefined ? { defaultSeconds: spec.defaultSeconds } : {}), ...(scope ? { scope } : {}),
    });
  }
  return out;
}

/** A Go-style duration where `0s` disables the timeout (Envoy, Istio, Envoy Gateway). */
const envoyDuration = (v: Json): number | undefined => {
  const s = typeof v === 'string' ? parseGoDuration(v) : undefined;
  return s === undefined || s < 0 ? undefined : s === 0 ? Infinity : s;
};
/** A Go-style duration where `0s` means "not set" (the default applies). */
const positiveDuration = (v: Json): number | undefined => {
  const s = typeof v === 'string' ? parseGoDuration(v) : undefined;
  return s !== undefined && s > 0 ? s : undefined;
};

export const ENVOY_GATEWAY_GROUP = 'gateway.envoyproxy.io';

/**
 * Envoy Gateway BackendTrafficPolicy: `spec.timeout.http.requestTimeout` (Envoy's route timeout, 15 s when unset;
 * `0s` disables it), `connectionIdleTimeout` (1 h), `spec.timeout.tcp.connectTimeout` (10 s) and the per-retry timeout.
 */
export function backendTrafficPolicyTimeouts(p: Resource): ProxyTimeout[] {
  const phrase = (what: string) => `Envoy Gateway ${what}`;
  return [
    ...fieldTimeouts(p, 'Envoy Gateway', 'spec.timeout', dig(p.raw, 'spec', 'timeout'), [
      { keys: ['http', 'requestTimeout'], kind: 'response', phrase: phrase("waits {limit} for a pod's complete response"), parse: envoyDuration, write: goDuration, suggested: 60, defaultSeconds: 15 },
      { keys: ['http', 'connectionIdleTimeout'], kind: 'keepalive', phrase: phrase('keeps idle connections to pods open for reuse {limit}'), parse: envoyDuration, write: goDuration, suggested: 300, defaultSeconds: 3600 },
      { keys: ['tcp', 'connectTimeout'], kind: 'connect', phrase: phrase('waits {limit} for a connection to a pod'), parse: positiveDuration, write: goDuration, suggested: 10, defaultSeconds: 10 },
    ]),
    ...fieldTimeouts(p, 'Envoy Gateway', 'spec.retry.perRetry', dig(p.raw, 'spec', 'retry', 'perRetry'), [
      { keys: ['timeout'], kind: 'response', phrase: phrase('waits {limit} for each attempt of a request'), parse: envoyDuration, write: goDuration, suggested: 30 },
    ]),
  ];
}

/** Istio VirtualService: `spec.http[].timeout` (no timeout unless set; `0s` disables) and `retries.perTryTimeout`. */
export function virtualServiceTimeouts(vs: Resource): ProxyTimeout[] {
  const routes = dig(vs.raw, 'spec', 'http');
  return (Array.isArray(routes) ? routes : []).flatMap((route, i) =>
    fieldTimeouts(vs, 'Istio', `spec.http[${i}]`, route, [
      { keys: ['timeout'], kind: 'response', phrase: "Envoy waits {limit} for a pod's complete response", parse: envoyDuration, write: goDuration, suggested: 60 },
      { keys: ['retries', 'perTryTimeout'], kind: 'response', phrase: 'Envoy waits {limit} for each attempt of a request', parse: envoyDuration, write: goDuration, suggested: 30 },
    ], `spec.http[${i}]`),
  );
}

export const GKE_NETWORKING_GROUP = 'networking.gke.io';

/** GKE Gateway GCPBackendPolicy: `spec.default.timeoutSec` (seconds, default 30). */
export function gcpBackendPolicyTimeouts(p: Resource): ProxyTimeout[] {
  return fieldTimeouts(p, 'GKE Gateway', 'spec.default', dig(p.raw, 'spec', 'default'), [
    {
      keys: ['timeoutSec'], kind: 'response', phrase: 'the Google Cloud load balancer waits {limit} for a pod to answer',
      parse: (v) => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined), write: (s) => Math.round(s), suggested: 30, defaultSeconds: 30,
    },
  ]);
}

/** Kong: `konghq.com/{read,write,connect}-timeout` on a Service, integers of milliseconds (default 60000). */
const KONG_ANNOTATIONS: readonly AnnotationSpec[] = (
  [
    ['read', 'response', "Kong waits {limit} between two reads of a pod's response"],
    ['write', 'send', 'Kong waits {limit} between two writes of a request to a pod'],
    ['connect', 'connect', 'Kong waits {limit} for a connection to a pod'],
  ] as const
).map(([what, kind, phrase]) => ({
  keys: [`konghq.com/${what}-timeout`], family: 'kong', proxy: 'Kong', kind, phrase,
  parse: (v: string) => (/^\s*\d+\s*$/.test(v) && Number(v) > 0 ? Number(v) / 1000 : undefined),
  write: (s: number) => String(Math.round(s * 1000)), suggested: kind === 'connect' ? 5 : 60, defaultSeconds: 60,
}));

/** Linkerd: `timeout.linkerd.io/{request,response,idle}` on a Service or an HTTPRoute (Go durations; no timeout unless set). */
const LINKERD_ANNOTATIONS: readonly AnnotationSpec[] = (
  [
    ['request', 'response', 'Linkerd lets a request and its response stay in flight {limit}'],
    ['response', 'response', "Linkerd waits {limit} for a pod's response"],
    ['idle', 'stream-idle', 'Linkerd lets a request stream stay silent {limit}'],
  ] as const
).map(([what, kind, phrase]) => ({
  keys: [`timeout.linkerd.io/${what}`], family: 'unknown', proxy: 'Linkerd', kind, phrase,
  parse: (v: string) => positiveDuration(v.trim()), write: goDuration, suggested: kind === 'stream-idle' ? 300 : 60,
}));

/** Timeouts a proxy reads from annotations on the object itself, whatever serves it (Kong and Linkerd on Services, Linkerd on routes). */
function ownAnnotationTimeouts(r: Resource, specs: readonly AnnotationSpec[]): ProxyTimeout[] {
  return specs.flatMap((spec) => annotationTimeout(r, spec) ?? []);
}

export const ISTIO_GROUP = 'networking.istio.io';

/** Istio DestinationRules whose `spec.host` names the Service (short names only within its namespace). */
export function destinationRulesFor(graph: ResourceGraph, svc: { name: string; namespace: string }): Resource[] {
  const hosts = hostNames(svc);
  return graph.list('DestinationRule', ISTIO_GROUP).filter((d) => {
    const host = dig(d.raw, 'spec', 'host');
    return typeof host === 'string' && hosts.has(host) && (host.includes('.') || d.namespace === svc.namespace);
  });
}

/** The names Istio knows a Service by (a short name only within its namespace). */
function hostNames(svc: { name: string; namespace: string }): Set<string> {
  return new Set([svc.name, `${svc.name}.${svc.namespace}`, `${svc.name}.${svc.namespace}.svc`, `${svc.name}.${svc.namespace}.svc.cluster.local`]);
}

export const TRAEFIK_GROUPS = ['traefik.io', 'traefik.containo.us'];
export const CONTOUR_GROUP = 'projectcontour.io';
export const GKE_GROUP = 'cloud.google.com';
export const OPENSHIFT_ROUTE_GROUP = 'route.openshift.io';

/** Every timeout the object itself holds, whatever its kind. */
export function timeoutsOf(r: Resource, graph: ResourceGraph): readonly ProxyTimeout[] {
  if (r.kind === 'Ingress' && (r.group === 'networking.k8s.io' || r.group === 'extensions')) return ingressTimeouts(r, graph);
  if (r.kind === 'Service' && r.group === '') return [...serviceTimeouts(r), ...ownAnnotationTimeouts(r, KONG_ANNOTATIONS), ...ownAnnotationTimeouts(r, LINKERD_ANNOTATIONS)];
  if (r.kind === 'HTTPProxy' && r.group === CONTOUR_GROUP) return httpProxyTimeouts(r);
  if (r.kind === 'HTTPRoute' && r.group === GATEWAY_GROUP) return [...httpRouteTimeouts(r), ...ownAnnotationTimeouts(r, LINKERD_ANNOTATIONS)];
  if (r.kind === 'BackendTrafficPolicy' && r.group === ENVOY_GATEWAY_GROUP) return backendTrafficPolicyTimeouts(r);
  if (r.kind === 'VirtualService' && r.group === ISTIO_GROUP) return virtualServiceTimeouts(r);
  if (r.kind === 'GCPBackendPolicy' && r.group === GKE_NETWORKING_GROUP) return gcpBackendPolicyTimeouts(r);
  if (r.kind === 'ServersTransport' && TRAEFIK_GROUPS.includes(r.group)) return serversTransportTimeouts(r);
  if (r.kind === 'BackendConfig' && r.group === GKE_GROUP) return backendConfigTimeouts(r);
  if (r.kind === 'Route' && r.group === OPENSHIFT_ROUTE_GROUP) return openshiftRouteTimeouts(r);
  if (r.kind === 'DestinationRule' && r.group === ISTIO_GROUP) return destinationRuleTimeouts(r);
  return [];
}

// ── references between the objects ──────────────────────────────────────────

/** BackendConfig names a Service's `cloud.google.com/backend-config` annotation gives (default and per port). */
export function backendConfigNames(svc: Resource): Array<{ name: string; port?: string }> {
  const raw = svc.annotations['cloud.google.com/backend-config'] ?? svc.annotations['beta.cloud.google.com/backend-config'];
  if (raw === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null) return [];
    const out: Array<{ name: string; port?: string }> = [];
    const o = parsed as { default?: unknown; ports?: unknown };
    if (typeof o.default === 'string') out.push({ name: o.default });
    if (typeof o.ports === 'object' && o.ports !== null) {
      for (const [port, name] of Object.entries(o.ports as Record<string, unknown>)) if (typeof name === 'string') out.push({ name, port });
    }
    return out;
  } catch {
    return [];
  }
}

/** Services of the BackendConfig's namespace that reference it. */
export function servicesUsingBackendConfig(bc: Resource, graph: ResourceGraph): Service[] {
  return graph.services(bc.namespace).filter((s) => backendConfigNames(s).some((r) => r.name === bc.name));
}

/** Traefik `name@kubernetescrd` (or `namespace-name@kubernetescrd`) reference to a ServersTransport. */
function serversTransportRef(ref: string, namespace: string, graph: ResourceGraph): Resource | undefined {
  const [base, provider] = ref.split('@');
  if (provider !== undefined && provider !== 'kubernetescrd') return undefined;
  const all = TRAEFIK_GROUPS.flatMap((g) => graph.list('ServersTransport', g));
  return (
    all.find((st) => st.namespace === namespace && st.name === base) ??
    all.find((st) => `${st.namespace}-${st.name}` === base)
  );
}

/** ServersTransports that Traefik uses for a Service (Service annotation, IngressRoute services). */
export function serversTransportsFor(svc: Service, graph: ResourceGraph): Resource[] {
  const out = new Map<string, Resource>();
  const ann = svc.annotations['traefik.ingress.kubernetes.io/service.serverstransport'];
  if (ann) {
    const st = serversTransportRef(ann, svc.namespace, graph);
    if (st) out.set(st.key, st);
  }
  for (const ir of TRAEFIK_GROUPS.flatMap((g) => graph.list('IngressRoute', g))) {
    const routes = dig(ir.raw, 'spec', 'routes');
    for (const route of Array.isArray(routes) ? routes : []) {
      const services = dig(route, 'services');
      for (const s of Array.isArray(services) ? services : []) {
        if (!isObject(s) || s.name !== svc.name || typeof s.serversTransport !== 'string') continue;
        const ns = typeof s.namespace === 'string' ? s.namespace : ir.namespace;
        if (ns !== svc.namespace) continue;
        const st = serversTransportRef(s.serversTransport, ir.namespace, graph);
        if (st) out.set(st.key, st);
      }
    }
  }
  return [...out.values()];
}

// ── streaming and long-lived connections ───────────────────────────────────

/**
 * Words that name long-lived or streaming traffic: websockets, server-sent events,
 * gRPC streams, uploads. Long read timeouts are how these are meant to be configured.
 */
const STREAM_WORDS =
  /(^|[^a-z0-9])(wss?|websockets?|sockets?|socket-?io|sockjs|signalr|cable|sse|eventsource|event-?stream|streams?|streaming|grpc|realtime|uploads?|tus)([^a-z0-9]|$)/i;
const STREAM_APP_PROTOCOLS = /^(kubernetes\.io\/(wss?|h2c)|grpc|h2c|wss?)$/i;

function servicePortsStream(svc: Service | undefined, port?: { number?: number; name?: string }): boolean {
  if (!svc) return false;
  const ports = port ? svc.ports.filter((p) => (port.number !== undefined ? p.port === port.number : p.name === port.name)) : svc.ports;
  return ports.some(
    (p) => (p.appProtocol !== undefined && STREAM_APP_PROTOCOLS.test(p.appProtocol)) || STREAM_WORDS.test(p.name ?? '') || STREAM_WORDS.test(String(p.targetPort)),
  );
}

function sizeBytes(v: string): number | undefined {
  const m = /^\s*(\d+)\s*([kKmMgG]?)\s*$/.exec(v);
  if (!m) return undefined;
  const mult: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
  return Number(m[1]) * (mult[(m[2] ?? '').toLowerCase()] ?? 1);
}

/** Annotations that say the Ingress carries streams, websockets or unbounded uploads. */
function ingressStreamAnnotation(ing: Resource): string | undefined {
  const a = ing.annotations;
  const checks: Array<[string, (v: string) => boolean]> = [
    ['nginx.ingress.kubernetes.io/backend-protocol', (v) => /^grpcs?$/i.test(v.trim())],
    ['nginx.ingress.kubernetes.io/proxy-buffering', (v) => v.trim().toLowerCase() === 'off'],
    ['nginx.ingress.kubernetes.io/proxy-request-buffering', (v) => v.trim().toLowerCase() === 'off'],
    ['nginx.ingress.kubernetes.io/proxy-body-size', (v) => sizeBytes(v) === 0 || (sizeBytes(v) ?? 0) >= 1024 ** 3],
    ['nginx.ingress.kubernetes.io/configuration-snippet', (v) => /upgrade|websocket/i.test(v)],
    ['nginx.ingress.kubernetes.io/server-snippet', (v) => /upgrade|websocket/i.test(v)],
    ['nginx.ingress.kubernetes.io/websocket-services', () => true],
    ['nginx.org/websocket-services', () => true],
    ['nginx.org/grpc-services', () => true],
    ['nginx.org/proxy-buffering', (v) => v.trim().toLowerCase() === 'false'],
    ['nginx.org/client-max-body-size', (v) => sizeBytes(v) === 0 || (sizeBytes(v) ?? 0) >= 1024 ** 3],
    ['projectcontour.io/websocket-routes', () => true],
    ['contour.heptio.com/websocket-routes', () => true],
    ['haproxy.org/server-proto', (v) => v.trim() === 'h2'],
    ['alb.ingress.kubernetes.io/backend-protocol-version', (v) => /^grpc$/i.test(v.trim())],
  ];
  for (const [key, test] of checks) {
    const v = a[key];
    if (v !== undefined && test(v)) return `${key}: ${v.length > 40 ? `${v.slice(0, 40)}…` : v}`;
  }
  return undefined;
}

/**
 * Why the traffic a timeout governs looks long-lived (websockets, server-sent events,
 * gRPC streams, large uploads), or undefined. Long timeouts are the documented
 * configuration for such traffic, so they are not judged as a mistake.
 */
export function streamingEvidence(t: ProxyTimeout, graph: ResourceGraph): string | undefined {
  const r = t.on;
  const nameHit = (what: string, v: unknown) => (typeof v === 'string' && STREAM_WORDS.test(v) ? `${what} ${JSON.stringify(v)}` : undefined);
  if (r.kind === 'Ingress') {
    const ann = ingressStreamAnnotation(r);
    if (ann) return `the Ingress sets ${ann}`;
    const byName = nameHit('the Ingress is named', r.name);
    if (byName) return byName;
    for (const b of graph.backendsFrom(r)) {
      const path = dig(r.raw, ...b.path.replace(/\.backend$/, '').split(/\.|\[|\]/).filter(Boolean).map((k) => (/^\d+$/.test(k) ? Number(k) : k)), 'path');
      const hit = nameHit('it routes the path', path) ?? nameHit('it routes to the Service', b.serviceName) ?? nameHit('it routes to the port', b.port?.name);
      if (hit) return hit;
      if (servicePortsStream(graph.service(b.serviceNamespace, b.serviceName), b.port)) return `Service ${b.serviceName} declares a websocket, gRPC or streaming port`;
    }
    return undefined;
  }
  if (r.kind === 'Service' && isServiceModel(r)) {
    if (servicePortsStream(r)) return `Service ${r.name} declares a websocket, gRPC or streaming port`;
    return nameHit('the Service is named', r.name);
  }
  if (r.kind === 'HTTPRoute') {
    const byName = nameHit('the route is named', r.name);
    if (byName) return byName;
    const rule = t.scope ? dig(r.raw, ...scopeKeys(t.scope)) : undefined;
    const matches = dig(rule, 'matches');
    for (const m of Array.isArray(matches) ? matches : []) {
      const hit = nameHit('the rule matches the path', dig(m, 'path', 'value'));
      if (hit) return hit;
    }
    for (const b of graph.backendsFrom(r)) {
      if (t.scope && !b.path.startsWith(`${t.scope}.`)) continue;
      const hit = nameHit('the rule routes to the Service', b.serviceName);
      if (hit) return hit;
      if (servicePortsStream(graph.service(b.serviceNamespace, b.serviceName), b.port)) return `Service ${b.serviceName} declares a websocket, gRPC or streaming port`;
    }
    return undefined;
  }
  if (r.kind === 'HTTPProxy') {
    const route = t.scope ? dig(r.raw, ...scopeKeys(t.scope)) : undefined;
    if (dig(route, 'enableWebsockets') === true) return `${t.scope}.enableWebsockets is true`;
    const conditions = dig(route, 'conditions');
    for (const c of Array.isArray(conditions) ? conditions : []) {
      const hit = nameHit('the route matches the prefix', dig(c, 'prefix'));
      if (hit) return hit;
    }
    const services = dig(route, 'services');
    for (const s of Array.isArray(services) ? services : []) {
      if (!isObject(s)) continue;
      if (typeof s.protocol === 'string' && /^(h2|h2c)$/.test(s.protocol)) return `the route speaks ${s.protocol} (gRPC) to Service ${String(s.name)}`;
      const hit = nameHit('the route sends to Service', s.name);
      if (hit) return hit;
      if (typeof s.name === 'string' && servicePortsStream(graph.service(r.namespace, s.name), typeof s.port === 'number' ? { number: s.port } : undefined)) {
        return `Service ${s.name} declares a websocket, gRPC or streaming port`;
      }
    }
    return nameHit('the HTTPProxy is named', r.name);
  }
  if (r.kind === 'BackendConfig') {
    for (const s of servicesUsingBackendConfig(r, graph)) {
      if (servicePortsStream(s)) return `Service ${s.name}, which uses it, declares a websocket, gRPC or streaming port`;
      const hit = nameHit('it serves Service', s.name);
      if (hit) return hit;
    }
    return nameHit('the BackendConfig is named', r.name);
  }
  if (r.kind === 'Route') {
    const to = dig(r.raw, 'spec', 'to', 'name');
    return nameHit('the Route is named', r.name) ?? nameHit('the Route sends to Service', to) ??
      (typeof to === 'string' && servicePortsStream(graph.service(r.namespace, to)) ? `Service ${to} declares a websocket, gRPC or streaming port` : undefined);
  }
  return nameHit(`the ${r.kind} is named`, r.name);
}

function scopeKeys(scope: string): Array<string | number> {
  return scope.split(/\.|\[|\]/).filter(Boolean).map((k) => (/^\d+$/.test(k) ? Number(k) : k));
}

// ── the gateways in front of a workload ─────────────────────────────────────

export interface ReachingTimeout {
  timeout: ProxyTimeout;
  /** The Service the gateway sends the traffic to. */
  service: Service;
}

function routeRuleOf(b: Backend): string | undefined {
  const m = /^(spec\.rules\[\d+\])\./.exec(b.path);
  return m ? m[1] : undefined;
}

/**
 * The explicitly written response timeouts that bound how long a request to `w` may
 * stay in flight, for each gateway in front of it: Ingress annotations (HAProxy's
 * Service annotation winning over the Ingress one), the BackendConfig of a GKE
 * Ingress, HTTPRoute rule timeouts (`backendRequest`, else `request`), Contour
 * HTTPProxy routes, OpenShift Routes and Traefik ServersTransports. Only values
 * raised above the controller's default count: a written default (ingress-nginx
 * `"60"`) says nothing the default does not, and defaults are not assumed.
 * Idle timeouts (ALB `idle_timeout`, keep-alive pools) are left out.
 */
export function responseTimeoutsReaching(w: Workload, graph: ResourceGraph): ReachingTimeout[] {
  const out: ReachingTimeout[] = [];
  // Only response timeouts raised above the controller's default say that requests are expected to take long.
  const responseOnly = (list: readonly ProxyTimeout[]) => list.filter((t) => t.kind === 'response' && t.seconds > (t.defaultSeconds ?? 0));
  for (const service of graph.servicesSelecting(w)) {
    const fromService = responseOnly(serviceTimeouts(service));
    let ingressFacing = false;
    for (const b of graph.backendsTo(service)) {
      if (b.proxy === 'ingress') {
        ingressFacing = true;
        for (const t of responseOnly(ingressTimeouts(b.from, graph))) {
          // HAProxy reads timeout-server from the Service first.
          if (t.proxy === 'HAProxy' && fromService.length > 0) continue;
          out.push({ timeout: t, service });
        }
      } else if (b.proxy === 'httproute' && graph.referenceGrantAllows(b.from, b.serviceNamespace, b.serviceName)) {
        const rule = routeRuleOf(b);
        const inRule = httpRouteTimeouts(b.from).filter((t) => t.scope === rule);
        const chosen = inRule.find((t) => t.path.endsWith('.backendRequest')) ?? inRule.find((t) => t.path.endsWith('.request'));
        if (chosen && responseOnly([chosen]).length > 0) out.push({ timeout: chosen, service });
      }
    }
    if (ingressFacing) {
      for (const t of fromService) out.push({ timeout: t, service });
      for (const ref of backendConfigNames(service)) {
        const bc = graph.find(GKE_GROUP, 'BackendConfig', service.namespace, ref.name);
        if (bc) for (const t of responseOnly(backendConfigTimeouts(bc))) out.push({ timeout: t, service });
      }
    }
    for (const hp of graph.list('HTTPProxy', CONTOUR_GROUP, service.namespace)) {
      const routes = dig(hp.raw, 'spec', 'routes');
      (Array.isArray(routes) ? routes : []).forEach((route, i) => {
        const services = dig(route, 'services');
        if (!(Array.isArray(services) && services.some((s) => isObject(s) && s.name === service.name))) return;
        for (const t of responseOnly(httpProxyTimeouts(hp))) if (t.scope === `spec.routes[${i}]`) out.push({ timeout: t, service });
      });
    }
    for (const route of graph.list('Route', OPENSHIFT_ROUTE_GROUP, service.namespace)) {
      if (dig(route.raw, 'spec', 'to', 'name') === service.name) for (const t of responseOnly(openshiftRouteTimeouts(route))) out.push({ timeout: t, service });
    }
    for (const st of serversTransportsFor(service, graph)) {
      for (const t of responseOnly(serversTransportTimeouts(st))) out.push({ timeout: t, service });
    }
    // Kong and Linkerd read their timeouts from the Service itself, whatever sends it traffic.
    for (const t of responseOnly(ownAnnotationTimeouts(service, [...KONG_ANNOTATIONS, ...LINKERD_ANNOTATIONS]))) out.push({ timeout: t, service });
    for (const p of graph.list('GCPBackendPolicy', GKE_NETWORKING_GROUP, service.namespace)) {
      if (policyTargets(p).some((t) => t.kind === 'Service' && t.name === service.name)) for (const t of responseOnly(gcpBackendPolicyTimeouts(p))) out.push({ timeout: t, service });
    }
    for (const vs of graph.list('VirtualService', ISTIO_GROUP)) {
      const routes = dig(vs.raw, 'spec', 'http');
      (Array.isArray(routes) ? routes : []).forEach((route, i) => {
        const destinations = dig(route, 'route');
        const reaches = Array.isArray(destinations) && destinations.some((d) => hostNames(service).has(String(dig(d, 'destination', 'host'))) && (String(dig(d, 'destination', 'host')).includes('.') || vs.namespace === service.namespace));
        if (reaches) for (const t of responseOnly(virtualServiceTimeouts(vs))) if (t.scope === `spec.http[${i}]` && t.path.endsWith('.timeout')) out.push({ timeout: t, service });
      });
    }
    const routes = new Set(graph.backendsTo(service).filter((b) => b.proxy === 'httproute').map((b) => `${b.from.namespace}/${b.from.name}`));
    for (const p of graph.list('BackendTrafficPolicy', ENVOY_GATEWAY_GROUP)) {
      if (!policyTargets(p).some((t) => t.kind === 'HTTPRoute' && routes.has(`${p.namespace}/${t.name}`))) continue;
      for (const t of responseOnly(backendTrafficPolicyTimeouts(p))) if (t.path === 'spec.timeout.http.requestTimeout') out.push({ timeout: t, service });
    }
  }
  return out;
}

/** The objects a policy attaches to (`spec.targetRef` or `spec.targetRefs`, policy attachment, GEP-713). */
export function policyTargets(p: Resource): Array<{ kind: string; name: string }> {
  const many = dig(p.raw, 'spec', 'targetRefs');
  const refs = Array.isArray(many) ? many : [dig(p.raw, 'spec', 'targetRef')];
  return refs.flatMap((r) => (isObject(r) && typeof r.kind === 'string' && typeof r.name === 'string' ? [{ kind: r.kind, name: r.name }] : []));
}
