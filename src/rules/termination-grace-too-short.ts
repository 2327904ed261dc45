import { defineRule } from '../engine/rule.ts';
import { dig } from '../engine/fields.ts';
import { isWorkload, type Container, type PodTemplate, type Workload } from '../engine/model.ts';
import type { RuleHit } from '../engine/types.ts';
import { formatSeconds, responseTimeoutsReaching, streamingEvidence, type ReachingTimeout } from './lib/proxy-timeouts.ts';
import { exposures, isGatewayFacing, isSwitchedOff } from './lib/rollout-math.ts';
import { servingContainers, workloadName } from './lib/traffic.ts';
import { appYaml } from './lib/fixture-yaml.ts';
import { fixWithYaml } from './lib/yaml.ts';
import { PROXY_SETTINGS, SCALERS, SERVED } from './lib/reads.ts';

/** The kubelet always leaves a container this long between SIGTERM and SIGKILL, even after a preStop hook overran. */
const KUBELET_MINIMUM_GRACE = 2;

/**
 * The API server rejects a pod template whose native preStop sleep is longer than its grace period
 * (validation of the SleepAction: "must be non-negative and less than terminationGracePeriodSeconds"):
 * the object is never stored, whatever else is right with it.
 */
function rejectedSleeps(w: Workload, template: PodTemplate, minShutdownSeconds: number): RuleHit[] {
  const grace = template.terminationGracePeriodSeconds;
  const graceSaid = dig(template.raw, 'spec', 'terminationGracePeriodSeconds') === undefined ? `${grace}s (the default)` : `${grace}s`;
  return template.containers.flatMap((c) => {
    const sleep = c.preStop?.handler === 'sleep' ? c.preStop.sleepSeconds : undefined;
    if (sleep === undefined || sleep <= grace) return [];
    return [
      {
        path: `${c.preStop?.path}.sleep.seconds`,
        message:
          `Container ${c.name} of ${workloadName(w)} sleeps ${sleep}s in its native preStop sleep action, longer than the termination grace ` +
          `period of ${graceSaid}: the API server rejects the ${w.kind} (the sleep must be less than terminationGracePeriodSeconds), so it is never applied.`,
        fix: fixWithYaml(`Make the grace period cover the ${sleep}s sleep plus ${minShutdownSeconds}s to shut down${template.specPath ? `, in ${template.specPath}` : ''}:`, {
          terminationGracePeriodSeconds: sleep + minShutdownSeconds,
        }),
        severity: 'error' as const,
      },
    ];
  });
}

/** Deployment web behind Service web and an ingress-nginx Ingress whose read timeout is `timeout`: the boundary fixtures. */
const behindReadTimeout = (timeout: string, grace?: number, serviceAnnotations?: string) =>
  appYaml({ containers: '        - {name: app, image: web, ports: [{name: http, containerPort: 8080}]}\n', ingress: true, ...(grace !== undefined ? { podSpec: `      terminationGracePeriodSeconds: ${grace}\n` } : {}) })
    .replace('kind: Ingress\nmetadata: {name: web}', `kind: Ingress\nmetadata: {name: web, annotations: {nginx.ingress.kubernetes.io/proxy-read-timeout: "${timeout}"}}`)
    .replace('kind: Service\nmetadata: {name: web}', `kind: Service\nmetadata: {name: web${serviceAnnotations ? `, annotations: {${serviceAnnotations}}` : ''}}`);

