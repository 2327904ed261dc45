import { defineRule } from '../engine/rule.ts';
import { isIngressResource, isRouteResource, type Backend, type Resource, type Service, type ServicePort } from '../engine/model.ts';
import type { ResourceGraph } from '../engine/graph.ts';
import type { RuleHit, Severity } from '../engine/types.ts';
import { ingressController, type IngressController } from './lib/ingress-controller.ts';
import { ingressSpeech, routeSpeech, servedBy, type Served, type ServedEvidence, type Speech, type Wire } from './lib/protocols.ts';
import { isAlbAction } from './lib/references.ts';
import { fixWithYaml } from './lib/yaml.ts';
import { NEIGHBOUR_FIELDS } from './lib/reads.ts';
import { KONG_CONFIGURATION_GROUP, KONG_UPSTREAM_POLICY, kongActiveCheck } from './lib/health-checks.ts';

type Want = 'tls' | 'grpc' | 'plain';

interface Clash {
  /** What the proxy does, for messages: `sends plain HTTP to`. */
  verb: string;
  /** What the port needs the proxy to do instead. */
  want: Want;
  /** The proxy originates TLS to a cleartext port (the reverse direction). */
  reverse: boolean;
}

const TLS_WIRES: ReadonlySet<Wire> = new Set(['tls', 'grpcs', 'h2']);

const SERVES: Record<Served, string> = {
  tls: 'serves TLS',
  grpc: 'serves gRPC (HTTP/2 only)',
  http: 'serves plain HTTP',
  h2c: 'serves cleartext HTTP/2',
};

/** The clear mismatches between what the proxy speaks and what the port serves; the rest is left alone. */
function clash(wire: Wire, served: Served): Clash | undefined {
  if (TLS_WIRES.has(wire)) {
    if (served === 'http' || served === 'h2c') return { verb: 'opens TLS connections to', want: 'plain', reverse: true };
    return undefined;
  }
  if (served === 'tls') {
    const verb = wire === 'http' ? 'sends plain HTTP to' : wire === 'grpc' ? 'sends cleartext gRPC to' : 'sends cleartext HTTP/2 to';
    return { verb, want: 'tls', reverse: false };
  }
  if (wire === 'http' && served === 'grpc') return { verb: 'sends HTTP/1.1 to', want: 'grpc', reverse: false };
  return undefined;
}

function portLabel(sp: ServicePort): string {
  return sp.name ? `${sp.name} (${sp.port})` : String(sp.port);
}

function resolvePort(svc: Service, b: Backend): ServicePort | undefined {
  if (b.port?.number !== undefined) return svc.ports.find((p) => p.port === b.port?.number);
  if (b.port?.name !== undefined) return svc.ports.find((p) => p.name === b.port?.name);
  return undefined;
}

/** What Kong's active health checker speaks, by `healthchecks.active.type` (`tcp` only connects: nothing to compare). */
const KONG_CHECK_WIRE: Record<string, Wire> = { http: 'http', https: 'tls', grpc: 'grpc', grpcs: 'grpcs' };

/**
 * A KongUpstreamPolicy whose active health check speaks another protocol than the ports of the Services naming it
 * serve: every check fails, Kong takes every pod out and answers 503 (it has no panic mode that would send traffic anyway).
 */
function kongHealthCheckClashes(p: Resource, graph: ResourceGraph): RuleHit[] {
  const check = kongActiveCheck(p);
  const wire = check ? KONG_CHECK_WIRE[check.type] : undefined;
  if (!check || !wire) return [];
  const hits: RuleHit[] = [];
  for (const svc of graph.services(p.namespace)) {
    if (svc.annotations[KONG_UPSTREAM_POLICY]?.trim() !== p.name || svc.type === 'ExternalName') continue;
    for (const sp of svc.ports) {
      const evidence = servedBy(svc, sp, graph);
      const c = evidence ? clash(wire, evidence.served) : undefined;
      if (!evidence || !c) continue;
      const want: Record<Want, string> = { tls: 'https', grpc: 'grpc', plain: evidence.served === 'grpc' ? 'grpc' : 'http' };
      hits.push({
        path: 'spec.healthchecks.active.type',
        message:
          `The active health check of KongUpstreamPolicy ${p.name} (type ${check.type}) ${c.verb} Service ${svc.name} port ${portLabel(sp)}, which ` +
          `${SERVES[evidence.served]} (${evidence.because.join('; ')}): every check fails, Kong takes every pod out of rotation and answers 503 to every request.`,
        fix: fixWithYaml('Check the pods in the protocol the port serves:', { spec: { healthchecks: { active: { type: want[c.want] } } } }),
        ...(c.reverse && !evidence.strong ? { severity: 'warning' as const } : {}),
      });
    }
  }
  return hits;
}

/** The change that makes the proxy speak what the port serves. */
function ingressFix(c: IngressController, want: Want, svc: Service, sp: ServicePort, ev: ServedEvidence): string {
  const portKey = sp.name ?? String(sp.port);
  const grpc = want === 'grpc';
  const plain = want === 'plain';
  const sentence = plain
    ? `Let the controller speak plain HTTP to this port (it serves cleartext: ${ev.because.join('; ')}), or point the backend at the port that serves TLS`
    : 'Tell the controller which protocol the port serves';
  const onIngress = (annotations: Record<string, string>) => fixWithYaml(`${sentence} (on the Ingress):`, { metadata: { annotations } });
  const onService = (annotations: Record<string, string>) => fixWithYaml(`${sentence} (on Service ${svc.name}):`, { metadata: { annotations } });
  switch (c.family) {
    // Istio derives the protocol from the port itself: it speaks no protocol that could clash, so only the generic fix could apply.
    case 'istio':
    case 'unknown':
      return fixWithYaml(`${sentence}; for ingress-nginx, on the Ingress (other controllers have their own annotation):`, {
        metadata: { annotations: { 'nginx.ingress.kubernetes.io/backend-protocol': plain ? 'HTTP' : grpc ? 'GRPC' : 'HTTPS' } },
      });
    case 'ingress-nginx':
      return onIngress({ 'nginx.ingress.kubernetes.io/backend-protocol': plain ? 'HTTP' : grpc ? 'GRPC' : 'HTTPS' });
    case 'nginx-inc':
      return plain
        ? fixWithYaml(`${sentence}: remove ${svc.name} from the nginx.org/ssl-services annotation of the Ingress.`, { metadata: { annotations: { 'nginx.org/ssl-services': '<the other Services>' } } })
        : onIngress(grpc ? { 'nginx.org/grpc-services': svc.name } : { 'nginx.org/ssl-services': svc.name });
    case 'traefik':
      return onService({ 'traefik.ingress.kubernetes.io/service.serversscheme': plain ? 'http' : grpc ? 'h2c' : 'https' });
    case 'alb':
      return onIngress(
        plain ? { 'alb.ingress.kubernetes.io/backend-protocol': 'HTTP' } : grpc ? { 'alb.ingress.kubernetes.io/backend-protocol-version': 'GRPC' } : { 'alb.ingress.kubernetes.io/backend-protocol': 'HTTPS' },
      );
    case 'gce':
      return (
        onService({ 'cloud.google.com/app-protocols': JSON.stringify({ [portKey]: plain ? 'HTTP' : grpc ? 'HTTP2' : 'HTTPS' }) }) +
        (grpc ? '\n(GKE speaks HTTP/2 to backends over TLS only: the gRPC server must serve TLS.)' : '')
      );
    case 'haproxy':
      return onIngress(plain ? { 'haproxy.org/server-ssl': 'false' } : grpc ? { 'haproxy.org/server-proto': 'h2' } : { 'haproxy.org/server-ssl': 'true' });
    case 'contour':
      return plain
        ? fixWithYaml(`${sentence}: remove port ${portKey} from the projectcontour.io/upstream-protocol.* annotations of Service ${svc.name}.`, { metadata: { annotations: { 'projectcontour.io/upstream-protocol.tls': '<the TLS ports only>' } } })
        : onService({ [`projectcontour.io/upstream-protocol.${grpc ? 'h2c' : 'tls'}`]: portKey });
    case 'kong':
      return onService({ 'konghq.com/protocol': plain ? 'http' : grpc ? 'grpc' : 'https' });
    case 'agic':
      return onIngress({ 'appgw.ingress.kubernetes.io/backend-protocol': plain ? 'http' : 'https' });
  }
}

