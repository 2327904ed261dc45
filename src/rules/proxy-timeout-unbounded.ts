import { defineRule } from '../engine/rule.ts';
import type { ResourceGraph } from '../engine/graph.ts';
import { isServiceModel, type Resource } from '../engine/model.ts';
import type { RuleHit } from '../engine/types.ts';
import { ingressController } from './lib/ingress-controller.ts';
import { formatSeconds, streamingEvidence, timeoutsOf, type ProxyTimeout } from './lib/proxy-timeouts.ts';
import { fixWithYaml } from './lib/yaml.ts';

/** The YAML that writes `value` at the timeout's field: an annotation, or the fields below its last list item. */
function timeoutFixValue(t: ProxyTimeout, value: string | number): { within?: string; yaml: unknown } {
  if (t.path.startsWith('metadata.annotations[')) return { yaml: { metadata: { annotations: { [t.field.split(' ')[0] as string]: String(value) } } } };
  const cut = t.path.lastIndexOf('].');
  const within = cut >= 0 ? t.path.slice(0, cut + 1) : undefined;
  const rest = cut >= 0 ? t.path.slice(cut + 2) : t.path;
  const yaml = rest.split('.').reduceRight<unknown>((inner, key) => ({ [key]: inner }), value);
  return { ...(within ? { within } : {}), yaml };
}

/** Whether anything in the graph still lets the controller that reads this setting see it. */
function inEffect(t: ProxyTimeout, graph: ResourceGraph): boolean {
  const r: Resource = t.on;
  if (r.kind === 'Service' && isServiceModel(r) && t.proxy === 'HAProxy') {
    // HAProxy reads timeout-server from the Services its Ingresses route to; when every Ingress in front is
    // served by another identified controller, the annotation is dead.
    const ingresses = graph.backendsTo(r).filter((b) => b.proxy === 'ingress').map((b) => ingressController(b.from, graph).family);
    return ingresses.length === 0 || ingresses.some((f) => f === 'haproxy' || f === 'unknown');
  }
  return true;
}

/** The setting's phrase with its limit filled in, capitalized unless it follows a scope. */
function limitPhrase(t: ProxyTimeout, limit: string): string {
  const text = t.phrase.replace('{limit}', limit);
  return t.scope || /^[a-z]+-/.test(text) ? text : text.charAt(0).toUpperCase() + text.slice(1);
}

const FIX_SENTENCE: Record<ProxyTimeout['kind'], (value: string) => string> = {
  response: (v) => `Bound it to what the slowest normal request needs (${v} here) and move slower work to a background job`,
  send: (v) => `Bound it to what the slowest normal upload needs (${v} here)`,
  'stream-idle': (v) => `Bound it (${v} here) so that a silent stream is closed`,
  connect: (v) => `Keep connection attempts short (${v} here): pods accept connections in milliseconds, and a short timeout moves on to the next pod`,
  keepalive: (v) => `Keep it below the keep-alive timeout of the apps behind it (${v} here), or raise theirs above it`,
};

function consequence(t: ProxyTimeout, long: string): string {
  switch (t.kind) {
    case 'keepalive':
      return (
        `unless every app behind it keeps idle HTTP keep-alive connections open ${long === 'indefinitely' ? 'forever' : 'longer than that'}, a pod closes a connection ` +
        'just as the proxy reuses it, and that request fails with a 502'
      );
    case 'connect':
      return (
        'a pod address that no longer answers (a deleted pod the endpoints still list, a node that went away) stalls each ' +
        `request ${long} before anything else is tried, and clients or outer load balancers give up first with a 502 or 504`
      );
    case 'send':
      return `a pod that stops reading holds each request ${long}, and clients or outer load balancers give up first with a 502 or 504`;
    default:
      return (
        `a hung or overloaded pod holds every request ${long}: connections pile up at the proxy, clients and outer load ` +
        'balancers give up first with a 502 or 504, and the stuck requests are reset only when the pod is killed'
      );
  }
}

/** Service reports with HAProxy's timeout-server of an hour, and the Ingresses (by class) in front of it. */
const haproxyServiceBehind = (...classes: string[]) => `
apiVersion: v1
kind: Service
metadata:
  name: reports
  annotations: {haproxy.org/timeout-server: "1h"}
spec:
  selector: {app: reports}
  ports: [{port: 80, targetPort: 8080}]
${classes.map((cls, i) => `---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: reports-${i}}
spec:
  ingressClassName: ${cls}
  defaultBackend: {service: {name: reports, port: {number: 80}}}
`).join('')}`;

