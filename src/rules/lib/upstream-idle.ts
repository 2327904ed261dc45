// How long the proxies in front of a workload keep an idle connection to a pod before they stop
// reusing it. A proxy that reuses a connection the app has already closed sends the next request
// into a reset and answers 502; the app must therefore keep idle connections open longer than every
// proxy in front. Each controller's window is its documented default unless a setting it reads says
// otherwise (the ALB idle timeout, a Traefik ServersTransport idleConnTimeout, an Istio
// DestinationRule idleTimeout).

import { dig } from '../../engine/fields.ts';
import type { ResourceGraph } from '../../engine/graph.ts';
import { GATEWAY_GROUP } from '../../engine/kinds.ts';
import type { Resource, Service, Workload } from '../../engine/model.ts';
import type { Read } from '../../engine/rule.ts';
import { ingressController, type IngressFamily } from './ingress-controller.ts';
import { routeImplementation } from './protocols.ts';
import { albIdleTimeout, backendTrafficPolicyTimeouts, destinationRulesFor, ENVOY_GATEWAY_GROUP, policyTargets, destinationRuleTimeouts, serversTransportsFor, serversTransportTimeouts, TRAEFIK_GROUPS, type ProxyTimeout } from './proxy-timeouts.ts';
import { SCALERS, SERVED } from './reads.ts';

/** A proxy family's idle window for upstream connections, when nothing overrides it. */
export interface IdleDefault {
  proxy: string;
  seconds: number;
  /** The setting that changes it, for docs and messages. */
  setting: string;
}

const NGINX: IdleDefault = { proxy: 'ingress-nginx', seconds: 60, setting: '`upstream-keepalive-timeout` in the controller ConfigMap' };
const NGINX_INC: IdleDefault = { proxy: 'the NGINX Ingress Controller', seconds: 60, setting: 'nginx `keepalive_timeout` of the upstream' };
const NGINX_GATEWAY: IdleDefault = { proxy: 'NGINX Gateway Fabric', seconds: 60, setting: 'nginx `keepalive_timeout` of the upstream' };
const ALB: IdleDefault = { proxy: 'the AWS ALB', seconds: 60, setting: '`idle_timeout.timeout_seconds` in `alb.ingress.kubernetes.io/load-balancer-attributes`' };
const GCLB: IdleDefault = { proxy: 'the Google Cloud load balancer', seconds: 600, setting: 'none (fixed at 600 s)' };
const TRAEFIK: IdleDefault = { proxy: 'Traefik', seconds: 90, setting: 'ServersTransport `spec.forwardingTimeouts.idleConnTimeout`' };
const ENVOY = (proxy: string, setting: string): IdleDefault => ({ proxy, seconds: 3600, setting });
const CONTOUR = ENVOY('Contour (Envoy)', 'the Envoy cluster idle timeout in the Contour configuration');
const ISTIO = ENVOY('Istio (Envoy)', 'DestinationRule `trafficPolicy.connectionPool.http.idleTimeout`');
const ENVOY_GATEWAY = ENVOY('Envoy Gateway', 'BackendTrafficPolicy `spec.timeout.http.connectionIdleTimeout` attached to the HTTPRoute');
const CILIUM = ENVOY('Cilium (Envoy)', 'the Envoy cluster idle timeout in the Cilium configuration');
const KONG: IdleDefault = { proxy: 'Kong', seconds: 60, setting: '`upstream_keepalive_idle_timeout` in the Kong configuration' };

/** Ingress controllers' idle windows (unknown and unlisted controllers: nothing is assumed). */
export const INGRESS_IDLE: Partial<Record<IngressFamily, IdleDefault>> = {
  'ingress-nginx': NGINX,
  'nginx-inc': NGINX_INC,
  alb: ALB,
  gce: GCLB,
  traefik: TRAEFIK,
  contour: CONTOUR,
  istio: ISTIO,
  kong: KONG,
};