export default defineRule({
  id: 'termination-grace-too-short',
  title: 'Termination grace period shorter than the drain',
  shape: 'reset',
  severity: 'warning',
  targets: ['workload'],
  reads: [
    ...SERVED, ...SCALERS, ...PROXY_SETTINGS,
    { group: 'networking.gke.io', kind: 'GCPBackendPolicy' },
    // Istio hosts and Envoy Gateway policy targets name Services of any namespace.
    { group: 'networking.istio.io', kind: 'VirtualService', anyNamespace: true },
    { group: 'gateway.envoyproxy.io', kind: 'BackendTrafficPolicy', anyNamespace: true },
  ],
  params: {
    minShutdownSeconds: {
      type: 'integer',
      default: 5,
      minimum: 0,
      description: 'Seconds the app should keep after its preStop sleep to finish in-flight requests and close its connections.',
      unit: 'seconds',
    },
    maxTimeoutSeconds: {
      type: 'integer',
      default: 300,
      minimum: 1,
      description:
        'Longest gateway timeout the grace period is expected to cover; longer ones serve long-lived connections, which no grace period covers (see proxy-timeout-unbounded).',
      unit: 'seconds',
    },
  },
  docs: {
    what:
      'Checks the `terminationGracePeriodSeconds` (default 30) of workloads behind a Service against what has to fit ' +
      'into it: the preStop sleep of the serving containers (native `sleep` action or `sleep N` in an exec hook) plus ' +
      '`minShutdownSeconds` (default 5) for the app to finish, and — when a gateway in front sets its response timeout ' +
      'explicitly — the preStop sleep plus that timeout, the longest a request already accepted may legitimately run. ' +
      'The timeouts read are those of `proxy-timeout-unbounded`: ingress-nginx and NGINX `proxy-read-timeout`, HAProxy ' +
      '`timeout-server` (Ingress or Service), Contour `response-timeout` and HTTPProxy `timeoutPolicy.response`, the ALB ' +
      'idle timeout, GKE BackendConfig `timeoutSec`, OpenShift Route `timeout`, Traefik `responseHeaderTimeout`, and ' +
      'HTTPRoute `timeouts.backendRequest` (else `request`) of the rule that routes to the workload, Envoy Gateway ' +
      '`requestTimeout` of a BackendTrafficPolicy attached to that HTTPRoute, Istio VirtualService `timeout` of the route ' +
      'whose destination is the Service, GKE GCPBackendPolicy `timeoutSec` attached to the Service, and Kong ' +
      '`read-timeout` and Linkerd `request`/`response` timeouts on the Service. A workload that only ' +
      'in-cluster callers reach (no Ingress, route or LoadBalancer Service in front) is reported as info. A native ' +
      '`sleep` action longer than the grace period is an error on any workload: the API server rejects such a pod ' +
      'template outright (an exec `sleep` is not validated and is cut short instead).',
    why:
      'When a pod is deleted the kubelet runs the preStop hook, then sends SIGTERM, and sends SIGKILL when the grace ' +
      'period — counted from the start, preStop included — runs out. A preStop sleep as long as the grace period is cut ' +
      'short, and the app is killed about 2 seconds after SIGTERM, with requests still running and keep-alive ' +
      'connections still open; the gateway sees the connections reset and answers 502. Likewise, a gateway that is ' +
      'allowed to wait 120 s for an answer will keep a slow request open that long, and a 30 s grace period kills it ' +
      'halfway: every rollout, scale-down and node drain then turns slow requests into 502s.',
    fix:
      'Make the grace period cover the preStop sleep plus the longest request:\n\n```yaml\nspec:\n  template:\n    spec:\n' +
      '      terminationGracePeriodSeconds: 75   # preStop sleep 15 + proxy read timeout 60\n      containers:\n' +
      '        - name: web\n          lifecycle:\n            preStop:\n              sleep:\n                seconds: 15\n```\n\n' +
      'Or shorten the sleep (a few seconds more than your gateways need to drop a terminating endpoint is enough), or ' +
      'lower the gateway timeout.',
    notes:
      'Silent for workloads no Service selects (workers), workloads scaled to 0 and Argo Rollouts using `workloadRef` ' +
      '(the Deployment holding the template is judged), for preStop hooks whose duration cannot be read (an HTTP call, ' +
      'a script), and when no gateway timeout is raised above its controller\'s default: defaults are not assumed — ' +
      'ingress-nginx waits 60 s by default, which the default grace of 30 s does not cover, but reporting every ' +
      'ingress-nginx backend for it (or for a `"60"` written out) would drown the findings that matter; a raised timeout ' +
      '(`"120"`) says requests are expected to take that long. Idle timeouts (the ALB `idle_timeout`, keep-alive pools) ' +
      'do not bound a request and are not read. Disabled timeouts, timeouts over `maxTimeoutSeconds` (default 300) and timeouts of ' +
      'routes that look like websockets, streams or uploads are left out: those connections are long-lived by design ' +
      'and clients reconnect; `proxy-timeout-unbounded` judges them. A workload with no preStop sleep at all is ' +
      '`prestop-missing`\'s concern.',
  },
  evaluate(w, graph, params) {
    if (!isWorkload(w) || !w.template) return [];
    const rejected = rejectedSleeps(w, w.template, params.minShutdownSeconds);
    if (rejected.length > 0) return rejected;
    // The template of an Argo Rollout's workloadRef runs under the Rollout.
    const runner = graph.rolloutReferencing(w) ?? w;
    if (isSwitchedOff(runner, graph)) return [];
    // Services a metrics scraper alone uses carry no requests worth draining.
    const exposed = exposures(runner, graph);
    if (exposed.length === 0) return [];
    const facing = exposed.some(isGatewayFacing);
    const reset = facing ? 'the gateway sees them reset and answers 502' : 'callers see them reset (a 502 wherever a proxy sits in between)';
    const template = w.template;
    const grace = template.terminationGracePeriodSeconds;
    const graceSaid = dig(template.raw, 'spec', 'terminationGracePeriodSeconds') === undefined ? `${grace}s (the default)` : `${grace}s`;

    const serving = servingContainers(runner, graph);
    const candidates = serving.length > 0 ? serving : template.containers;
    let sleeper: Container | undefined;
    for (const c of candidates) {
      const s = c.preStop?.sleepSeconds;
      if (s !== undefined && s > (sleeper?.preStop?.sleepSeconds ?? 0)) sleeper = c;
    }
    const sleep = sleeper?.preStop?.sleepSeconds ?? 0;

    let longest: ReachingTimeout | undefined;
    for (const r of responseTimeoutsReaching(runner, graph)) {
      const s = r.timeout.seconds;
      if (s === Infinity || s > params.maxTimeoutSeconds || s <= (longest?.timeout.seconds ?? 0)) continue;
      if (streamingEvidence(r.timeout, graph) !== undefined) continue;
      longest = r;
    }

    const forSleep = sleeper ? sleep + params.minShutdownSeconds : 0;
    const forTimeout = longest ? sleep + longest.timeout.seconds : 0;
    const need = Math.ceil(Math.max(forSleep, forTimeout));
    if (grace >= need) return [];

    const sleepSaid = sleeper ? `container ${sleeper.name} sleeps ${formatSeconds(sleep)} in its preStop hook` : '';
    let message: string;
    if (longest && forTimeout >= forSleep) {
      const t = longest.timeout;
      const written = `${t.field.startsWith('metadata.') ? t.path : t.field}: ${JSON.stringify(t.written)}`;
      message =
        `${t.proxy === 'Gateway API' ? `${t.on.kind}/${t.on.name} (${written})` : `${t.proxy} (${written} on ${t.on.kind}/${t.on.name})`} lets a request to Service ${longest.service.name} run up to ` +
        `${formatSeconds(t.seconds)}, but ${workloadName(w)} has a termination grace period of ${graceSaid}${sleeper ? `, ${formatSeconds(sleep)} of which go to the preStop sleep of container ${sleeper.name}` : ''}: ` +
        `a request still running when a pod is stopped (rollout, scale-down, node drain) is cut by SIGKILL and the gateway answers 502.`;
    } else if (sleep >= grace) {
      message =
        `In ${workloadName(w)}, ${sleepSaid} but the termination grace period is ${graceSaid}: the sleep uses up the whole ` +
        `grace period, so the app gets SIGTERM only when it has run out and is killed ${KUBELET_MINIMUM_GRACE}s later, with ` +
        `requests still running and keep-alive connections open: ${reset}.`;
    } else {
      message =
        `In ${workloadName(w)}, ${sleepSaid} and the termination grace period is ${graceSaid}: that leaves the app ` +
        `${formatSeconds(grace - sleep)} after SIGTERM (under ${params.minShutdownSeconds}s) to finish in-flight requests and close its ` +
        `connections before SIGKILL resets them: ${reset}.`;
    }
    const covers = [sleeper ? `the ${formatSeconds(sleep)} preStop sleep` : '', longest ? `the ${formatSeconds(longest.timeout.seconds)} gateway timeout` : `${params.minShutdownSeconds}s to shut down`]
      .filter(Boolean)
      .join(' plus ');
    return [
      {
        path: template.terminationGracePath,
        message,
        fix: fixWithYaml(`Make the grace period cover ${covers}${template.specPath ? `, in ${template.specPath}` : ''}:`, { terminationGracePeriodSeconds: need }),
        ...(facing ? {} : { severity: 'info' as const }),
      },
    ];
  },
  fixtures: {
    fire: [
      {
        name: 'preStop sleep as long as the default grace period, behind an Ingress',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
    - http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: web
          ports: [{name: http, containerPort: 8080}]
          lifecycle:
            preStop:
              sleep: {seconds: 30}
`,
        expect: [{ severity: 'warning', path: 'spec.template.spec.terminationGracePeriodSeconds', message: 'In Deployment/web, container web sleeps 30s in its preStop hook but the termination grace period is 30s (the default): the sleep uses up the whole grace period, so the app gets SIGTERM only when it has run out and is killed 2s later, with requests still running and keep-alive connections open: the gateway sees them reset and answers 502.', fix: 'Make the grace period cover the 30s preStop sleep plus 5s to shut down, in spec.template.spec:\nterminationGracePeriodSeconds: 35' }],
      },
      {
        name: 'exec sleep longer than the grace period of a StatefulSet only in-cluster callers reach (info)',
        yaml: `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 10
      containers:
        - name: web
          image: web
          ports: [{containerPort: 8080}]
          lifecycle:
            preStop:
              exec: {command: [/bin/sh, -c, "sleep 15"]}
`,
        expect: [{ severity: 'info', path: 'spec.template.spec.terminationGracePeriodSeconds', message: 'In StatefulSet/web, container web sleeps 15s in its preStop hook but the termination grace period is 10s: the sleep uses up the whole grace period, so the app gets SIGTERM only when it has run out and is killed 2s later, with requests still running and keep-alive connections open: callers see them reset (a 502 wherever a proxy sits in between).', fix: 'Make the grace period cover the 15s preStop sleep plus 5s to shut down, in spec.template.spec:\nterminationGracePeriodSeconds: 20' }],
      },
      {
        name: 'grace leaves the app only 2s after the sleep',
        yaml: `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 22
      containers:
        - name: web
          image: web
          lifecycle: {preStop: {exec: {command: [sleep, "20"]}}}
`,
        expect: [{ severity: 'info', path: 'spec.template.spec.terminationGracePeriodSeconds', message: 'In Deployment/web, container web sleeps 20s in its preStop hook and the termination grace period is 22s: that leaves the app 2s after SIGTERM (under 5s) to finish in-flight requests and close its connections before SIGKILL resets them: callers see them reset (a 502 wherever a proxy sits in between).', fix: 'Make the grace period cover the 20s preStop sleep plus 5s to shut down, in spec.template.spec:\nterminationGracePeriodSeconds: 25' }],
      },
      {
        name: 'ingress-nginx read timeout of 120s in front of the default grace period',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: reports
  annotations: {nginx.ingress.kubernetes.io/proxy-read-timeout: "120"}
spec:
  ingressClassName: nginx
  rules:
    - http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: reports, port: {number: 80}}}}]
---
apiVersion: v1
kind: Service
metadata: {name: reports}
spec:
  selector: {app: reports}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: reports}
spec:
  replicas: 2
  selector: {matchLabels: {app: reports}}
  template:
    metadata: {labels: {app: reports}}
    spec:
      containers:
        - name: app
          image: reports
          lifecycle: {preStop: {sleep: {seconds: 10}}}
`,
        expect: [{ severity: 'warning', path: 'spec.template.spec.terminationGracePeriodSeconds', message: 'ingress-nginx (nginx.ingress.kubernetes.io/proxy-read-timeout: "120" on Ingress/reports) lets a request to Service reports run up to 120s (2m), but Deployment/reports has a termination grace period of 30s (the default), 10s of which go to the preStop sleep of container app: a request still running when a pod is stopped (rollout, scale-down, node drain) is cut by SIGKILL and the gateway answers 502.', fix: 'Make the grace period cover the 10s preStop sleep plus the 120s (2m) gateway timeout, in spec.template.spec:\nterminationGracePeriodSeconds: 130' }],
      },
      {
        name: 'HTTPRoute backendRequest timeout of the rule that routes to the workload',
        yaml: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: api}
spec:
  parentRefs: [{name: gw}]
  rules:
    - matches: [{path: {type: PathPrefix, value: /export}}]
      backendRefs: [{name: export, port: 80}]
      timeouts: {request: 90s, backendRequest: 60s}
    - backendRefs: [{name: api, port: 80}]
      timeouts: {request: 5s}
---
apiVersion: v1
kind: Service
metadata: {name: export}
spec:
  selector: {app: export}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: export}
spec:
  selector: {matchLabels: {app: export}}
  template:
    metadata: {labels: {app: export}}
    spec:
      terminationGracePeriodSeconds: 45
      containers: [{name: app, image: export}]
`,
        expect: [{ severity: 'warning', path: 'spec.template.spec.terminationGracePeriodSeconds', message: 'HTTPRoute/api (spec.rules[0].timeouts.backendRequest: "60s") lets a request to Service export run up to 60s, but Deployment/export has a termination grace period of 45s: a request still running when a pod is stopped (rollout, scale-down, node drain) is cut by SIGKILL and the gateway answers 502.', fix: 'Make the grace period cover the 60s gateway timeout, in spec.template.spec:\nterminationGracePeriodSeconds: 60' }],
      },
      {
        name: 'HAProxy timeout-server on the Service wins over the Ingress value',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: api
  annotations: {haproxy.org/timeout-server: "20s"}
spec:
  ingressClassName: haproxy
  rules:
    - http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}]
---
apiVersion: v1
kind: Service
metadata:
  name: api
  annotations: {haproxy.org/timeout-server: "2m"}
spec:
  selector: {app: api}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: app, image: api}]
`,
        expect: [{ severity: 'warning', path: 'spec.template.spec.terminationGracePeriodSeconds', message: 'HAProxy (haproxy.org/timeout-server: "2m" on Service/api) lets a request to Service api run up to 120s (2m), but Deployment/api has a termination grace period of 30s (the default): a request still running when a pod is stopped (rollout, scale-down, node drain) is cut by SIGKILL and the gateway answers 502.', fix: 'Make the grace period cover the 120s (2m) gateway timeout, in spec.template.spec:\nterminationGracePeriodSeconds: 120' }],
      },
      {
        name: 'Argo Rollout with workloadRef: the Deployment holding the template is reported',
        yaml: `
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  strategy: {canary: {steps: [{setWeight: 20}]}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 0
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 15
      containers:
        - name: web
          image: web
          lifecycle: {preStop: {sleep: {seconds: 15}}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`,
        expect: [{ severity: 'info', path: 'spec.template.spec.terminationGracePeriodSeconds', message: 'In Deployment/web, container web sleeps 15s in its preStop hook but the termination grace period is 15s: the sleep uses up the whole grace period, so the app gets SIGTERM only when it has run out and is killed 2s later, with requests still running and keep-alive connections open: callers see them reset (a 502 wherever a proxy sits in between).', fix: 'Make the grace period cover the 15s preStop sleep plus 5s to shut down, in spec.template.spec:\nterminationGracePeriodSeconds: 20' }],
      },
      {
        name: 'a native preStop sleep longer than the grace period: rejected by the API server, Service or not',
        yaml: appYaml({ servicePorts: false, podSpec: '      terminationGracePeriodSeconds: 5\n', containers: '        - {name: app, image: app, lifecycle: {preStop: {sleep: {seconds: 20}}}}\n' }),
        expect: [{ severity: 'error', path: 'spec.template.spec.containers[0].lifecycle.preStop.sleep.seconds', message: 'Container app of Deployment/web sleeps 20s in its native preStop sleep action, longer than the termination grace period of 5s: the API server rejects the Deployment (the sleep must be less than terminationGracePeriodSeconds), so it is never applied.', fix: 'Make the grace period cover the 20s sleep plus 5s to shut down, in spec.template.spec:\nterminationGracePeriodSeconds: 25' }],
      },
      {
        name: 'Traefik ServersTransport named by the Service lets a request run 2m',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - {name: api, image: api, ports: [{name: http, containerPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata:
  name: api
  annotations: {traefik.ingress.kubernetes.io/service.serverstransport: slow@kubernetescrd}
spec:
  selector: {app: api}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: traefik.io/v1alpha1
kind: ServersTransport
metadata: {name: slow}
spec:
  forwardingTimeouts: {responseHeaderTimeout: 2m}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: api}
spec:
  ingressClassName: traefik
  rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}]}}]