function routeFix(want: Want, svc: Service, sp: ServicePort): string {
  if (want === 'plain') {
    return fixWithYaml('Originate TLS only to ports that serve it: narrow the BackendTLSPolicy to the TLS port with sectionName, or point the route at that port:', {
      spec: { targetRefs: [{ group: '', kind: 'Service', name: svc.name, sectionName: '<the TLS port name>' }] },
    });
  }
  if (want === 'grpc') {
    return fixWithYaml(`Route gRPC with a GRPCRoute, or tell the implementation the port speaks cleartext HTTP/2 (on Service ${svc.name}):`, {
      ports: [{ ...(sp.name ? { name: sp.name } : {}), port: sp.port, appProtocol: 'kubernetes.io/h2c' }],
    });
  }
  return fixWithYaml(`Originate TLS to the port with a BackendTLSPolicy in namespace ${svc.namespace}:`, {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'BackendTLSPolicy',
    metadata: { name: `${svc.name}-tls`, namespace: svc.namespace },
    spec: {
      targetRefs: [{ group: '', kind: 'Service', name: svc.name, ...(sp.name ? { sectionName: sp.name } : {}) }],
      validation: { hostname: `${svc.name}.${svc.namespace}.svc`, caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: `${svc.name}-ca` }] },
    },
  });
}

/** Fixture: an Ingress of a class, with annotations, in front of Service `api` with the ports and annotations given. */
function ingressYaml(cls: string, ingressAnnotations: string, servicePorts: string, serviceAnnotations = '{}'): string {
  return `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, annotations: ${ingressAnnotations}}
spec:
  ingressClassName: ${cls}
  rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 443}}}}]}}]
---
apiVersion: v1
kind: Service
metadata: {name: api, annotations: ${serviceAnnotations}}
spec:
  selector: {app: api}
  ports: ${servicePorts}
`;
}

export default defineRule({
  id: 'backend-protocol-mismatch',
  title: "Proxy protocol does not match the backend port's protocol",
  shape: 'garbage',
  severity: 'error',
  targets: ['Ingress', 'HTTPRoute', 'GRPCRoute', 'KongUpstreamPolicy'],
  reads: [
    { group: '*', kind: 'workload', fields: NEIGHBOUR_FIELDS },
    { group: '', kind: 'Service' },
    { group: 'gateway.networking.k8s.io', kind: 'BackendTLSPolicy' },
    { group: 'gateway.networking.k8s.io', kind: 'Gateway' },
    { group: 'gateway.networking.k8s.io', kind: 'GatewayClass' },
    { group: 'gateway.networking.k8s.io', kind: 'ReferenceGrant' },
    // Istio hosts name Services of any namespace.
    { group: 'networking.istio.io', kind: 'DestinationRule', anyNamespace: true },
    { group: 'networking.k8s.io', kind: 'IngressClass' },
  ],
  params: {},
  docs: {
    what:
      'Compares, for every backend of an Ingress or route, what the proxy speaks upstream with what the Service ' +
      'port serves. The port side is read from explicit declarations only: `appProtocol` (`https`, `tls`, `grpc`, ' +
      '`h2c`, `kubernetes.io/h2c`, `http`, `kubernetes.io/ws(s)`), a Service port named exactly `https`, `tls`, ' +
      '`grpc`, `h2c` or `http`, a named targetPort and the name of the container port it lands on. The proxy side ' +
      'is the controller\'s default or what it is told: ingress-nginx `nginx.ingress.kubernetes.io/backend-protocol`, ' +
      'NGINX Inc `nginx.org/ssl-services`/`grpc-services`, AWS `alb.ingress.kubernetes.io/backend-protocol(-version)`, ' +
      'GKE `cloud.google.com/app-protocols`, Traefik `traefik.ingress.kubernetes.io/service.serversscheme` (and its ' +
      'HTTPS switch for port 443 and ports named `https*`), HAProxy `server-ssl`/`server-proto`, Contour ' +
      '`projectcontour.io/upstream-protocol.*` and appProtocol, Kong `konghq.com/protocol`, Application Gateway ' +
      '`appgw.ingress.kubernetes.io/backend-protocol`; for Gateway API, HTTP/1.1 for an HTTPRoute and cleartext ' +
      'HTTP/2 for a GRPCRoute unless a BackendTLSPolicy (or an Istio DestinationRule) originates TLS or the ' +
      'standard appProtocol `kubernetes.io/h2c` applies.\n\n' +
      'It also compares the active health check of a Kong `KongUpstreamPolicy` (`spec.healthchecks.active.type`: ' +
      '`http`, the default, `https`, `grpc` or `grpcs`; checks run only with a positive `healthy.interval`, 0 by default) ' +
      'with the ports of the Services that name it in `konghq.com/upstream-policy`: a check in the wrong protocol fails ' +
      'on every pod, and Kong — which has no panic mode — takes them all out of rotation and answers 503 to every request.',
    why:
      'When the two disagree the bytes on the wire are garbage to the other side: a TLS server receives a plain ' +
      'HTTP request and closes the connection (or answers 400), a gRPC server receives HTTP/1.1 and resets the ' +
      'stream, a cleartext server receives a TLS ClientHello. The proxy reads no valid response and answers 502 — ' +
      'on every request, from the first deploy.',
    fix:
      'Tell the proxy what the port serves, in the way its controller reads it:\n\n```yaml\n# ingress-nginx, on the ' +
      'Ingress\nmetadata:\n  annotations:\n    nginx.ingress.kubernetes.io/backend-protocol: "HTTPS"   # or GRPC, GRPCS\n' +
      '---\n# Gateway API: originate TLS to the port\napiVersion: gateway.networking.k8s.io/v1\nkind: BackendTLSPolicy\n' +
      'metadata:\n  name: api-tls\nspec:\n  targetRefs:\n    - {group: "", kind: Service, name: api, sectionName: https}\n  ' +
      'validation:\n    hostname: api.default.svc\n    caCertificateRefs: [{group: "", kind: ConfigMap, name: api-ca}]\n```\n\n' +
      'For gRPC behind an HTTPRoute, use a GRPCRoute or set `appProtocol: kubernetes.io/h2c` on the Service port.',
    notes:
      'Port numbers alone are never evidence, and a Service port merely named `https` in front of container port 80 ' +
      'or 8080 is taken to describe a load balancer\'s client side. Silent when the declarations disagree (a port ' +
      'named `http` whose container port is named `https`, or one container port exposed both as `http` and `https` — ' +
      'a multiplexing server), for HTTP/1.1 to an `h2c` port (such servers usually accept HTTP/1.1 too), for ' +
      'cleartext gRPC to a port named `http` (gRPC servers are often named so), for AUTO_HTTP/FCGI and for values ' +
      'guard502 cannot compare (GKE\'s `HTTPS`/`HTTP2` appProtocol on a route — the lowercase IANA name `https` ' +
      'describes the port and originates no TLS, so a route without a BackendTLSPolicy is judged as plain HTTP — a Service annotation of a controller ' +
      'it cannot identify), for Istio (it derives the protocol from the same port names), and for ExternalName ' +
      'Services. Kong `tcp` health checks only connect and are not compared; Envoy Gateway active checks are not ' +
      'compared either, as its panic mode keeps sending traffic when more than half the pods fail them. When the Ingress class is unknown, findings are warnings: Traefik would switch to HTTPS for ports ' +
      'named `https*` by itself. HTTPRoutes to a port named `grpc` are warnings too, as some implementations infer ' +
      'HTTP/2 from the name.',
  },
  evaluate(obj, graph) {
    if (obj.kind === 'KongUpstreamPolicy' && obj.group === KONG_CONFIGURATION_GROUP) return kongHealthCheckClashes(obj, graph);
    const ingress = isIngressResource(obj);
    if (!ingress && !isRouteResource(obj)) return [];
    const controller = ingress ? ingressController(obj, graph) : undefined;
    const hits: RuleHit[] = [];
    const seen = new Set<string>();
    for (const b of graph.backendsFrom(obj)) {
      if (isAlbAction(b) || b.weight === 0) continue;
      const svc = graph.service(b.serviceNamespace, b.serviceName);
      if (!svc || svc.type === 'ExternalName') continue;
      if (!ingress && !graph.referenceGrantAllows(obj, b.serviceNamespace, b.serviceName)) continue;
      const sp = resolvePort(svc, b);
      if (!sp) continue;
      const key = `${svc.namespace}/${svc.name}/${sp.port}`;
      if (seen.has(key)) continue;
      const where = `Service ${b.serviceNamespace === obj.namespace ? svc.name : `${svc.namespace}/${svc.name}`} port ${portLabel(sp)}`;
      // A GRPCRoute needs HTTP/2: an appProtocol that declares HTTP/1.1 makes the backend unusable.
      if (b.proxy === 'grpcroute' && sp.appProtocol && ['http', 'kubernetes.io/ws'].includes(sp.appProtocol.toLowerCase())) {
        seen.add(key);
        hits.push({
          path: b.path,
          message:
            `GRPCRoute ${obj.name} sends gRPC to ${where}, whose appProtocol ${sp.appProtocol} declares HTTP/1.1: the implementation either ` +
            'rejects the backend (ResolvedRefs: False, UnsupportedProtocol) and answers 500, or speaks HTTP/2 to a server that expects HTTP/1.1 and gets garbage back (502).',
          fix: fixWithYaml(`Declare the port as cleartext HTTP/2 (on Service ${svc.name}):`, { ports: [{ ...(sp.name ? { name: sp.name } : {}), port: sp.port, appProtocol: 'kubernetes.io/h2c' }] }),
          severity: 'warning',
        });
        continue;
      }
      const evidence = servedBy(svc, sp, graph);
      if (!evidence) continue;
      const speech: Speech = controller ? ingressSpeech(obj, svc, sp, controller) : routeSpeech(graph, b, svc, sp);
      if (!speech.wire) continue;
      const c = clash(speech.wire, evidence.served);
      if (!c) continue;
      seen.add(key);
      let severity: Severity = 'error';
      if (!speech.certain || (c.reverse && !evidence.strong) || (b.proxy === 'httproute' && c.want === 'grpc')) severity = 'warning';
      const proxy = ingress ? `Ingress ${obj.name}` : `${obj.kind} ${obj.name}`;
      hits.push({
        path: b.path,
        message:
          `${proxy} ${c.verb} ${where}, which ${SERVES[evidence.served]} (${evidence.because.join('; ')}) — ${speech.because}. ` +
          'The server cannot read what it receives and the proxy answers 502.',
        fix: controller ? ingressFix(controller, c.want, svc, sp, evidence) : routeFix(c.want, svc, sp),
        ...(severity !== 'error' ? { severity } : {}),
      });
    }
    return hits;
  },
  fixtures: {
    fire: [
      {
        name: 'ingress-nginx speaks plain HTTP to a port named https',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: dashboard}
spec:
  ingressClassName: nginx
  rules:
    - host: dash.example.com
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: dashboard, port: {number: 443}}}}
          - {path: /api, pathType: Prefix, backend: {service: {name: dashboard, port: {name: https}}}}
---
apiVersion: v1
kind: Service
metadata: {name: dashboard}
spec:
  selector: {app: dashboard}
  ports: [{name: https, port: 443, targetPort: 8443}]
`,
        expect: [{ severity: 'error', path: 'spec.rules[0].http.paths[0].backend', message: 'Ingress dashboard sends plain HTTP to Service dashboard port https (443), which serves TLS (the Service port is named "https") — ingress-nginx (ingressClassName: nginx) speaks plain HTTP unless nginx.ingress.kubernetes.io/backend-protocol says otherwise. The server cannot read what it receives and the proxy answers 502.', fix: 'Tell the controller which protocol the port serves (on the Ingress):\nmetadata:\n  annotations:\n    nginx.ingress.kubernetes.io/backend-protocol: HTTPS' }],
      },
      {
        name: 'ingress-nginx told HTTPS for a port whose appProtocol is http',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations:
    nginx.ingress.kubernetes.io/backend-protocol: HTTPS
spec:
  ingressClassName: nginx
  defaultBackend: {service: {name: web, port: {number: 80}}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: web, port: 80, targetPort: 8080, appProtocol: http}]
`,
        expect: [{ severity: 'error', path: 'spec.defaultBackend', message: 'Ingress web opens TLS connections to Service web port web (80), which serves plain HTTP (the Service port has appProtocol: http) — ingress-nginx (ingressClassName: nginx) follows nginx.ingress.kubernetes.io/backend-protocol: HTTPS. The server cannot read what it receives and the proxy answers 502.', fix: 'Let the controller speak plain HTTP to this port (it serves cleartext: the Service port has appProtocol: http), or point the backend at the port that serves TLS (on the Ingress):\nmetadata:\n  annotations:\n    nginx.ingress.kubernetes.io/backend-protocol: HTTP' }],
      },
      {
        name: 'AWS ALB speaks HTTP/1.1 to a gRPC container port',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: api}
