// What a backend port serves and what a proxy speaks to it. Both sides are read
// from explicit declarations only — appProtocol, exact port names, controller
// annotations, BackendTLSPolicy — never guessed from port numbers, so that a
// mismatch between the two is evidence, not an opinion.

import { dig, isObject } from '../../engine/fields.ts';
import type { ResourceGraph } from '../../engine/graph.ts';
import { GATEWAY_GROUP } from '../../engine/kinds.ts';
import { findContainerPort, type Backend, type Resource, type Service, type ServicePort } from '../../engine/model.ts';
import { FAMILY_LABEL, type IngressController } from './ingress-controller.ts';
import { destinationRulesFor } from './proxy-timeouts.ts';

/** What a port serves: plain HTTP/1.1, TLS, gRPC (cleartext or not: unknown), cleartext HTTP/2. */
export type Served = 'http' | 'tls' | 'grpc' | 'h2c';

/** What a proxy speaks upstream. `h2` is HTTP/2 over TLS. */
export type Wire = 'http' | 'tls' | 'grpc' | 'grpcs' | 'h2c' | 'h2';

export interface ServedEvidence {
  served: Served;
  /** Each declaration, for messages: `Service port name "https"`, `appProtocol: grpc`. */
  because: string[];
  /** Declared by appProtocol or a container port name, not only by the Service port's name. */
  strong: boolean;
}

export interface Speech {
  /** Undefined: the proxy is told something guard502 cannot compare (FCGI, AUTO_HTTP, implementation-specific appProtocol). */
  wire?: Wire;
  /** Where the proxy is told (or the default that applies), for messages and fixes. */
  because: string;
  /** The controller is identified (its default or annotation applies for sure). */
  certain: boolean;
}

const BY_NAME: Record<string, Served> = { http: 'http', https: 'tls', tls: 'tls', grpc: 'grpc', h2c: 'h2c' };
const BY_APP_PROTOCOL: Record<string, Served> = {
  http: 'http',
  https: 'tls',
  tls: 'tls',
  grpc: 'grpc',
  h2c: 'h2c',
  'kubernetes.io/h2c': 'h2c',
  'kubernetes.io/ws': 'http',
  'kubernetes.io/wss': 'tls',
};

/** Usual cleartext HTTP container ports: a bare `https` Service port name on them most likely describes the client side. */
const CLEARTEXT_TARGETS = new Set([80, 8080]);

/**
 * What the port of a Service serves, from explicit declarations: its appProtocol,
 * its name, the name its targetPort gives, the names of the container ports it
 * lands on — and the same for every other Service port that targets the same
 * container port (one port answering both http and https is a multiplexer:
 * no verdict). Undefined when nothing says, or the declarations disagree.
 */
export function servedBy(svc: Service, sp: ServicePort, graph: ResourceGraph): ServedEvidence | undefined {
  const found = new Map<Served, string[]>();
  let strong = false;
  const note = (s: Served | undefined, why: string, isStrong: boolean) => {
    if (!s) return;
    found.set(s, [...(found.get(s) ?? []), why]);
    if (isStrong) strong = true;
  };
  const containers = graph.workloadsSelectedBy(svc).flatMap((w) => graph.templateOf(w)?.containers ?? []);
  const target = String(sp.targetPort);
  const siblings = svc.ports.filter((p) => p === sp || String(p.targetPort) === target);
  let resolved: number | undefined = typeof sp.targetPort === 'number' ? sp.targetPort : /^\d+$/.test(target) ? Number(target) : undefined;
  for (const p of siblings) {
    const label = p === sp ? 'the Service port' : `Service port ${p.name ?? p.port} (same target)`;
    if (p.appProtocol) note(BY_APP_PROTOCOL[p.appProtocol.toLowerCase()], `${label} has appProtocol: ${p.appProtocol}`, true);
    if (p.name) note(BY_NAME[p.name], `${label} is named "${p.name}"`, false);
  }
  if (typeof sp.targetPort === 'string' && !/^\d+$/.test(sp.targetPort)) note(BY_NAME[sp.targetPort], `its targetPort is "${sp.targetPort}"`, true);
  for (const c of containers) {
    const cp = findContainerPort(c, sp.targetPort);
    if (!cp) continue;
    resolved ??= cp.containerPort;
    if (cp.name) note(BY_NAME[cp.name], `container ${c.name} names the port "${cp.name}"`, true);
  }
  // gRPC runs over cleartext HTTP/2: the two agree.
  if (found.has('grpc') && found.has('h2c')) {
    found.set('grpc', [...(found.get('grpc') ?? []), ...(found.get('h2c') ?? [])]);
    found.delete('h2c');
  }
  if (found.size !== 1) return undefined;
  const [served, because] = [...found.entries()][0] as [Served, string[]];
  // A bare Service port name "https" in front of a usual cleartext port describes the client side (a load balancer
  // terminating TLS), not the container.
  if (served === 'tls' && !strong && resolved !== undefined && CLEARTEXT_TARGETS.has(resolved)) return undefined;
  return { served, because, strong };
}

