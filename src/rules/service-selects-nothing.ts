import { defineRule } from '../engine/rule.ts';
import { hasOwner } from '../engine/fields.ts';
import { isServiceModel, type Service } from '../engine/model.ts';
import type { ResourceGraph } from '../engine/graph.ts';
import { extraPodTemplates, opaquePodCreators, POD_TEMPLATE_READS, rolloutRuntimeLabels, RUNTIME_POD_LABELS } from './lib/pod-sources.ts';
import { closestName } from './lib/references.ts';
import { fixWithYaml } from './lib/yaml.ts';
import { ANYTHING_IN_NAMESPACE, GATEWAYS, NEIGHBOUR_FIELDS } from './lib/reads.ts';

interface Candidate {
  name: string;
  labels: Readonly<Record<string, string>>;
  statefulSet?: string;
  /** Labels only some pods get at run time: a match silences, but it is no suggestion. */
  runtime?: boolean;
}

/** Every pod template of the namespace: judged workloads (through Rollout workloadRefs) and Jobs, ReplicationControllers & co. */
function candidates(svc: Service, graph: ResourceGraph): Candidate[] | undefined {
  const out: Candidate[] = [];
  for (const w of graph.workloads(svc.namespace)) {
    if (graph.isTemplateOnly(w)) continue; // its Rollout carries the template
    const t = graph.templateOf(w);
    // A workload whose template cannot be resolved (a kustomize patch, a Rollout whose workloadRef is not in
    // the input) might carry the labels: no verdict.
    if (!t) return undefined;
    out.push({ name: `${w.kind}/${w.name}`, labels: t.labels, ...(w.workloadKind === 'StatefulSet' ? { statefulSet: w.name } : {}) });
    // Argo Rollouts relabels some pods at run time: canary/stable/active/preview metadata, experiment templates.
    if (w.workloadKind === 'Rollout') for (const extra of rolloutRuntimeLabels(w)) out.push({ name: `${w.kind}/${w.name}`, labels: { ...t.labels, ...extra }, runtime: true });
  }
  for (const x of extraPodTemplates(graph, svc.namespace)) out.push({ name: `${x.resource.kind}/${x.resource.name}`, labels: x.labels });
  return out;
}

