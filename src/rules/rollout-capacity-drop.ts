import { defineRule } from '../engine/rule.ts';
import { isWorkload, type Workload } from '../engine/model.ts';
import type { RuleHit, Severity } from '../engine/types.ts';
import {
  daemonSetShare,
  exposures,
  gatewayLabel,
  isGatewayFacing,
  isSwitchedOff,
  replicaCount,
  rolloutBudget,
  serviceCapacity,
  type Exposure,
} from './lib/rollout-math.ts';
import { workloadName } from './lib/traffic.ts';
import { appYaml } from './lib/fixture-yaml.ts';
import { fixWithYaml } from './lib/yaml.ts';
import { SCALERS, SERVED } from './lib/reads.ts';

interface Judged {
  e: Exposure;
  /** Pods the step takes down, and pods behind the Service (undefined for DaemonSets: a share of nodes). */
  down?: number;
  total?: number;
  share: number;
  severity: Severity;
}

const RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1 };

function percent(x: number): string {
  return `${Math.round(x * 100)}%`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function fixFor(w: Workload, count: number | undefined, scaler: string | undefined): string {
  switch (w.workloadKind) {
    case 'Deployment':
      return fixWithYaml('Start a new pod before stopping an old one, so that the ready pods never drop:', {
        spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } },
      });
    case 'Rollout':
      return fixWithYaml('Start a new pod before stopping an old one, so that the ready pods never drop:', {
        spec: { strategy: { canary: { maxUnavailable: 0, maxSurge: 1 } } },
      });
    case 'DaemonSet':
      return fixWithYaml('Replace the pods a few nodes at a time:', { spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } } } });
    default:
      // StatefulSets cannot surge: the old pod goes before its replacement starts.
      if (count !== undefined && count < 2) {
        return scaler
          ? fixWithYaml(`A StatefulSet replaces a pod only after stopping it: keep at least 2 running (in ${scaler}):`, { spec: { [scaler.startsWith('ScaledObject/') ? 'minReplicaCount' : 'minReplicas']: 2 } })
          : fixWithYaml('A StatefulSet replaces a pod only after stopping it: run at least 2 so one keeps serving:', {
              spec: { replicas: 2, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } } },
            });
      }
      return fixWithYaml('Replace one pod at a time:', { spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } } } });
  }
}

const APP = '        - {name: app, image: web, ports: [{name: http, containerPort: 8080}]}\n';
const LOAD_BALANCED = (yaml: string) => yaml.replace('kind: Service\nmetadata: {name: web}\nspec:\n', 'kind: Service\nmetadata: {name: web}\nspec:\n  type: LoadBalancer\n');
/** A StatefulSet of one behind a load balancer, with the autoscaler `scaler` (YAML) targeting it. */
const scaledStatefulSet = (scaler: string) => `${LOAD_BALANCED(appYaml({ containers: APP, kind: 'StatefulSet', replicas: 1 }))}---\n${scaler}`;
/** A DaemonSet taking down `share` of its pods at once, behind a load balancer or an internal Service. */
const daemonSet = (share: string, loadBalanced: boolean) => {
  const yaml = appYaml({ containers: APP, kind: 'DaemonSet' }).replace('spec:\n  selector', `spec:\n  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: "${share}", maxSurge: 0}}\n  selector`);
  return loadBalanced ? LOAD_BALANCED(yaml) : yaml;
};