export default defineRule({
  id: 'proxy-timeout-unbounded',
  title: 'Proxy timeout disabled or above the ceiling',
  shape: 'too-slow',
  severity: 'warning',
  targets: ['Ingress', 'Service', 'HTTPRoute', 'HTTPProxy', 'ServersTransport', 'BackendConfig', 'Route', 'BackendTrafficPolicy', 'VirtualService', 'DestinationRule', 'GCPBackendPolicy'],
  reads: [{ group: 'gateway.networking.k8s.io', kind: 'GRPCRoute' }, { group: 'networking.k8s.io', kind: 'IngressClass' }],
  params: {
    maxSeconds: {
      type: 'integer',
      default: 300,
      minimum: 1,
      description:
        'Longest response, send, stream-idle or keep-alive idle timeout accepted; a disabled timeout (0s, infinity) always counts as over it.',
      unit: 'seconds',
    },
    maxConnectSeconds: {
      type: 'integer',
      default: 30,
      minimum: 1,
      description: 'Longest timeout accepted for opening a connection to a pod (in-cluster connects take milliseconds).',
      unit: 'seconds',
    },
  },
  docs: {
    what:
      'Reads the upstream timeouts written in the manifests — each in its controller\'s own units and with its own way of ' +
      'saying "no timeout" — and reports those that are disabled or longer than `maxSeconds` (default 300 s; ' +
      '`maxConnectSeconds`, default 30 s, for connection timeouts). The finding is reported on the object that holds the value.\n\n' +
      '| Controller | Setting (on) | Unit | Default | No limit |\n|---|---|---|---|---|\n' +
      '| ingress-nginx | `nginx.ingress.kubernetes.io/proxy-read-timeout`, `proxy-send-timeout`, `proxy-connect-timeout` (Ingress) | integer seconds | 60 s, 60 s, 5 s (connect capped at about 75 s) | none (`0` expires at once; not judged) |\n' +
      '| NGINX Ingress Controller | `nginx.org/proxy-read-timeout`, `proxy-send-timeout`, `proxy-connect-timeout` (Ingress) | nginx time (`60s`, `1h`) | 60 s | none |\n' +
      '| HAProxy | `timeout-server` with prefix `haproxy.org/`, `haproxy.com/`, `haproxy-ingress.github.io/`, `ingress.kubernetes.io/` (Ingress, Service) | HAProxy time (bare number: ms) | 50 s | `0` |\n' +
      '| Contour | `projectcontour.io/response-timeout` (Ingress); HTTPProxy `spec.routes[].timeoutPolicy.response`, `.idle` | Go duration | 15 s | `infinity` (`0s`: unset) |\n' +
      '| Traefik | ServersTransport `spec.forwardingTimeouts.responseHeaderTimeout`, `idleConnTimeout`, `dialTimeout` (used by an IngressRoute service or a Service annotation) | integer seconds or Go duration | none, 90 s, 30 s | `0` / `0s` |\n' +
      '| AWS ALB | `idle_timeout.timeout_seconds` in `alb.ingress.kubernetes.io/load-balancer-attributes` (Ingress) | seconds | 60 s | none |\n' +
      '| GKE Ingress | BackendConfig `spec.timeoutSec` | seconds | 30 s | none |\n' +
      '| GKE Gateway | GCPBackendPolicy `spec.default.timeoutSec` | seconds | 30 s | none |\n' +
      '| OpenShift router | `haproxy.router.openshift.io/timeout` (Route, Ingress) | HAProxy time | 30 s | `0` |\n' +
      '| Gateway API | HTTPRoute `spec.rules[].timeouts.request`, `backendRequest` | Gateway API duration | implementation\'s | `0s` |\n' +
      '| Envoy Gateway | BackendTrafficPolicy `spec.timeout.http.requestTimeout`, `connectionIdleTimeout`, `spec.timeout.tcp.connectTimeout`, `spec.retry.perRetry.timeout` | Go duration | 15 s (Envoy route timeout), 1 h, 10 s, none | `0s` (connect: unset) |\n' +
      '| Istio | VirtualService `spec.http[].timeout`, `retries.perTryTimeout` | Go duration | none (disabled) | `0s` |\n' +
      '| Istio | DestinationRule `spec.trafficPolicy[.portLevelSettings[]].connectionPool.http.idleTimeout`, `tcp.connectTimeout` | Go duration | 1 h, 10 s | `0s` (idle) |\n' +
      '| Kong | `konghq.com/read-timeout`, `write-timeout`, `connect-timeout` (Service) | integer milliseconds | 60000 ms | none |\n' +
      '| Linkerd | `timeout.linkerd.io/request`, `response`, `idle` (Service, HTTPRoute) | Go duration | none | not set |\n',
    why:
      'A timeout is what turns a hung upstream into a fast, clear error. Without one (or with a very long one), every ' +
      'request that reaches a stuck or overloaded pod waits: connections and worker slots pile up at the proxy, healthy ' +
      'requests queue behind them, and the clients and the load balancers in front — a cloud load balancer, a CDN, a mobile ' +
      'app — give up first and report a 502 or 504 from a layer that knows nothing about the cause. The stuck requests are ' +
      'cut only when the pod is finally killed, which resets them. Idle timeouts for pooled upstream connections (ALB ' +
      '`idle_timeout`, Traefik `idleConnTimeout`) fail differently: when the proxy keeps an idle connection longer than the ' +
      'app does, the app closes it just as the proxy sends the next request on it, and the proxy answers 502.',
    fix:
      'Bound the timeout to what the slowest normal request needs, and let slow work run asynchronously:\n\n```yaml\n' +
      '# ingress-nginx\nmetadata:\n  annotations:\n    nginx.ingress.kubernetes.io/proxy-read-timeout: "60"\n---\n' +
      '# Gateway API\nspec:\n  rules:\n    - timeouts:\n        request: 60s\n---\n# Contour HTTPProxy\nspec:\n  routes:\n' +
      '    - timeoutPolicy:\n        response: 60s\n```\n\nFor keep-alive idle timeouts, keep the proxy\'s value below the ' +
      'app\'s own keep-alive timeout (e.g. ALB 60 s with Node.js `server.keepAliveTimeout = 65000`).',
    notes:
      'Silent when nothing is written (controller defaults are bounded, except Traefik\'s `responseHeaderTimeout`, Istio\'s ' +
      'VirtualService `timeout` and Linkerd\'s timeouts, which have none: a default is not a choice the manifest made), when the value cannot be parsed the way the controller parses it (ingress-nginx ignores `"600s"` and uses ' +
      'its default; Contour treats `0s` as unset), for annotations of a controller other than the one identified for the ' +
      'Ingress, for ingress-nginx canary Ingresses (their settings come from the main Ingress), for ingress-nginx `0` (it ' +
      'does not disable nginx timeouts: they expire at once), and for HAProxy ' +
      '`timeout-tunnel` (long by design, for websockets). Long timeouts are the documented configuration for long-lived ' +
      'traffic, so the rule also stays silent when the traffic looks like websockets, server-sent events, gRPC streams or ' +
      'large uploads: websocket/gRPC annotations (`projectcontour.io/websocket-routes`, `nginx.org/websocket-services`, ' +
      '`backend-protocol: GRPC`), streaming settings (`proxy-buffering: "off"`, `proxy-request-buffering: "off"`, ' +
      'unlimited or ≥ 1 GiB `proxy-body-size`), HTTPProxy `enableWebsockets`, `appProtocol: kubernetes.io/ws`, and names ' +
      'of the object, paths, Services or ports such as `ws`, `websocket`, `socket.io`, `sse`, `stream`, `grpc`, `upload`. ' +
      'Controller-wide settings (the ingress-nginx ConfigMap, Traefik static configuration) are not read.',
  },
  evaluate(r, graph, params) {
    const hits: RuleHit[] = [];
    for (const t of timeoutsOf(r, graph)) {
      const ceiling = t.kind === 'connect' ? params.maxConnectSeconds : params.maxSeconds;
      const disabled = t.seconds === Infinity;
      const effective = t.hardMax !== undefined ? Math.min(t.seconds, t.hardMax) : t.seconds;
      if (!disabled && effective <= ceiling) continue;
      if (!inEffect(t, graph) || streamingEvidence(t, graph) !== undefined) continue;
      const written = `${t.field.startsWith('metadata.') ? t.path : t.field}: ${JSON.stringify(t.written)}`;
      const capped = t.hardMax !== undefined && t.seconds > t.hardMax ? `, which nginx caps at about ${formatSeconds(t.hardMax)}` : '';
      const said = limitPhrase(t, disabled ? 'without limit' : `up to ${formatSeconds(effective)}`);
      const over = disabled ? '' : `, over the ${formatSeconds(ceiling)} ceiling`;
      const suggested = Math.min(t.suggested, ceiling);
      const fix = timeoutFixValue(t, t.write(suggested));
      hits.push({
        path: t.path,
        message: `${t.scope ? `On ${t.scope}, ` : ''}${said} (${written}${capped})${over}: ${consequence(t, disabled ? 'indefinitely' : 'that long')}.`,
        fix: fixWithYaml(`${FIX_SENTENCE[t.kind](formatSeconds(suggested))}${fix.within ? `, in ${fix.within}` : ''}:`, fix.yaml),
      });
    }
    return hits;
  },
  fixtures: {
    fire: [
      {
        name: 'ingress-nginx read timeout of an hour',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  annotations:
    nginx.ingress.kubernetes.io/proxy-read-timeout: "3600"
    nginx.ingress.kubernetes.io/proxy-send-timeout: "120"
spec:
  ingressClassName: nginx
  rules:
    - http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: shop, port: {number: 80}}}}]
`,
        expect: [{ severity: 'warning', path: 'metadata.annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]', message: 'ingress-nginx waits up to 3600s (1h) between two reads of a pod\'s response (nginx.ingress.kubernetes.io/proxy-read-timeout: "3600"), over the 300s (5m) ceiling: a hung or overloaded pod holds every request that long: connections pile up at the proxy, clients and outer load balancers give up first with a 502 or 504, and the stuck requests are reset only when the pod is killed.', fix: 'Bound it to what the slowest normal request needs (60s here) and move slower work to a background job:\nmetadata:\n  annotations:\n    nginx.ingress.kubernetes.io/proxy-read-timeout: "60"' }],
      },
      {
        name: 'ingress-nginx connect timeout above what nginx allows',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  annotations: {nginx.ingress.kubernetes.io/proxy-connect-timeout: "300"}
spec:
  rules:
    - http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: shop, port: {number: 80}}}}]
`,
        expect: [{ severity: 'warning', path: 'metadata.annotations["nginx.ingress.kubernetes.io/proxy-connect-timeout"]', message: 'ingress-nginx waits up to 75s for a connection to a pod (nginx.ingress.kubernetes.io/proxy-connect-timeout: "300", which nginx caps at about 75s), over the 30s ceiling: a pod address that no longer answers (a deleted pod the endpoints still list, a node that went away) stalls each request that long before anything else is tried, and clients or outer load balancers give up first with a 502 or 504.', fix: 'Keep connection attempts short (5s here): pods accept connections in milliseconds, and a short timeout moves on to the next pod:\nmetadata:\n  annotations:\n    nginx.ingress.kubernetes.io/proxy-connect-timeout: "5"' }],
      },
      {
        name: 'NGINX Ingress Controller read timeout in nginx time syntax',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  annotations: {nginx.org/proxy-read-timeout: "1h"}
spec:
  ingressClassName: nginx
  rules:
    - http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: shop, port: {number: 80}}}}]
