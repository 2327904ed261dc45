import { defineRule } from '../engine/rule.ts';
import { isWorkload } from '../engine/model.ts';
import type { RuleHit, Severity } from '../engine/types.ts';
import { exposures, gatewayLabel, isGatewayFacing, isSwitchedOff, mountsClaim, replicaCount, serviceCapacity } from './lib/rollout-math.ts';
import { workloadName } from './lib/traffic.ts';
import { fixWithYaml } from './lib/yaml.ts';
import { SCALERS, SERVED } from './lib/reads.ts';

const LOWER: Record<Severity, Severity> = { error: 'warning', warning: 'info', info: 'info' };

export default defineRule({
  id: 'rollout-recreate',
  title: 'Recreate rollout leaves a Service without pods',
  shape: 'reset',
  severity: 'error',
  targets: ['workload'],
  reads: [...SERVED, ...SCALERS],
  params: {},
  docs: {
    what:
      'Checks Deployments that use `strategy.type: Recreate` and are the only workload serving some Service. Recreate ' +
      'stops every old pod before it creates the first new one, so each rollout leaves that Service with no endpoint ' +
      'until the new pods pass their readiness probes. Error when a gateway sends traffic to the Service (an Ingress, ' +
      'an HTTPRoute/GRPCRoute, or a cloud load balancer through `type: LoadBalancer`); warning when only in-cluster ' +
      'clients use it.',
    why:
      'While no pod is ready the Service has no endpoint: an ingress controller or Gateway API proxy has no upstream ' +
      'to connect to and the connections it already had are reset as the old pods exit, so every request in that ' +
      'window fails with a 502 (or a 503, depending on the proxy) — on every deploy, for as long as the new pods take ' +
      'to start.',
    fix:
      'Roll pods over instead: start a new pod, wait until it is ready, then stop an old one.\n\n```yaml\nspec:\n  strategy:\n' +
      '    type: RollingUpdate\n    rollingUpdate:\n      maxUnavailable: 0\n      maxSurge: 1\n```\n\nIf Recreate is there ' +
      'because the pods mount a ReadWriteOnce volume that two pods cannot share, move the data to a StatefulSet (one ' +
      'volume per pod), to a ReadWriteMany volume, or out of the pod.',
    notes:
      'One level lower (warning behind a gateway, info otherwise) when the pods mount a PersistentVolumeClaim: Recreate ' +
      'is then usually a deliberate answer to a ReadWriteOnce volume, not an oversight. Silent for Deployments no ' +
      'Service selects (workers), Deployments scaled to 0 (or whose autoscaler minimum is 0), Deployments that are ' +
      'only the template of an Argo Rollout (`workloadRef`), and when every Service selecting the Deployment also ' +
      'selects another running workload (a stable/canary pair): that one keeps serving during the recreate. ' +
      'Metrics-only Services (every port named like `metrics`) do not count: a missed scrape is no outage.',
  },
  evaluate(w, graph) {
    if (!isWorkload(w) || w.workloadKind !== 'Deployment' || w.strategy?.type !== 'Recreate') return [];
    if (isSwitchedOff(w, graph)) return [];
    // Services that only this Deployment serves: a recreate empties them.
    const emptied = exposures(w, graph).filter((e) => serviceCapacity(e.service, graph).serving.every((x) => x.key === w.key));
    if (emptied.length === 0) return [];
    const front = emptied.find(isGatewayFacing);
    const e = front ?? emptied[0]!;
    const claim = mountsClaim(w, graph);
    let severity: Severity = front ? 'error' : 'warning';
    if (claim) severity = LOWER[severity];
    const pods = replicaCount(w, graph);
    const reached = front ? `, which ${gatewayLabel(front)} sends traffic to,` : '';
    const hit: RuleHit = {
      path: `${w.strategy.path}.type`,
      message:
        `${workloadName(w)} uses strategy Recreate: every rollout stops all of its pods (${pods?.source ?? 'replicas'}) before ` +
        `starting new ones, so Service ${e.service.name}${reached} has no endpoint until they are ready` +
        (front ? ' and the gateway answers 502 meanwhile.' : ' and its clients are refused meanwhile.') +
        (claim ? ' The pods mount a PersistentVolumeClaim, which may be why: a ReadWriteOnce volume cannot be shared by old and new pods.' : ''),
      fix: fixWithYaml(
        claim
          ? 'Roll pods over one at a time (needs a volume both pods can mount, or a StatefulSet with one volume per pod):'
          : 'Roll pods over one at a time, starting a new pod before stopping an old one:',
        { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } } },
      ),
    };
    if (severity !== 'error') hit.severity = severity;
    return [hit];
  },
  fixtures: {
    fire: [
      {
        name: 'Recreate Deployment behind an Ingress',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  strategy: {type: Recreate}
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
    - host: web.example.com
      http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]
`,
        expect: [{ severity: 'error', path: 'spec.strategy.type', message: 'Deployment/web uses strategy Recreate: every rollout stops all of its pods (replicas: 3) before starting new ones, so Service web, which Ingress/web sends traffic to, has no endpoint until they are ready and the gateway answers 502 meanwhile.', fix: 'Roll pods over one at a time, starting a new pod before stopping an old one:\nspec:\n  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxUnavailable: 0\n      maxSurge: 1' }],
      },
      {
        name: 'Recreate Deployment behind an internal Service only (warning)',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  strategy: {type: Recreate}
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
        expect: [{ severity: 'warning', path: 'spec.strategy.type', message: 'Deployment/api uses strategy Recreate: every rollout stops all of its pods (replicas: 1) before starting new ones, so Service api has no endpoint until they are ready and its clients are refused meanwhile.', fix: 'Roll pods over one at a time, starting a new pod before stopping an old one:\nspec:\n  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxUnavailable: 0\n      maxSurge: 1' }],
      },
      {
        name: 'Recreate Deployment behind a LoadBalancer Service, with an HPA',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: shop}
spec:
  strategy: {type: Recreate}
  selector: {matchLabels: {app: shop}}
  template:
    metadata: {labels: {app: shop}}
    spec:
      containers: [{name: app, image: shop, ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: shop}
spec:
  type: LoadBalancer
  selector: {app: shop}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: shop}
  minReplicas: 2
  maxReplicas: 10
`,
        expect: [{ severity: 'error', path: 'spec.strategy.type', message: 'Deployment/shop uses strategy Recreate: every rollout stops all of its pods (HorizontalPodAutoscaler/shop minReplicas: 2) before starting new ones, so Service shop, which its cloud load balancer (type: LoadBalancer) sends traffic to, has no endpoint until they are ready and the gateway answers 502 meanwhile.', fix: 'Roll pods over one at a time, starting a new pod before stopping an old one:\nspec:\n  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxUnavailable: 0\n      maxSurge: 1' }],
      },
      {
        name: 'Recreate Deployment with a volume claim behind an HTTPRoute (lowered to warning, still reported)',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: wiki}
spec:
  strategy: {type: Recreate}
  selector: {matchLabels: {app: wiki}}
  template:
    metadata: {labels: {app: wiki}}
    spec:
      containers: [{name: app, image: wiki, ports: [{containerPort: 3000}]}]
      volumes: [{name: data, persistentVolumeClaim: {claimName: wiki-data}}]
---
apiVersion: v1
kind: Service
metadata: {name: wiki}
spec:
  selector: {app: wiki}
  ports: [{port: 80, targetPort: 3000}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: wiki}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{name: wiki, port: 80}]}]