`,
        expect: [{ severity: 'warning', path: 'spec.template.spec.terminationGracePeriodSeconds', message: 'Traefik (spec.forwardingTimeouts.responseHeaderTimeout: "2m" on ServersTransport/slow) lets a request to Service api run up to 120s (2m), but Deployment/api has a termination grace period of 30s (the default): a request still running when a pod is stopped (rollout, scale-down, node drain) is cut by SIGKILL and the gateway answers 502.', fix: 'Make the grace period cover the 120s (2m) gateway timeout, in spec.template.spec:\nterminationGracePeriodSeconds: 120' }],
      },
      {
        name: 'GKE BackendConfig named by the Service for its port lets a request run 120s',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - {name: api, image: api, ports: [{name: http, containerPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata:
  name: api
  annotations: {cloud.google.com/backend-config: '{"ports": {"http": "slow"}}'}
spec:
  type: NodePort
  selector: {app: api}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: cloud.google.com/v1
kind: BackendConfig
metadata: {name: slow}
spec: {timeoutSec: 120}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: api, annotations: {kubernetes.io/ingress.class: gce}}
spec:
  defaultBackend: {service: {name: api, port: {number: 80}}}
`,
        expect: [{ severity: 'warning', path: 'spec.template.spec.terminationGracePeriodSeconds', message: 'GKE Ingress (spec.timeoutSec: "120" on BackendConfig/slow) lets a request to Service api run up to 120s (2m), but Deployment/api has a termination grace period of 30s (the default): a request still running when a pod is stopped (rollout, scale-down, node drain) is cut by SIGKILL and the gateway answers 502.', fix: 'Make the grace period cover the 120s (2m) gateway timeout, in spec.template.spec:\nterminationGracePeriodSeconds: 120' }],
      },
      {
        name: 'Kong read timeout of 120000 ms on the Service, with the default grace period',
        yaml: `
apiVersion: v1
kind: Service
metadata:
  name: reports
  annotations: {konghq.com/read-timeout: "120000"}
spec:
  selector: {app: reports}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: reports}
spec:
  replicas: 2
  selector: {matchLabels: {app: reports}}
  template:
    metadata: {labels: {app: reports}}
    spec:
      containers:
        - name: app
          image: reports
          lifecycle: {preStop: {sleep: {seconds: 10}}}
`,
        expect: [
          { severity: 'info', path: 'spec.template.spec.terminationGracePeriodSeconds', message: 'Kong (konghq.com/read-timeout: "120000" on Service/reports) lets a request to Service reports run up to 120s (2m), but Deployment/reports has a termination grace period of 30s (the default), 10s of which go to the preStop sleep of container app: a request still running when a pod is stopped (rollout, scale-down, node drain) is cut by SIGKILL and the gateway answers 502.', fix: 'Make the grace period cover the 10s preStop sleep plus the 120s (2m) gateway timeout, in spec.template.spec:' },
        ],
      },
      {
        name: 'Envoy Gateway requestTimeout of 2m on the HTTPRoute in front, and an Istio VirtualService timeout of 90s',
        yaml: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: reports}