`,
        expect: [{ severity: 'warning', path: 'metadata.annotations["nginx.org/proxy-read-timeout"]', message: 'The NGINX Ingress Controller waits up to 3600s (1h) between two reads of a pod\'s response (nginx.org/proxy-read-timeout: "1h"), over the 300s (5m) ceiling: a hung or overloaded pod holds every request that long: connections pile up at the proxy, clients and outer load balancers give up first with a 502 or 504, and the stuck requests are reset only when the pod is killed.', fix: 'Bound it to what the slowest normal request needs (60s here) and move slower work to a background job:\nmetadata:\n  annotations:\n    nginx.org/proxy-read-timeout: "60s"' }],
      },
      {
        name: 'HAProxy timeout-server 0 (infinite) on the Ingress; a bare number is milliseconds',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: api
  annotations:
    haproxy.org/timeout-server: "0"
spec:
  defaultBackend: {service: {name: api, port: {number: 80}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: api-fast
  annotations:
    haproxy.org/timeout-server: "600"
spec:
  defaultBackend: {service: {name: api-fast, port: {number: 80}}}
  ingressClassName: haproxy
`,
        expect: [{ severity: 'warning', path: 'metadata.annotations["haproxy.org/timeout-server"]', message: 'HAProxy waits without limit for a pod to send data (haproxy.org/timeout-server: "0"): a hung or overloaded pod holds every request indefinitely: connections pile up at the proxy, clients and outer load balancers give up first with a 502 or 504, and the stuck requests are reset only when the pod is killed.', fix: 'Bound it to what the slowest normal request needs (50s here) and move slower work to a background job:\nmetadata:\n  annotations:\n    haproxy.org/timeout-server: "50s"' }],
      },
      {
        name: 'HAProxy timeout-server on the Service behind an HAProxy Ingress',
        yaml: `
apiVersion: v1
kind: Service
metadata:
  name: reports
  annotations: {haproxy.org/timeout-server: "1h"}
spec:
  selector: {app: reports}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: reports}
spec:
  ingressClassName: haproxy
  rules:
    - http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: reports, port: {number: 80}}}}]
`,
        expect: [{ severity: 'warning', path: 'metadata.annotations["haproxy.org/timeout-server"]', message: 'HAProxy waits up to 3600s (1h) for a pod to send data (haproxy.org/timeout-server: "1h"), over the 300s (5m) ceiling: a hung or overloaded pod holds every request that long: connections pile up at the proxy, clients and outer load balancers give up first with a 502 or 504, and the stuck requests are reset only when the pod is killed.', fix: 'Bound it to what the slowest normal request needs (50s here) and move slower work to a background job:\nmetadata:\n  annotations:\n    haproxy.org/timeout-server: "50s"' }],
      },
      {
        name: 'Contour HTTPProxy response timeout infinity',
        yaml: `
apiVersion: projectcontour.io/v1
kind: HTTPProxy
metadata: {name: api}
spec:
  virtualhost: {fqdn: api.example.com}
  routes:
    - conditions: [{prefix: /}]
      services: [{name: api, port: 80}]
      timeoutPolicy: {response: infinity, idle: 30s}
`,
        expect: [{ severity: 'warning', path: 'spec.routes[0].timeoutPolicy.response', message: 'On spec.routes[0], Envoy waits without limit for a pod\'s complete response (spec.routes[0].timeoutPolicy.response: "infinity"): a hung or overloaded pod holds every request indefinitely: connections pile up at the proxy, clients and outer load balancers give up first with a 502 or 504, and the stuck requests are reset only when the pod is killed.', fix: 'Bound it to what the slowest normal request needs (60s here) and move slower work to a background job, in spec.routes[0]:\ntimeoutPolicy:\n  response: "1m"' }],
      },
      {
        name: 'Contour Ingress annotation response-timeout infinity',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: api
  annotations: {projectcontour.io/response-timeout: infinity}
spec:
  ingressClassName: contour
  rules:
    - http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}]