/** Matches like the endpoints controller, except that labels controllers add at run time are taken on trust. */
function selects(selector: Readonly<Record<string, string>>, c: Candidate): boolean {
  return Object.entries(selector).every(([k, v]) => {
    if (k === 'statefulset.kubernetes.io/pod-name') return c.statefulSet !== undefined && new RegExp(`^${escape(c.statefulSet)}-\\d+$`).test(v);
    if (k === 'apps.kubernetes.io/pod-index') return c.statefulSet !== undefined;
    if (RUNTIME_POD_LABELS.has(k)) return true;
    return c.labels[k] === v;
  });
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The template the selector was probably meant for: it shares a key and value with
 * the selector, or has a value that looks like a typo of the selector's for the
 * same key. Same key and value count double.
 */
function closest(selector: Readonly<Record<string, string>>, list: Candidate[]): Candidate | undefined {
  let best: { c: Candidate; score: number } | undefined;
  for (const c of list) {
    if (c.runtime) continue;
    let score = 0;
    for (const [k, v] of Object.entries(selector)) {
      const have = c.labels[k];
      if (have === v) score += 2;
      else if (have !== undefined && closestName(v, [have]) !== undefined) score += 1;
    }
    if (score > 0 && (!best || score > best.score)) best = { c, score };
  }
  return best?.c;
}

function show(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(', ');
}

/** Service web selecting app=web while its Deployment's pods carry app=webb, behind Ingress site. */
const TYPO_BEHIND_INGRESS = `
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
  selector: {matchLabels: {app: webb}}
  template:
    metadata: {labels: {app: webb}}
    spec:
      containers: [{name: app, image: nginx}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: site}
spec:
  defaultBackend: {service: {name: web, port: {number: 80}}}
`;

export default defineRule({
  id: 'service-selects-nothing',
  title: 'Service selects no pods',
  shape: 'unreachable',
  severity: 'error',
  targets: ['Service'],
  reads: [
    { group: '*', kind: 'workload', fields: NEIGHBOUR_FIELDS },
    ...POD_TEMPLATE_READS,
    ...GATEWAYS,
    ANYTHING_IN_NAMESPACE,
  ],
  params: {},
  docs: {
    what:
      'Checks that the selector of a Service matches the pod template labels of at least one workload in its ' +
      'namespace: a Deployment, StatefulSet, DaemonSet, Argo Rollout (its own template or the one its `workloadRef` ' +
      'points at), bare Pod, or a Job, CronJob, ReplicationController or ReplicaSet. Every key and value of the ' +
      'selector must be on the template; extra template labels do not matter.',
    why:
      'A Service that selects nothing has no endpoints. Its ClusterIP accepts nothing (connection refused) and every ' +
      'Ingress or route in front of it has an empty upstream: the gateway answers 502 or 503 to every request. The ' +
      'cause is almost always a selector and a template label that drifted apart (`app: web` vs. `app: web-app`, a ' +
      'renamed chart, a forgotten `tier` key).',
    fix:
      'Make the selector a subset of the pod template labels (the workload\'s own `spec.selector` is a good choice):\n\n' +
      '```yaml\n# Service\nspec:\n  selector:\n    app: web\n# Deployment\nspec:\n  template:\n    metadata:\n      ' +
      'labels:\n        app: web        # every selector key, with the same value\n```',
    notes:
      'A reference to absent objects: the webhook warns instead of denying (the workload may be applied next) and ' +
      '`guard502 scan --partial` leaves it out. Silent for Services without a selector (manual endpoints, ' +
      'ExternalName), for Services with `ownerReferences` (a controller made them for pods it makes), when some workload\'s template cannot be resolved (a patch without a template, a Rollout whose ' +
      '`workloadRef` is not in the input), and whenever the namespace holds objects that may create pods whose ' +
      'labels the manifests do not show — custom resources of operators (Prometheus, Elasticsearch, Kafka, Knative ' +
      '…), GitOps applications, Flagger Canaries (whose `-primary` Deployment is generated) or any kind not known ' +
      'to be configuration only. Labels that controllers add to pods at run time (`pod-template-hash`, ' +
      '`controller-revision-hash`, `statefulset.kubernetes.io/pod-name` of a StatefulSet pod, `job-name` …) are ' +
      'taken on trust.',
  },
  evaluate(svc, graph) {
    if (!isServiceModel(svc) || !svc.selector || svc.type === 'ExternalName') return [];
    // A Service a controller owns (an operator, Knative, Flagger) selects the pods that controller makes.
    if (hasOwner(svc.raw)) return [];
    if (graph.workloadsSelectedBy(svc).length > 0) return [];
    const list = candidates(svc, graph);
    if (!list || list.some((c) => selects(svc.selector as Record<string, string>, c))) return [];
    if (opaquePodCreators(graph, svc.namespace).length > 0) return [];
    const selector = svc.selector;
    const near = closest(selector, list);
    const gateways = [...new Set(graph.backendsTo(svc).map((b) => `${b.from.kind}/${b.from.name}`))];
    const consequence = gateways.length
      ? `connections are refused and ${gateways.slice(0, 2).join(', ')}${gateways.length > 2 ? ' …' : ''} answer${gateways.length === 1 ? 's' : ''} 502/503`
      : 'connections to it are refused, and a gateway in front of it answers 502/503';
    const suggestion = near ? Object.fromEntries(Object.keys(selector).filter((k) => k in near.labels).map((k) => [k, near.labels[k] as string])) : undefined;
    return [
      {
        path: 'spec.selector',
        message:
          `Service ${svc.name} selects ${show(selector)}, but no pod template in namespace ${svc.namespace} carries ` +
          (Object.keys(selector).length === 1 ? 'that label' : 'all of these labels') +
          (near ? ` (closest: ${near.name} with ${show(near.labels) || 'no labels'})` : list.length === 0 ? ' (there is no workload in it)' : '') +
          `: the Service has no endpoints, ${consequence}.`,
        fix:
          near && suggestion && Object.keys(suggestion).length > 0
            ? fixWithYaml(`Select the labels ${near.name} puts on its pods:`, { spec: { selector: suggestion } })
            : list.length === 0
              ? fixWithYaml('Apply the workload this Service fronts (its pod template must carry every selector label), or correct the selector:', {
                  spec: { template: { metadata: { labels: selector } } },
                })
              : fixWithYaml(`Give the selector the labels of the pod template that should receive the traffic (templates here: ${list.filter((c) => !c.runtime).map((c) => c.name).slice(0, 3).join(', ')}):`, {
                  spec: { selector: { app: '<pod label value>' } },
                }),
        missingReference: `a workload whose pods carry the labels of Service ${svc.namespace}/${svc.name}`,
      },
    ];
  },
  fixtures: {
    fire: [
      {
        name: 'selector value drifted from the template label',
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
  selector: {matchLabels: {app: web-app}}
  template:
    metadata: {labels: {app: web-app}}
    spec:
      containers: [{name: app, image: nginx}]
`,
        expect: [{ severity: 'error', path: 'spec.selector', message: 'Service web selects app=web, but no pod template in namespace default carries that label (closest: Deployment/web with app=web-app): the Service has no endpoints, connections to it are refused, and a gateway in front of it answers 502/503.', fix: 'Select the labels Deployment/web puts on its pods:\nspec:\n  selector:\n    app: web-app' }],
      },
      {
        name: 'a Service reached by one Ingress: the Ingress answers 502/503',
        yaml: TYPO_BEHIND_INGRESS,
        expect: [{ severity: 'error', path: 'spec.selector', message: 'Service web selects app=web, but no pod template in namespace default carries that label (closest: Deployment/web with app=webb): the Service has no endpoints, connections are refused and Ingress/site answers 502/503.', fix: 'Select the labels Deployment/web puts on its pods:\nspec:\n  selector:\n    app: webb' }],
      },
      {
        name: 'a Service reached by three gateways: two are named',
        yaml: `${TYPO_BEHIND_INGRESS}---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: admin}
spec:
  rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}, {path: /x, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: api}
spec:
  rules: [{backendRefs: [{name: web, port: 80}]}]
`,
        expect: [{ severity: 'error', path: 'spec.selector', message: 'connections are refused and Ingress/site, Ingress/admin … answer 502/503.', fix: 'Select the labels Deployment/web puts on its pods:\nspec:\n  selector:\n    app: webb' }],
      },
      {
        name: 'pod-name and pod-index labels of pods no StatefulSet of that name makes',
        yaml: `
apiVersion: v1
kind: Service
metadata: {name: db-0}
spec:
  selector: {app: db, statefulset.kubernetes.io/pod-name: db-0}
  ports: [{port: 5432}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: db}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: postgres}]
---
apiVersion: v1
kind: Service
metadata: {name: db-first}
spec:
  selector: {app: db, apps.kubernetes.io/pod-index: "0"}
  ports: [{port: 5432}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: cache}
spec:
  serviceName: cache
  selector: {matchLabels: {app: cache}}
  template:
    metadata: {labels: {app: cache}}
    spec:
      containers: [{name: c, image: redis}]
---
apiVersion: v1
kind: Service
metadata: {name: cache-0}
spec:
  selector: {app: cache, statefulset.kubernetes.io/pod-name: cache-x}
  ports: [{port: 6379}]
`,
        expect: [{ severity: 'error', path: 'spec.selector', message: 'Service db-0 selects app=db, statefulset.kubernetes.io/pod-name=db-0, but no pod template in namespace default carries all of these labels (closest: Deployment/db with app=db)', fix: 'Select the labels Deployment/db puts on its pods:' }, { severity: 'error', path: 'spec.selector', message: 'Service db-first selects app=db, apps.kubernetes.io/pod-index=0, but no pod template in namespace default carries all of these labels (closest: Deployment/db with app=db)', fix: 'Select the labels Deployment/db puts on its pods:' }, { severity: 'error', path: 'spec.selector', message: 'Service cache-0 selects app=cache, statefulset.kubernetes.io/pod-name=cache-x, but no pod template in namespace default carries all of these labels (closest: StatefulSet/cache with app=cache)', fix: 'Select the labels StatefulSet/cache puts on its pods:' }],
      },
      {
        name: 'selector has a key the template lacks',
        yaml: `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web, tier: frontend}
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: nginx}]
`,
        expect: [{ severity: 'error', path: 'spec.selector', message: 'Service web selects app=web, tier=frontend, but no pod template in namespace default carries all of these labels (closest: StatefulSet/web with app=web): the Service has no endpoints, connections to it are refused, and a gateway in front of it answers 502/503.', fix: 'Select the labels StatefulSet/web puts on its pods:\nspec:\n  selector:\n    app: web' }],
      },
      {
        name: 'workload of another app in the namespace is no suggestion',
        yaml: `