spec:
  ingressClassName: alb
  rules:
    - http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 50051}}}}
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports: [{port: 50051, targetPort: grpc}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - {name: api, image: api, ports: [{name: grpc, containerPort: 50051}]}
`,
        expect: [{ severity: 'error', path: 'spec.rules[0].http.paths[0].backend', message: 'Ingress api sends HTTP/1.1 to Service api port 50051, which serves gRPC (HTTP/2 only) (its targetPort is "grpc"; container api names the port "grpc") — the AWS Load Balancer Controller (ingressClassName: alb) speaks plain HTTP/1.1 unless alb.ingress.kubernetes.io/backend-protocol(-version) says otherwise. The server cannot read what it receives and the proxy answers 502.', fix: 'Tell the controller which protocol the port serves (on the Ingress):\nmetadata:\n  annotations:\n    alb.ingress.kubernetes.io/backend-protocol-version: GRPC' }],
      },
      {
        name: 'a BackendTLSPolicy for the whole Service also originates TLS to its plain HTTP port: a warning (the port is only named http)',
        yaml: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: api}
spec:
  parentRefs: [{name: gw}]
  rules:
    - backendRefs: [{name: api, port: 8080}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: api-tls}
spec:
  targetRefs: [{group: "", kind: Service, name: api}]
  validation: {hostname: api.default.svc, wellKnownCACertificates: System}
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports: [{name: https, port: 8443, targetPort: 8443}, {name: http, port: 8080, targetPort: 8080}]
`,
        expect: [{ severity: 'warning', path: 'spec.rules[0].backendRefs[0]', message: 'HTTPRoute api opens TLS connections to Service api port http (8080), which serves plain HTTP (the Service port is named "http") — BackendTLSPolicy api-tls originates TLS. The server cannot read what it receives and the proxy answers 502.', fix: 'Originate TLS only to ports that serve it: narrow the BackendTLSPolicy to the TLS port with sectionName, or point the route at that port:\nspec:\n  targetRefs:\n    - group: ""\n      kind: Service\n      name: api\n      sectionName: "<the TLS port name>"' }],
      },
      {
        name: 'an HTTPRoute to a TLS port of another namespace (allowed by a ReferenceGrant) names the Service with its namespace',
        yaml: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: api, namespace: edge}
spec:
  parentRefs: [{name: gw}]
  rules:
    - backendRefs: [{name: api, namespace: shop, port: 8443}]
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: edge, namespace: shop}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: edge}]
  to: [{group: "", kind: Service}]
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec:
  selector: {app: api}
  ports: [{port: 8443, targetPort: 8443, appProtocol: https}]