`,
        expect: [{ severity: 'warning', path: 'metadata.annotations["projectcontour.io/response-timeout"]', message: 'Envoy waits without limit for a pod\'s complete response (projectcontour.io/response-timeout: "infinity"): a hung or overloaded pod holds every request indefinitely: connections pile up at the proxy, clients and outer load balancers give up first with a 502 or 504, and the stuck requests are reset only when the pod is killed.', fix: 'Bound it to what the slowest normal request needs (60s here) and move slower work to a background job:\nmetadata:\n  annotations:\n    projectcontour.io/response-timeout: "1m"' }],
      },
      {
        name: 'Traefik ServersTransport without response-header or idle-connection limits',
        yaml: `
apiVersion: traefik.io/v1alpha1
kind: ServersTransport
metadata: {name: backend}
spec:
  forwardingTimeouts:
    dialTimeout: 5s
    responseHeaderTimeout: 0s
    idleConnTimeout: 0
`,
        expect: [{ severity: 'warning', path: 'spec.forwardingTimeouts.responseHeaderTimeout', message: 'Traefik waits without limit for a pod\'s response headers (spec.forwardingTimeouts.responseHeaderTimeout: "0s"): a hung or overloaded pod holds every request indefinitely: connections pile up at the proxy, clients and outer load balancers give up first with a 502 or 504, and the stuck requests are reset only when the pod is killed.', fix: 'Bound it to what the slowest normal request needs (60s here) and move slower work to a background job:\nspec:\n  forwardingTimeouts:\n    responseHeaderTimeout: "1m"' }, { severity: 'warning', path: 'spec.forwardingTimeouts.idleConnTimeout', message: 'Traefik keeps idle connections to pods open for reuse without limit (spec.forwardingTimeouts.idleConnTimeout: "0"): unless every app behind it keeps idle HTTP keep-alive connections open forever, a pod closes a connection just as the proxy reuses it, and that request fails with a 502.', fix: 'Keep it below the keep-alive timeout of the apps behind it (90s here), or raise theirs above it:\nspec:\n  forwardingTimeouts:\n    idleConnTimeout: "90s"' }],
      },
      {
        name: 'AWS ALB idle timeout of 4000 seconds',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations:
    alb.ingress.kubernetes.io/scheme: internet-facing
    alb.ingress.kubernetes.io/load-balancer-attributes: deletion_protection.enabled=true,idle_timeout.timeout_seconds=4000
spec:
  ingressClassName: alb
  rules:
    - http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]
`,
        expect: [{ severity: 'warning', path: 'metadata.annotations["alb.ingress.kubernetes.io/load-balancer-attributes"]', message: 'The ALB keeps idle connections to clients and pods open up to 4000s (1h6m40s) (alb.ingress.kubernetes.io/load-balancer-attributes idle_timeout.timeout_seconds: "4000"), over the 300s (5m) ceiling: unless every app behind it keeps idle HTTP keep-alive connections open longer than that, a pod closes a connection just as the proxy reuses it, and that request fails with a 502.', fix: 'Keep it below the keep-alive timeout of the apps behind it (60s here), or raise theirs above it:\nmetadata:\n  annotations:\n    alb.ingress.kubernetes.io/load-balancer-attributes: "deletion_protection.enabled=true,idle_timeout.timeout_seconds=60"' }],
      },
      {
        name: 'GKE BackendConfig timeoutSec of an hour',
        yaml: `
apiVersion: cloud.google.com/v1
kind: BackendConfig
metadata: {name: api}
spec:
  timeoutSec: 3600
---
apiVersion: v1
kind: Service
metadata:
  name: api
  annotations: {cloud.google.com/backend-config: '{"default": "api"}'}
spec:
  selector: {app: api}
  ports: [{name: http, port: 80, targetPort: 8080}]
`,
        expect: [{ severity: 'warning', path: 'spec.timeoutSec', message: 'The Google Cloud load balancer waits up to 3600s (1h) for a pod to answer (spec.timeoutSec: "3600"), over the 300s (5m) ceiling: a hung or overloaded pod holds every request that long: connections pile up at the proxy, clients and outer load balancers give up first with a 502 or 504, and the stuck requests are reset only when the pod is killed.', fix: 'Bound it to what the slowest normal request needs (30s here) and move slower work to a background job:\nspec:\n  timeoutSec: 30' }],
      },
      {
        name: 'HTTPRoute request timeout 0s (disabled) and a ten-minute backend timeout',
        yaml: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: api}
spec:
  parentRefs: [{name: gw}]
  rules:
    - backendRefs: [{name: api, port: 80}]
      timeouts: {request: 0s}
    - matches: [{path: {type: PathPrefix, value: /reports}}]
      backendRefs: [{name: reports, port: 80}]
      timeouts: {request: 15m, backendRequest: 10m}