function upper(v: string | undefined): string | undefined {
  return v === undefined ? undefined : v.trim().toUpperCase();
}

/** Contour's `upstream-protocol.*` annotations list Service ports, by name or number. */
function listsPort(value: string, sp: ServicePort): boolean {
  return value.split(',').some((s) => s.trim() === sp.name || s.trim() === String(sp.port));
}

function namesService(value: string | undefined, svc: Service): boolean {
  return value !== undefined && value.split(',').some((s) => s.trim() === svc.name);
}

/** The first of `keys` set on the Service, then on the Ingress (Service annotations win, as the controllers do). */
function annotation(keys: readonly string[], ...objects: Resource[]): { key: string; value: string; on: Resource } | undefined {
  for (const o of objects) {
    for (const key of keys) {
      const value = o.annotations[key];
      if (value !== undefined) return { key, value, on: o };
    }
  }
  return undefined;
}

function gkeAppProtocols(svc: Service): Record<string, string> | undefined {
  const raw = svc.annotations['cloud.google.com/app-protocols'] ?? svc.annotations['service.alpha.kubernetes.io/app-protocols'];
  if (raw === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') out[k] = v;
    return out;
  } catch {
    return {};
  }
}

/** Service annotations by which some controller is told the upstream protocol. */
const SERVICE_PROTOCOL_KEYS = [
  'traefik.ingress.kubernetes.io/service.serversscheme',
  'cloud.google.com/app-protocols',
  'service.alpha.kubernetes.io/app-protocols',
  'konghq.com/protocol',
  'alb.ingress.kubernetes.io/backend-protocol',
  'alb.ingress.kubernetes.io/backend-protocol-version',
  'haproxy.org/server-ssl',
  'haproxy.org/server-proto',
  'projectcontour.io/upstream-protocol.tls',
  'projectcontour.io/upstream-protocol.h2',
  'projectcontour.io/upstream-protocol.h2c',
];

