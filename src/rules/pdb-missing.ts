import { defineRule } from '../engine/rule.ts';
import { dig } from '../engine/fields.ts';
import { isWorkload, scaledValue, type Resource } from '../engine/model.ts';
import type { RuleHit } from '../engine/types.ts';
import { exposures, isGatewayFacing, isSwitchedOff, replicaCount } from './lib/rollout-math.ts';
import { workloadName } from './lib/traffic.ts';
import { appYaml } from './lib/fixture-yaml.ts';
import { fixWithYaml } from './lib/yaml.ts';
import { SCALERS, SERVED } from './lib/reads.ts';

/** A PDB that lets every one of `pods` pods be evicted at once: the field that says so, and its value as written. */
function allowsEvictingAll(pdb: Resource, pods: number): { field: 'minAvailable' | 'maxUnavailable'; written: string } | undefined {
  const min = dig(pdb.raw, 'spec', 'minAvailable');
  const max = dig(pdb.raw, 'spec', 'maxUnavailable');
  // What the API server accepts: an integer, or digits followed by `%` (other values are rejected, never judged).
  const intOrPct = (v: unknown): v is number | string => (typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && /^\d+%$/.test(v));
  // The disruption controller rounds both up (percentages of the expected pods).
  if (intOrPct(min)) return scaledValue(min, pods, true) === 0 ? { field: 'minAvailable', written: JSON.stringify(min) } : undefined;
  if (intOrPct(max)) return scaledValue(max, pods, true) >= pods ? { field: 'maxUnavailable', written: JSON.stringify(max) } : undefined;
  return undefined;
}

const APP = '        - {name: app, image: web, ports: [{name: http, containerPort: 8080}]}\n';
const pdb = (name: string, spec: string) => `---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: ${name}}\nspec: {${spec}, selector: {matchLabels: {app: web}}}\n`;