export default defineRule({
  id: 'rollout-capacity-drop',
  title: 'Rollout can take down too many ready pods at once',
  shape: 'reset',
  severity: 'error',
  targets: ['workload'],
  reads: [...SERVED, ...SCALERS],
  params: {
    maxUnavailableShare: {
      type: 'number',
      default: 0.5,
      minimum: 0,
      maximum: 1,
      description: 'Warn when one rollout step may take down more than this fraction of the pods behind a gateway-facing Service (0.5: more than half).',
      unit: 'fraction of pods',
    },
  },
  docs: {
    what:
      'Does the rollout arithmetic the controllers do, at the smallest scale the workload runs (`spec.replicas`, or ' +
      'the `minReplicas` of the HorizontalPodAutoscaler that owns the count): a Deployment or Argo Rollout canary ' +
      'resolves `maxUnavailable` rounding down and `maxSurge` rounding up, and when both come to 0 the API lets one ' +
      'pod be unavailable; a StatefulSet replaces pods without surging (`maxUnavailable` defaults to 1, percentages ' +
      'round up); a DaemonSet with `maxSurge: 0` stops `maxUnavailable` of its pods before starting their ' +
      'replacements. It then compares the pods one step may take down with all the pods behind each Service the ' +
      'workload serves (across every workload that Service selects). Error when a step can take down every pod of a ' +
      'Service that a gateway (Ingress, HTTPRoute/GRPCRoute, `type: LoadBalancer`) sends traffic to; warning when that ' +
      'Service is internal, or when a step takes down more than `maxUnavailableShare` of a gateway-facing Service.',
    why:
      'Pods that are stopped for a rollout leave the Service endpoints at once, and their replacements join only when ' +
      'ready. If a step may stop all of them, the gateway is left with no upstream and answers 502 until the new pods ' +
      'pass their readiness probes; if it stops most of them, the few left take all the traffic, overload, fail ' +
      'their probes or get OOM-killed, and connections are reset. One replica with `maxUnavailable: 1, maxSurge: 0` is ' +
      'the classic: every deploy is an outage.',
    fix:
      'Surge instead of taking capacity away:\n\n```yaml\nspec:\n  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n' +
      '      maxUnavailable: 0\n      maxSurge: 1\n```\n\nA StatefulSet cannot surge: run at least 2 replicas and keep ' +
      '`updateStrategy.rollingUpdate.maxUnavailable` at 1. A DaemonSet: keep `maxUnavailable` at 1 (or a small ' +
      'percentage), or surge with `maxUnavailable: 0, maxSurge: 1` when it uses no hostPort.',
    notes:
      'Only for workloads some Service selects; metrics-only Services (every port named like `metrics`) do not count. ' +
      'Silent for workloads scaled to 0 (or with an autoscaler minimum of 0), Deployments that are only the template ' +
      'of an Argo Rollout (`workloadRef`: the Rollout is judged), blueGreen Rollouts (the new pods are up before the ' +
      'switch), Recreate Deployments (see `rollout-recreate`), `OnDelete` update strategies and bare Pods. A Service ' +
      'shared by a stable/canary pair counts the pods of both: a canary that loses its only pod leaves the stable ones ' +
      'serving. DaemonSets are judged only for a percentage `maxUnavailable` with `maxSurge: 0` and a Service no other ' +
      'workload shares (the node count is unknown offline). A StatefulSet under the default `OrderedReady` pod ' +
      'management is taken to replace one pod at a time whatever its `maxUnavailable` (Kubernetes documents the field ' +
      'as possibly ineffective there); with `podManagementPolicy: Parallel` it is taken at its word. A StatefulSet of ' +
      'one pod is reported only when a gateway-facing Service selects it: a single-instance database or broker behind an ' +
      'internal Service cannot roll without a gap by nature, and its clients reconnect.',
  },
  evaluate(w, graph, params) {
    if (!isWorkload(w) || w.workloadKind === 'Pod' || isSwitchedOff(w, graph)) return [];
    const services = exposures(w, graph);
    if (services.length === 0) return [];
    const judged: Judged[] = [];
    const levelOf = (all: boolean, share: number, front: boolean): Severity | undefined =>
      all ? (front ? 'error' : 'warning') : front && share > params.maxUnavailableShare ? 'warning' : undefined;

    let describe: (j: Judged) => string;
    let path: string;
    let count: number | undefined;
    let scaler: string | undefined;
    if (w.workloadKind === 'DaemonSet') {
      const ds = daemonSetShare(w);
      if (!ds) return [];
      for (const e of services) {
        // Another workload behind the same Service: its pods and the node count are unknown.
        if (serviceCapacity(e.service, graph).serving.some((x) => x.key !== w.key)) continue;
        const severity = levelOf(ds.share >= 1, ds.share, isGatewayFacing(e));
        if (severity) judged.push({ e, share: ds.share, severity });
      }
      path = ds.path;
      describe = (j) =>
        `${workloadName(w)} stops ${j.share >= 1 ? 'the pod on every node' : `the pods on ${percent(j.share)} of its nodes`} at once ` +
        `before starting their replacements (${ds.written}, maxSurge: 0)`;
    } else {
      const n = replicaCount(w, graph);
      if (!n) return [];
      const budget = rolloutBudget(w, n.count);
      if (!budget) return [];
      const down = Math.min(budget.unavailable, n.count);
      // A single-pod StatefulSet (a database, a broker) cannot roll without a gap: that is
      // its nature, not a setting, and only matters where a gateway waits on it.
      const inherent = w.workloadKind === 'StatefulSet' && budget.unavailable <= 1;
      for (const e of services) {
        if (inherent && !isGatewayFacing(e)) continue;
        const total = serviceCapacity(e.service, graph).pods;
        if (total === undefined || total === 0) continue;
        const share = down / total;
        const severity = levelOf(down >= total, share, isGatewayFacing(e));
        if (severity) judged.push({ e, down, total, share, severity });
      }
      count = n.count;
      scaler = n.scaler ? `${n.scaler.kind}/${n.scaler.name}` : undefined;
      path = inherent ? w.replicasPath : budget.forcedOne ? `${budget.path}.maxSurge` : `${budget.path}.maxUnavailable`;
      const how = inherent
        ? 'a StatefulSet stops each pod before starting its replacement'
        : `its rollout may stop ${down} at once (${budget.written}${budget.forcedOne ? ': both resolve to 0, so the API allows 1' : ''})`;
      describe = () => `${workloadName(w)} runs ${plural(n.count, 'pod')} (${n.source}) and ${how}`;
    }
    if (judged.length === 0) return [];
    judged.sort((a, b) => RANK[b.severity] - RANK[a.severity] || Number(isGatewayFacing(b.e)) - Number(isGatewayFacing(a.e)));
    const j = judged[0]!;
    const front = isGatewayFacing(j.e);
    const svc = `Service ${j.e.service.name}${front ? `, reached by ${gatewayLabel(j.e)},` : ''}`;
    const all = j.share >= 1;
    const consequence = all
      ? `: every rollout can leave ${svc} with no ready pod, and ${front ? 'the gateway answers 502' : 'its clients are refused'} until the new pods are ready.`
      : `: that is ${j.down !== undefined ? `${j.down} of the ${j.total} pods` : `${percent(j.share)} of the pods`} behind Service ` +
        `${j.e.service.name} (reached by ${gatewayLabel(j.e)}), over the ${percent(params.maxUnavailableShare)} ceiling; the pods left ` +
        'carry all the traffic, overload, fail their probes and reset connections.';
    const hit: RuleHit = { path, message: describe(j) + consequence, fix: fixFor(w, count, scaler) };
    if (j.severity !== 'error') hit.severity = j.severity;
    return [hit];
  },
  fixtures: {
    fire: [
      {
        name: 'one replica with maxUnavailable 1, maxSurge 0 behind an Ingress',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  strategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 1, maxSurge: 0}}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: nginx, ports: [{name: http, containerPort: 8080}]}]
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
    - http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]
