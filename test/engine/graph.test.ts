import assert from 'node:assert/strict';
import { graphOf } from '../support/scan.ts';
import { isWorkload, normalize, type Model, type Workload } from '../../src/engine/model.ts';
import { ResourceGraph } from '../../src/engine/graph.ts';
import { check } from '../../src/engine/run.ts';
import { parseStream } from '../../src/loader/documents.ts';
import { defaultPolicy } from '../../src/policy/policy.ts';
import { ingressTimeouts } from '../../src/rules/lib/proxy-timeouts.ts';
import { RULES } from '../../src/rules/index.ts';

const APP = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-stable}
spec:
  replicas: 3
  selector: {matchLabels: {app: web, track: stable}}
  template:
    metadata: {labels: {app: web, track: stable}}
    spec: {containers: [{name: app, image: x, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-canary}
spec:
  replicas: 1
  selector: {matchLabels: {app: web, track: canary}}
  template:
    metadata: {labels: {app: web, track: canary}}
    spec: {containers: [{name: app, image: x, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: manual}
spec:
  ports: [{port: 5432}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
    - http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {name: http}}}}
---
apiVersion: extensions/v1beta1
kind: Ingress
metadata: {name: legacy}
spec:
  backend: {serviceName: web, servicePort: 80}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: edge}
spec:
  rules: [{backendRefs: [{name: web, namespace: default, port: 80}]}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web-stable}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web-stable}
  minReplicas: 2
  maxReplicas: 5
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  maxUnavailable: 1
  selector: {matchExpressions: [{key: app, operator: In, values: [web]}]}
`;

describe('ResourceGraph', () => {
  const graph = graphOf(APP);
  const stable = graph.find('apps', 'Deployment', 'default', 'web-stable') as Workload;
  const web = graph.service('default', 'web')!;

  it('resolves Service → workloads, including canary pairs sharing a selector', () => {
    assert.deepEqual(graph.workloadsSelectedBy(web).map((w) => w.name).sort(), ['web-canary', 'web-stable']);
    assert.deepEqual(graph.servicesSelecting(stable).map((s) => s.name), ['web']);
  });

  it('never selects anything for a Service without a selector', () => {
    assert.deepEqual(graph.workloadsSelectedBy(graph.service('default', 'manual')!), []);
  });

  it('finds every gateway edge to a Service: v1 and v1beta1 Ingress, cross-namespace routes', () => {
    const edges = graph.backendsTo(web).map((b) => `${b.from.kind}/${b.from.namespace}/${b.from.name} ${b.path} ${JSON.stringify(b.port)}`);
    assert.deepEqual(edges.sort(), [
      'HTTPRoute/edge/web spec.rules[0].backendRefs[0] {"number":80}',
      'Ingress/default/legacy spec.backend {"number":80}',
      'Ingress/default/web spec.rules[0].http.paths[0].backend {"name":"http"}',
    ]);
    assert.equal(graph.backendsToWorkload(stable).length, 3);
  });

  it('finds the HPA and PDBs of a workload', () => {
    assert.equal(graph.hpaFor(stable)?.name, 'web-stable');
    assert.deepEqual(graph.pdbsFor(stable).map((p) => p.name), ['web']);
  });

  it('says which objects a change affects', () => {
    const affected = graph.affected(web, RULES).map((o) => `${o.kind}/${o.name}`).sort();
    assert.deepEqual(affected, ['Deployment/web-canary', 'Deployment/web-stable', 'HTTPRoute/web', 'Ingress/legacy', 'Ingress/web']);
  });

  it("says a Rollout's change affects the Deployment its workloadRef makes a template, and the other way round", () => {
    const g = graphOf(`apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: web-template}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-template}
spec:
  replicas: 0
  selector: {matchLabels: {app: web}}
  template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: web}]}}