apiVersion: v1
kind: Service
metadata: {name: my-svc}
spec:
  selector: {app: my-app}
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: load-tester}
spec:
  selector: {matchLabels: {app: load-tester}}
  template:
    metadata: {labels: {app: load-tester}}
    spec:
      containers: [{name: wrk, image: wrk}]
`,
        expect: [{ severity: 'error', path: 'spec.selector', message: 'Service my-svc selects app=my-app, but no pod template in namespace default carries that label: the Service has no endpoints, connections to it are refused, and a gateway in front of it answers 502/503.', fix: 'Give the selector the labels of the pod template that should receive the traffic (templates here: Deployment/load-tester):\nspec:\n  selector:\n    app: "<pod label value>"' }],
      },
      {
        name: 'Service alone in its namespace (ServiceMonitor and ConfigMap do not create pods)',
        yaml: `
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports: [{port: 80}]
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: api}
spec:
  selector: {matchLabels: {app: api}}
  endpoints: [{port: http}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: api}
data: {a: b}
`,
        expect: [{ severity: 'error', path: 'spec.selector', message: 'Service api selects app=api, but no pod template in namespace default carries that label (there is no workload in it): the Service has no endpoints, connections to it are refused, and a gateway in front of it answers 502/503.', fix: 'Apply the workload this Service fronts (its pod template must carry every selector label), or correct the selector:\nspec:\n  template:\n    metadata:\n      labels:\n        app: api' }],
      },
    ],
    silent: [
      {
        name: 'selector is a subset of the template labels',
        yaml: `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web, track: stable}}
  template:
    metadata: {labels: {app: web, track: stable, version: v2}}
    spec:
      containers: [{name: app, image: nginx}]
