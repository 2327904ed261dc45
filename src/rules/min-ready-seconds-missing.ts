import { defineRule } from '../engine/rule.ts';
import { dig } from '../engine/fields.ts';
import { isWorkload } from '../engine/model.ts';
import type { RuleHit } from '../engine/types.ts';
import { exposures, gatewayLabel, isGatewayFacing, isSwitchedOff } from './lib/rollout-math.ts';
import { WEB_BEHIND_INGRESS } from './lib/fixture-yaml.ts';
import { servingContainers, workloadName } from './lib/traffic.ts';
import { fixWithYaml } from './lib/yaml.ts';
import { SCALERS, SERVED } from './lib/reads.ts';

/** The value the fix proposes: long enough to see a crash right after start, short enough not to slow rollouts much. */
const SUGGESTED = 10;

export default defineRule({
  id: 'min-ready-seconds-missing',
  title: 'minReadySeconds is 0 on a gateway-facing workload',
  shape: 'reset',
  severity: 'info',
  targets: ['workload'],
  reads: [...SERVED, ...SCALERS],
  params: {
    minSeconds: {
      type: 'integer',
      default: 1,
      minimum: 1,
      description: 'Lowest acceptable minReadySeconds; the default 1 reports only workloads that leave it unset (0). Raise it to require a real soak time.',
      unit: 'seconds',
    },
  },
  docs: {
    what:
      'Checks Deployments, StatefulSets, DaemonSets and Argo Rollouts that a gateway sends traffic to (through a ' +
      'Service that an Ingress or HTTPRoute/GRPCRoute references, or a `type: LoadBalancer` Service) and reports a ' +
      '`spec.minReadySeconds` below `minSeconds` — by default, one left at 0.',
    why:
      'With `minReadySeconds: 0` a new pod counts as available the moment its readiness probe first passes, and the ' +
      'rollout immediately stops an old pod. A release that crashes a few seconds after start — on its first real ' +
      'request, a lazy connection, a config value read late — has by then replaced working pods: the new ones ' +
      'restart in a loop, the gateway gets refused and reset connections (502) from pods that keep leaving and ' +
      'rejoining the endpoints, and the rollout has already moved on. With a few seconds of `minReadySeconds`, a pod ' +
      'whose container restarts in that window never counts as available, so the rollout stalls with the old pods ' +
      'still serving.',
    fix:
      'Make new pods prove themselves for a few seconds before the rollout continues:\n\n```yaml\nspec:\n  ' +
      'minReadySeconds: 10\n```\n\nThe API requires it to stay below a Deployment\'s `progressDeadlineSeconds` ' +
      '(600 by default); a rollout now takes about minReadySeconds longer per step.',
    notes:
      'Info: cheap insurance rather than a certain outage. Silent for bare Pods (nothing rolls them out), workloads no ' +
      'gateway reaches (workers, internal Services, metrics-only Services), workloads scaled to 0 and Deployments that ' +
      'are only the template of an Argo Rollout (`workloadRef`: the Rollout carries its own `spec.minReadySeconds`). ' +
      'A cross-namespace route counts only when a ReferenceGrant allows it.',
  },
  evaluate(w, graph, params) {
    if (!isWorkload(w) || w.workloadKind === 'Pod' || isSwitchedOff(w, graph)) return [];
    if (w.minReadySeconds >= params.minSeconds) return [];
    const front = exposures(w, graph).find(isGatewayFacing);
    if (!front) return [];
    const unset = dig(w.raw, 'spec', 'minReadySeconds') === undefined;
    const value = unset ? 'is unset (0)' : w.minReadySeconds === 0 ? 'is 0' : `is ${w.minReadySeconds}, below ${params.minSeconds}`;
    // Without a readiness probe a pod is ready when its containers start: say so, not "its first passing probe".
    const unprobed = servingContainers(w, graph).some((c) => !c.readinessProbe);
    const hit: RuleHit = {
      path: 'spec.minReadySeconds',
      message:
        `${workloadName(w)} serves Service ${front.service.name} (reached by ${gatewayLabel(front)}) and its minReadySeconds ${value}: ` +
        `a new pod counts as available ${unprobed ? 'as soon as its containers start (a serving container has no readiness probe)' : 'on its first passing readiness probe'}, so a release that crashes seconds later has already ` +
        'replaced working pods and the gateway meets restarting ones.',
      fix: () =>
        fixWithYaml('Let new pods stay ready for a while before the rollout moves on:', { spec: { minReadySeconds: Math.max(SUGGESTED, params.minSeconds) } }),
    };
    return [hit];
  },
  fixtures: {
    fire: [
      {
        name: 'Deployment behind an Ingress without minReadySeconds',
        yaml: WEB_BEHIND_INGRESS,
        expect: [{ severity: 'info', path: 'spec.minReadySeconds', message: 'Deployment/web serves Service web (reached by Ingress/web) and its minReadySeconds is unset (0): a new pod counts as available as soon as its containers start (a serving container has no readiness probe), so a release that crashes seconds later has already replaced working pods and the gateway meets restarting ones.', fix: 'Let new pods stay ready for a while before the rollout moves on:\nspec:\n  minReadySeconds: 10' }],
      },
      {
        name: 'Deployment with a readiness probe behind an Ingress without minReadySeconds',
        yaml: WEB_BEHIND_INGRESS.replace('ports: [{containerPort: 8080}]}]', 'ports: [{containerPort: 8080}], readinessProbe: {httpGet: {path: /ready, port: 8080}}}]'),
        expect: [{ severity: 'info', path: 'spec.minReadySeconds', message: 'Deployment/web serves Service web (reached by Ingress/web) and its minReadySeconds is unset (0): a new pod counts as available on its first passing readiness probe, so a release that crashes seconds later has already replaced working pods and the gateway meets restarting ones.', fix: 'Let new pods stay ready for a while before the rollout moves on:\nspec:\n  minReadySeconds: 10' }],
      },
      {
        name: 'Argo Rollout (workloadRef) behind an HTTPRoute: the Rollout is reported, not its template',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 0
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: web, ports: [{containerPort: 8080}]}]
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  replicas: 3
  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  strategy: {canary: {}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{name: web, port: 80}]}]
`,
        expect: [{ severity: 'info', path: 'spec.minReadySeconds', message: 'Rollout/web serves Service web (reached by HTTPRoute/web) and its minReadySeconds is unset (0): a new pod counts as available as soon as its containers start (a serving container has no readiness probe), so a release that crashes seconds later has already replaced working pods and the gateway meets restarting ones.', fix: 'Let new pods stay ready for a while before the rollout moves on:\nspec:\n  minReadySeconds: 10' }],
      },
      {
        name: 'DaemonSet and StatefulSet behind LoadBalancer Services',
        yaml: `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: edge}