/** Gateway API implementations, by GatewayClass `controllerName`. */
export const GATEWAY_IDLE: ReadonlyArray<[RegExp, IdleDefault]> = [
  [/^gateway\.envoyproxy\.io\//, ENVOY_GATEWAY],
  [/^istio\.io\//, ISTIO],
  [/^projectcontour\.io\//, CONTOUR],
  [/^io\.cilium\//, CILIUM],
  [/^networking\.gke\.io\/gateway/, GCLB],
  [/^traefik\.io\//, TRAEFIK],
  [/^gateway\.nginx\.org\//, NGINX_GATEWAY],
  [/konghq\.com\//, KONG],
];

/** What the idle windows depend on besides the workload: gateways, their classes and the settings that override the defaults. */
export const IDLE_READS: readonly Read[] = [
  ...SERVED,
  ...SCALERS,
  { group: 'networking.k8s.io', kind: 'IngressClass' },
  { group: GATEWAY_GROUP, kind: 'Gateway' },
  { group: GATEWAY_GROUP, kind: 'GatewayClass' },
  // Istio hosts, Envoy Gateway policy targets, Traefik routes and transports: of any namespace.
  { group: 'networking.istio.io', kind: 'DestinationRule', anyNamespace: true },
  { group: ENVOY_GATEWAY_GROUP, kind: 'BackendTrafficPolicy', anyNamespace: true },
  ...TRAEFIK_GROUPS.flatMap((group): Read[] => [{ group, kind: 'IngressRoute', anyNamespace: true }, { group, kind: 'ServersTransport', anyNamespace: true }]),
];

export interface IdleWindow {
  proxy: string;
  seconds: number;
  /** The object in front (Ingress, HTTPRoute, IngressRoute). */
  via: Resource;
  service: Service;
  /** The setting that gave the value, when one did (the default applies otherwise). */
  setting?: ProxyTimeout;
  /** How to change it, for fixes. */
  how: string;
}

function overridden(base: IdleDefault, via: Resource, service: Service, setting: ProxyTimeout | undefined): IdleWindow {
  return setting
    ? { proxy: base.proxy, seconds: setting.seconds, via, service, setting, how: `${setting.field} on ${setting.on.kind}/${setting.on.name}` }
    : { proxy: base.proxy, seconds: base.seconds, via, service, how: base.setting };
}

/** Envoy Gateway BackendTrafficPolicies attached to a route. */
function attachedPolicies(route: Resource, graph: ResourceGraph): Resource[] {
  return graph.list('BackendTrafficPolicy', ENVOY_GATEWAY_GROUP, route.namespace).filter((p) => policyTargets(p).some((t) => t.kind === route.kind && t.name === route.name));
}

const keepalive = (list: readonly ProxyTimeout[]) => list.find((t) => t.kind === 'keepalive');

/** The idle window of every proxy in front of `w`, one per gateway object and Service. */
export function idleWindowsReaching(w: Workload, graph: ResourceGraph): IdleWindow[] {
  const out: IdleWindow[] = [];
  for (const service of graph.servicesSelecting(w)) {
    const transport = keepalive(serversTransportsFor(service, graph).flatMap((st) => serversTransportTimeouts(st)));
    const rule = keepalive(destinationRulesFor(graph, service).flatMap((dr) => destinationRuleTimeouts(dr)));
    for (const b of graph.backendsTo(service)) {
      if (b.proxy === 'ingress') {
        const family = ingressController(b.from, graph).family;
        const base = INGRESS_IDLE[family];
        if (!base) continue;
        const setting = family === 'alb' ? albIdleTimeout(b.from) : family === 'traefik' ? transport : family === 'istio' ? rule : undefined;
        out.push(overridden(base, b.from, service, setting));
      } else if (graph.referenceGrantAllows(b.from, b.serviceNamespace, b.serviceName)) {
        const impl = routeImplementation(graph, b.from);
        const base = impl === undefined ? undefined : GATEWAY_IDLE.find(([re]) => re.test(impl))?.[1];
        if (!base) continue;
        const setting = base === ISTIO ? rule : base === TRAEFIK ? transport : base === ENVOY_GATEWAY ? keepalive(attachedPolicies(b.from, graph).flatMap(backendTrafficPolicyTimeouts)) : undefined;
        out.push(overridden(base, b.from, service, setting));
      }
    }
    for (const ir of TRAEFIK_GROUPS.flatMap((g) => graph.list('IngressRoute', g))) {
      const routes = dig(ir.raw, 'spec', 'routes');
      const names = (Array.isArray(routes) ? routes : []).flatMap((r) => {
        const services = dig(r, 'services');
        return Array.isArray(services) ? services.map((s) => [dig(s, 'name'), dig(s, 'namespace') ?? ir.namespace]) : [];
      });
      if (names.some(([n, ns]) => n === service.name && ns === service.namespace)) out.push(overridden(TRAEFIK, ir, service, transport));
    }
  }
  return out;
}