`,
        expect: [{ severity: 'error', path: 'spec.rules[0].backendRefs[0]', resource: 'HTTPRoute/edge/api', message: 'HTTPRoute api sends plain HTTP to Service shop/api port 8443, which serves TLS (the Service port has appProtocol: https) — appProtocol https describes the port but originates nothing: an HTTPRoute speaks plain HTTP/1.1 unless a BackendTLSPolicy originates TLS.', fix: 'Originate TLS to the port with a BackendTLSPolicy in namespace shop:\napiVersion: gateway.networking.k8s.io/v1\nkind: BackendTLSPolicy\nmetadata:\n  name: api-tls\n  namespace: shop\nspec:\n  targetRefs:\n    - group: ""\n      kind: Service\n      name: api\n  validation:\n    hostname: api.shop.svc\n    caCertificateRefs:\n      - group: ""\n        kind: ConfigMap\n        name: api-ca' }],
      },
      {
        name: 'HTTPRoute to a TLS port without a BackendTLSPolicy',
        yaml: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: api}
spec:
  parentRefs: [{name: gw}]
  rules:
    - backendRefs: [{name: api, port: 8443}]
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports: [{name: https, port: 8443, targetPort: https}]
`,
        expect: [{ severity: 'error', path: 'spec.rules[0].backendRefs[0]', message: 'HTTPRoute api sends plain HTTP to Service api port https (8443), which serves TLS (the Service port is named "https"; its targetPort is "https") — an HTTPRoute speaks plain HTTP/1.1 unless a BackendTLSPolicy originates TLS or appProtocol says otherwise. The server cannot read what it receives and the proxy answers 502.', fix: 'Originate TLS to the port with a BackendTLSPolicy in namespace default:\napiVersion: gateway.networking.k8s.io/v1\nkind: BackendTLSPolicy\nmetadata:\n  name: api-tls\n  namespace: default\nspec:\n  targetRefs:\n    - group: ""\n      kind: Service\n      name: api\n      sectionName: https\n  validation:\n    hostname: api.default.svc\n    caCertificateRefs:\n      - group: ""\n        kind: ConfigMap\n        name: api-ca' }],
      },
      {
        name: 'GRPCRoute (cleartext) to a port that serves TLS',
        yaml: `
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: api}
spec:
  rules:
    - backendRefs: [{name: api, port: 9443}]
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports: [{name: tls, port: 9443}]
`,
        expect: [{ severity: 'error', path: 'spec.rules[0].backendRefs[0]', message: 'GRPCRoute api sends cleartext gRPC to Service api port tls (9443), which serves TLS (the Service port is named "tls") — a GRPCRoute speaks cleartext HTTP/2 (gRPC) unless a BackendTLSPolicy originates TLS. The server cannot read what it receives and the proxy answers 502.', fix: 'Originate TLS to the port with a BackendTLSPolicy in namespace default:\napiVersion: gateway.networking.k8s.io/v1\nkind: BackendTLSPolicy\nmetadata:\n  name: api-tls\n  namespace: default\nspec:\n  targetRefs:\n    - group: ""\n      kind: Service\n      name: api\n      sectionName: tls\n  validation:\n    hostname: api.default.svc\n    caCertificateRefs:\n      - group: ""\n        kind: ConfigMap\n        name: api-ca' }],
      },
      {
        name: 'HTTPRoute to a port named grpc (warning: some implementations infer HTTP/2 from the name)',
        yaml: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: api}