spec:
  parentRefs: [{name: eg}]
  rules: [{backendRefs: [{name: reports, port: 80}]}]
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: reports}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: reports}]
  timeout: {http: {requestTimeout: 2m}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reports}
spec:
  hosts: [reports]
  http: [{route: [{destination: {host: reports}}], timeout: 90s}]
---
apiVersion: v1
kind: Service
metadata: {name: reports}
spec:
  selector: {app: reports}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: reports}
spec:
  replicas: 2
  selector: {matchLabels: {app: reports}}
  template:
    metadata: {labels: {app: reports}}
    spec:
      containers:
        - name: app
          image: reports
          lifecycle: {preStop: {sleep: {seconds: 10}}}
`,
        expect: [
          { severity: 'warning', path: 'spec.template.spec.terminationGracePeriodSeconds', message: 'Envoy Gateway (spec.timeout.http.requestTimeout: "2m" on BackendTrafficPolicy/reports) lets a request to Service reports run up to 120s (2m), but Deployment/reports has a termination grace period of 30s (the default), 10s of which go to the preStop sleep of container app: a request still running when a pod is stopped (rollout, scale-down, node drain) is cut by SIGKILL and the gateway answers 502.', fix: 'Make the grace period cover the 10s preStop sleep plus the 120s (2m) gateway timeout, in spec.template.spec:' },
        ],
      },
      {
        name: 'a read timeout of exactly the 300s ceiling is still judged',
        yaml: behindReadTimeout('300'),
        expect: [{ severity: 'warning', path: 'spec.template.spec.terminationGracePeriodSeconds', message: 'ingress-nginx (nginx.ingress.kubernetes.io/proxy-read-timeout: "300" on Ingress/web) lets a request to Service web run up to 300s (5m), but Deployment/web has a termination grace period of 30s (the default): a request still running when a pod is stopped (rollout, scale-down, node drain) is cut by SIGKILL and the gateway answers 502.', fix: 'Make the grace period cover the 300s (5m) gateway timeout, in spec.template.spec:\nterminationGracePeriodSeconds: 300' }],
      },
      {
        name: 'a grace period one second short of the timeout',
        yaml: behindReadTimeout('90', 89),
        expect: [{ severity: 'warning', path: 'spec.template.spec.terminationGracePeriodSeconds', message: 'ingress-nginx (nginx.ingress.kubernetes.io/proxy-read-timeout: "90" on Ingress/web) lets a request to Service web run up to 90s, but Deployment/web has a termination grace period of 89s: a request still running when a pod is stopped (rollout, scale-down, node drain) is cut by SIGKILL and the gateway answers 502.', fix: 'Make the grace period cover the 90s gateway timeout, in spec.template.spec:\nterminationGracePeriodSeconds: 90' }],
      },
      {
        name: 'two timeouts of the same length: the first gateway found is named',
        yaml: behindReadTimeout('120', undefined, 'konghq.com/read-timeout: "120000"'),
        expect: [{ severity: 'warning', path: 'spec.template.spec.terminationGracePeriodSeconds', message: 'ingress-nginx (nginx.ingress.kubernetes.io/proxy-read-timeout: "120" on Ingress/web) lets a request to Service web run up to 120s (2m)', fix: 'terminationGracePeriodSeconds: 120' }],
      },
    ],
    silent: [
      {
        name: 'a read timeout one second over the ceiling is left to proxy-timeout-unbounded',
        yaml: behindReadTimeout('301'),
      },
      {
        name: 'a grace period exactly as long as the timeout',
        yaml: behindReadTimeout('90', 90),
      },
      {
        name: 'Linkerd request timeout of 10s and a GCPBackendPolicy of 15s fit in the default grace period',
        yaml: `
