// Health checks a proxy makes of the pods behind a Service, besides Kubernetes readiness: Envoy Gateway
// BackendTrafficPolicy `healthCheck` (active and passive), Istio DestinationRule `outlierDetection` (passive)
// and Kong KongUpstreamPolicy `healthchecks` (active and passive). Each controller's fields, units and defaults
// are decoded here once, for the rules that weigh them.
//
// What they mean for 502s: an active check that asks the app (HTTP or gRPC) takes a failing pod out of that
// proxy's rotation on its own, within interval × unhealthy threshold, so it bounds the damage of a missing or
// shallow readiness probe for the traffic of that proxy; a TCP check proves no more than a tcpSocket probe. A
// passive check (outlier detection) ejects a pod only after it has failed real requests: it bounds the 502s, it
// does not prevent them. Neither replaces readiness for the Service's other clients, nor at startup.

import { dig, isObject } from '../../engine/fields.ts';
import type { ResourceGraph } from '../../engine/graph.ts';
import { GATEWAY_GROUP } from '../../engine/kinds.ts';
import type { Resource, Service } from '../../engine/model.ts';
import type { Read } from '../../engine/rule.ts';
import type { Json } from '../../engine/types.ts';
import { destinationRulesFor, ENVOY_GATEWAY_GROUP, formatSeconds, ISTIO_GROUP, parseGoDuration, policyTargets } from './proxy-timeouts.ts';

export const KONG_CONFIGURATION_GROUP = 'configuration.konghq.com';
export const KONG_UPSTREAM_POLICY = 'konghq.com/upstream-policy';

/** What the health checks of the proxies in front of a Service are read from. */
export const HEALTH_CHECK_READS: readonly Read[] = [
  // Envoy Gateway policy targets and Istio hosts name Services of any namespace.
  { group: ENVOY_GATEWAY_GROUP, kind: 'BackendTrafficPolicy', anyNamespace: true },
  { group: ISTIO_GROUP, kind: 'DestinationRule', anyNamespace: true },
  { group: KONG_CONFIGURATION_GROUP, kind: 'KongUpstreamPolicy' },
];

/** The rule pages' account of the health checks weighed (readiness-probe-missing, readiness-probe-shallow). */
export const HEALTH_CHECK_DOCS =
  'Health checks a proxy makes of the pods itself are weighed (the table lists what is read):\n\n' +
  '| Proxy | Setting (on) | Kind | Defaults | Off |\n|---|---|---|---|---|\n' +
  '| Envoy Gateway | BackendTrafficPolicy `spec.healthCheck.active` (attached to the HTTPRoute or its Gateway) | active: `HTTP` (`http.path`), `GRPC` or `TCP` | `interval` 3s, `unhealthyThreshold` 3 | no `active` block |\n' +
  '| Envoy Gateway | BackendTrafficPolicy `spec.healthCheck.passive` | passive (outlier detection) | `consecutive5XxErrors` 5, `consecutiveGatewayErrors` 0 (off) | `0` |\n' +
  '| Istio | DestinationRule `spec.trafficPolicy.outlierDetection` (its `host` names the Service) | passive | `consecutive5xxErrors` 5, `maxEjectionPercent` 10, `baseEjectionTime` 30s, `minHealthPercent` 0 | `0` |\n' +
  '| Kong | KongUpstreamPolicy `spec.healthchecks.active` (named by the Service\'s `konghq.com/upstream-policy`) | active: `http`, `https` (`httpPath`, default `/`), `grpc`, `grpcs` or `tcp` | `healthy.interval` 0 (off), failing after `unhealthy.httpFailures`, `tcpFailures` or `timeouts` | `healthy.interval: 0` |\n' +
  '| Kong | KongUpstreamPolicy `spec.healthchecks.passive` | passive | counters 0 (off) | all of `unhealthy.httpFailures`, `tcpFailures`, `timeouts` 0 |\n\n' +
  'An active check that asks the app (HTTP or gRPC) takes a failing pod out of that proxy\'s rotation on its own, within ' +
  'interval × unhealthy threshold, and the message says so; the finding stays a warning. In a rollout, Kubernetes counts ' +
  'a pod without a readiness probe as ready at once and takes the old pods away before the new ones answer: the proxy ' +
  'then finds no healthy pod at all, which no check of its own makes up for. Nor does it cover the Service\'s other ' +
  'clients, or the time before the first check. A passive check (outlier ' +
  'detection) ejects a pod only after it has failed real requests: it bounds the 502s but does not prevent them, and ' +
  'the warning stays (the message names it). The message also says when a passive check can take every pod out: Istio ' +
  'with `maxEjectionPercent: 100` (Istio turns Envoy\'s panic mode off; Envoy Gateway keeps it at 50 %), and Kong passive ' +
  'checks without active ones, which never bring a pod back. An active TCP check proves no more than a tcpSocket probe. Whether the ' +
  'path an active check asks is one the app serves is not judged; a Kong active check in another protocol than the ' +
  'port serves, which takes every pod out, is reported by `backend-protocol-mismatch`.';