spec:
  rules:
    - backendRefs: [{name: api, port: 9000}]
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports: [{name: grpc, port: 9000}]
`,
        expect: [{ severity: 'warning', path: 'spec.rules[0].backendRefs[0]', message: 'HTTPRoute api sends HTTP/1.1 to Service api port grpc (9000), which serves gRPC (HTTP/2 only) (the Service port is named "grpc") — an HTTPRoute speaks plain HTTP/1.1 unless a BackendTLSPolicy originates TLS or appProtocol says otherwise. The server cannot read what it receives and the proxy answers 502.', fix: 'Route gRPC with a GRPCRoute, or tell the implementation the port speaks cleartext HTTP/2 (on Service api):\nports:\n  - name: grpc\n    port: 9000\n    appProtocol: kubernetes.io/h2c' }],
      },
      {
        name: 'GRPCRoute to a port whose appProtocol declares WebSocket over HTTP/1.1',
        yaml: `
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: api}
spec:
  rules:
    - backendRefs: [{name: api, port: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports: [{name: web, port: 8080, appProtocol: kubernetes.io/ws}]
`,
        expect: [{ severity: 'warning', path: 'spec.rules[0].backendRefs[0]', message: 'GRPCRoute api sends gRPC to Service api port web (8080), whose appProtocol kubernetes.io/ws declares HTTP/1.1: the implementation either rejects the backend (ResolvedRefs: False, UnsupportedProtocol) and answers 500, or speaks HTTP/2 to a server that expects HTTP/1.1 and gets garbage back (502).', fix: 'Declare the port as cleartext HTTP/2 (on Service api):\nports:\n  - name: web\n    port: 8080\n    appProtocol: kubernetes.io/h2c' }],
      },
      {
        name: 'Ingress without a class to a grpc port (warning)',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: api}
spec:
  defaultBackend: {service: {name: api, port: {name: grpc}}}
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports: [{name: grpc, port: 9000}]
`,
        expect: [{ severity: 'warning', path: 'spec.defaultBackend', message: 'Ingress api sends HTTP/1.1 to Service api port grpc (9000), which serves gRPC (HTTP/2 only) (the Service port is named "grpc") — ingress controllers speak plain HTTP/1.1 upstream by default (Traefik switches to HTTPS for ports named https*). The server cannot read what it receives and the proxy answers 502.', fix: 'Tell the controller which protocol the port serves; for ingress-nginx, on the Ingress (other controllers have their own annotation):\nmetadata:\n  annotations:\n    nginx.ingress.kubernetes.io/backend-protocol: GRPC' }],
      },
      {
        name: 'HTTPRoute to a port with appProtocol https and no TLS origination',
        yaml: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: api}
spec:
  rules:
    - backendRefs: [{name: api, port: 443}]
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports: [{name: web, port: 443, targetPort: 8443, appProtocol: https}]
`,
        expect: [{ severity: 'error', path: 'spec.rules[0].backendRefs[0]', message: 'HTTPRoute api sends plain HTTP to Service api port web (443), which serves TLS (the Service port has appProtocol: https) — appProtocol https describes the port but originates nothing: an HTTPRoute speaks plain HTTP/1.1 unless a BackendTLSPolicy originates TLS. The server cannot read what it receives and the proxy answers 502.', fix: 'Originate TLS to the port with a BackendTLSPolicy in namespace default:\napiVersion: gateway.networking.k8s.io/v1\nkind: BackendTLSPolicy\nmetadata:\n  name: api-tls\n  namespace: default\nspec:\n  targetRefs:\n    - group: ""\n      kind: Service\n      name: api\n      sectionName: web\n  validation:\n    hostname: api.default.svc\n    caCertificateRefs:\n      - group: ""\n        kind: ConfigMap\n        name: api-ca' }],
      },
      {
        name: 'ingress-nginx Ingress to a port with appProtocol https and no backend-protocol',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  ingressClassName: nginx
  rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 443}}}}]}}]
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports: [{name: web, port: 443, targetPort: 8443, appProtocol: https}]
`,
        expect: [{ severity: 'error', path: 'spec.rules[0].http.paths[0].backend', message: 'Ingress web sends plain HTTP to Service api port web (443), which serves TLS (the Service port has appProtocol: https) — ingress-nginx (ingressClassName: nginx) speaks plain HTTP unless nginx.ingress.kubernetes.io/backend-protocol says otherwise. The server cannot read what it receives and the proxy answers 502.', fix: 'Tell the controller which protocol the port serves (on the Ingress):\nmetadata:\n  annotations:\n    nginx.ingress.kubernetes.io/backend-protocol: HTTPS' }],
      },
      { name: 'ingress-nginx speaks HTTP/1.1 to a gRPC port', yaml: ingressYaml('nginx', '{}', '[{name: grpc, port: 443, targetPort: 9090, appProtocol: grpc}]'), expect: [{ severity: 'error', path: 'spec.rules[0].http.paths[0].backend', message: 'Ingress web sends HTTP/1.1 to Service api port grpc (443), which serves gRPC (HTTP/2 only) (the Service port has appProtocol: grpc; the Service port is named \"grpc\") — ingress-nginx (ingressClassName: nginx) speaks plain HTTP unless nginx.ingress.kubernetes.io/backend-protocol says otherwise. The server cannot read what it receives and the proxy answers 502.', fix: 'Tell the controller which protocol the port serves (on the Ingress):\nmetadata:\n  annotations:\n    nginx.ingress.kubernetes.io/backend-protocol: GRPC' }] },
      { name: 'the NGINX Ingress Controller speaks HTTP/1.1 to a gRPC port', yaml: ingressYaml('nginx', '{nginx.org/rewrites: "api=/"}', '[{name: grpc, port: 443, targetPort: 9090, appProtocol: grpc}]'), expect: [{ severity: 'error', path: 'spec.rules[0].http.paths[0].backend', message: 'Ingress web sends HTTP/1.1 to Service api port grpc (443), which serves gRPC (HTTP/2 only) (the Service port has appProtocol: grpc; the Service port is named \"grpc\") — the NGINX Ingress Controller (ingressClassName: nginx) speaks plain HTTP unless nginx.org/ssl-services or nginx.org/grpc-services lists the Service. The server cannot read what it receives and the proxy answers 502.', fix: 'Tell the controller which protocol the port serves (on the Ingress):\nmetadata:\n  annotations:\n    nginx.org/grpc-services: api' }] },
      { name: 'HAProxy speaks HTTP/1.1 to a gRPC port', yaml: ingressYaml('haproxy', '{}', '[{name: grpc, port: 443, targetPort: 9090, appProtocol: grpc}]'), expect: [{ severity: 'error', path: 'spec.rules[0].http.paths[0].backend', message: 'Ingress web sends HTTP/1.1 to Service api port grpc (443), which serves gRPC (HTTP/2 only) (the Service port has appProtocol: grpc; the Service port is named \"grpc\") — HAProxy Ingress (ingressClassName: haproxy) speaks plain HTTP unless haproxy.org/server-ssl or server-proto says otherwise. The server cannot read what it receives and the proxy answers 502.', fix: 'Tell the controller which protocol the port serves (on the Ingress):\nmetadata:\n  annotations:\n    haproxy.org/server-proto: h2' }] },
      { name: 'Kong speaks HTTP/1.1 to a gRPC port', yaml: ingressYaml('kong', '{}', '[{name: grpc, port: 443, targetPort: 9090, appProtocol: grpc}]'), expect: [{ severity: 'error', path: 'spec.rules[0].http.paths[0].backend', message: 'Ingress web sends HTTP/1.1 to Service api port grpc (443), which serves gRPC (HTTP/2 only) (the Service port has appProtocol: grpc; the Service port is named \"grpc\") — Kong (ingressClassName: kong) speaks plain HTTP unless the Service sets konghq.com/protocol. The server cannot read what it receives and the proxy answers 502.', fix: 'Tell the controller which protocol the port serves (on Service api):\nmetadata:\n  annotations:\n    konghq.com/protocol: grpc' }] },
      { name: 'an unknown controller speaks HTTP/1.1 to a gRPC port: a warning', yaml: ingressYaml('acme', '{}', '[{name: grpc, port: 443, targetPort: 9090, appProtocol: grpc}]'), expect: [{ severity: 'warning', path: 'spec.rules[0].http.paths[0].backend', message: 'Ingress web sends HTTP/1.1 to Service api port grpc (443), which serves gRPC (HTTP/2 only) (the Service port has appProtocol: grpc; the Service port is named \"grpc\") — ingress controllers speak plain HTTP/1.1 upstream by default (Traefik switches to HTTPS for ports named https*). The server cannot read what it receives and the proxy answers 502.', fix: 'Tell the controller which protocol the port serves; for ingress-nginx, on the Ingress (other controllers have their own annotation):\nmetadata:\n  annotations:\n    nginx.ingress.kubernetes.io/backend-protocol: GRPC' }] },
      { name: 'the NGINX Ingress Controller speaks plain HTTP to a TLS port', yaml: ingressYaml('nginx', '{nginx.org/rewrites: "api=/"}', '[{name: web, port: 443, targetPort: 8443, appProtocol: https}]'), expect: [{ severity: 'error', path: 'spec.rules[0].http.paths[0].backend', message: 'Ingress web sends plain HTTP to Service api port web (443), which serves TLS (the Service port has appProtocol: https) — the NGINX Ingress Controller (ingressClassName: nginx) speaks plain HTTP unless nginx.org/ssl-services or nginx.org/grpc-services lists the Service. The server cannot read what it receives and the proxy answers 502.', fix: 'Tell the controller which protocol the port serves (on the Ingress):\nmetadata:\n  annotations:\n    nginx.org/ssl-services: api' }] },
      { name: 'Traefik told by the Service to speak plain HTTP to a TLS port', yaml: ingressYaml('traefik', '{}', '[{name: web, port: 443, targetPort: 8443, appProtocol: https}]', '{traefik.ingress.kubernetes.io/service.serversscheme: http}'), expect: [{ severity: 'error', path: 'spec.rules[0].http.paths[0].backend', message: 'Ingress web sends plain HTTP to Service api port web (443), which serves TLS (the Service port has appProtocol: https) — Traefik (ingressClassName: traefik) follows Service annotation traefik.ingress.kubernetes.io/service.serversscheme: http. The server cannot read what it receives and the proxy answers 502.', fix: 'Tell the controller which protocol the port serves (on Service api):\nmetadata:\n  annotations:\n    traefik.ingress.kubernetes.io/service.serversscheme: https' }] },
      { name: 'ALB speaks plain HTTP to a TLS port', yaml: ingressYaml('alb', '{}', '[{name: web, port: 443, targetPort: 8443, appProtocol: https}]'), expect: [{ severity: 'error', path: 'spec.rules[0].http.paths[0].backend', message: 'Ingress web sends plain HTTP to Service api port web (443), which serves TLS (the Service port has appProtocol: https) — the AWS Load Balancer Controller (ingressClassName: alb) speaks plain HTTP/1.1 unless alb.ingress.kubernetes.io/backend-protocol(-version) says otherwise. The server cannot read what it receives and the proxy answers 502.', fix: 'Tell the controller which protocol the port serves (on the Ingress):\nmetadata:\n  annotations:\n    alb.ingress.kubernetes.io/backend-protocol: HTTPS' }] },
      { name: 'Traefik told by the Service to speak plain HTTP to a gRPC port', yaml: ingressYaml('traefik', '{}', '[{name: grpc, port: 443, targetPort: 9090}]', '{traefik.ingress.kubernetes.io/service.serversscheme: http}'), expect: [{ severity: 'error', path: 'spec.rules[0].http.paths[0].backend', message: 'Ingress web sends HTTP/1.1 to Service api port grpc (443), which serves gRPC (HTTP/2 only) (the Service port is named \"grpc\") — Traefik (ingressClassName: traefik) follows Service annotation traefik.ingress.kubernetes.io/service.serversscheme: http. The server cannot read what it receives and the proxy answers 502.', fix: 'Tell the controller which protocol the port serves (on Service api):\nmetadata:\n  annotations:\n    traefik.ingress.kubernetes.io/service.serversscheme: h2c' }] },
      { name: 'GKE speaks HTTP/1.1 to a port named grpc', yaml: ingressYaml('gce', '{}', '[{name: grpc, port: 443, targetPort: 9090}]'), expect: [{ severity: 'error', path: 'spec.rules[0].http.paths[0].backend', message: 'Ingress web sends HTTP/1.1 to Service api port grpc (443), which serves gRPC (HTTP/2 only) (the Service port is named \"grpc\") — GKE Ingress (ingressClassName: gce) speaks plain HTTP unless the Service\'s cloud.google.com/app-protocols names the port. The server cannot read what it receives and the proxy answers 502.', fix: 'Tell the controller which protocol the port serves (on Service api):\nmetadata:\n  annotations:\n    cloud.google.com/app-protocols: \"{\\\"grpc\\\":\\\"HTTP2\\\"}\"\n(GKE speaks HTTP/2 to backends over TLS only: the gRPC server must serve TLS.)' }] },
      { name: 'Contour speaks HTTP/1.1 to a port named grpc', yaml: ingressYaml('contour', '{}', '[{name: grpc, port: 443, targetPort: 9090}]'), expect: [{ severity: 'error', path: 'spec.rules[0].http.paths[0].backend', message: 'Ingress web sends HTTP/1.1 to Service api port grpc (443), which serves gRPC (HTTP/2 only) (the Service port is named \"grpc\") — Contour (ingressClassName: contour) speaks plain HTTP unless the Service\'s projectcontour.io/upstream-protocol.* annotations or appProtocol say otherwise. The server cannot read what it receives and the proxy answers 502.', fix: 'Tell the controller which protocol the port serves (on Service api):\nmetadata:\n  annotations:\n    projectcontour.io/upstream-protocol.h2c: grpc' }] },
      { name: 'GKE speaks plain HTTP to a port named https', yaml: ingressYaml('gce', '{}', '[{name: https, port: 443, targetPort: 8443}]'), expect: [{ severity: 'error', path: 'spec.rules[0].http.paths[0].backend', message: 'Ingress web sends plain HTTP to Service api port https (443), which serves TLS (the Service port is named \"https\") — GKE Ingress (ingressClassName: gce) speaks plain HTTP unless the Service\'s cloud.google.com/app-protocols names the port. The server cannot read what it receives and the proxy answers 502.', fix: 'Tell the controller which protocol the port serves (on Service api):\nmetadata:\n  annotations:\n    cloud.google.com/app-protocols: \"{\\\"https\\\":\\\"HTTPS\\\"}\"' }] },
      { name: 'Contour speaks plain HTTP to a port named https', yaml: ingressYaml('contour', '{}', '[{name: https, port: 443, targetPort: 8443}]'), expect: [{ severity: 'error', path: 'spec.rules[0].http.paths[0].backend', message: 'Ingress web sends plain HTTP to Service api port https (443), which serves TLS (the Service port is named \"https\") — Contour (ingressClassName: contour) speaks plain HTTP unless the Service\'s projectcontour.io/upstream-protocol.* annotations or appProtocol say otherwise. The server cannot read what it receives and the proxy answers 502.', fix: 'Tell the controller which protocol the port serves (on Service api):\nmetadata:\n  annotations:\n    projectcontour.io/upstream-protocol.tls: https' }] },
      { name: 'HAProxy speaks plain HTTP to a TLS port', yaml: ingressYaml('haproxy', '{}', '[{name: web, port: 443, targetPort: 8443, appProtocol: https}]'), expect: [{ severity: 'error', path: 'spec.rules[0].http.paths[0].backend', message: 'Ingress web sends plain HTTP to Service api port web (443), which serves TLS (the Service port has appProtocol: https) — HAProxy Ingress (ingressClassName: haproxy) speaks plain HTTP unless haproxy.org/server-ssl or server-proto says otherwise. The server cannot read what it receives and the proxy answers 502.', fix: 'Tell the controller which protocol the port serves (on the Ingress):\nmetadata:\n  annotations:\n    haproxy.org/server-ssl: "true"' }] },
      { name: 'Kong speaks plain HTTP to a TLS port', yaml: ingressYaml('kong', '{}', '[{name: web, port: 443, targetPort: 8443, appProtocol: https}]'), expect: [{ severity: 'error', path: 'spec.rules[0].http.paths[0].backend', message: 'Ingress web sends plain HTTP to Service api port web (443), which serves TLS (the Service port has appProtocol: https) — Kong (ingressClassName: kong) speaks plain HTTP unless the Service sets konghq.com/protocol. The server cannot read what it receives and the proxy answers 502.', fix: 'Tell the controller which protocol the port serves (on Service api):\nmetadata:\n  annotations:\n    konghq.com/protocol: https' }] },
      { name: 'Application Gateway speaks plain HTTP to a TLS port', yaml: ingressYaml('azure-application-gateway', '{}', '[{name: web, port: 443, targetPort: 8443, appProtocol: https}]'), expect: [{ severity: 'error', path: 'spec.rules[0].http.paths[0].backend', message: 'Ingress web sends plain HTTP to Service api port web (443), which serves TLS (the Service port has appProtocol: https) — Azure Application Gateway (ingressClassName: azure-application-gateway) speaks plain HTTP unless appgw.ingress.kubernetes.io/backend-protocol says https. The server cannot read what it receives and the proxy answers 502.', fix: 'Tell the controller which protocol the port serves (on the Ingress):\nmetadata:\n  annotations:\n    appgw.ingress.kubernetes.io/backend-protocol: https' }] },
      { name: 'an unknown controller: a warning', yaml: ingressYaml('acme', '{}', '[{name: web, port: 443, targetPort: 8443, appProtocol: https}]'), expect: [{ severity: 'warning', path: 'spec.rules[0].http.paths[0].backend', message: 'Ingress web sends plain HTTP to Service api port web (443), which serves TLS (the Service port has appProtocol: https) — ingress controllers speak plain HTTP/1.1 upstream by default (Traefik switches to HTTPS for ports named https*). The server cannot read what it receives and the proxy answers 502.', fix: 'Tell the controller which protocol the port serves; for ingress-nginx, on the Ingress (other controllers have their own annotation):\nmetadata:\n  annotations:\n    nginx.ingress.kubernetes.io/backend-protocol: HTTPS' }] },
      { name: 'HAProxy told to speak TLS to a plain HTTP port', yaml: ingressYaml('haproxy', '{haproxy.org/server-ssl: "true"}', '[{name: http, port: 443, targetPort: 8080, appProtocol: http}]'), expect: [{ severity: 'error', path: 'spec.rules[0].http.paths[0].backend', message: 'Ingress web opens TLS connections to Service api port http (443), which serves plain HTTP (the Service port has appProtocol: http; the Service port is named "http") — HAProxy Ingress (ingressClassName: haproxy) follows haproxy.org/server-ssl: true. The server cannot read what it receives and the proxy answers 502.', fix: 'Let the controller speak plain HTTP to this port (it serves cleartext: the Service port has appProtocol: http; the Service port is named "http"), or point the backend at the port that serves TLS (on the Ingress):\nmetadata:\n  annotations:\n    haproxy.org/server-ssl: "false"' }] },
      { name: 'NGINX Inc told to speak TLS to a plain HTTP port', yaml: ingressYaml('nginx', '{nginx.org/ssl-services: api}', '[{name: http, port: 443, targetPort: 8080, appProtocol: http}]'), expect: [{ severity: 'error', path: 'spec.rules[0].http.paths[0].backend', message: 'Ingress web opens TLS connections to Service api port http (443), which serves plain HTTP (the Service port has appProtocol: http; the Service port is named "http") — the NGINX Ingress Controller (ingressClassName: nginx) follows nginx.org/ssl-services, which lists Service api. The server cannot read what it receives and the proxy answers 502.', fix: 'Let the controller speak plain HTTP to this port (it serves cleartext: the Service port has appProtocol: http; the Service port is named "http"), or point the backend at the port that serves TLS: remove api from the nginx.org/ssl-services annotation of the Ingress.\nmetadata:\n  annotations:\n    nginx.org/ssl-services: "<the other Services>"' }] },
      { name: 'Kong told by the Service to speak HTTPS to a plain HTTP port', yaml: ingressYaml('kong', '{}', '[{name: http, port: 443, targetPort: 8080, appProtocol: http}]', '{konghq.com/protocol: https}'), expect: [{ severity: 'error', path: 'spec.rules[0].http.paths[0].backend', message: 'Ingress web opens TLS connections to Service api port http (443), which serves plain HTTP (the Service port has appProtocol: http; the Service port is named "http") — Kong (ingressClassName: kong) follows Service annotation konghq.com/protocol: https. The server cannot read what it receives and the proxy answers 502.', fix: 'Let the controller speak plain HTTP to this port (it serves cleartext: the Service port has appProtocol: http; the Service port is named "http"), or point the backend at the port that serves TLS (on Service api):\nmetadata:\n  annotations:\n    konghq.com/protocol: http' }] },
      { name: 'Traefik told by the Service to speak HTTPS to a plain HTTP port', yaml: ingressYaml('traefik', '{}', '[{name: http, port: 443, targetPort: 8080, appProtocol: http}]', '{traefik.ingress.kubernetes.io/service.serversscheme: https}'), expect: [{ severity: 'error', path: 'spec.rules[0].http.paths[0].backend', message: 'Ingress web opens TLS connections to Service api port http (443), which serves plain HTTP (the Service port has appProtocol: http; the Service port is named "http") — Traefik (ingressClassName: traefik) follows Service annotation traefik.ingress.kubernetes.io/service.serversscheme: https. The server cannot read what it receives and the proxy answers 502.', fix: 'Let the controller speak plain HTTP to this port (it serves cleartext: the Service port has appProtocol: http; the Service port is named "http"), or point the backend at the port that serves TLS (on Service api):\nmetadata:\n  annotations:\n    traefik.ingress.kubernetes.io/service.serversscheme: http' }] },
      { name: 'ALB told on the Service to speak HTTPS to a plain HTTP port', yaml: ingressYaml('alb', '{}', '[{name: http, port: 443, targetPort: 8080, appProtocol: http}]', '{alb.ingress.kubernetes.io/backend-protocol: HTTPS}'), expect: [{ severity: 'error', path: 'spec.rules[0].http.paths[0].backend', message: 'Ingress web opens TLS connections to Service api port http (443), which serves plain HTTP (the Service port has appProtocol: http; the Service port is named "http") — the AWS Load Balancer Controller (ingressClassName: alb) follows alb.ingress.kubernetes.io/backend-protocol: HTTPS (on the Service). The server cannot read what it receives and the proxy answers 502.', fix: 'Let the controller speak plain HTTP to this port (it serves cleartext: the Service port has appProtocol: http; the Service port is named "http"), or point the backend at the port that serves TLS (on the Ingress):\nmetadata:\n  annotations:\n    alb.ingress.kubernetes.io/backend-protocol: HTTP' }] },
      { name: 'ALB speaks HTTP/1.1 to a gRPC port', yaml: ingressYaml('alb', '{}', '[{name: grpc, port: 443, targetPort: 9090, appProtocol: grpc}]'), expect: [{ severity: 'error', path: 'spec.rules[0].http.paths[0].backend', message: 'Ingress web sends HTTP/1.1 to Service api port grpc (443), which serves gRPC (HTTP/2 only) (the Service port has appProtocol: grpc; the Service port is named "grpc") — the AWS Load Balancer Controller (ingressClassName: alb) speaks plain HTTP/1.1 unless alb.ingress.kubernetes.io/backend-protocol(-version) says otherwise. The server cannot read what it receives and the proxy answers 502.', fix: 'Tell the controller which protocol the port serves (on the Ingress):\nmetadata:\n  annotations:\n    alb.ingress.kubernetes.io/backend-protocol-version: GRPC' }] },
      { name: 'HAProxy Ingress backend-protocol h1-ssl to a plain HTTP port', yaml: ingressYaml('haproxy', '{haproxy-ingress.github.io/backend-protocol: h1-ssl}', '[{name: http, port: 443, targetPort: 8080, appProtocol: http}]'), expect: [{ severity: 'error', path: 'spec.rules[0].http.paths[0].backend', message: 'Ingress web opens TLS connections to Service api port http (443), which serves plain HTTP (the Service port has appProtocol: http; the Service port is named "http") — HAProxy Ingress (ingressClassName: haproxy) follows haproxy-ingress.github.io/backend-protocol: h1-ssl. The server cannot read what it receives and the proxy answers 502.', fix: 'Let the controller speak plain HTTP to this port (it serves cleartext: the Service port has appProtocol: http; the Service port is named "http"), or point the backend at the port that serves TLS (on the Ingress):\nmetadata:\n  annotations:\n    haproxy.org/server-ssl: "false"' }] },
      { name: 'Contour told by annotation to speak TLS to a plain HTTP port', yaml: ingressYaml('contour', '{}', '[{name: http, port: 443, targetPort: 8080, appProtocol: http}]', '{projectcontour.io/upstream-protocol.tls: "443"}'), expect: [{ severity: 'error', path: 'spec.rules[0].http.paths[0].backend', message: 'Ingress web opens TLS connections to Service api port http (443), which serves plain HTTP (the Service port has appProtocol: http; the Service port is named "http") — Contour (ingressClassName: contour) follows Service annotation projectcontour.io/upstream-protocol.tls: 443. The server cannot read what it receives and the proxy answers 502.', fix: 'Let the controller speak plain HTTP to this port (it serves cleartext: the Service port has appProtocol: http; the Service port is named "http"), or point the backend at the port that serves TLS: remove port http from the projectcontour.io/upstream-protocol.* annotations of Service api.\nmetadata:\n  annotations:\n    projectcontour.io/upstream-protocol.tls: "<the TLS ports only>"' }] },
      { name: 'GKE told by app-protocols to speak HTTPS to a port named http', yaml: ingressYaml('gce', '{}', '[{name: http, port: 443, targetPort: 8080}]', '{cloud.google.com/app-protocols: \'{"http": "HTTPS"}\'}'), expect: [{ severity: 'warning', path: 'spec.rules[0].http.paths[0].backend', message: 'Ingress web opens TLS connections to Service api port http (443), which serves plain HTTP (the Service port is named "http") — GKE Ingress (ingressClassName: gce) follows the Service\'s app-protocols annotation, HTTPS for port http. The server cannot read what it receives and the proxy answers 502.', fix: 'Let the controller speak plain HTTP to this port (it serves cleartext: the Service port is named "http"), or point the backend at the port that serves TLS (on Service api):\nmetadata:\n  annotations:\n    cloud.google.com/app-protocols: "{\\"http\\":\\"HTTP\\"}"' }] },
      { name: 'Application Gateway told to speak HTTPS to a plain HTTP port', yaml: ingressYaml('azure-application-gateway', '{appgw.ingress.kubernetes.io/backend-protocol: https}', '[{name: http, port: 443, targetPort: 8080, appProtocol: http}]'), expect: [{ severity: 'error', path: 'spec.rules[0].http.paths[0].backend', message: 'Ingress web opens TLS connections to Service api port http (443), which serves plain HTTP (the Service port has appProtocol: http; the Service port is named "http") — Azure Application Gateway (ingressClassName: azure-application-gateway) follows appgw.ingress.kubernetes.io/backend-protocol: https. The server cannot read what it receives and the proxy answers 502.', fix: 'Let the controller speak plain HTTP to this port (it serves cleartext: the Service port has appProtocol: http; the Service port is named "http"), or point the backend at the port that serves TLS (on the Ingress):\nmetadata:\n  annotations:\n    appgw.ingress.kubernetes.io/backend-protocol: http' }] },
      { name: 'ingress-nginx told GRPCS to a plain HTTP port', yaml: ingressYaml('nginx', '{nginx.ingress.kubernetes.io/backend-protocol: GRPCS}', '[{name: http, port: 443, targetPort: 8080, appProtocol: http}]'), expect: [{ severity: 'error', path: 'spec.rules[0].http.paths[0].backend', message: 'Ingress web opens TLS connections to Service api port http (443), which serves plain HTTP (the Service port has appProtocol: http; the Service port is named "http") — ingress-nginx (ingressClassName: nginx) follows nginx.ingress.kubernetes.io/backend-protocol: GRPCS. The server cannot read what it receives and the proxy answers 502.', fix: 'Let the controller speak plain HTTP to this port (it serves cleartext: the Service port has appProtocol: http; the Service port is named "http"), or point the backend at the port that serves TLS (on the Ingress):\nmetadata:\n  annotations:\n    nginx.ingress.kubernetes.io/backend-protocol: HTTP' }] },
      {
        name: 'Kong active health check of the documented example (type http) on a port that serves TLS: every pod out, 503',
        yaml: `
apiVersion: configuration.konghq.com/v1beta1
kind: KongUpstreamPolicy
metadata: {name: demo-health-checking}
spec:
  healthchecks:
    active:
      healthy: {interval: 5, successes: 3}
      httpPath: /status/200
      type: http
      unhealthy: {httpFailures: 1, interval: 5}
---
apiVersion: v1
kind: Service
metadata:
  name: billing
  annotations: {konghq.com/upstream-policy: demo-health-checking, konghq.com/protocol: https}
spec:
  selector: {app: billing}
  ports: [{name: https, port: 443, targetPort: 8443, appProtocol: https}]
`,
        expect: [{ severity: 'error', path: 'spec.healthchecks.active.type', message: 'The active health check of KongUpstreamPolicy demo-health-checking (type http) sends plain HTTP to Service billing port https (443), which serves TLS (', fix: 'Check the pods in the protocol the port serves:\nspec:\n  healthchecks:\n    active:\n      type: https' }],
      },
      {
        name: 'Kong active health check of type https on a port declared as plain HTTP',
        yaml: `
apiVersion: configuration.konghq.com/v1beta1
kind: KongUpstreamPolicy
metadata: {name: checks}
spec:
  healthchecks:
    active:
      type: https
      httpPath: /healthz
      healthy: {interval: 10}
      unhealthy: {interval: 10, httpFailures: 3, timeouts: 3}
---
apiVersion: v1
kind: Service
metadata:
  name: echo
  annotations: {konghq.com/upstream-policy: checks}
spec:
  selector: {app: echo}
  ports: [{name: http, port: 80, targetPort: 8080, appProtocol: http}]
`,
        expect: [{ severity: 'error', path: 'spec.healthchecks.active.type', message: 'every check fails, Kong takes every pod out of rotation and answers 503 to every request.', fix: '      type: http' }],
      },
    ],
    silent: [
      { name: 'an unknown controller told by a Service annotation it cannot identify', yaml: ingressYaml('acme', '{}', '[{name: web, port: 443, targetPort: 8443, appProtocol: https}]', '{konghq.com/protocol: https}') },
      { name: 'ALB told gRPC to a gRPC port', yaml: ingressYaml('alb', '{alb.ingress.kubernetes.io/backend-protocol-version: GRPC}', '[{name: grpc, port: 443, targetPort: 9090, appProtocol: grpc}]') },
      { name: 'GKE with appProtocol on the port: GKE follows it', yaml: ingressYaml('gce', '{}', '[{name: web, port: 443, targetPort: 8443, appProtocol: https}]') },
      { name: 'HAProxy told h2 to a gRPC port', yaml: ingressYaml('haproxy', '{haproxy.org/server-proto: h2}', '[{name: grpc, port: 443, targetPort: 9090, appProtocol: grpc}]') },
      { name: 'HAProxy told to speak TLS to a TLS port', yaml: ingressYaml('haproxy', '{haproxy.org/server-ssl: "true"}', '[{name: web, port: 443, targetPort: 8443, appProtocol: https}]') },
      { name: 'Kong told by the Service to speak HTTPS to a TLS port', yaml: ingressYaml('kong', '{}', '[{name: web, port: 443, targetPort: 8443, appProtocol: https}]', '{konghq.com/protocol: https}') },
      { name: 'Application Gateway told to speak HTTPS to a TLS port', yaml: ingressYaml('azure-application-gateway', '{appgw.ingress.kubernetes.io/backend-protocol: https}', '[{name: web, port: 443, targetPort: 8443, appProtocol: https}]') },
      { name: 'NGINX Inc told to speak TLS to a TLS port', yaml: ingressYaml('nginx', '{nginx.org/ssl-services: api}', '[{name: web, port: 443, targetPort: 8443, appProtocol: https}]') },
      { name: 'Contour told by appProtocol tls to speak TLS', yaml: ingressYaml('contour', '{}', '[{name: web, port: 443, targetPort: 8443, appProtocol: tls}]') },
      {
        name: 'ingress-nginx told GRPC for a grpc port, and HTTPS for an https port',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: api
  annotations:
    nginx.ingress.kubernetes.io/backend-protocol: GRPC
spec:
  ingressClassName: nginx
  defaultBackend: {service: {name: api, port: {name: grpc}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: dash
  annotations:
    nginx.ingress.kubernetes.io/backend-protocol: HTTPS
spec:
  ingressClassName: nginx
  defaultBackend: {service: {name: dash, port: {number: 443}}}
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports: [{name: grpc, port: 9000}]
---
apiVersion: v1
kind: Service
metadata: {name: dash}
spec:
  selector: {app: dash}
  ports: [{name: https, port: 443, targetPort: 8443}]
`,
      },
      {
        name: 'Traefik switches to HTTPS for a port named https by itself',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: dash}
spec:
  ingressClassName: traefik
  defaultBackend: {service: {name: dash, port: {name: https}}}
---
apiVersion: v1
kind: Service
metadata: {name: dash}
spec:
  selector: {app: dash}
  ports: [{name: https, port: 8443}]
`,
      },
      {
        name: 'GKE app-protocols annotation declares HTTPS',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations: {kubernetes.io/ingress.class: gce}
spec:
  defaultBackend: {service: {name: web, port: {number: 443}}}
---
apiVersion: v1
kind: Service
metadata:
  name: web
  annotations:
    cloud.google.com/app-protocols: '{"https":"HTTPS"}'
spec:
  type: NodePort
  selector: {app: web}
  ports: [{name: https, port: 443, targetPort: 8443}]
`,
      },
      {
        name: 'one container port exposed as http and https (multiplexing server, Argo CD style)',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: argocd}
spec:
  ingressClassName: nginx
  defaultBackend: {service: {name: argocd-server, port: {name: https}}}
---
apiVersion: v1
kind: Service
metadata: {name: argocd-server}
spec:
  selector: {app: argocd-server}
  ports:
    - {name: http, port: 80, targetPort: 8080}
    - {name: https, port: 443, targetPort: 8080}
`,
      },
      {
        name: 'GRPCRoute to a gRPC server whose port is named http',
        yaml: `
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: yages}
spec:
  rules:
    - backendRefs: [{name: yages, port: 9000}]
---
apiVersion: v1
kind: Service
metadata: {name: yages}
spec:
  selector: {app: yages}
  ports: [{name: http, port: 9000, targetPort: 9000}]
`,
      },
      {
        name: 'HTTPRoute to a TLS port with a BackendTLSPolicy',
        yaml: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: api}
spec:
  rules:
    - backendRefs: [{name: api, port: 443}]
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports: [{name: https, port: 443, targetPort: 8443}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: api-tls}
spec:
  targetRefs: [{group: "", kind: Service, name: api, sectionName: https}]
  validation: {hostname: api.default.svc, wellKnownCACertificates: System}
`,
      },
      {
        name: 'port name https in front of container port 8080 (load balancer terminates TLS) and port name disagreeing with the container',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  ingressClassName: nginx
  rules:
    - http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {name: https}}}}
          - {path: /v2, pathType: Prefix, backend: {service: {name: web2, port: {name: https}}}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: https, port: 443, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: web2}
spec:
  selector: {app: web2}
  ports: [{name: https, port: 443, targetPort: http}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web2}
spec:
  selector: {matchLabels: {app: web2}}
  template:
    metadata: {labels: {app: web2}}
    spec:
      containers:
        - {name: app, image: web, ports: [{name: http, containerPort: 9000}]}
`,
      },
      {
        name: 'HTTPRoute with appProtocol kubernetes.io/h2c, and GKE-specific appProtocol HTTPS',
        yaml: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: api}
spec:
  rules:
    - backendRefs: [{name: api, port: 9000}, {name: secure, port: 443}]
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports: [{name: grpc, port: 9000, appProtocol: kubernetes.io/h2c}]
---
apiVersion: v1
kind: Service
metadata: {name: secure}
spec:
  selector: {app: secure}
  ports: [{name: https, port: 443, appProtocol: HTTPS}]
`,
      },
      {
        name: 'Contour told by Service annotation, ALB told on the Service, Istio and AUTO_HTTP left alone',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: contour}
spec:
  ingressClassName: contour
  defaultBackend: {service: {name: secure, port: {number: 443}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: alb}
spec:
  ingressClassName: alb
  defaultBackend: {service: {name: secure-alb, port: {number: 443}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: mesh}
spec:
  ingressClassName: istio
  defaultBackend: {service: {name: api, port: {name: grpc}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: auto
  annotations: {nginx.ingress.kubernetes.io/backend-protocol: AUTO_HTTP}
spec:
  ingressClassName: nginx
  defaultBackend: {service: {name: api, port: {name: grpc}}}
---
apiVersion: v1
kind: Service
metadata:
  name: secure
  annotations: {projectcontour.io/upstream-protocol.tls: "443,https"}
spec:
  selector: {app: secure}
  ports: [{name: https, port: 443, targetPort: 8443}]
---
apiVersion: v1
kind: Service
metadata:
  name: secure-alb
  annotations: {alb.ingress.kubernetes.io/backend-protocol: HTTPS}
spec:
  selector: {app: secure}
  ports: [{name: https, port: 443, targetPort: 8443}]
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports: [{name: grpc, port: 9000}]
`,
      },
      {
        name: 'plain HTTP to plain ports, numbers alone are no evidence',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  ingressClassName: nginx
  rules:
    - http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 443}}}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 443, targetPort: 8443}]