`,
        expect: [{ severity: 'warning', path: 'spec.strategy.type', message: 'Deployment/wiki uses strategy Recreate: every rollout stops all of its pods (replicas: 1) before starting new ones, so Service wiki, which HTTPRoute/wiki sends traffic to, has no endpoint until they are ready and the gateway answers 502 meanwhile. The pods mount a PersistentVolumeClaim, which may be why: a ReadWriteOnce volume cannot be shared by old and new pods.', fix: 'Roll pods over one at a time (needs a volume both pods can mount, or a StatefulSet with one volume per pod):\nspec:\n  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxUnavailable: 0\n      maxSurge: 1' }],
      },
    ],
    silent: [
      {
        name: 'RollingUpdate Deployment behind an Ingress',
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
      containers: [{name: app, image: nginx, ports: [{containerPort: 80}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
`,
      },
      {
        name: 'Recreate worker that no Service selects',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: queue-worker}
spec:
  strategy: {type: Recreate}
  selector: {matchLabels: {app: queue-worker}}
  template:
    metadata: {labels: {app: queue-worker}}
    spec:
      containers: [{name: worker, image: worker}]
---
apiVersion: v1
kind: Service
metadata: {name: external-db}
spec:
  ports: [{port: 5432}]
`,
      },
      {
        name: 'Recreate Deployment scaled to 0 on purpose',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 0
  strategy: {type: Recreate}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: nginx, ports: [{containerPort: 80}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
`,
      },
      {
        name: 'Recreate Deployment that is only the template of an Argo Rollout (workloadRef)',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 0
  strategy: {type: Recreate}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: nginx, ports: [{containerPort: 80}]}]
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  replicas: 3
  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  strategy: {canary: {steps: [{setWeight: 20}, {pause: {}}]}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
`,
      },
      {
        name: 'Recreate canary sharing its Service with a rolling stable Deployment',
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
  strategy: {type: Recreate}
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
        name: 'Recreate controller whose only Service is for metrics scraping',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: notifications-controller}
spec:
  strategy: {type: Recreate}
  selector: {matchLabels: {app: notifications-controller}}
  template:
    metadata: {labels: {app: notifications-controller}}
    spec:
      containers: [{name: controller, image: controller, ports: [{containerPort: 9001}]}]
---
apiVersion: v1
kind: Service
metadata: {name: notifications-controller-metrics}
spec:
  selector: {app: notifications-controller}
  ports: [{name: metrics, port: 9001, targetPort: 9001}]
`,
      },
      {
        name: 'StatefulSet (Recreate is a Deployment strategy only)',
        yaml: `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 3
  updateStrategy: {type: OnDelete}
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: postgres, ports: [{containerPort: 5432}]}]
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{port: 5432}]
`,
      },
    ],
  },
});