export interface HealthCheck {
  proxy: string;
  mode: 'active' | 'passive';
  /** The object and field that set it, for messages: `BackendTrafficPolicy web spec.healthCheck.active`. */
  where: string;
  /** Active: an HTTP or gRPC request the app answers (not a TCP connect). */
  asksApp: boolean;
  /** Active: seconds until a failing pod is taken out (interval × unhealthy threshold). */
  noticeSeconds?: number;
  /** Passive: failed requests in a row before a pod is ejected. */
  failures?: number;
  /** How it reads, for messages: `HTTP GET /healthz every 3s, out after 3 failures`. */
  said: string;
}

function count(v: Json | undefined, fallback: number): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : fallback;
}

function duration(v: Json | undefined, fallback: number): number {
  const s = typeof v === 'string' ? parseGoDuration(v) : undefined;
  return s ?? fallback;
}

/**
 * Envoy Gateway `spec.healthCheck`: active (type HTTP, TCP or GRPC; interval 3s and unhealthyThreshold 3 by default)
 * and passive (outlier detection; consecutive5XxErrors 5 by default, 0 turns that trigger off).
 */
export function backendTrafficPolicyHealthChecks(p: Resource): HealthCheck[] {
  const out: HealthCheck[] = [];
  const where = `BackendTrafficPolicy ${p.name} spec.healthCheck`;
  const active = dig(p.raw, 'spec', 'healthCheck', 'active');
  if (isObject(active) && typeof active.type === 'string') {
    const interval = duration(active.interval as Json | undefined, 3);
    const threshold = count(active.unhealthyThreshold as Json | undefined, 3);
    const type = active.type.toUpperCase();
    const path = dig(active, 'http', 'path');
    const what = type === 'HTTP' ? `HTTP ${typeof dig(active, 'http', 'method') === 'string' ? String(dig(active, 'http', 'method')) : 'GET'} ${typeof path === 'string' ? path : '/'}` : type === 'GRPC' ? 'gRPC health check' : 'TCP connect';
    out.push({
      proxy: 'Envoy Gateway',
      mode: 'active',
      where: `${where}.active`,
      asksApp: type === 'HTTP' || type === 'GRPC',
      noticeSeconds: interval * threshold,
      said: `${what} every ${formatSeconds(interval)}, out after ${threshold} failure${threshold === 1 ? '' : 's'}`,
    });
  }
  const passive = dig(p.raw, 'spec', 'healthCheck', 'passive');
  if (isObject(passive)) {
    const errors = count(passive.consecutive5XxErrors as Json | undefined, 5);
    const gateway = count(passive.consecutiveGatewayErrors as Json | undefined, 0);
    const failures = [errors, gateway].filter((n) => n > 0);
    if (failures.length > 0) {
      const n = Math.min(...failures);
      out.push({ proxy: 'Envoy Gateway', mode: 'passive', where: `${where}.passive`, asksApp: false, failures: n, said: `ejects a pod after ${n} failed request${n === 1 ? '' : 's'} in a row` });
    }
  }
  return out;
}