`,
        expect: [{ severity: 'warning', path: 'spec.rules[0].timeouts.request', message: 'On spec.rules[0], the gateway waits without limit to answer a request (spec.rules[0].timeouts.request: "0s"): a hung or overloaded pod holds every request indefinitely: connections pile up at the proxy, clients and outer load balancers give up first with a 502 or 504, and the stuck requests are reset only when the pod is killed.', fix: 'Bound it to what the slowest normal request needs (60s here) and move slower work to a background job, in spec.rules[0]:\ntimeouts:\n  request: "1m"' }, { severity: 'warning', path: 'spec.rules[1].timeouts.request', message: 'On spec.rules[1], the gateway waits up to 900s (15m) to answer a request (spec.rules[1].timeouts.request: "15m"), over the 300s (5m) ceiling: a hung or overloaded pod holds every request that long: connections pile up at the proxy, clients and outer load balancers give up first with a 502 or 504, and the stuck requests are reset only when the pod is killed.', fix: 'Bound it to what the slowest normal request needs (60s here) and move slower work to a background job, in spec.rules[1]:\ntimeouts:\n  request: "1m"' }, { severity: 'warning', path: 'spec.rules[1].timeouts.backendRequest', message: 'On spec.rules[1], the gateway waits up to 600s (10m) for each request to a pod (spec.rules[1].timeouts.backendRequest: "10m"), over the 300s (5m) ceiling: a hung or overloaded pod holds every request that long: connections pile up at the proxy, clients and outer load balancers give up first with a 502 or 504, and the stuck requests are reset only when the pod is killed.', fix: 'Bound it to what the slowest normal request needs (60s here) and move slower work to a background job, in spec.rules[1]:\ntimeouts:\n  backendRequest: "1m"' }],
      },
      {
        name: 'OpenShift Route timeout of two hours',
        yaml: `
apiVersion: route.openshift.io/v1
kind: Route
metadata:
  name: web
  annotations: {haproxy.router.openshift.io/timeout: 2h}
spec:
  to: {kind: Service, name: web}