/** What an Ingress controller speaks to one Service port. */
export function ingressSpeech(ing: Resource, svc: Service, sp: ServicePort, controller: IngressController): Speech {
  const who = `${FAMILY_LABEL[controller.family]} (${controller.how})`;
  const certain = controller.family !== 'unknown';
  switch (controller.family) {
    case 'ingress-nginx': {
      const v = upper(ing.annotations['nginx.ingress.kubernetes.io/backend-protocol']);
      if (ing.annotations['nginx.ingress.kubernetes.io/secure-backends'] !== undefined) return { because: `${who} follows legacy secure-backends`, certain };
      if (v === undefined) return { wire: 'http', because: `${who} speaks plain HTTP unless nginx.ingress.kubernetes.io/backend-protocol says otherwise`, certain };
      const wire = ({ HTTP: 'http', HTTPS: 'tls', GRPC: 'grpc', GRPCS: 'grpcs' } as Record<string, Wire>)[v];
      return { ...(wire ? { wire } : {}), because: `${who} follows nginx.ingress.kubernetes.io/backend-protocol: ${v}`, certain };
    }
    case 'nginx-inc': {
      // Both annotations list Service names (not ports): `nginx.org/ssl-services: "svc1,svc2"`.
      const ssl = namesService(ing.annotations['nginx.org/ssl-services'], svc);
      const grpc = namesService(ing.annotations['nginx.org/grpc-services'], svc);
      const wire: Wire = grpc ? (ssl ? 'grpcs' : 'grpc') : ssl ? 'tls' : 'http';
      const keys = [ssl ? 'nginx.org/ssl-services' : '', grpc ? 'nginx.org/grpc-services' : ''].filter(Boolean);
      const because = keys.length > 0
        ? `${who} follows ${keys.join(' and ')}, which ${keys.length > 1 ? 'list' : 'lists'} Service ${svc.name}`
        : `${who} speaks plain HTTP unless nginx.org/ssl-services or nginx.org/grpc-services lists the Service`;
      return { wire, because, certain };
    }
    case 'traefik': {
      const scheme = svc.annotations['traefik.ingress.kubernetes.io/service.serversscheme'];
      if (scheme !== undefined) {
        const wire = ({ http: 'http', https: 'tls', h2c: 'h2c' } as Record<string, Wire>)[scheme.trim().toLowerCase()];
        return { ...(wire ? { wire } : {}), because: `${who} follows Service annotation traefik.ingress.kubernetes.io/service.serversscheme: ${scheme}`, certain };
      }
      if (sp.port === 443 || (sp.name ?? '').startsWith('https')) return { wire: 'tls', because: `${who} speaks HTTPS to port 443 and to ports named https*`, certain };
      return { wire: 'http', because: `${who} speaks plain HTTP unless the Service sets traefik.ingress.kubernetes.io/service.serversscheme`, certain };
    }
    case 'alb': {
      const proto = annotation(['alb.ingress.kubernetes.io/backend-protocol'], svc, ing);
      const version = annotation(['alb.ingress.kubernetes.io/backend-protocol-version'], svc, ing);
      const tls = upper(proto?.value) === 'HTTPS';
      const v = upper(version?.value) ?? 'HTTP1';
      const wire: Wire | undefined = v === 'GRPC' ? (tls ? 'grpcs' : 'grpc') : v === 'HTTP2' ? (tls ? 'h2' : 'h2c') : v === 'HTTP1' ? (tls ? 'tls' : 'http') : undefined;
      const said = [proto, version].filter((x) => x !== undefined).map((x) => `${x.key}: ${x.value}${x.on === svc ? ' (on the Service)' : ''}`);
      return { ...(wire ? { wire } : {}), because: said.length ? `${who} follows ${said.join(', ')}` : `${who} speaks plain HTTP/1.1 unless alb.ingress.kubernetes.io/backend-protocol(-version) says otherwise`, certain };
    }
    case 'gce': {
      if (sp.appProtocol) return { because: `${who} follows appProtocol ${sp.appProtocol}`, certain };
      const map = gkeAppProtocols(svc);
      const v = sp.name ? upper(map?.[sp.name]) : undefined;
      if (v === undefined) return { wire: 'http', because: `${who} speaks plain HTTP unless the Service's cloud.google.com/app-protocols names the port`, certain };
      const wire = ({ HTTP: 'http', HTTPS: 'tls', HTTP2: 'h2' } as Record<string, Wire>)[v];
      return { ...(wire ? { wire } : {}), because: `${who} follows the Service's app-protocols annotation, ${v} for port ${sp.name}`, certain };
    }
    case 'haproxy': {
      const ssl = annotation(['haproxy.org/server-ssl', 'haproxy.com/server-ssl', 'ingress.kubernetes.io/server-ssl'], svc, ing);
      const proto = annotation(['haproxy.org/server-proto', 'haproxy.com/server-proto'], svc, ing);
      const bp = annotation(['haproxy-ingress.github.io/backend-protocol', 'ingress.kubernetes.io/backend-protocol'], svc, ing);
      if (bp) {
        const wire = ({ h1: 'http', h2: 'h2c', 'h1-ssl': 'tls', 'h2-ssl': 'h2' } as Record<string, Wire>)[bp.value.trim().toLowerCase()];
        return { ...(wire ? { wire } : {}), because: `${who} follows ${bp.key}: ${bp.value}`, certain };
      }
      const tls = ssl?.value.trim().toLowerCase() === 'true';
      const h2 = proto?.value.trim().toLowerCase() === 'h2';
      const said = [ssl, proto].filter((x) => x !== undefined).map((x) => `${x.key}: ${x.value}`);
      return { wire: h2 ? (tls ? 'h2' : 'h2c') : tls ? 'tls' : 'http', because: said.length ? `${who} follows ${said.join(', ')}` : `${who} speaks plain HTTP unless haproxy.org/server-ssl or server-proto says otherwise`, certain };
    }
    case 'contour': {
      for (const [suffix, wire] of [['tls', 'tls'], ['h2', 'h2'], ['h2c', 'h2c']] as const) {
        const a = annotation([`projectcontour.io/upstream-protocol.${suffix}`, `contour.heptio.com/upstream-protocol.${suffix}`], svc);
        if (a && listsPort(a.value, sp)) return { wire, because: `${who} follows Service annotation ${a.key}: ${a.value}`, certain };
      }
      const ap = sp.appProtocol?.toLowerCase();
      if (ap) {
        const wire = ({ h2: 'h2', h2c: 'h2c', 'kubernetes.io/h2c': 'h2c', tls: 'tls', 'kubernetes.io/wss': 'tls', 'kubernetes.io/ws': 'http' } as Record<string, Wire>)[ap];
        return { ...(wire ? { wire } : {}), because: `${who} follows appProtocol ${sp.appProtocol}`, certain };
      }
      return { wire: 'http', because: `${who} speaks plain HTTP unless the Service's projectcontour.io/upstream-protocol.* annotations or appProtocol say otherwise`, certain };
    }
    case 'kong': {
      const v = svc.annotations['konghq.com/protocol'];
      if (v === undefined) return { wire: 'http', because: `${who} speaks plain HTTP unless the Service sets konghq.com/protocol`, certain };
      const wire = ({ http: 'http', https: 'tls', grpc: 'grpc', grpcs: 'grpcs', ws: 'http', wss: 'tls' } as Record<string, Wire>)[v.trim().toLowerCase()];
      return { ...(wire ? { wire } : {}), because: `${who} follows Service annotation konghq.com/protocol: ${v}`, certain };
    }
    case 'agic': {
      const v = ing.annotations['appgw.ingress.kubernetes.io/backend-protocol'];
      if (v === undefined) return { wire: 'http', because: `${who} speaks plain HTTP unless appgw.ingress.kubernetes.io/backend-protocol says https`, certain };
      const wire = ({ http: 'http', https: 'tls' } as Record<string, Wire>)[v.trim().toLowerCase()];
      return { ...(wire ? { wire } : {}), because: `${who} follows appgw.ingress.kubernetes.io/backend-protocol: ${v}`, certain };
    }
    case 'istio':
      // Istio derives the upstream protocol from the very port names and appProtocol judged here.
      return { because: `${who} derives the protocol from the port`, certain };
    case 'unknown': {
      const told = SERVICE_PROTOCOL_KEYS.find((k) => svc.annotations[k] !== undefined);
      if (told) return { because: `the Service sets ${told} for a controller guard502 cannot identify here`, certain: false };
      return { wire: 'http', because: 'ingress controllers speak plain HTTP/1.1 upstream by default (Traefik switches to HTTPS for ports named https*)', certain: false };
    }
  }
}

