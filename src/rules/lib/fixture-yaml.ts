// Builds the YAML of rule fixtures: a workload behind a Service (and, on request,
// an Ingress), with the containers the fixture is about, so that each fixture
// spells out only what it tests.

export interface AppFixture {
  /** The `containers:` list items, as YAML indented by 8 spaces. */
  containers: string;
  kind?: 'Deployment' | 'StatefulSet' | 'DaemonSet';
  replicas?: number;
  /** Service ports (flow YAML); `false` for a worker without a Service. */
  servicePorts?: string | false;
  /** Put an Ingress in front of the Service (its first port, by number): `true` for class nginx, a class name, or `''` for none. */
  ingress?: boolean | string;
  /** Extra pod spec lines, indented by 6 spaces. */
  podSpec?: string;
}

export function appYaml(f: AppFixture): string {
  const kind = f.kind ?? 'Deployment';
  const replicas = kind === 'DaemonSet' ? '' : `  replicas: ${f.replicas ?? 3}\n`;
  const ports = f.servicePorts ?? '[{name: http, port: 80, targetPort: http}]';
  const docs = [
    `apiVersion: apps/v1
kind: ${kind}
metadata: {name: web}
spec:
${replicas}  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
${f.podSpec ?? ''}      containers:
${f.containers}`,
  ];
  if (ports !== false) docs.push(`apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: ${ports}\n`);
  if (f.ingress !== undefined && f.ingress !== false) {
    const cls = f.ingress === true ? 'nginx' : f.ingress;
    docs.push(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
${cls ? `  ingressClassName: ${cls}\n` : ''}  rules:
    - http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
`);
  }
  return `\n${docs.join('---\n')}`;
}

/** A Deployment `web` of three pods without probes, behind a Service and an Ingress that reach it. */
export const WEB_BEHIND_INGRESS = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: web, ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
    - host: web.example.com
      http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]
`;

/**
 * Health checks of the proxies in front of Service `web`, after each project's documented examples: an HTTPRoute
 * with an Envoy Gateway BackendTrafficPolicy, an Istio DestinationRule, and Kong KongUpstreamPolicies (named by
 * the Service's `konghq.com/upstream-policy` annotation, see `kongPolicyOn`).
 */
/** An HTTPRoute `backend` of Gateway `eg` to Service `web`, for the policies attached to it. */
const ROUTE_TO_WEB = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: backend}
spec:
  parentRefs: [{name: eg}]
  rules: [{backendRefs: [{name: web, port: 80}]}]
---
`;

export const HEALTH_CHECKS = {
  envoyGatewayActiveHttp: `
${ROUTE_TO_WEB}apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: health-check}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: backend}]
  healthCheck:
    active:
      timeout: 1s
      interval: 3s
      unhealthyThreshold: 3
      healthyThreshold: 1
      type: HTTP
      http:
        path: /healthz
        method: GET
        expectedStatuses: [200, 300]
`,
  envoyGatewayActiveTcpOnGateway: `
${ROUTE_TO_WEB}apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: health-check}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: eg}]
  healthCheck:
    active:
      type: TCP
      tcp: {}
`,
  envoyGatewayPassive: `
${ROUTE_TO_WEB}apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: passive-health-check}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: backend}]
  healthCheck:
    passive:
      baseEjectionTime: 10s
      interval: 2s
      maxEjectionPercent: 100
      consecutive5XxErrors: 5
      consecutiveGatewayErrors: 0
      consecutiveLocalOriginFailures: 5
      splitExternalLocalOriginErrors: false
`,
  istioOutlierDetection: `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: web}
spec:
  host: web
  trafficPolicy:
    connectionPool:
      tcp: {maxConnections: 1}
      http: {http1MaxPendingRequests: 1, maxRequestsPerConnection: 1}
    outlierDetection:
      consecutive5xxErrors: 1
      interval: 1s
      baseEjectionTime: 3m
      maxEjectionPercent: 100
`,
  kongActiveAndPassive: `
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
    passive:
      healthy: {successes: 3}
      unhealthy: {httpFailures: 3}
`,
  kongPassive: `
apiVersion: configuration.konghq.com/v1beta1
kind: KongUpstreamPolicy
metadata: {name: demo-health-checking}
spec:
  healthchecks:
    passive:
      healthy: {successes: 3}
      unhealthy: {httpFailures: 3}
`,
};

/** The Service `web` of `appYaml` with the annotation that names a KongUpstreamPolicy. */
export function kongPolicyOn(yaml: string, policy: string): string {
  return yaml.replace('kind: Service\nmetadata: {name: web}', `kind: Service\nmetadata: {name: web, annotations: {konghq.com/upstream-policy: ${policy}}}`);
}