/** Istio `spec.trafficPolicy.outlierDetection` (consecutive5xxErrors 5 by default; consecutiveGatewayErrors off unless set). */
export function destinationRuleHealthChecks(dr: Resource): HealthCheck[] {
  const od = dig(dr.raw, 'spec', 'trafficPolicy', 'outlierDetection');
  if (!isObject(od)) return [];
  const errors = count((od.consecutive5xxErrors ?? od.consecutiveErrors) as Json | undefined, 5);
  const gateway = count(od.consecutiveGatewayErrors as Json | undefined, 0);
  const failures = [errors, gateway].filter((n) => n > 0);
  if (failures.length === 0) return [];
  const n = Math.min(...failures);
  // Istio turns Envoy's panic mode off (minHealthPercent 0): with maxEjectionPercent 100 every pod may be ejected at once.
  const all = count(od.maxEjectionPercent as Json | undefined, 10) >= 100 && count(od.minHealthPercent as Json | undefined, 0) === 0;
  const ejection = formatSeconds(duration(od.baseEjectionTime as Json | undefined, 30));
  return [{
    proxy: 'Istio',
    mode: 'passive',
    where: `DestinationRule ${dr.name} spec.trafficPolicy.outlierDetection`,
    asksApp: false,
    failures: n,
    said: `ejects a pod after ${n} failed request${n === 1 ? '' : 's'} in a row` +
      (all ? `, and with maxEjectionPercent 100 may eject every pod: when all fail together, as in a bad rollout, every request gets a 503 for ${ejection}` : ''),
  }];
}

/** The first of Kong's unhealthy counters that is on (`httpFailures`, `tcpFailures`, `timeouts`; 0 turns one off). */
function firstCounter(unhealthy: Json | undefined): number | undefined {
  if (!isObject(unhealthy)) return undefined;
  return [unhealthy.httpFailures, unhealthy.tcpFailures, unhealthy.timeouts].map((v) => count(v as Json | undefined, 0)).find((n) => n > 0);
}

/**
 * Kong's active health check of a KongUpstreamPolicy, when it runs: a positive `healthy.interval` (seconds; 0, the
 * default, turns probing off) and an unhealthy counter that is on. `type` is `http` (default), `https`, `grpc`,
 * `grpcs` or `tcp`; `httpPath` defaults to `/`.
 */
export function kongActiveCheck(p: Resource): { type: string; interval: number; failures: number; path: string } | undefined {
  const active = dig(p.raw, 'spec', 'healthchecks', 'active');
  if (!isObject(active)) return undefined;
  const interval = dig(active, 'healthy', 'interval');
  const failures = firstCounter(active.unhealthy as Json | undefined);
  if (typeof interval !== 'number' || interval <= 0 || failures === undefined) return undefined;
  return { type: typeof active.type === 'string' ? active.type.toLowerCase() : 'http', interval, failures, path: typeof active.httpPath === 'string' ? active.httpPath : '/' };
}

/**
 * Kong `spec.healthchecks` of a KongUpstreamPolicy. Active checks run only with a positive `healthy.interval`
 * (seconds; 0, the default, turns them off) and count as failing after `unhealthy.httpFailures` (or `tcpFailures`,
 * `timeouts`); passive checks eject after `unhealthy.httpFailures` (or `tcpFailures`, `timeouts`; 0 turns a counter off).
 */
export function kongUpstreamPolicyHealthChecks(p: Resource): HealthCheck[] {
  const out: HealthCheck[] = [];
  const where = `KongUpstreamPolicy ${p.name} spec.healthchecks`;
  const active = kongActiveCheck(p);
  if (active) {
    const { type, interval, failures, path } = active;
    const what = type === 'tcp' ? 'TCP connect' : type.startsWith('grpc') ? 'gRPC health check' : `${type.toUpperCase()} GET ${path}`;
    out.push({
      proxy: 'Kong',
      mode: 'active',
      where: `${where}.active`,
      asksApp: type !== 'tcp',
      noticeSeconds: interval * failures,
      said: `${what} every ${formatSeconds(interval)}, out after ${failures} failure${failures === 1 ? '' : 's'}`,
    });
  }
  const passive = dig(p.raw, 'spec', 'healthchecks', 'passive');
  const n = isObject(passive) ? firstCounter(passive.unhealthy as Json | undefined) : undefined;
  if (n !== undefined) {
    // Only an active check brings back a pod that passive checks took out: without one it stays out until replaced.
    const back = out.some((c) => c.mode === 'active') ? '' : ', and without active checks never takes it back: once every pod has failed, Kong answers 503 until they are replaced';
    out.push({ proxy: 'Kong', mode: 'passive', where: `${where}.passive`, asksApp: false, failures: n, said: `ejects a pod after ${n} failed request${n === 1 ? '' : 's'} in a row${back}` });
  }
  return out;
}