/** A BackendTLSPolicy that makes Gateway API implementations originate TLS to this Service port. */
export function backendTlsPolicy(graph: ResourceGraph, svc: Service, sp: ServicePort): Resource | undefined {
  return graph.list('BackendTLSPolicy', GATEWAY_GROUP, svc.namespace).find((p) => {
    const many = dig(p.raw, 'spec', 'targetRefs');
    const refs = Array.isArray(many) ? many : [dig(p.raw, 'spec', 'targetRef')];
    return refs.some(
      (r) => isObject(r) && (r.group ?? '') === '' && r.kind === 'Service' && r.name === svc.name && (r.sectionName === undefined || r.sectionName === sp.name),
    );
  });
}

/**
 * An Istio DestinationRule that originates TLS (SIMPLE or MUTUAL) to the Service port: the port's own
 * `portLevelSettings` TLS mode when it sets one, else the rule-wide one (ISTIO_MUTUAL is the mesh's own
 * mTLS, transparent to the app).
 */
export function meshTlsOrigination(graph: ResourceGraph, svc: Service, sp: ServicePort): Resource | undefined {
  return destinationRulesFor(graph, svc).find((d) => {
    const ports = dig(d.raw, 'spec', 'trafficPolicy', 'portLevelSettings');
    const own = (Array.isArray(ports) ? ports : []).find((p) => dig(p, 'port', 'number') === sp.port && dig(p, 'tls', 'mode') !== undefined);
    const mode = own ? dig(own, 'tls', 'mode') : dig(d.raw, 'spec', 'trafficPolicy', 'tls', 'mode');
    return mode === 'SIMPLE' || mode === 'MUTUAL';
  });
}