`);
    const rollout = g.find('argoproj.io', 'Rollout', 'default', 'web') as Workload;
    const template = g.find('apps', 'Deployment', 'default', 'web-template') as Workload;
    assert.deepEqual(g.affected(rollout, RULES).map((o) => `${o.kind}/${o.name}`), ['Deployment/web-template']);
    assert.deepEqual(g.affected(template, RULES).map((o) => `${o.kind}/${o.name}`), ['Rollout/web']);
  });

  it('applies changes temporarily and restores the graph', () => {
    const result = graph.withChanges([{ remove: web.key }], () => graph.workloadsSelectedBy(web).length);
    assert.equal(result, 0);
    assert.equal(graph.workloadsSelectedBy(web).length, 2, 'restored');
    assert.ok(graph.workloads().every(isWorkload));
  });
});

describe('ResourceGraph: the namespace index follows changes without a rebuild', () => {
  const svc = (name: string, selector: string) => `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}}\nspec: {selector: {${selector}}, ports: [{port: 80}]}\n`;
  const dep = (name: string, labels: string) =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}}\nspec:\n  selector: {matchLabels: {${labels}}}\n  template:\n    metadata: {labels: {${labels}}}\n    spec: {containers: [{name: a, image: x}]}\n`;
  const answers = (g: ReturnType<typeof graphOf>) =>
    JSON.stringify({
      byService: g.services('default').map((s) => [s.name, g.workloadsSelectedBy(s).map((w) => w.name)]),
      byWorkload: g.workloads('default').map((w) => [w.name, g.servicesSelecting(w).map((s) => s.name)]),
    });

  it('gives the same answers as a graph built from scratch, through upserts, relabels, removals and undo', () => {
    const base = [svc('a', 'app: a'), svc('ab', 'tier: web'), dep('a1', 'app: a, tier: web'), dep('b1', 'app: b, tier: web')];
    const g = graphOf(base.join('---\n'));
    const steps: Array<{ docs: string[]; apply: (x: ReturnType<typeof graphOf>) => void }> = [];
    const next = graphOf([dep('a1', 'app: b, tier: web')].join('---\n'));
    const moved = next.find('apps', 'Deployment', 'default', 'a1')!;
    const newSvc = graphOf(svc('b', 'app: b')).find('', 'Service', 'default', 'b')!;
    steps.push({ docs: [base[0]!, base[1]!, dep('a1', 'app: b, tier: web'), base[3]!], apply: (x) => x.upsert(moved) });
    steps.push({ docs: [base[0]!, base[1]!, dep('a1', 'app: b, tier: web'), base[3]!, svc('b', 'app: b')], apply: (x) => x.upsert(newSvc) });
    steps.push({ docs: [base[0]!, base[1]!, base[3]!, svc('b', 'app: b')], apply: (x) => x.remove(moved.key) });
    answers(g); // build the index first, so that later steps patch it
    for (const step of steps) {
      step.apply(g);
      assert.equal(answers(g), answers(graphOf(step.docs.join('---\n'))));
    }
    const before = answers(g);
    const changed = g.withChanges([moved, { remove: newSvc.key }], () => answers(g));
    assert.equal(changed, answers(graphOf([base[0]!, base[1]!, base[3]!, dep('a1', 'app: b, tier: web')].join('---\n'))));
    assert.equal(answers(g), before);
  });
});

