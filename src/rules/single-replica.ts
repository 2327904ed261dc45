import { defineRule } from '../engine/rule.ts';
import { isWorkload } from '../engine/model.ts';
import type { RuleHit } from '../engine/types.ts';
import { exposures, gatewayLabel, isGatewayFacing, isSwitchedOff, replicaCount, serviceCapacity } from './lib/rollout-math.ts';
import { workloadName } from './lib/traffic.ts';
import { appYaml } from './lib/fixture-yaml.ts';
import { fixWithYaml } from './lib/yaml.ts';
import { SCALERS, SERVED } from './lib/reads.ts';

const APP = '        - {name: app, image: web, ports: [{containerPort: 8080}]}\n';
/** The fixture's Service as a cloud load balancer in front of the workload. */
const loadBalanced = (yaml: string) => yaml.replace('kind: Service\nmetadata: {name: web}\nspec:\n', 'kind: Service\nmetadata: {name: web}\nspec:\n  type: LoadBalancer\n');
const LB_SERVICE = '[{port: 80, targetPort: 8080}]';

export default defineRule({
  id: 'single-replica',
  title: 'Gateway-facing workload runs a single replica',
  shape: 'reset',
  severity: 'warning',
  targets: ['workload'],
  reads: [...SERVED, ...SCALERS],
  params: {
    minReplicas: {
      type: 'integer',
      default: 2,
      minimum: 1,
      description: 'Fewest pods a gateway-facing Service should have behind it, counted across every workload it selects.',
      unit: 'pods',
    },
  },
  docs: {
    what:
      'Checks workloads that a gateway sends traffic to — through a Service that an Ingress or an HTTPRoute/GRPCRoute ' +
      'references, or a `type: LoadBalancer` Service — and reports those that leave the Service fewer than ' +
      '`minReplicas` pods (default 2). The count is `spec.replicas`, or the `minReplicas` of the HorizontalPodAutoscaler ' +
      'that targets the workload (which then owns the count: `spec.replicas` is ignored), summed over every workload ' +
      'the Service selects, so a stable/canary pair of one pod each counts as two.',
    why:
      'With one pod, anything that takes it away — a crash or OOM kill, a liveness-probe restart, an eviction, a node ' +
      'drain during a cluster upgrade, the cluster autoscaler removing its node — leaves the Service with no endpoint. ' +
      'The gateway then has no upstream and answers 502 (or 503) until a new pod is scheduled, pulled, started and ' +
      'ready, which easily takes a minute. A second replica (with a PodDisruptionBudget) turns each of these into a ' +
      'non-event.',
    fix:
      'Run at least two pods, and spread them:\n\n```yaml\nspec:\n  replicas: 2\n  template:\n    spec:\n      ' +
      'topologySpreadConstraints:\n        - maxSkew: 1\n          topologyKey: kubernetes.io/hostname\n          ' +
      'whenUnsatisfiable: ScheduleAnyway\n          labelSelector: {matchLabels: {app: web}}\n```\n\nWith an ' +
      'autoscaler, raise its floor instead: `minReplicas: 2` in the HorizontalPodAutoscaler. A bare Pod belongs in a ' +
      'Deployment.',
    notes:
      'Silent for DaemonSets (one pod per node), workloads scaled to 0 on purpose (or with an autoscaler minimum of 0), ' +
      'Deployments that are only the template of an Argo Rollout (`workloadRef`: the Rollout is judged), workloads ' +
      'no gateway reaches (workers, internal Services), and Services whose other selected workloads bring the total ' +
      'to `minReplicas` (a stable/canary pair sharing a Service). A cross-namespace route counts only when a ' +
      'ReferenceGrant allows it. A single-pod StatefulSet is also reported by `rollout-capacity-drop`, since every ' +
      'rollout of it is a gap as well.',
  },
  evaluate(w, graph, params) {
    if (!isWorkload(w) || w.workloadKind === 'DaemonSet' || isSwitchedOff(w, graph)) return [];
    const n = replicaCount(w, graph);
    if (!n || n.count >= params.minReplicas) return [];
    const short = exposures(w, graph)
      .filter(isGatewayFacing)
      .map((e) => ({ e, pods: serviceCapacity(e.service, graph).pods }))
      .filter((x): x is { e: typeof x.e; pods: number } => x.pods !== undefined && x.pods < params.minReplicas);
    const first = short[0];
    if (!first) return [];
    const { e, pods } = first;
    const svc = `Service ${e.service.name} (reached by ${gatewayLabel(e)})`;
    const min = params.minReplicas;
    let message: string;
    if (w.workloadKind === 'Pod') {
      message = `${workloadName(w)} is a bare Pod and ${pods === 1 ? 'the only pod' : `one of only ${pods} pods`} behind ${svc}: nothing replaces it when it is evicted or its node drains, and the gateway answers 502 from then on.`;
    } else if (pods === 1) {
      message =
        `${workloadName(w)} ${n.scaler ? 'may scale down to' : 'runs'} a single pod (${n.source}), the only one behind ${svc}: while it restarts, is evicted or its node drains, ` +
        'the gateway has no upstream and answers 502' +
        (w.workloadKind === 'StatefulSet' ? ', and every rollout stops it before its replacement starts.' : '.');
    } else {
      message =
        `${workloadName(w)} ${n.scaler ? 'may scale down to' : 'runs'} ${n.count} pod${n.count === 1 ? '' : 's'} (${n.source}) and ${svc} has ${pods} in all, ` +
        `fewer than the ${min} required: restarts, evictions and node drains leave too few pods to carry the traffic, or none, and the gateway answers 502.`;
    }
    let fix: string;
    if (w.workloadKind === 'Pod') {
      fix = fixWithYaml(`Run it from a Deployment with at least ${min} replicas, using this Pod's spec as the template:`, {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: w.name },
        spec: { replicas: min, selector: { matchLabels: { ...w.labels } }, template: { metadata: { labels: { ...w.labels } }, spec: '<the Pod spec>' } },
      });
    } else if (n.scaler?.kind === 'HorizontalPodAutoscaler') {
      fix = fixWithYaml(`Raise the autoscaler's floor in HorizontalPodAutoscaler/${n.scaler.name}:`, { spec: { minReplicas: Math.max(min, n.count + min - pods) } });
    } else if (n.scaler) {
      fix = fixWithYaml(`Raise the autoscaler's floor in ${n.scaler.kind}/${n.scaler.name}:`, { spec: { minReplicaCount: Math.max(min, n.count + min - pods) } });
    } else {
      fix = fixWithYaml(`Run at least ${min} pods behind Service ${e.service.name}:`, { spec: { replicas: Math.max(min, n.count + min - pods) } });
    }
    const hit: RuleHit = { path: w.workloadKind === 'Pod' ? 'kind' : w.replicasPath, message, fix };
    return [hit];
  },
  fixtures: {
    fire: [
      {
        name: 'one replica behind an Ingress',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: web, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
    - host: web.example.com
      http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]
`,
        expect: [{ severity: 'warning', path: 'spec.replicas', message: 'Deployment/web runs a single pod (replicas: 1), the only one behind Service web (reached by Ingress/web): while it restarts, is evicted or its node drains, the gateway has no upstream and answers 502.', fix: 'Run at least 2 pods behind Service web:\nspec:\n  replicas: 2' }],
      },
      {
        name: 'replicas left out (defaults to 1) behind an HTTPRoute from another namespace allowed by a ReferenceGrant',
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
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: from-edge, namespace: backend}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: edge}]
  to: [{group: '', kind: Service}]
`,
        expect: [{ severity: 'warning', path: 'spec.replicas', message: 'Deployment/api runs a single pod (replicas: 1), the only one behind Service api (reached by HTTPRoute/api): while it restarts, is evicted or its node drains, the gateway has no upstream and answers 502.', fix: 'Run at least 2 pods behind Service api:\nspec:\n  replicas: 2' }],
      },
      {
        name: 'HPA minReplicas 1 counts, not spec.replicas 3',
        yaml: `
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
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 5
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`,
        expect: [{ severity: 'warning', path: 'spec.replicas', message: 'Deployment/web may scale down to a single pod (HorizontalPodAutoscaler/web minReplicas: 1), the only one behind Service web (reached by its cloud load balancer (type: LoadBalancer)): while it restarts, is evicted or its node drains, the gateway has no upstream and answers 502.', fix: 'Raise the autoscaler\'s floor in HorizontalPodAutoscaler/web:\nspec:\n  minReplicas: 2' }],
      },
      {
        name: 'Argo Rollout with workloadRef: the Rollout is reported, not its template Deployment',
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
  replicas: 1
  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  strategy: {canary: {steps: [{setWeight: 20}]}}
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
        expect: [{ severity: 'warning', path: 'spec.replicas', message: 'Rollout/web runs a single pod (replicas: 1), the only one behind Service web (reached by Ingress/web): while it restarts, is evicted or its node drains, the gateway has no upstream and answers 502.', fix: 'Run at least 2 pods behind Service web:\nspec:\n  replicas: 2' }],
      },
      {
        name: 'bare Pod behind an Ingress',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: echo, labels: {app: echo}}
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
        expect: [{ severity: 'warning', path: 'kind', message: 'Pod/echo is a bare Pod and the only pod behind Service echo (reached by Ingress/echo): nothing replaces it when it is evicted or its node drains, and the gateway answers 502 from then on.', fix: 'Run it from a Deployment with at least 2 replicas, using this Pod\'s spec as the template:\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: echo\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: echo\n  template:\n    metadata:\n      labels:\n        app: echo\n    spec: "<the Pod spec>"' }],
      },
      {
        name: 'two replicas under a policy asking for three',
        params: { minReplicas: 3 },
        yaml: `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
  replicas: 2
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
        expect: [{ severity: 'warning', path: 'spec.replicas', message: 'StatefulSet/web runs 2 pods (replicas: 2) and Service web (reached by Ingress/web) has 2 in all, fewer than the 3 required: restarts, evictions and node drains leave too few pods to carry the traffic, or none, and the gateway answers 502.', fix: 'Run at least 3 pods behind Service web:\nspec:\n  replicas: 3' }],
      },
      {
        name: 'a StatefulSet of one behind a load balancer: its rollouts stop the pod too',
        yaml: loadBalanced(appYaml({ kind: 'StatefulSet', replicas: 1, containers: APP, servicePorts: LB_SERVICE })),
        expect: [{ severity: 'warning', path: 'spec.replicas', message: 'StatefulSet/web runs a single pod (replicas: 1), the only one behind Service web (reached by its cloud load balancer (type: LoadBalancer)): while it restarts, is evicted or its node drains, the gateway has no upstream and answers 502, and every rollout stops it before its replacement starts.', fix: 'Run at least 2 pods behind Service web:\nspec:\n  replicas: 2' }],
      },
      {
        name: 'a KEDA ScaledObject with minReplicaCount 1 owns the count',
        yaml: `${loadBalanced(appYaml({ containers: APP, servicePorts: LB_SERVICE }))}---\napiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: web-so}\nspec: {scaleTargetRef: {name: web}, minReplicaCount: 1, maxReplicaCount: 10}\n`,
        expect: [{ severity: 'warning', path: 'spec.replicas', message: 'Deployment/web may scale down to a single pod (ScaledObject/web-so minReplicaCount: 1), the only one behind Service web (reached by its cloud load balancer (type: LoadBalancer)): while it restarts, is evicted or its node drains, the gateway has no upstream and answers 502.', fix: 'Raise the autoscaler\'s floor in ScaledObject/web-so:\nspec:\n  minReplicaCount: 2' }],
      },
      {
        name: 'two bare Pods under a policy asking for three',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web-a, labels: {app: web}}
spec:
  containers: [{name: app, image: web, ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: web-b, labels: {app: web}}
spec:
  containers: [{name: app, image: web, ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`,
        params: { minReplicas: 3 },
        expect: [
          { severity: 'warning', path: 'kind', message: 'Pod/web-a is a bare Pod and one of only 2 pods behind Service web (reached by its cloud load balancer (type: LoadBalancer)): nothing replaces it when it is evicted or its node drains, and the gateway answers 502 from then on.', fix: 'Run it from a Deployment with at least 3 replicas, using this Pod\'s spec as the template:\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-a\nspec:\n  replicas: 3\n' },
          { severity: 'warning', path: 'kind', message: 'Pod/web-b is a bare Pod and one of only 2 pods behind Service web', fix: 'Run it from a Deployment with at least 3 replicas' },
        ],
      },
    ],
    silent: [
      {
        name: 'two replicas behind an Ingress',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
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
        name: 'HPA minReplicas 2 owns the count (spec.replicas 1 is ignored)',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: web, ports: [{containerPort: 8080}]}]