/** The controllerName of the GatewayClass of the route's first parent Gateway, when the input holds them. */
export function routeImplementation(graph: ResourceGraph, route: Resource): string | undefined {
  const parents = dig(route.raw, 'spec', 'parentRefs');
  for (const p of Array.isArray(parents) ? parents : []) {
    if (!isObject(p) || typeof p.name !== 'string' || (p.kind ?? 'Gateway') !== 'Gateway') continue;
    const ns = typeof p.namespace === 'string' ? p.namespace : route.namespace;
    const gw = graph.find(GATEWAY_GROUP, 'Gateway', ns, p.name);
    const cls = gw ? dig(gw.raw, 'spec', 'gatewayClassName') : undefined;
    if (typeof cls !== 'string') continue;
    const gc = graph.find(GATEWAY_GROUP, 'GatewayClass', '', cls);
    const controller = gc ? dig(gc.raw, 'spec', 'controllerName') : undefined;
    return typeof controller === 'string' ? controller : cls;
  }
  return undefined;
}

/** What a Gateway API implementation speaks to a Service port for this route. */
export function routeSpeech(graph: ResourceGraph, b: Backend, svc: Service, sp: ServicePort): Speech {
  const grpc = b.proxy === 'grpcroute';
  const impl = routeImplementation(graph, b.from);
  if (impl && /istio/.test(impl)) return { because: `Istio (${impl}) derives the protocol from the port`, certain: true };
  const policy = backendTlsPolicy(graph, svc, sp);
  const dr = meshTlsOrigination(graph, svc, sp);
  const tls = policy !== undefined || dr !== undefined;
  const tlsWhy = policy ? `BackendTLSPolicy ${policy.name} originates TLS` : dr ? `DestinationRule ${dr.name} originates TLS` : '';
  const ap = sp.appProtocol;
  // `https` names what the port serves (the IANA service name), not an instruction to originate TLS: except
  // where the implementation reads it so (GKE, whose own spelling is `HTTPS`; Traefik), the route still
  // speaks what it speaks.
  if (ap === 'https' && !(impl && /gke|traefik/i.test(impl))) {
    const wire: Wire = grpc ? (tls ? 'grpcs' : 'grpc') : tls ? 'tls' : 'http';
    return {
      wire,
      because: tlsWhy || `appProtocol ${ap} describes the port but originates nothing: ${grpc ? 'a GRPCRoute speaks cleartext HTTP/2' : 'an HTTPRoute speaks plain HTTP/1.1'} unless a BackendTLSPolicy originates TLS`,
      certain: true,
    };
  }
  if (ap) {
    const std = ({ 'kubernetes.io/h2c': 'h2c', 'kubernetes.io/ws': 'http', 'kubernetes.io/wss': 'tls' } as Record<string, Wire>)[ap];
    // Other values (GKE's HTTPS and HTTP2, …) are implementation-specific instructions: no verdict.
    if (!std) return { because: `appProtocol ${ap} on the Service port`, certain: false };
    const wire: Wire = std === 'h2c' ? (tls ? 'h2' : 'h2c') : std === 'http' && tls ? 'tls' : std;
    return { wire, because: `appProtocol ${ap} on the Service port${tlsWhy ? ` and ${tlsWhy}` : ''}`, certain: true };
  }
  const wire: Wire = grpc ? (tls ? 'grpcs' : 'grpc') : tls ? 'tls' : 'http';
  return {
    wire,
    because: tlsWhy || (grpc ? 'a GRPCRoute speaks cleartext HTTP/2 (gRPC) unless a BackendTLSPolicy originates TLS' : 'an HTTPRoute speaks plain HTTP/1.1 unless a BackendTLSPolicy originates TLS or appProtocol says otherwise'),
    certain: true,
  };
}