`,
        expect: [{ severity: 'error', path: 'spec.strategy.rollingUpdate.maxUnavailable', message: 'Deployment/web runs 1 pod (replicas: 1) and its rollout may stop 1 at once (maxUnavailable: 1, maxSurge: 0): every rollout can leave Service web, reached by Ingress/web, with no ready pod, and the gateway answers 502 until the new pods are ready.', fix: 'Start a new pod before stopping an old one, so that the ready pods never drop:\nspec:\n  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxUnavailable: 0\n      maxSurge: 1' }],
      },
      {
        name: 'maxUnavailable 100% behind an internal Service (warning)',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 3
  strategy: {rollingUpdate: {maxUnavailable: 100%}}
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
`,
        expect: [{ severity: 'warning', path: 'spec.strategy.rollingUpdate.maxUnavailable', message: 'Deployment/api runs 3 pods (replicas: 3) and its rollout may stop 3 at once (maxUnavailable: "100%", maxSurge: "25%"): every rollout can leave Service api with no ready pod, and its clients are refused until the new pods are ready.', fix: 'Start a new pod before stopping an old one, so that the ready pods never drop:\nspec:\n  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxUnavailable: 0\n      maxSurge: 1' }],
      },
      {
        name: 'percentages that both resolve to 0: the API lets the only pod go (HTTPRoute)',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  strategy: {rollingUpdate: {maxUnavailable: 10%, maxSurge: 0}}
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
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{name: web, port: 80}]}]
`,
        expect: [{ severity: 'error', path: 'spec.strategy.rollingUpdate.maxSurge', message: 'Deployment/web runs 1 pod (replicas: 1) and its rollout may stop 1 at once (maxUnavailable: "10%", maxSurge: 0: both resolve to 0, so the API allows 1): every rollout can leave Service web, reached by HTTPRoute/web, with no ready pod, and the gateway answers 502 until the new pods are ready.', fix: 'Start a new pod before stopping an old one, so that the ready pods never drop:\nspec:\n  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxUnavailable: 0\n      maxSurge: 1' }],
      },
      {
        name: 'HPA minimum of 1 counts, not spec.replicas 4',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 4
  strategy: {rollingUpdate: {maxUnavailable: 1, maxSurge: 0}}
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
  maxReplicas: 8
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`,
        expect: [{ severity: 'error', path: 'spec.strategy.rollingUpdate.maxUnavailable', message: 'Deployment/web runs 1 pod (HorizontalPodAutoscaler/web minReplicas: 1) and its rollout may stop 1 at once (maxUnavailable: 1, maxSurge: 0): every rollout can leave Service web, reached by its cloud load balancer (type: LoadBalancer), with no ready pod, and the gateway answers 502 until the new pods are ready.', fix: 'Start a new pod before stopping an old one, so that the ready pods never drop:\nspec:\n  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxUnavailable: 0\n      maxSurge: 1' }],
      },
      {
        name: 'three of four pods at once behind an Ingress (over the share: warning)',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 4
  strategy: {rollingUpdate: {maxUnavailable: 75%, maxSurge: 25%}}
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
        expect: [{ severity: 'warning', path: 'spec.strategy.rollingUpdate.maxUnavailable', message: 'Deployment/web runs 4 pods (replicas: 4) and its rollout may stop 3 at once (maxUnavailable: "75%", maxSurge: "25%"): that is 3 of the 4 pods behind Service web (reached by Ingress/web), over the 50% ceiling; the pods left carry all the traffic, overload, fail their probes and reset connections.', fix: 'Start a new pod before stopping an old one, so that the ready pods never drop:\nspec:\n  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxUnavailable: 0\n      maxSurge: 1' }],
      },
      {
        name: 'single-replica StatefulSet behind an Ingress (its pod is stopped before the new one starts)',
        yaml: `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: app}
spec:
  serviceName: app
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      containers: [{name: app, image: app, ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: app}
spec:
  selector: {app: app}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: app}
spec:
  defaultBackend: {service: {name: app, port: {number: 80}}}
`,
        expect: [{ severity: 'error', path: 'spec.replicas', message: 'StatefulSet/app runs 1 pod (replicas: 1) and a StatefulSet stops each pod before starting its replacement: every rollout can leave Service app, reached by Ingress/app, with no ready pod, and the gateway answers 502 until the new pods are ready.', fix: 'A StatefulSet replaces a pod only after stopping it: run at least 2 so one keeps serving:\nspec:\n  replicas: 2\n  updateStrategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxUnavailable: 1' }],
      },
      {
        name: 'Parallel StatefulSet with maxUnavailable 100%',
        yaml: `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: cache}
spec:
  serviceName: cache
  replicas: 3
  podManagementPolicy: Parallel
  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 100%}}
  selector: {matchLabels: {app: cache}}
  template:
    metadata: {labels: {app: cache}}
    spec:
      containers: [{name: cache, image: memcached, ports: [{containerPort: 11211}]}]
---
apiVersion: v1
kind: Service
metadata: {name: cache}
spec:
  selector: {app: cache}
  ports: [{port: 11211}]
`,
        expect: [{ severity: 'warning', path: 'spec.updateStrategy.rollingUpdate.maxUnavailable', message: 'StatefulSet/cache runs 3 pods (replicas: 3) and its rollout may stop 3 at once (maxUnavailable: "100%", podManagementPolicy: Parallel): every rollout can leave Service cache with no ready pod, and its clients are refused until the new pods are ready.', fix: 'Replace one pod at a time:\nspec:\n  updateStrategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxUnavailable: 1' }],
      },
      {
        name: 'DaemonSet behind a LoadBalancer Service with maxUnavailable 100%',
        yaml: `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: edge}
spec:
  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 100%}}
  selector: {matchLabels: {app: edge}}
  template:
    metadata: {labels: {app: edge}}
    spec:
      containers: [{name: proxy, image: envoy, ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: edge}
spec:
  type: LoadBalancer
  selector: {app: edge}
  ports: [{port: 80, targetPort: 8080}]
`,
        expect: [{ severity: 'error', path: 'spec.updateStrategy.rollingUpdate.maxUnavailable', message: 'DaemonSet/edge stops the pod on every node at once before starting their replacements (maxUnavailable: "100%", maxSurge: 0): every rollout can leave Service edge, reached by its cloud load balancer (type: LoadBalancer), with no ready pod, and the gateway answers 502 until the new pods are ready.', fix: 'Replace the pods a few nodes at a time:\nspec:\n  updateStrategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxUnavailable: 1' }],
      },
      {
        name: 'Argo Rollout canary of one replica with maxUnavailable 1, maxSurge 0',
        yaml: `
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  replicas: 1
  strategy:
    canary:
      maxUnavailable: 1
      maxSurge: 0
      steps: [{setWeight: 50}, {pause: {duration: 60}}]
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
        expect: [{ severity: 'error', path: 'spec.strategy.canary.maxUnavailable', message: 'Rollout/web runs 1 pod (replicas: 1) and its rollout may stop 1 at once (maxUnavailable: 1, maxSurge: 0): every rollout can leave Service web, reached by Ingress/web, with no ready pod, and the gateway answers 502 until the new pods are ready.', fix: 'Start a new pod before stopping an old one, so that the ready pods never drop:\nspec:\n  strategy:\n    canary:\n      maxUnavailable: 0\n      maxSurge: 1' }],
      },
      {
        name: 'a stricter share set by policy',
        params: { maxUnavailableShare: 0.25 },
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  strategy: {rollingUpdate: {maxUnavailable: 1, maxSurge: 0}}
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
        expect: [{ severity: 'warning', path: 'spec.strategy.rollingUpdate.maxUnavailable', message: 'Deployment/web runs 2 pods (replicas: 2) and its rollout may stop 1 at once (maxUnavailable: 1, maxSurge: 0): that is 1 of the 2 pods behind Service web (reached by Ingress/web), over the 25% ceiling; the pods left carry all the traffic, overload, fail their probes and reset connections.', fix: 'Start a new pod before stopping an old one, so that the ready pods never drop:\nspec:\n  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxUnavailable: 0\n      maxSurge: 1' }],
      },
      {
        name: 'a StatefulSet whose HPA may scale it to one pod: the fix raises the HPA floor',
        yaml: scaledStatefulSet('apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\nspec: {scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: web}, minReplicas: 1, maxReplicas: 5}\n'),
        expect: [{ severity: 'error', path: 'spec.replicas', message: 'StatefulSet/web runs 1 pod (HorizontalPodAutoscaler/web minReplicas: 1) and a StatefulSet stops each pod before starting its replacement: every rollout can leave Service web, reached by its cloud load balancer (type: LoadBalancer), with no ready pod, and the gateway answers 502 until the new pods are ready.', fix: 'A StatefulSet replaces a pod only after stopping it: keep at least 2 running (in HorizontalPodAutoscaler/web):\nspec:\n  minReplicas: 2' }],
      },
      {
        name: 'a StatefulSet whose KEDA ScaledObject may scale it to one pod: the fix raises minReplicaCount',
        yaml: scaledStatefulSet('apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: web}\nspec: {scaleTargetRef: {kind: StatefulSet, name: web}, minReplicaCount: 1}\n'),
        expect: [{ severity: 'error', path: 'spec.replicas', message: 'StatefulSet/web runs 1 pod (ScaledObject/web minReplicaCount: 1)', fix: 'A StatefulSet replaces a pod only after stopping it: keep at least 2 running (in ScaledObject/web):\nspec:\n  minReplicaCount: 2' }],
      },
      {
        name: 'a DaemonSet stopping 60% of its pods behind a load balancer: over the ceiling',
        yaml: daemonSet('60%', true),
        expect: [{ severity: 'warning', path: 'spec.updateStrategy.rollingUpdate.maxUnavailable', message: 'DaemonSet/web stops the pods on 60% of its nodes at once before starting their replacements (maxUnavailable: "60%", maxSurge: 0): that is 60% of the pods behind Service web (reached by its cloud load balancer (type: LoadBalancer)), over the 50% ceiling; the pods left carry all the traffic, overload, fail their probes and reset connections.', fix: 'Replace the pods a few nodes at a time:\nspec:\n  updateStrategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxUnavailable: 1' }],
      },
      {
        name: 'a DaemonSet stopping every pod behind an internal Service: a warning, its clients are refused',
        yaml: daemonSet('100%', false),
        expect: [{ severity: 'warning', path: 'spec.updateStrategy.rollingUpdate.maxUnavailable', message: 'DaemonSet/web stops the pod on every node at once before starting their replacements (maxUnavailable: "100%", maxSurge: 0): every rollout can leave Service web with no ready pod, and its clients are refused until the new pods are ready.', fix: 'Replace the pods a few nodes at a time:' }],
      },
    ],
    silent: [
      {
        name: 'a DaemonSet sharing its Service with a Deployment: the pods behind it cannot be counted',
        yaml: `${daemonSet('100%', true)}---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: other}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web, x: y}}\n  template:\n    metadata: {labels: {app: web, x: y}}\n    spec:\n      containers: [{name: c, image: i}]\n`,
      },
      {
        name: 'default strategy (25%/25%) with one replica: maxUnavailable rounds down to 0, surge 1',
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
        name: 'half of two pods (not more than the share)',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  strategy: {rollingUpdate: {maxUnavailable: 1, maxSurge: 0}}
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
        name: 'canary Deployment that loses its only pod while the stable one keeps the shared Service',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-stable}
spec:
  replicas: 3
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
  strategy: {rollingUpdate: {maxUnavailable: 1, maxSurge: 0}}
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
        name: 'HPA minimum of 3 counts, not spec.replicas 1',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  strategy: {rollingUpdate: {maxUnavailable: 1, maxSurge: 0}}
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
  minReplicas: 3
  maxReplicas: 9
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
        name: 'worker without a Service, metrics-only Service',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker}
spec:
  replicas: 1
  strategy: {rollingUpdate: {maxUnavailable: 1, maxSurge: 0}}
  selector: {matchLabels: {app: worker}}
  template:
    metadata: {labels: {app: worker}}
    spec:
      containers: [{name: worker, image: worker, ports: [{name: metrics, containerPort: 9090}]}]
---
apiVersion: v1
kind: Service
metadata: {name: worker-metrics}
spec:
  selector: {app: worker}
  ports: [{name: metrics, port: 9090}]
`,
      },
      {
        name: 'DaemonSets: default maxUnavailable 1, absolute numbers (node count unknown), surge',
        yaml: `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: a}
spec:
  selector: {matchLabels: {app: a}}
  template:
    metadata: {labels: {app: a}}
    spec:
      containers: [{name: a, image: a, ports: [{containerPort: 8080}]}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: b}
spec:
  updateStrategy: {rollingUpdate: {maxUnavailable: 5}}
  selector: {matchLabels: {app: b}}
  template:
    metadata: {labels: {app: b}}
    spec:
      containers: [{name: b, image: b, ports: [{containerPort: 8080}]}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: c}
spec:
  updateStrategy: {rollingUpdate: {maxUnavailable: 0, maxSurge: 100%}}
  selector: {matchLabels: {app: c}}
  template:
    metadata: {labels: {app: c}}
    spec:
      containers: [{name: c, image: c, ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: a}
spec: {type: LoadBalancer, selector: {app: a}, ports: [{port: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: b}
spec: {type: LoadBalancer, selector: {app: b}, ports: [{port: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: c}
spec: {type: LoadBalancer, selector: {app: c}, ports: [{port: 8080}]}
`,
      },
      {
        name: 'blueGreen Rollout with one replica (the new pod is up before the switch)',
        yaml: `
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  replicas: 1
  strategy: {blueGreen: {activeService: web, previewService: web-preview}}
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
`,
      },
      {
        name: 'template-only Deployment of an Argo Rollout (the Rollout is judged: 25%/25% of 3)',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 0
  strategy: {rollingUpdate: {maxUnavailable: 100%}}
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
  strategy: {canary: {steps: [{setWeight: 20}]}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`,
      },
      {
        name: 'OrderedReady StatefulSet of three (replaced one pod at a time)',
        yaml: `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
  replicas: 3
  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 3}}
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
`,
      },
      {
        name: 'single-instance database StatefulSet behind internal Services (headless and ClusterIP)',
        yaml: `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db-headless
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: postgres, image: postgres, ports: [{containerPort: 5432}]}]
---
apiVersion: v1
kind: Service
metadata: {name: db-headless}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{port: 5432}]
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  selector: {app: db}
  ports: [{port: 5432}]
`,
      },
      {
        name: 'scaled to 0 on purpose, and a bare Pod',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 0
  strategy: {rollingUpdate: {maxUnavailable: 1, maxSurge: 0}}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: web, ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: debug, labels: {app: debug}}
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
apiVersion: v1
kind: Service
metadata: {name: debug}
spec:
  selector: {app: debug}
  ports: [{port: 80, targetPort: 8080}]
`,
      },
    ],
  },
});