describe('ResourceGraph: a temporary change leaves the caches of the graph as they were', () => {
  const text = (image: string, hpa: boolean) =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\nspec:\n  selector: {matchLabels: {app: w}}\n  template:\n    metadata: {labels: {app: w}}\n    spec: {containers: [{name: a, image: ${image}}]}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {selector: {app: w}, ports: [{port: 80}]}\n` +
    (hpa ? `---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: w}\nspec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: w}, minReplicas: 2, maxReplicas: 4}\n` : '');

  it('answers from the changed graph inside, and hands back the same cached results after', () => {
    const g = graphOf(text('x:1', false));
    let computed = 0;
    const memo = () => g.memo('default', 'test/images', () => (computed++, g.workloads('default').map((w) => w.template?.containers[0]?.image)));
    const before = memo();
    const lists = g.workloads('default');
    const next = graphOf(text('x:2', false)).find('apps', 'Deployment', 'default', 'w')!;
    assert.deepEqual(g.withChanges([next], memo), ['x:2'], 'inside: computed for the changed graph');
    assert.equal(memo(), before, 'after: the very same result, not recomputed');
    assert.equal(g.workloads('default'), lists, 'and the same lists');
    assert.equal(computed, 2);
    assert.equal(g.workloadsSelectedBy(g.service('default', 's')!)[0]?.template?.containers[0]?.image, 'x:1');
    // A result that reads only Services is not recomputed for a change to a Deployment.
    let services = 0;
    const serviceNames = () => g.memo('default', 'test/services', () => (services++, g.services('default').map((x) => x.name)), [{ group: '', kind: 'Service' }]);
    const names = serviceNames();
    assert.equal(g.withChanges([next], serviceNames), names);
    assert.equal(services, 1);
    // One first computed during such a change holds for the graph after it too.
    let ports = 0;
    const servicePorts = () => g.memo('default', 'test/ports', () => (ports++, g.services('default').map((x) => x.ports.length)), [{ group: '', kind: 'Service' }]);
    const inside = g.withChanges([next], servicePorts);
    assert.equal(servicePorts(), inside);
    assert.equal(ports, 1);
    // But not one that reads the kind that changed.
    let images = 0;
    const imagesOf = () => g.memo('default', 'test/deployments', () => (images++, g.workloads('default').map((w) => w.template?.containers[0]?.image)), [{ group: 'apps', kind: 'Deployment' }]);
    assert.deepEqual(g.withChanges([next], imagesOf), ['x:2']);
    assert.deepEqual(imagesOf(), ['x:1']);
    assert.equal(images, 2);
  });

  it('rebuilds what a change of wider reach dropped on the way (an HPA), and drops memos when a gateway changes', () => {
    const g = graphOf(text('x:1', true));
    const hpa = g.find('autoscaling', 'HorizontalPodAutoscaler', 'default', 'w')!;
    const w = g.find('apps', 'Deployment', 'default', 'w') as Workload;
    assert.equal(g.hpaFor(w)?.name, 'w');
    assert.equal(g.withChanges([{ remove: hpa.key }], () => g.hpaFor(w)), undefined);
    assert.equal(g.hpaFor(w)?.name, 'w', 'the index is right after the undo');
    assert.equal(g.servicesSelecting(w).length, 1);
    let computed = 0;
    g.memo('default', 'test/gw', () => computed++);
    const ingress = graphOf('apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\nspec: {defaultBackend: {service: {name: s, port: {number: 80}}}}\n').find('networking.k8s.io', 'Ingress', 'default', 'i')!;
    g.withChanges([ingress], () => g.memo('default', 'test/gw', () => computed++));
    g.memo('default', 'test/gw', () => computed++);
    assert.equal(computed, 3, 'gateways reach every namespace: their changes still drop memos');
  });

  it('drops what it knows of Ingresses in every namespace when an IngressClass changes', () => {
    const ingress = (ns: string) =>
      `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i, namespace: ${ns}, annotations: {nginx.ingress.kubernetes.io/proxy-read-timeout: "120"}}\nspec: {ingressClassName: edge, defaultBackend: {service: {name: s, port: {number: 80}}}}\n`;
    const ingressClass = (controller: string) => `apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: edge}\nspec: {controller: ${controller}}\n`;
    const g = graphOf([ingress('a'), ingress('b'), ingressClass('k8s.io/ingress-nginx')].join('---\n'));
    const timeouts = () => ['a', 'b'].map((ns) => ingressTimeouts(g.find('networking.k8s.io', 'Ingress', ns, 'i')!, g).length);
    assert.deepEqual(timeouts(), [1, 1], 'ingress-nginx reads its annotation');
    g.upsert(graphOf(ingressClass('traefik.io/ingress-controller')).find('networking.k8s.io', 'IngressClass', '', 'edge')!);
    assert.deepEqual(timeouts(), [0, 0], 'Traefik does not');
  });
});

describe('ResourceGraph: an update that keeps the selection swaps the object in place', () => {
  it('hands out the new version of a workload and of a Service', () => {
    const text = (image: string, note: string) =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\nspec:\n  selector: {matchLabels: {app: w}}\n  template:\n    metadata: {labels: {app: w}}\n    spec: {containers: [{name: a, image: ${image}}]}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s, annotations: {note: "${note}"}}\nspec: {selector: {app: w}, ports: [{port: 80}]}\n`;
    const g = graphOf(text('x:1', 'a'));
    const svc = g.service('default', 's')!;
    assert.equal(g.workloadsSelectedBy(svc)[0]?.template?.containers[0]?.image, 'x:1');
    const next = graphOf(text('x:2', 'b'));
    g.upsert(next.find('apps', 'Deployment', 'default', 'w')!);
    g.upsert(next.service('default', 's')!);
    const svc2 = g.service('default', 's')!;
    assert.equal(svc2.annotations.note, 'b');
    assert.equal(g.workloadsSelectedBy(svc2)[0]?.template?.containers[0]?.image, 'x:2');
    const w = g.find('apps', 'Deployment', 'default', 'w')!;
    assert.equal(g.servicesSelecting(w as never)[0]?.annotations.note, 'b');
  });
});

describe('graph: kept up to date object by object, in any order', () => {
  // The controller and the webhook build their graph as objects arrive, and ask questions in between; the
  // answers at the end must be those of a graph built at once, whatever the order (as with kubectl apply -f).
  it('gives every rule fixture the findings of a graph built at once, in every order of its objects', function () {
    this.timeout(120_000);
    const seen = (g: ResourceGraph, keys: string[]) =>
      check(g, keys.map((k) => g.get(k) as Model), { rules: RULES, policy: defaultPolicy(), live: true }).findings.map((f) => `${f.rule} ${f.resource.kind}/${f.resource.name} ${f.path}`).sort();
    const orders = <T>(xs: T[]): T[][] => (xs.length <= 1 ? [xs] : xs.flatMap((x, i) => orders([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest])));
    let compared = 0;
    for (const rule of RULES) {
      for (const f of [...rule.fixtures.fire, ...rule.fixtures.silent]) {
        const models = parseStream(f.yaml, 'fixture.yaml').objects.map((o) => normalize(o.raw, 'default').resource).filter((m): m is Model => m !== undefined);
        if (models.length < 2 || models.length > 4) continue;
        const keys = models.map((m) => m.key);
        const want = seen(new ResourceGraph(models), keys);
        for (const order of orders(models)) {
          const g = new ResourceGraph();
          for (const m of order) {
            g.upsert(m);
            check(g, [...g.all()], { rules: RULES, policy: defaultPolicy(), live: true });
          }
          assert.deepEqual(seen(g, keys), want, `${rule.id}: ${f.name}, order ${order.map((m) => m.kind).join(' ')}`);
          compared++;
        }
      }
    }
    assert.ok(compared > 500, `only ${compared} orders compared`);
  });
});