apiVersion: v1
kind: Service
metadata:
  name: reports
  annotations: {timeout.linkerd.io/request: 10s}
spec:
  selector: {app: reports}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: networking.gke.io/v1
kind: GCPBackendPolicy
metadata: {name: reports}
spec:
  default: {timeoutSec: 15}
  targetRef: {group: "", kind: Service, name: reports}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: reports}
spec:
  replicas: 2
  selector: {matchLabels: {app: reports}}
  template:
    metadata: {labels: {app: reports}}
    spec:
      containers:
        - name: app
          image: reports
          lifecycle: {preStop: {sleep: {seconds: 10}}}
`,
      },
      {
        name: 'timeouts written at their defaults (ingress-nginx "60", ALB idle 60) in front of the default grace period',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations:
    nginx.ingress.kubernetes.io/proxy-read-timeout: "60"
    nginx.ingress.kubernetes.io/proxy-send-timeout: "60"
spec:
  ingressClassName: nginx
  rules:
    - http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web-alb
  annotations:
    alb.ingress.kubernetes.io/load-balancer-attributes: idle_timeout.timeout_seconds=120
spec:
  ingressClassName: alb
  rules:
    - http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: web}]
`,
      },
      {
        name: 'only a metrics Service selects the pods',
        yaml: `
apiVersion: v1
kind: Service
metadata: {name: exporter-metrics}
spec:
  selector: {app: exporter}
  ports: [{name: metrics, port: 9100}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: exporter}
spec:
  selector: {matchLabels: {app: exporter}}
  template:
    metadata: {labels: {app: exporter}}
    spec:
      terminationGracePeriodSeconds: 10
      containers:
        - name: exporter
          image: exporter
          ports: [{name: metrics, containerPort: 9100}]
          lifecycle: {preStop: {sleep: {seconds: 10}}}
`,
      },
      {
        name: 'grace covers the sleep and the shutdown',
        yaml: `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: web
          lifecycle: {preStop: {sleep: {seconds: 15}}}
`,
      },
      {
        name: 'worker without a Service sleeping longer than its grace period',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker}