`,
        expect: [{ severity: 'warning', path: 'metadata.annotations["haproxy.router.openshift.io/timeout"]', message: 'The OpenShift router waits up to 7200s (2h) for a pod to send data (haproxy.router.openshift.io/timeout: "2h"), over the 300s (5m) ceiling: a hung or overloaded pod holds every request that long: connections pile up at the proxy, clients and outer load balancers give up first with a 502 or 504, and the stuck requests are reset only when the pod is killed.', fix: 'Bound it to what the slowest normal request needs (30s here) and move slower work to a background job:\nmetadata:\n  annotations:\n    haproxy.router.openshift.io/timeout: "30s"' }],
      },
      {
        name: 'lower ceiling set by policy',
        params: { maxSeconds: 100 },
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  annotations: {nginx.ingress.kubernetes.io/proxy-read-timeout: "120"}
spec:
  rules:
    - http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: shop, port: {number: 80}}}}]
`,
        expect: [{ severity: 'warning', path: 'metadata.annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]', message: 'ingress-nginx waits up to 120s (2m) between two reads of a pod\'s response (nginx.ingress.kubernetes.io/proxy-read-timeout: "120"), over the 100s ceiling: a hung or overloaded pod holds every request that long: connections pile up at the proxy, clients and outer load balancers give up first with a 502 or 504, and the stuck requests are reset only when the pod is killed.', fix: 'Bound it to what the slowest normal request needs (60s here) and move slower work to a background job:\nmetadata:\n  annotations:\n    nginx.ingress.kubernetes.io/proxy-read-timeout: "60"' }],
      },
      {
        name: 'Envoy Gateway BackendTrafficPolicy: requestTimeout 0s disables the route timeout',
        yaml: `
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: backend}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: backend}]
  timeout:
    tcp: {connectTimeout: 10s}
    http: {requestTimeout: 0s}
`,
        expect: [
          { severity: 'warning', path: 'spec.timeout.http.requestTimeout', message: 'Envoy Gateway waits without limit for a pod\'s complete response (spec.timeout.http.requestTimeout: "0s"): a hung or overloaded pod holds every request indefinitely: connections pile up at the proxy, clients and outer load balancers give up first with a 502 or 504, and the stuck requests are reset only when the pod is killed.', fix: 'Bound it to what the slowest normal request needs (60s here) and move slower work to a background job:' },
        ],
      },
      {
        name: 'Envoy Gateway BackendTrafficPolicy: an idle timeout of 2h and a 60s connect timeout',
        yaml: `
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: backend}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: backend}]
  timeout:
    tcp: {connectTimeout: 60s}
    http: {connectionIdleTimeout: 2h}
`,
        expect: [
          { severity: 'warning', path: 'spec.timeout.http.connectionIdleTimeout', message: 'Envoy Gateway keeps idle connections to pods open for reuse up to 7200s (2h) (spec.timeout.http.connectionIdleTimeout: "2h"), over the 300s (5m) ceiling: unless every app behind it keeps idle HTTP keep-alive connections open longer than that, a pod closes a connection just as the proxy reuses it, and that request fails with a 502.', fix: 'Keep it below the keep-alive timeout of the apps behind it (300s (5m) here), or raise theirs above it:' },
          { severity: 'warning', path: 'spec.timeout.tcp.connectTimeout', message: 'Envoy Gateway waits up to 60s for a connection to a pod (spec.timeout.tcp.connectTimeout: "60s"), over the 30s ceiling: a pod address that no longer answers (a deleted pod the endpoints still list, a node that went away) stalls each request that long before anything else is tried, and clients or outer load balancers give up first with a 502 or 504.', fix: 'Keep connection attempts short (10s here): pods accept connections in milliseconds, and a short timeout moves on to the next pod:' },
        ],
      },
      {
        name: 'Istio VirtualService: timeout 0s (disabled) on one route, 1h on another',
        yaml: `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ratings}
spec:
  hosts: [ratings.prod.svc.cluster.local]
  http:
    - match: [{uri: {prefix: /export}}]
      route: [{destination: {host: ratings.prod.svc.cluster.local, subset: v1}}]
      timeout: 0s
    - route: [{destination: {host: ratings.prod.svc.cluster.local, subset: v1}}]
      timeout: 1h
`,
        expect: [
          { severity: 'warning', path: 'spec.http[0].timeout', message: 'On spec.http[0], Envoy waits without limit for a pod\'s complete response (spec.http[0].timeout: "0s"): a hung or overloaded pod holds every request indefinitely: connections pile up at the proxy, clients and outer load balancers give up first with a 502 or 504, and the stuck requests are reset only when the pod is killed.', fix: 'Bound it to what the slowest normal request needs (60s here) and move slower work to a background job, in spec.http[0]:' },
          { severity: 'warning', path: 'spec.http[1].timeout', message: 'On spec.http[1], Envoy waits up to 3600s (1h) for a pod\'s complete response (spec.http[1].timeout: "1h"), over the 300s (5m) ceiling: a hung or overloaded pod holds every request that long: connections pile up at the proxy, clients and outer load balancers give up first with a 502 or 504, and the stuck requests are reset only when the pod is killed.', fix: 'Bound it to what the slowest normal request needs (60s here) and move slower work to a background job, in spec.http[1]:' },
        ],
      },
      {
        name: 'Istio DestinationRule: idleTimeout of 4h',
        yaml: `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: my-host}
spec:
  host: my-host
  trafficPolicy:
    connectionPool: {http: {idleTimeout: 4h}}
    tls: {mode: ISTIO_MUTUAL}
`,
        expect: [
          { severity: 'warning', path: 'spec.trafficPolicy.connectionPool.http.idleTimeout', message: 'Envoy keeps idle connections to pods open for reuse up to 14400s (4h) (spec.trafficPolicy.connectionPool.http.idleTimeout: "4h"), over the 300s (5m) ceiling: unless every app behind it keeps idle HTTP keep-alive connections open longer than that, a pod closes a connection just as the proxy reuses it, and that request fails with a 502.', fix: 'Keep it below the keep-alive timeout of the apps behind it (300s (5m) here), or raise theirs above it:' },
        ],
      },
      {
        name: 'Kong read timeout of 10 minutes, in milliseconds, on a Service',
        yaml: `
apiVersion: v1
kind: Service
metadata:
  name: echo
  annotations: {konghq.com/read-timeout: "600000", konghq.com/connect-timeout: "5000"}
spec:
  selector: {app: echo}
  ports: [{port: 80, targetPort: 1027}]
`,
        expect: [
          { severity: 'warning', path: 'metadata.annotations["konghq.com/read-timeout"]', message: 'Kong waits up to 600s (10m) between two reads of a pod\'s response (konghq.com/read-timeout: "600000"), over the 300s (5m) ceiling: a hung or overloaded pod holds every request that long: connections pile up at the proxy, clients and outer load balancers give up first with a 502 or 504, and the stuck requests are reset only when the pod is killed.', fix: 'Bound it to what the slowest normal request needs (60s here) and move slower work to a background job:' },
        ],
      },
      {
        name: 'Linkerd request timeout of an hour on an HTTPRoute',
        yaml: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: books
  annotations: {timeout.linkerd.io/request: 1h}
spec:
  parentRefs: [{group: core, kind: Service, name: books, port: 7002}]
  rules: [{backendRefs: [{name: books, port: 7002}]}]
`,
        expect: [
          { severity: 'warning', path: 'metadata.annotations["timeout.linkerd.io/request"]', message: 'Linkerd lets a request and its response stay in flight up to 3600s (1h) (timeout.linkerd.io/request: "1h"), over the 300s (5m) ceiling: a hung or overloaded pod holds every request that long: connections pile up at the proxy, clients and outer load balancers give up first with a 502 or 504, and the stuck requests are reset only when the pod is killed.', fix: 'Bound it to what the slowest normal request needs (60s here) and move slower work to a background job:' },
        ],
      },
      {
        name: 'GKE GCPBackendPolicy timeoutSec of an hour',
        yaml: `
apiVersion: networking.gke.io/v1
kind: GCPBackendPolicy
metadata: {name: my-backend-policy}
spec:
  default: {timeoutSec: 3600}
  targetRef: {group: "", kind: Service, name: lb-service}
`,
        expect: [
          { severity: 'warning', path: 'spec.default.timeoutSec', message: 'The Google Cloud load balancer waits up to 3600s (1h) for a pod to answer (spec.default.timeoutSec: "3600"), over the 300s (5m) ceiling: a hung or overloaded pod holds every request that long: connections pile up at the proxy, clients and outer load balancers give up first with a 502 or 504, and the stuck requests are reset only when the pod is killed.', fix: 'Bound it to what the slowest normal request needs (30s here) and move slower work to a background job:' },
        ],
      },
      {
        name: 'the other settings over the ceiling: Envoy Gateway per-retry timeout, Istio perTryTimeout, DestinationRule connectTimeout and per-port idleTimeout 0s, Kong write and connect, Linkerd response and idle',
        yaml: `
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: slow-retries}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: backend}]
  retry: {numRetries: 2, perRetry: {timeout: 10m}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http: [{route: [{destination: {host: reviews}}], retries: {attempts: 2, perTryTimeout: 1h}}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  trafficPolicy:
    connectionPool: {tcp: {connectTimeout: 60s}}
    portLevelSettings: [{port: {number: 80}, connectionPool: {http: {idleTimeout: 0s}}}]
---
apiVersion: v1
kind: Service
metadata:
  name: echo
  annotations: {konghq.com/write-timeout: "600000", konghq.com/connect-timeout: "60000", timeout.linkerd.io/response: 1h, timeout.linkerd.io/idle: 2h}
spec:
  selector: {app: echo}
  ports: [{port: 80, targetPort: 1027}]
`,
        expect: [
          { severity: 'warning', resource: 'BackendTrafficPolicy/slow-retries', path: 'spec.retry.perRetry.timeout', message: 'Envoy Gateway waits up to 600s (10m) for each attempt of a request (spec.retry.perRetry.timeout: "10m"), over the 300s (5m) ceiling: a hung or overloaded pod holds every request that long: connections pile up at the proxy, clients and outer load balancers give up first with a 502 or 504, and the stuck requests are reset only when the pod is killed.', fix: 'Bound it to what the slowest normal request needs (30s here) and move slower work to a background job:' },
          { severity: 'warning', resource: 'VirtualService/reviews', path: 'spec.http[0].retries.perTryTimeout', message: 'On spec.http[0], Envoy waits up to 3600s (1h) for each attempt of a request (spec.http[0].retries.perTryTimeout: "1h"), over the 300s (5m) ceiling: a hung or overloaded pod holds every request that long: connections pile up at the proxy, clients and outer load balancers give up first with a 502 or 504, and the stuck requests are reset only when the pod is killed.', fix: 'Bound it to what the slowest normal request needs (30s here) and move slower work to a background job, in spec.http[0]:' },
          { severity: 'warning', resource: 'DestinationRule/reviews', path: 'spec.trafficPolicy.connectionPool.tcp.connectTimeout', message: 'Envoy waits up to 60s for a connection to a pod (spec.trafficPolicy.connectionPool.tcp.connectTimeout: "60s"), over the 30s ceiling: a pod address that no longer answers (a deleted pod the endpoints still list, a node that went away) stalls each request that long before anything else is tried, and clients or outer load balancers give up first with a 502 or 504.', fix: 'Keep connection attempts short (10s here): pods accept connections in milliseconds, and a short timeout moves on to the next pod:' },
          { severity: 'warning', resource: 'DestinationRule/reviews', path: 'spec.trafficPolicy.portLevelSettings[0].connectionPool.http.idleTimeout', message: 'On spec.trafficPolicy.portLevelSettings[0], Envoy keeps idle connections to pods open for reuse without limit (spec.trafficPolicy.portLevelSettings[0].connectionPool.http.idleTimeout: "0s"): unless every app behind it keeps idle HTTP keep-alive connections open forever, a pod closes a connection just as the proxy reuses it, and that request fails with a 502.', fix: 'Keep it below the keep-alive timeout of the apps behind it (300s (5m) here), or raise theirs above it, in spec.trafficPolicy.portLevelSettings[0]:' },
          { severity: 'warning', resource: 'Service/echo', path: 'metadata.annotations["konghq.com/write-timeout"]', message: 'Kong waits up to 600s (10m) between two writes of a request to a pod (konghq.com/write-timeout: "600000"), over the 300s (5m) ceiling: a pod that stops reading holds each request that long, and clients or outer load balancers give up first with a 502 or 504.', fix: 'Bound it to what the slowest normal upload needs (60s here):' },
          { severity: 'warning', resource: 'Service/echo', path: 'metadata.annotations["konghq.com/connect-timeout"]', message: 'Kong waits up to 60s for a connection to a pod (konghq.com/connect-timeout: "60000"), over the 30s ceiling: a pod address that no longer answers (a deleted pod the endpoints still list, a node that went away) stalls each request that long before anything else is tried, and clients or outer load balancers give up first with a 502 or 504.', fix: 'Keep connection attempts short (5s here): pods accept connections in milliseconds, and a short timeout moves on to the next pod:' },
          { severity: 'warning', resource: 'Service/echo', path: 'metadata.annotations["timeout.linkerd.io/response"]', message: 'Linkerd waits up to 3600s (1h) for a pod\'s response (timeout.linkerd.io/response: "1h"), over the 300s (5m) ceiling: a hung or overloaded pod holds every request that long: connections pile up at the proxy, clients and outer load balancers give up first with a 502 or 504, and the stuck requests are reset only when the pod is killed.', fix: 'Bound it to what the slowest normal request needs (60s here) and move slower work to a background job:' },
          { severity: 'warning', resource: 'Service/echo', path: 'metadata.annotations["timeout.linkerd.io/idle"]', message: 'Linkerd lets a request stream stay silent up to 7200s (2h) (timeout.linkerd.io/idle: "2h"), over the 300s (5m) ceiling: a hung or overloaded pod holds every request that long: connections pile up at the proxy, clients and outer load balancers give up first with a 502 or 504, and the stuck requests are reset only when the pod is killed.', fix: 'Bound it (300s (5m) here) so that a silent stream is closed:' },
        ],
      },
      {
        name: 'HAProxy timeout-server on a Service no Ingress reaches yet (whoever comes may read it)',
        yaml: haproxyServiceBehind(),
        expect: [{ severity: 'warning', path: 'metadata.annotations["haproxy.org/timeout-server"]', message: 'HAProxy waits up to 3600s (1h) for a pod to send data (haproxy.org/timeout-server: "1h"), over the 300s (5m) ceiling: a hung or overloaded pod holds every request that long: connections pile up at the proxy, clients and outer load balancers give up first with a 502 or 504, and the stuck requests are reset only when the pod is killed.', fix: 'Bound it to what the slowest normal request needs (50s here) and move slower work to a background job:\nmetadata:\n  annotations:\n    haproxy.org/timeout-server: "50s"' }],
      },
      {
        name: 'HAProxy timeout-server on a Service behind ingress-nginx and an Ingress of an unknown class',
        yaml: haproxyServiceBehind('nginx', 'acme'),
        expect: [{ severity: 'warning', path: 'metadata.annotations["haproxy.org/timeout-server"]', message: 'HAProxy waits up to 3600s (1h) for a pod to send data (haproxy.org/timeout-server: "1h"), over the 300s (5m) ceiling: a hung or overloaded pod holds every request that long: connections pile up at the proxy, clients and outer load balancers give up first with a 502 or 504, and the stuck requests are reset only when the pod is killed.', fix: 'Bound it to what the slowest normal request needs (50s here) and move slower work to a background job:\nmetadata:\n  annotations:\n    haproxy.org/timeout-server: "50s"' }],
      },
    ],
    silent: [
      {
        name: 'HAProxy timeout-server on a Service that only ingress-nginx and Traefik Ingresses reach',
        yaml: haproxyServiceBehind('nginx', 'traefik'),
      },
      {
        name: 'the other settings within the ceiling: Envoy Gateway requestTimeout 10s, DestinationRule idleTimeout 5m, Kong connect 5000 ms, Linkerd response 5s and idle 60s',
        yaml: `
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: request-timeout}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: backend}]
  timeout: {http: {requestTimeout: 10s}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  trafficPolicy: {connectionPool: {http: {idleTimeout: 5m}}}
---
apiVersion: v1
kind: Service
metadata:
  name: echo
  annotations: {konghq.com/connect-timeout: "5000", timeout.linkerd.io/response: 5s, timeout.linkerd.io/idle: 60s}
spec:
  selector: {app: echo}
  ports: [{port: 80, targetPort: 1027}]
`,
      },
      {
        name: 'documented examples: Envoy Gateway connection timeouts, Istio route timeout 10s and retries, DestinationRule connection pool, GCPBackendPolicy 40s',
        yaml: `
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: timeouts}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: backend}]
  timeout:
    tcp: {connectTimeout: 10s}
    http: {connectionIdleTimeout: 5s, maxConnectionDuration: 10s}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: retry-for-route}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: backend}]
  retry:
    numRetries: 5
    perRetry: {backOff: {baseInterval: 100ms, maxInterval: 10s}, timeout: 250ms}
    retryOn: {httpStatusCodes: [500], triggers: [connect-failure, retriable-status-codes]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ratings}