/** Envoy Gateway BackendTrafficPolicies attached to a route that sends the Service traffic, or to that route's Gateway. */
function envoyGatewayPolicies(service: Service, graph: ResourceGraph): Resource[] {
  const out = new Map<string, Resource>();
  for (const b of graph.backendsTo(service)) {
    if (b.proxy !== 'httproute' || !graph.referenceGrantAllows(b.from, b.serviceNamespace, b.serviceName)) continue;
    const route = b.from;
    const parents = dig(route.raw, 'spec', 'parentRefs');
    const gateways = (Array.isArray(parents) ? parents : []).flatMap((p) =>
      isObject(p) && typeof p.name === 'string' && (p.kind ?? 'Gateway') === 'Gateway' && (p.group ?? GATEWAY_GROUP) === GATEWAY_GROUP ? [`${typeof p.namespace === 'string' ? p.namespace : route.namespace}/${p.name}`] : [],
    );
    for (const p of graph.list('BackendTrafficPolicy', ENVOY_GATEWAY_GROUP)) {
      const attached = policyTargets(p).some((t) => (t.kind === route.kind && p.namespace === route.namespace && t.name === route.name) || (t.kind === 'Gateway' && gateways.includes(`${p.namespace}/${t.name}`)));
      if (attached) out.set(p.key, p);
    }
  }
  return [...out.values()];
}

/** Every health check a proxy makes of the pods behind `service`. */
export function healthChecksFor(service: Service, graph: ResourceGraph): HealthCheck[] {
  const out: HealthCheck[] = [];
  for (const p of envoyGatewayPolicies(service, graph)) out.push(...backendTrafficPolicyHealthChecks(p));
  for (const dr of destinationRulesFor(graph, service)) out.push(...destinationRuleHealthChecks(dr));
  const kong = service.annotations[KONG_UPSTREAM_POLICY];
  const policy = kong ? graph.find(KONG_CONFIGURATION_GROUP, 'KongUpstreamPolicy', service.namespace, kong.trim()) : undefined;
  if (policy) out.push(...kongUpstreamPolicyHealthChecks(policy));
  return out;
}

/**
 * What the health checks in front of the Services `services` change for a container whose readiness cannot take it out
 * of rotation: a sentence for the message. None lowers the finding: in a rollout the proxy is left with no healthy pod
 * whatever it checks (see HEALTH_CHECK_DOCS).
 */
export function healthCheckMitigation(services: readonly Service[], graph: ResourceGraph): { sentence: string } | undefined {
  const all = services.flatMap((s) => healthChecksFor(s, graph));
  if (all.length === 0) return undefined;
  const active = all.find((c) => c.mode === 'active' && c.asksApp);
  if (active) {
    return {
      sentence:
        ` ${active.proxy} checks the pods itself (${active.where}: ${active.said}) and takes a failing one out of its rotation within ` +
        `${formatSeconds(active.noticeSeconds ?? 0)}: that bounds the 502s of its traffic between rollouts, not in one (the new pods count as ready at once ` +
        `and the old ones go before they answer), nor those of the Service's other clients, nor those before the first check.`,
    };
  }
  const passive = all.find((c) => c.mode === 'passive');
  if (passive) return { sentence: ` ${passive.proxy}'s passive health check (${passive.where}) bounds the 502s without preventing them: it ${passive.said}.` };
  const tcp = all.find((c) => c.mode === 'active') as HealthCheck;
  return { sentence: ` ${tcp.proxy}'s active health check (${tcp.where}) is a ${tcp.said.split(' every')[0]}: it cannot tell a failing app from an open socket either.` };
}