---
apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 5
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`,
      },
      {
        name: 'one replica behind an internal Service only (no gateway)',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: cache}
spec:
  replicas: 1
  selector: {matchLabels: {app: cache}}
  template:
    metadata: {labels: {app: cache}}
    spec:
      containers: [{name: redis, image: redis, ports: [{containerPort: 6379}]}]
---
apiVersion: v1
kind: Service
metadata: {name: cache}
spec:
  selector: {app: cache}
  ports: [{port: 6379}]
`,
      },
      {
        name: 'canary pair of one pod each sharing the Ingress Service (two pods in all)',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-stable}
spec:
  replicas: 1
  selector: {matchLabels: {app: web, track: stable}}
  template:
    metadata: {labels: {app: web, track: stable}}
    spec:
      containers: [{name: app, image: web:1, ports: [{containerPort: 8080}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-canary}
spec:
  replicas: 1
  selector: {matchLabels: {app: web, track: canary}}
  template:
    metadata: {labels: {app: web, track: canary}}
    spec:
      containers: [{name: app, image: web:2, ports: [{containerPort: 8080}]}]
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
        name: 'DaemonSet, scaled-to-0 Deployment and template-only Deployment behind an Ingress',
        yaml: `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: edge}
spec:
  selector: {matchLabels: {app: edge}}
  template:
    metadata: {labels: {app: edge}}
    spec:
      containers: [{name: proxy, image: envoy, ports: [{containerPort: 8080}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: parked}
spec:
  replicas: 0
  selector: {matchLabels: {app: edge, variant: parked}}
  template:
    metadata: {labels: {app: edge, variant: parked}}
    spec:
      containers: [{name: proxy, image: envoy, ports: [{containerPort: 8080}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: tpl}
spec:
  replicas: 1
  selector: {matchLabels: {app: tpl}}
  template:
    metadata: {labels: {app: tpl}}
    spec:
      containers: [{name: app, image: app, ports: [{containerPort: 8080}]}]
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: tpl}
spec:
  replicas: 3
  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: tpl}
  strategy: {canary: {}}
---
apiVersion: v1
kind: Service
metadata: {name: edge}
spec:
  selector: {app: edge}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: tpl}
spec:
  selector: {app: tpl}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: edge}
spec:
  rules:
    - http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: edge, port: {number: 80}}}}
          - {path: /app, pathType: Prefix, backend: {service: {name: tpl, port: {number: 80}}}}
`,
      },
      {
        name: 'route from another namespace without a ReferenceGrant (it sends no traffic)',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: backend}
spec:
  replicas: 1
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
      {
        name: 'KEDA ScaledObject that scales to zero owns the count',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: web, ports: [{containerPort: 8080}]}]
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: web}
spec:
  scaleTargetRef: {name: web}
  triggers: [{type: cron, metadata: {timezone: UTC, start: 0 8 * * *, end: 0 18 * * *, desiredReplicas: "3"}}]
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
    ],
  },
});