spec:
  hosts: [ratings.prod.svc.cluster.local]
  http:
    - route: [{destination: {host: ratings.prod.svc.cluster.local, subset: v1}}]
      timeout: 10s
      retries: {attempts: 3, perTryTimeout: 2s, retryOn: "gateway-error,connect-failure,refused-stream"}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: bookinfo-redis}
spec:
  host: myredissrv.prod.svc.cluster.local
  trafficPolicy:
    connectionPool:
      tcp: {maxConnections: 100, connectTimeout: 30ms, tcpKeepalive: {time: 7200s, interval: 75s}}
      http: {http2MaxRequests: 1000, maxRequestsPerConnection: 10}
---
apiVersion: networking.gke.io/v1
kind: GCPBackendPolicy
metadata: {name: my-backend-policy}
spec:
  default: {timeoutSec: 40}
  targetRef: {group: "", kind: Service, name: lb-service}
`,
      },
      {
        name: 'Kong timeouts at their 60000 ms default, Linkerd 10s request timeout, and nothing written on a VirtualService',
        yaml: `
apiVersion: v1
kind: Service
metadata:
  name: echo
  annotations: {konghq.com/read-timeout: "60000", konghq.com/write-timeout: "60000", timeout.linkerd.io/request: 10s}
spec:
  selector: {app: echo}
  ports: [{port: 80, targetPort: 1027}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http: [{route: [{destination: {host: reviews}}]}]
`,
      },
      {
        name: 'timeouts within the ceiling, and no annotations at all',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  annotations:
    nginx.ingress.kubernetes.io/proxy-read-timeout: "120"
    nginx.ingress.kubernetes.io/proxy-connect-timeout: "10"
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
        name: 'values ingress-nginx does not take as written: "0" (expires at once) and "600s" (not an integer)',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  annotations:
    nginx.ingress.kubernetes.io/proxy-read-timeout: "0"
    nginx.ingress.kubernetes.io/proxy-send-timeout: "600s"
spec:
  rules:
    - http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: shop, port: {number: 80}}}}]
`,
      },
      {
        name: 'websocket route: long read timeouts are how ingress-nginx keeps websockets open',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: chat
  annotations:
    nginx.ingress.kubernetes.io/proxy-read-timeout: "3600"
    nginx.ingress.kubernetes.io/proxy-send-timeout: "3600"
spec:
  ingressClassName: nginx
  rules:
    - http:
        paths: [{path: /ws, pathType: Prefix, backend: {service: {name: chat, port: {number: 80}}}}]
`,
      },
      {
        name: 'unlimited upload bodies (a container registry): long timeouts are deliberate',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: docker-registry
  annotations:
    nginx.ingress.kubernetes.io/proxy-body-size: "0"
    nginx.ingress.kubernetes.io/proxy-read-timeout: "600"
    nginx.ingress.kubernetes.io/proxy-send-timeout: "600"
spec:
  ingressClassName: nginx
  rules:
    - http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: docker-registry, port: {number: 5000}}}}]
`,
      },
      {
        name: 'ingress-nginx canary Ingress: the controller ignores its timeout annotations',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop-canary
  annotations:
    nginx.ingress.kubernetes.io/canary: "true"
    nginx.ingress.kubernetes.io/canary-weight: "10"
    nginx.ingress.kubernetes.io/proxy-read-timeout: "3600"
spec:
  ingressClassName: nginx
  rules:
    - http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: shop-v2, port: {number: 80}}}}]