spec:
  selector: {matchLabels: {app: edge}}
  template:
    metadata: {labels: {app: edge}}
    spec:
      containers: [{name: proxy, image: envoy, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: app}
spec:
  serviceName: app
  replicas: 2
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      containers: [{name: app, image: app, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: edge}
spec:
  type: LoadBalancer
  selector: {app: edge}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: app}
spec:
  type: LoadBalancer
  selector: {app: app}
  ports: [{name: https, port: 443, targetPort: http}]
`,
        expect: [{ severity: 'info', resource: 'DaemonSet/edge', path: 'spec.minReadySeconds', message: 'DaemonSet/edge serves Service edge (reached by its cloud load balancer (type: LoadBalancer)) and its minReadySeconds is unset (0): a new pod counts as available as soon as its containers start (a serving container has no readiness probe), so a release that crashes seconds later has already replaced working pods and the gateway meets restarting ones.', fix: 'Let new pods stay ready for a while before the rollout moves on:\nspec:\n  minReadySeconds: 10' }, { severity: 'info', resource: 'StatefulSet/app', path: 'spec.minReadySeconds', message: 'StatefulSet/app serves Service app (reached by its cloud load balancer (type: LoadBalancer)) and its minReadySeconds is unset (0): a new pod counts as available as soon as its containers start (a serving container has no readiness probe), so a release that crashes seconds later has already replaced working pods and the gateway meets restarting ones.', fix: 'Let new pods stay ready for a while before the rollout moves on:\nspec:\n  minReadySeconds: 10' }],
      },
      {
        name: 'a value below a stricter policy',
        params: { minSeconds: 5 },
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  minReadySeconds: 2
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
  defaultBackend: {service: {name: web, port: {number: 80}}}
`,
        expect: [{ severity: 'info', path: 'spec.minReadySeconds', message: 'Deployment/web serves Service web (reached by Ingress/web) and its minReadySeconds is 2, below 5: a new pod counts as available as soon as its containers start (a serving container has no readiness probe), so a release that crashes seconds later has already replaced working pods and the gateway meets restarting ones.', fix: 'Let new pods stay ready for a while before the rollout moves on:\nspec:\n  minReadySeconds: 10' }],
      },
    ],
    silent: [
      {
        name: 'minReadySeconds of exactly the policy minimum',
        yaml: WEB_BEHIND_INGRESS.replace('  replicas: 3\n', '  replicas: 3\n  minReadySeconds: 5\n'),
        params: { minSeconds: 5 },
      },
      {
        name: 'minReadySeconds set',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  minReadySeconds: 10
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
  defaultBackend: {service: {name: web, port: {number: 80}}}
`,
      },
      {
        name: 'internal Service only, and a worker',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: app, image: api, ports: [{containerPort: 8080}]}]
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
metadata: {name: worker}
spec:
  selector: {matchLabels: {app: worker}}
  template:
    metadata: {labels: {app: worker}}
    spec:
      containers: [{name: worker, image: worker}]
`,
      },
      {
        name: 'bare Pod behind an Ingress, and a Deployment scaled to 0',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: echo, labels: {app: echo}}
spec:
  containers: [{name: echo, image: echo, ports: [{containerPort: 8080}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: parked}
spec:
  replicas: 0
  selector: {matchLabels: {app: echo, variant: parked}}
  template:
    metadata: {labels: {app: echo, variant: parked}}
    spec:
      containers: [{name: echo, image: echo, ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: echo}
spec:
  selector: {app: echo}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: echo}
spec:
  defaultBackend: {service: {name: echo, port: {number: 80}}}
`,
      },
      {
        name: 'database behind an internal LoadBalancer on a non-HTTP port',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: mysql-router}
spec:
  replicas: 3
  selector: {matchLabels: {app: mysql-router}}
  template:
    metadata: {labels: {app: mysql-router}}
    spec:
      containers: [{name: router, image: mysql-router, ports: [{containerPort: 6446}]}]
---
apiVersion: v1
kind: Service
metadata:
  name: mysql-router
  annotations: {networking.gke.io/load-balancer-type: Internal}
spec:
  type: LoadBalancer
  selector: {app: mysql-router}
  ports: [{name: mysql-rw, port: 6446}]
`,
      },
      {
        name: 'route from another namespace without a ReferenceGrant',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: backend}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: app, image: api, ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: backend}
spec:
  selector: {app: api}
  ports: [{port: 8080}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: api, namespace: edge}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{name: api, namespace: backend, port: 8080}]}]
`,
      },
    ],
  },
});
