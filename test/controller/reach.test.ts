// What the controller checks again after a change must hold every object whose findings the change
// alters: the graph's relations (graph.affected) and the rules' declared reads (declaredReach) together.
// Tried over every rule fixture and the real-world corpus, each object taken away in turn (a creation
// read backwards), with every namespace written as a cluster holds it: an object the change alters but
// the controller does not check again keeps a stale annotation, in whatever order objects arrive.
import assert from 'node:assert/strict';
import { declaredReach } from '../../src/controller/reach.ts';
import type { ResourceGraph } from '../../src/engine/graph.ts';
import { check } from '../../src/engine/run.ts';
import { defaultPolicy } from '../../src/policy/policy.ts';
import { RULES } from '../../src/rules/index.ts';
import { corpus, FIXTURES } from '../support/recording.ts';
import { clusterGraphOf, graphOf } from '../support/scan.ts';
import type { Model } from '../../src/engine/model.ts';

const policy = defaultPolicy();

/** Findings of every object, live rules included (the controller runs them): `Kind/namespace/name` → their list. */
function findings(graph: ResourceGraph): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of check(graph, graph.all(), { rules: RULES, policy, live: true }).findings) {
    const key = `${f.resource.kind}/${f.resource.namespace}/${f.resource.name}`;
    out.set(key, `${out.get(key) ?? ''}${f.rule} ${f.severity} ${f.path} ${f.message}\n`);
  }
  return out;
}

describe('controller: what a change checks again', () => {
  it('holds every object whose findings the change alters, over every fixture and the corpus', function () {
    this.timeout(300_000);
    const missed: string[] = [];
    let changes = 0;
    for (const { name, yaml } of [...FIXTURES, ...corpus()]) {
      const graph = clusterGraphOf(yaml);
      if (!graph) continue;
      const before = findings(graph);
      for (const r of [...graph.all()]) {
        changes++;
        const self = `${r.kind}/${r.namespace}/${r.name}`;
        const checked = new Set([...graph.affected(r, RULES), ...declaredReach(graph, RULES, r, undefined)].map((x) => `${x.kind}/${x.namespace}/${x.name}`));
        const after = graph.withChanges([{ remove: r.key }], () => findings(graph));
        for (const key of new Set([...before.keys(), ...after.keys()])) {
          if (key === self || checked.has(key) || before.get(key) === after.get(key)) continue;
          missed.push(`${name}: ${self} alters ${key}`);
        }
      }
    }
    assert.ok(changes > 1_000, `only ${changes} changes tried`);
    assert.deepEqual(missed, []);
  });
});

describe('controller: what a change in another namespace re-checks', () => {
  const YAML = `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop, namespace: shop, annotations: {traefik.ingress.kubernetes.io/router.middlewares: edge-retry@kubernetescrd}}
spec:
  ingressClassName: traefik
  rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: shop, port: {number: 80}}}}]}}]
---
apiVersion: traefik.io/v1alpha1
kind: Middleware
metadata: {name: retry, namespace: edge}
spec: {retry: {attempts: 6}}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: edge}
spec: {selector: {app: api}, ports: [{port: 80}]}
`;

  it("an Ingress change re-checks the Traefik Middlewares of other namespaces that may name it, not their Services", () => {
    const g = graphOf(YAML);
    const ingress = [...g.all()].find((m) => m.kind === 'Ingress') as Model;
    const affected = declaredReach(g, RULES, undefined, ingress).map((m) => `${m.kind} ${m.namespace}/${m.name}`);
    assert.ok(affected.includes('Middleware edge/retry'), affected.join(', '));
    assert.ok(!affected.includes('Service edge/api'), affected.join(', '));
  });
});