`,
      },
      {
        name: 'ingress-nginx annotations on an Ingress served by Traefik (ignored by the controller)',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  annotations: {nginx.ingress.kubernetes.io/proxy-read-timeout: "3600"}
spec:
  ingressClassName: traefik
  rules:
    - http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: shop, port: {number: 80}}}}]
`,
      },
      {
        name: 'HAProxy milliseconds: 60000 is one minute',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: api
  annotations: {haproxy.org/timeout-server: "60000"}
spec:
  defaultBackend: {service: {name: api, port: {number: 80}}}
  ingressClassName: haproxy
`,
      },
      {
        name: 'HAProxy annotation on a Service that only an ingress-nginx Ingress reaches',
        yaml: `
apiVersion: v1
kind: Service
metadata:
  name: reports
  annotations: {haproxy.org/timeout-server: "0"}
spec:
  selector: {app: reports}
  ports: [{port: 80}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: reports}
spec:
  ingressClassName: nginx
  rules:
    - http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: reports, port: {number: 80}}}}]
`,
      },
      {
        name: 'Contour 0s means "not set" (Envoy default), and a websocket HTTPProxy route with no response timeout',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: api
  annotations: {projectcontour.io/response-timeout: 0s}
spec:
  defaultBackend: {service: {name: api, port: {number: 80}}}
  ingressClassName: contour
---
apiVersion: projectcontour.io/v1
kind: HTTPProxy
metadata: {name: live}
spec:
  virtualhost: {fqdn: live.example.com}
  routes:
    - conditions: [{prefix: /}]
      enableWebsockets: true
      services: [{name: live, port: 80}]
      timeoutPolicy: {response: infinity}
`,
      },
      {
        name: 'HTTPRoute with bounded timeouts, and a disabled one in front of a websocket port',
        yaml: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: api}
spec:
  parentRefs: [{name: gw}]
  rules:
    - backendRefs: [{name: api, port: 80}]
      timeouts: {request: 30s, backendRequest: 10s}
    - matches: [{path: {type: PathPrefix, value: /notifications}}]
      backendRefs: [{name: notifier, port: 80}]
      timeouts: {request: 0s}
---
apiVersion: v1
kind: Service
metadata: {name: notifier}
spec:
  selector: {app: notifier}
  ports: [{port: 80, targetPort: 8080, appProtocol: kubernetes.io/ws}]
`,
      },
      {
        name: 'GKE BackendConfig of an hour for a websocket Service',
        yaml: `
apiVersion: cloud.google.com/v1
kind: BackendConfig
metadata: {name: live}
spec:
  timeoutSec: 3600
---
apiVersion: v1
kind: Service
metadata:
  name: live
  annotations: {cloud.google.com/backend-config: '{"ports": {"80": "live"}}'}
spec:
  selector: {app: live}
  ports: [{name: websocket, port: 80, targetPort: 8080}]
`,
      },
      {
        name: 'Traefik bounded timeouts, integers being seconds',
        yaml: `
apiVersion: traefik.io/v1alpha1
kind: ServersTransport
metadata: {name: backend}
spec:
  forwardingTimeouts:
    dialTimeout: 5
    responseHeaderTimeout: 60
    idleConnTimeout: 90s
`,
      },
      {
        name: 'AWS ALB idle timeout of two minutes, other attributes only',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations:
    alb.ingress.kubernetes.io/load-balancer-attributes: idle_timeout.timeout_seconds=120
spec:
  defaultBackend: {service: {name: web, port: {number: 80}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web2
  annotations:
    alb.ingress.kubernetes.io/load-balancer-attributes: routing.http2.enabled=true
spec:
  defaultBackend: {service: {name: web2, port: {number: 80}}}
`,
      },
    ],
  },
});