`,
      },
      {
        name: 'Service without a selector (manual endpoints) and ExternalName',
        yaml: `
apiVersion: v1
kind: Service
metadata: {name: external-db}
spec:
  ports: [{port: 5432}]
---
apiVersion: v1
kind: Service
metadata: {name: docs}
spec:
  type: ExternalName
  externalName: docs.example.org
`,
      },
      {
        name: 'Argo Rollout with workloadRef: the labels are on the referenced Deployment',
        yaml: `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: web-template}
  strategy: {canary: {steps: [{setWeight: 20}]}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-template}
spec:
  replicas: 0
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: nginx}]
`,
      },
      {
        name: 'Service selecting the pods of a Job and of a CronJob',
        yaml: `
apiVersion: v1
kind: Service
metadata: {name: migrate}
spec:
  selector: {app: migrate}
  ports: [{port: 8080}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  template:
    metadata: {labels: {app: migrate}}
    spec:
      restartPolicy: Never
      containers: [{name: m, image: migrate}]
---
apiVersion: v1
kind: Service
metadata: {name: report}
spec:
  selector: {app: report}
  ports: [{port: 8080}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: report}
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        metadata: {labels: {app: report}}
        spec:
          restartPolicy: Never
          containers: [{name: r, image: report}]
`,
      },
      {
        name: 'Service selecting pods of an operator custom resource (Prometheus)',
        yaml: `
apiVersion: v1
kind: Service
metadata: {name: prometheus}
spec:
  selector: {prometheus: main}
  ports: [{name: web, port: 9090}]
---
apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata: {name: main}
spec:
  replicas: 2
`,
      },
      {
        name: 'per-pod Service of a StatefulSet (run-time pod-name label)',
        yaml: `
apiVersion: v1
kind: Service
metadata: {name: kafka-0-external}
spec:
  type: LoadBalancer
  selector: {app: kafka, statefulset.kubernetes.io/pod-name: kafka-0}
  ports: [{port: 9094}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: kafka}
spec:
  serviceName: kafka
  selector: {matchLabels: {app: kafka}}
  template:
    metadata: {labels: {app: kafka}}
    spec:
      containers: [{name: kafka, image: kafka}]
`,
      },
      {
        name: 'canary pair sharing one Service selector',
        yaml: `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-stable}
spec:
  selector: {matchLabels: {app: web, track: stable}}
  template:
    metadata: {labels: {app: web, track: stable}}
    spec:
      containers: [{name: app, image: web:1}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-canary}
spec:
  selector: {matchLabels: {app: web, track: canary}}
  template:
    metadata: {labels: {app: web, track: canary}}
    spec:
      containers: [{name: app, image: web:2}]
`,
      },
      {
        name: 'Argo Rollout experiment and canaryMetadata relabel pods at run time',
        yaml: `
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: web}]
  strategy:
    canary:
      canaryMetadata: {labels: {role: canary}}
      steps:
        - experiment:
            templates:
              - name: preview
                specRef: canary
                selector: {matchLabels: {app: web-preview}}
                metadata: {labels: {app: web-preview}}
---
apiVersion: v1
kind: Service
metadata: {name: web-preview}
spec:
  selector: {app: web-preview}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: web-canary}
spec:
  selector: {app: web, role: canary}
  ports: [{port: 80}]
`,
      },
      {
        name: 'Service owned by a controller (ownerReferences)',
        yaml: `
apiVersion: v1
kind: Service
metadata:
  name: es-http
  ownerReferences:
    - {apiVersion: elasticsearch.k8s.elastic.co/v1, kind: Elasticsearch, name: es, uid: 1b2c}
spec:
  selector: {elasticsearch.k8s.elastic.co/cluster-name: es}
  ports: [{name: https, port: 9200}]
`,
      },
      {
        name: 'Deployment patch without a template (cannot be judged)',
        yaml: `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
`,
      },
    ],
  },
});