export default defineRule({
  id: 'pdb-missing',
  title: 'Replicated workload behind a Service has no PodDisruptionBudget',
  shape: 'reset',
  severity: 'info',
  targets: ['workload'],
  reads: [...SERVED, ...SCALERS, { group: 'policy', kind: 'PodDisruptionBudget' }],
  params: {},
  docs: {
    what:
      'Checks Deployments, StatefulSets and Argo Rollouts that run 2 or more pods (`spec.replicas`, or the ' +
      '`minReplicas` of the HorizontalPodAutoscaler that owns the count) behind a Service, and reports those that no ' +
      'PodDisruptionBudget covers (none selects their pod labels), or whose every PodDisruptionBudget still lets all ' +
      'of their pods be evicted at once (`minAvailable: 0`, or `maxUnavailable` of 100% or of at least the pod count).',
    why:
      'Voluntary disruptions — `kubectl drain` during node upgrades, the cluster autoscaler consolidating nodes, spot ' +
      'and preemptible node rotation — go through the eviction API, which only a PodDisruptionBudget can slow down. ' +
      'Without one, draining the node (or the few nodes) where all replicas happen to run evicts them together, the ' +
      'Service is left with no ready endpoint, and the gateway answers 502 until the rescheduled pods are ready. The ' +
      'replicas were paid for; the PDB is what makes them count during maintenance.',
    fix:
      'Add a PodDisruptionBudget that selects the pods and keeps at least one of them (or a share) available:\n\n' +
      '```yaml\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\nspec:\n  maxUnavailable: 1\n' +
      '  selector:\n    matchLabels:\n      app: web\n```\n\n`maxUnavailable` keeps working as the workload scales; ' +
      '`minAvailable` equal to the replica count blocks node drains altogether, which is worse.',
    notes:
      'Info: a hygiene hint, not a certain outage. Silent for workloads with fewer than 2 pods (there is nothing to ' +
      'keep available: see `single-replica`), DaemonSets (drains leave their pods alone), bare Pods, workloads no ' +
      'Service selects (workers) or only a metrics-only Service selects, workloads scaled to 0, and Deployments that ' +
      'are only the template of an Argo Rollout (`workloadRef`: the Rollout is judged). An empty PDB selector covers ' +
      'every pod of its namespace.',
  },
  evaluate(w, graph) {
    if (!isWorkload(w) || w.workloadKind === 'Pod' || isSwitchedOff(w, graph)) return [];
    // DaemonSets have no replica count (drains leave their pods alone): judged no further.
    const n = replicaCount(w, graph);
    if (!n || n.count < 2) return [];
    const services = exposures(w, graph);
    if (services.length === 0) return [];
    const labels = graph.templateOf(w)?.labels ?? {};
    const selector = Object.keys(labels).length > 0 ? labels : { app: w.name };
    const pdbFix = (sentence: string) =>
      fixWithYaml(sentence, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: w.name }, spec: { maxUnavailable: 1, selector: { matchLabels: { ...selector } } } });
    const path = w.template ? `${w.template.path}.metadata.labels` : w.workloadRef?.path ?? w.replicasPath;
    const svc = (services.find(isGatewayFacing) ?? services[0]!).service.name;
    const pdbs = graph.pdbsFor(w);
    if (pdbs.length === 0) {
      const hit: RuleHit = {
        path,
        message:
          `${workloadName(w)} runs ${n.count} pods (${n.source}) behind Service ${svc} but no PodDisruptionBudget selects them: ` +
          'a node drain or autoscaler scale-down may evict them all at once and leave the Service without endpoints.',
        fix: pdbFix(`Add a PodDisruptionBudget for the pods of ${workloadName(w)}:`),
      };
      return [hit];
    }
    const loose = pdbs.map((p) => ({ p, why: allowsEvictingAll(p, n.count) }));
    if (loose.some((x) => x.why === undefined)) return [];
    const first = loose[0]!;
    const why = first.why!;
    const hit: RuleHit = {
      path,
      message:
        `${workloadName(w)} runs ${n.count} pods (${n.source}) behind Service ${svc}, but PodDisruptionBudget/${first.p.name} ` +
        `(${why.field}: ${why.written}) still lets every one of them be evicted at once: it does not protect the Service during node drains.`,
      // The same field, changed: a PDB that sets both minAvailable and maxUnavailable is rejected by the API server.
      fix: fixWithYaml(`Keep at least one pod available in PodDisruptionBudget/${first.p.name}:`, { spec: { [why.field]: 1 } }),
    };
    return [hit];
  },
  fixtures: {
    fire: [
      {
        name: 'three replicas behind a Service, no PDB',
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
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`,
        expect: [{ severity: 'info', path: 'spec.template.metadata.labels', message: 'Deployment/web runs 3 pods (replicas: 3) behind Service web but no PodDisruptionBudget selects them: a node drain or autoscaler scale-down may evict them all at once and leave the Service without endpoints.', fix: 'Add a PodDisruptionBudget for the pods of Deployment/web:\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\nspec:\n  maxUnavailable: 1\n  selector:\n    matchLabels:\n      app: web' }],
      },
      {
        name: 'HPA minReplicas 2 counts (spec.replicas 1 is ignored)',
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
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 6
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`,
        expect: [{ severity: 'info', path: 'spec.template.metadata.labels', message: 'Deployment/web runs 2 pods (HorizontalPodAutoscaler/web minReplicas: 2) behind Service web but no PodDisruptionBudget selects them: a node drain or autoscaler scale-down may evict them all at once and leave the Service without endpoints.', fix: 'Add a PodDisruptionBudget for the pods of Deployment/web:\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\nspec:\n  maxUnavailable: 1\n  selector:\n    matchLabels:\n      app: web' }],
      },
      {
        name: 'a PDB that selects other pods',
        yaml: `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
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
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: api}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: api}}
`,
        expect: [{ severity: 'info', path: 'spec.template.metadata.labels', message: 'StatefulSet/web runs 3 pods (replicas: 3) behind Service web but no PodDisruptionBudget selects them: a node drain or autoscaler scale-down may evict them all at once and leave the Service without endpoints.', fix: 'Add a PodDisruptionBudget for the pods of StatefulSet/web:\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\nspec:\n  maxUnavailable: 1\n  selector:\n    matchLabels:\n      app: web' }],
      },
      {
        name: 'a PDB that allows evicting every pod (maxUnavailable 100%)',
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
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  maxUnavailable: 100%
  selector: {matchLabels: {app: web}}
`,
        expect: [{ severity: 'info', path: 'spec.template.metadata.labels', message: 'Deployment/web runs 2 pods (replicas: 2) behind Service web, but PodDisruptionBudget/web (maxUnavailable: "100%") still lets every one of them be evicted at once: it does not protect the Service during node drains.', fix: 'Keep at least one pod available in PodDisruptionBudget/web:\nspec:\n  maxUnavailable: 1' }],
      },
      {
        name: 'a PDB with minAvailable 0',
        yaml: `
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  replicas: 4
  strategy: {canary: {}}
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
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  minAvailable: 0
  selector: {matchLabels: {app: web}}
`,
        expect: [{ severity: 'info', path: 'spec.template.metadata.labels', message: 'Rollout/web runs 4 pods (replicas: 4) behind Service web, but PodDisruptionBudget/web (minAvailable: 0) still lets every one of them be evicted at once: it does not protect the Service during node drains.', fix: 'Keep at least one pod available in PodDisruptionBudget/web:\nspec:\n  minAvailable: 1' }],
      },
      {
        name: 'a StatefulSet of three, no PDB',
        yaml: appYaml({ containers: APP, kind: 'StatefulSet' }),
        expect: [{ severity: 'info', path: 'spec.template.metadata.labels', message: 'StatefulSet/web runs 3 pods (replicas: 3) behind Service web but no PodDisruptionBudget selects them: a node drain or autoscaler scale-down may evict them all at once and leave the Service without endpoints.', fix: 'Add a PodDisruptionBudget for the pods of StatefulSet/web:\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\nspec:\n  maxUnavailable: 1\n  selector:\n    matchLabels:\n      app: web' }],
      },
      {
        name: 'a PDB whose maxUnavailable equals the pod count',
        yaml: appYaml({ containers: APP }) + pdb('all', 'maxUnavailable: 3'),
        expect: [{ severity: 'info', path: 'spec.template.metadata.labels', message: 'Deployment/web runs 3 pods (replicas: 3) behind Service web, but PodDisruptionBudget/all (maxUnavailable: 3) still lets every one of them be evicted at once: it does not protect the Service during node drains.', fix: 'Keep at least one pod available in PodDisruptionBudget/all:\nspec:\n  maxUnavailable: 1' }],
      },
      {
        name: 'two PDBs, both loose: the first is named, its own field is changed',
        yaml: appYaml({ containers: APP }) + pdb('none', 'minAvailable: "0%"') + pdb('all', 'maxUnavailable: "100%"'),
        expect: [{ severity: 'info', path: 'spec.template.metadata.labels', message: 'but PodDisruptionBudget/none (minAvailable: "0%") still lets every one of them be evicted at once', fix: 'Keep at least one pod available in PodDisruptionBudget/none:\nspec:\n  minAvailable: 1' }],
      },
      {
        name: 'pod labels other than the workload name: the PDB selects them',
        yaml: appYaml({ containers: APP }).replaceAll('app: web', 'app.kubernetes.io/name: store, tier: front'),
        expect: [{ severity: 'info', path: 'spec.template.metadata.labels', message: 'Deployment/web runs 3 pods (replicas: 3) behind Service web but no PodDisruptionBudget selects them', fix: 'Add a PodDisruptionBudget for the pods of Deployment/web:\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\nspec:\n  maxUnavailable: 1\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: store\n      tier: front' }],
      },
      {
        name: 'a PDB whose minAvailable is "0%"',
        yaml: appYaml({ containers: APP }) + pdb('none', 'minAvailable: "0%"'),
        expect: [{ severity: 'info', path: 'spec.template.metadata.labels', message: 'but PodDisruptionBudget/none (minAvailable: "0%") still lets every one of them be evicted at once', fix: 'Keep at least one pod available in PodDisruptionBudget/none:\nspec:\n  minAvailable: 1' }],
      },
    ],
    silent: [
      {
        name: 'PDB values the API server rejects are not judged: "100%x", "x100%", " 100% ", "3" (a number as a string)',
        yaml: appYaml({ containers: APP }) + pdb('a', 'maxUnavailable: "100%x"') + pdb('b', 'maxUnavailable: "x100%"') + pdb('c', 'maxUnavailable: " 100% "') + pdb('d', 'maxUnavailable: "3"'),
      },
      {
        name: 'a PDB with maxUnavailable 2 of 3 pods keeps one',
        yaml: appYaml({ containers: APP }) + pdb('two', 'maxUnavailable: 2'),
      },
      {
        name: 'a loose PDB next to a strict one',
        yaml: appYaml({ containers: APP }) + pdb('loose', 'maxUnavailable: "100%"') + pdb('strict', 'minAvailable: 1'),
      },
      {
        name: 'a PDB value the disruption controller cannot read is not judged',
        yaml: appYaml({ containers: APP }) + pdb('odd', 'maxUnavailable: 1.5'),
      },
      {
        name: 'a Deployment scaled to 0',
        yaml: appYaml({ containers: APP, replicas: 0 }),
      },
      {
        name: 'PDB with maxUnavailable 1 selecting the pods',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, tier: front}}
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
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  maxUnavailable: 1
  selector: {matchExpressions: [{key: tier, operator: In, values: [front]}]}
`,
      },
      {
        name: 'PDB with minAvailable 50% and an empty-selector PDB for the namespace',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: web, ports: [{containerPort: 8080}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: other}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: app, image: api, ports: [{containerPort: 8080}]}]
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
metadata: {name: api, namespace: other}
spec:
  selector: {app: api}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  minAvailable: 50%
  selector: {matchLabels: {app: web}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: everything, namespace: other}
spec:
  maxUnavailable: 1
  selector: {}
`,
      },
      {
        name: 'a single replica (nothing to keep available)',
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
`,
      },
      {
        name: 'worker without a Service, DaemonSet behind a Service',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker}
spec:
  replicas: 5
  selector: {matchLabels: {app: worker}}
  template:
    metadata: {labels: {app: worker}}
    spec:
      containers: [{name: worker, image: worker}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: agent, image: agent, ports: [{containerPort: 4317}]}]
---
apiVersion: v1
kind: Service
metadata: {name: agent}
spec:
  selector: {app: agent}
  ports: [{port: 4317}]
`,
      },
      {
        name: 'template-only Deployment of an Argo Rollout covered by a PDB',
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
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  minAvailable: 2
  selector: {matchLabels: {app: web}}
`,
      },
    ],
  },
});