spec:
  selector: {matchLabels: {app: worker}}
  template:
    metadata: {labels: {app: worker}}
    spec:
      terminationGracePeriodSeconds: 5
      containers:
        - name: worker
          image: worker
          lifecycle: {preStop: {exec: {command: [sleep, "30"]}}}
`,
      },
      {
        name: 'sidecar without ports sleeps long; the serving container does not',
        yaml: `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: web
          ports: [{name: http, containerPort: 8080}]
          lifecycle: {preStop: {sleep: {seconds: 5}}}
        - name: log-shipper
          image: shipper
          lifecycle: {preStop: {exec: {command: [sleep, "60"]}}}
`,
      },
      {
        name: 'preStop hook of unknown duration, and no gateway timeout written (ingress-nginx default not assumed)',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  ingressClassName: nginx
  rules:
    - http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 10
      containers:
        - name: web
          image: web
          lifecycle: {preStop: {httpGet: {path: /drain, port: 8080}}}
`,
      },
      {
        name: 'long read timeout for a websocket path, and a grace period that covers a 60s timeout',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: chat
  annotations: {nginx.ingress.kubernetes.io/proxy-read-timeout: "120"}
spec:
  ingressClassName: nginx
  rules:
    - http:
        paths: [{path: /socket.io, pathType: Prefix, backend: {service: {name: chat, port: {number: 80}}}}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: api
  annotations: {nginx.ingress.kubernetes.io/proxy-read-timeout: "60"}
spec:
  ingressClassName: nginx
  rules:
    - http:
        paths: [{path: /api, pathType: Prefix, backend: {service: {name: chat, port: {number: 80}}}}]
---
apiVersion: v1
kind: Service
metadata: {name: chat}
spec:
  selector: {app: chat}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: chat}
spec:
  selector: {matchLabels: {app: chat}}
  template:
    metadata: {labels: {app: chat}}
    spec:
      terminationGracePeriodSeconds: 70
      containers:
        - name: app
          image: chat
          lifecycle: {preStop: {sleep: {seconds: 10}}}
`,
      },
      {
        name: 'disabled or very long gateway timeouts are left to proxy-timeout-unbounded',
        yaml: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: api}
spec:
  parentRefs: [{name: gw}]
  rules:
    - backendRefs: [{name: api, port: 80}]
      timeouts: {request: 0s}
    - matches: [{path: {type: PathPrefix, value: /batch}}]
      backendRefs: [{name: api, port: 80}]
      timeouts: {request: 1h}
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: app, image: api}]
`,
      },
      {
        name: 'workload scaled to 0 on purpose',
        yaml: `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 0
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 30
      containers:
        - name: web
          image: web
          lifecycle: {preStop: {sleep: {seconds: 30}}}
`,
      },
      {
        name: 'timeout written for another controller than the one serving the Ingress',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations: {nginx.ingress.kubernetes.io/proxy-read-timeout: "120"}
spec:
  ingressClassName: traefik
  rules:
    - http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: web}]
`,
      },
    ],
  },
});