`,
      },
      {
        name: 'HTTPRoute to a port with appProtocol https and a BackendTLSPolicy',
        yaml: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: api}
spec:
  rules:
    - backendRefs: [{name: api, port: 443}]
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports: [{name: web, port: 443, targetPort: 8443, appProtocol: https}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: api-tls}
spec:
  targetRefs: [{group: "", kind: Service, name: api}]
  validation: {hostname: api.default.svc, wellKnownCACertificates: System}
`,
      },
      {
        name: 'Kong health checks that match the port, are turned off (interval 0), only connect (tcp), or belong to no Service',
        yaml: `
apiVersion: configuration.konghq.com/v1beta1
kind: KongUpstreamPolicy
metadata: {name: demo-health-checking}
spec:
  healthchecks:
    active:
      healthy: {interval: 5, successes: 3}
      httpPath: /status/200
      type: http
      unhealthy: {httpFailures: 1, interval: 5}
---
apiVersion: v1
kind: Service
metadata:
  name: echo
  annotations: {konghq.com/upstream-policy: demo-health-checking}
spec:
  selector: {app: echo}
  ports: [{name: http, port: 80, targetPort: 8080, appProtocol: http}]
---
apiVersion: configuration.konghq.com/v1beta1
kind: KongUpstreamPolicy
metadata: {name: off}
spec:
  healthchecks:
    active: {type: http, httpPath: /healthz, healthy: {interval: 0}, unhealthy: {httpFailures: 3}}
---
apiVersion: configuration.konghq.com/v1beta1
kind: KongUpstreamPolicy
metadata: {name: connect}
spec:
  healthchecks:
    active: {type: tcp, healthy: {interval: 5}, unhealthy: {tcpFailures: 2}}
---
apiVersion: v1
kind: Service
metadata:
  name: billing
  annotations: {konghq.com/upstream-policy: "off"}
spec:
  selector: {app: billing}
  ports: [{name: https, port: 443, targetPort: 8443, appProtocol: https}]
---
apiVersion: v1
kind: Service
metadata:
  name: ledger
  annotations: {konghq.com/upstream-policy: connect}
spec:
  selector: {app: ledger}
  ports: [{name: https, port: 443, targetPort: 8443, appProtocol: https}]
`,
      },
    ],
  },
});
