// The webhook skips judging a workload's Services, Ingresses and routes again when a change leaves
// NEIGHBOUR_VIEW alone. That is exact only if the rules judging those objects read nothing else of a
// workload: these tests record every read over every rule fixture (and the real-world corpus when
// it is present), and compare judgements made with and without the skip.
import assert from 'node:assert/strict';
import { ResourceGraph } from '../../src/engine/graph.ts';
import { isWorkload, normalize, type Model, type Workload } from '../../src/engine/model.ts';
import type { JsonObject } from '../../src/engine/types.ts';
import { check, type CheckResult } from '../../src/engine/run.ts';
import { buildGraph } from '../../src/loader/build.ts';
import { parseStream } from '../../src/loader/documents.ts';
import { defaultPolicy } from '../../src/policy/policy.ts';
import { RULES } from '../../src/rules/index.ts';
import { judge, type Judgement } from '../../src/webhook/decide.ts';
import { warningLines } from '../../src/webhook/messages.ts';
import { INDEXED, sameForNeighbours } from '../../src/webhook/neighbour-view.ts';
import { readsWorkloads } from '../../src/engine/inputs.ts';
import { corpus, FIXTURES, recording } from '../support/recording.ts';
import { parseReview } from '../../src/webhook/review.ts';
import { contextOf, review } from '../support/webhook.ts';

const NEIGHBOUR_RULES = RULES.filter((r) => !r.targets.includes('workload'));

/** The workload fields a rule declares it reads, and those the graph reads for it. */
function declaredFields(rule: string): readonly string[] {
  const reads = RULES.find((r) => r.id === rule)?.reads ?? [];
  return [...INDEXED, ...reads.filter(readsWorkloads).flatMap((r) => r.fields ?? [])];
}

/** A read is covered when it is a declared path, lies below one, or only leads to one. A listing of keys must lie within one. */
function covered(read: string, fields: readonly string[]): boolean {
  const within = (p: string) => fields.some((v) => p === v || p.startsWith(`${v}.`) || p.startsWith(`${v}[`));
  if (read.endsWith('.*')) return within(read.slice(0, -2));
  return within(read) || fields.some((v) => v.startsWith(`${read}.`) || v.startsWith(`${read}[`));
}

function workloadsOf(yaml: string): { models: Model[]; workloads: Workload[] } {
  const models = [...buildGraph(parseStream(yaml, 'fixture.yaml').objects, 'default').graph.all()];
  return { models, workloads: models.filter((m): m is Workload => isWorkload(m) && m.template !== undefined) };
}

/** Changes a deploy makes, some inside NEIGHBOUR_VIEW (the port), most outside it. */
const EDITS: Array<[string, (spec: JsonObject, container: JsonObject) => void]> = [
  ['image', (_s, c) => (c.image = `${String(c.image)}-next`)],
  ['resources', (_s, c) => (c.resources = { requests: { cpu: '10m' }, limits: { memory: '64Mi' } })],
  ['probe removed', (_s, c) => delete c.readinessProbe],
  ['scaled to 0', (s) => (s.replicas = 0)],
  ['scaled to 7', (s) => (s.replicas = 7)],
  ['template annotated', (s) => (((s.template as JsonObject).metadata as JsonObject).annotations = { 'kubectl.kubernetes.io/restartedAt': '2026-11-30T08:00:00Z' })],
  ['port moved', (_s, c) => (c.ports = [{ name: 'http', containerPort: 9999 }])],
];

function editedRaw(w: Workload, edit: (spec: JsonObject, container: JsonObject) => void): JsonObject | undefined {
  const raw = structuredClone(w.raw) as JsonObject;
  const spec = raw.spec as JsonObject | undefined;
  const template = spec?.template as JsonObject | undefined;
  const containers = (template?.spec as JsonObject | undefined)?.containers;
  if (!spec || !template?.metadata || !Array.isArray(containers)) return undefined;
  for (const c of containers as JsonObject[]) edit(spec, c);
  return raw;
}

function edited(w: Workload, edit: (spec: JsonObject, container: JsonObject) => void): Workload | undefined {
  const raw = editedRaw(w, edit);
  const next = raw ? normalize(raw, w.namespace).resource : undefined;
  return next && isWorkload(next) ? next : undefined;
}

describe('webhook: what neighbours see of a workload', () => {
  it('rules judging Services, Ingresses and routes read a workload only through the fields they declare', function () {
    this.timeout(120_000);
    const reads = new Map<string, string>();
    const by = { rule: '' };
    for (const { yaml } of [...FIXTURES, ...corpus()]) {
      let models: Model[];
      try {
        models = workloadsOf(yaml).models;
      } catch {
        continue; // input errors are the loader's tests' business
      }
      const note = (p: string) => {
        // Only reads made while a rule runs: building the graph reads every object's identity.
        if (by.rule !== '' && !reads.has(`${by.rule} ${p}`)) reads.set(`${by.rule} ${p}`, by.rule);
      };
      const graph = new ResourceGraph(models.map((m) => (isWorkload(m) ? recording(m, '', note) : m)));
      const others = [...graph.all()].filter((m) => !isWorkload(m));
      for (const rule of NEIGHBOUR_RULES) {
        by.rule = rule.id;
        // A rule that failed half-way would have stopped reading: it must not.
        const { failures } = check(graph, others, { rules: [rule], policy: defaultPolicy() });
        assert.deepEqual(failures, [], rule.id);
      }
      by.rule = '';
    }
    const outside = [...reads].map(([key, rule]) => [key.slice(rule.length + 2), rule] as const).filter(([p, rule]) => !covered(p, declaredFields(rule)));
    assert.deepEqual(outside, [], "workload fields read but not declared in the rule's reads (the webhook would miss what a change does to neighbours)");
    assert.ok(reads.size > 20, `the recording saw ${reads.size} reads: it is not working`);
  });

  it('sees ports, labels, names, arguments and environment change, not images, resources or probes', () => {
    const { workloads } = workloadsOf(FIXTURES.find((f) => f.name.startsWith('service-target-port-mismatch'))!.yaml);
    const w = workloads[0]!;
    const variant = (edit: (container: JsonObject, spec: JsonObject) => void) => {
      const raw = structuredClone(w.raw) as JsonObject;
      const spec = (raw.spec as JsonObject).template as JsonObject;
      edit(((spec.spec as JsonObject).containers as JsonObject[])[0]!, spec);
      return sameForNeighbours(w, workloadsOf(JSON.stringify(raw)).workloads[0]!);
    };
    assert.ok(variant(() => undefined), 'a copy');
    assert.ok(variant((c) => (c.image = 'other:2')), 'image');
    assert.ok(variant((c) => (c.resources = { limits: { memory: '1Gi' } })), 'resources');
    assert.ok(variant((c) => (c.readinessProbe = { httpGet: { path: '/ready', port: 8080 } })), 'probe');
    assert.ok(!variant((c) => (c.ports = [{ name: 'http', containerPort: 9999 }])), 'ports');
    assert.ok(!variant((c) => (c.env = [{ name: 'PORT', value: '9999' }])), 'env');
    assert.ok(!variant((c) => (c.args = ['--port=9999'])), 'args');
    assert.ok(!variant((c) => (c.name = 'renamed')), 'container name');
    assert.ok(!variant((_c, spec) => ((spec.metadata as JsonObject).labels = { app: 'other' })), 'labels');
    assert.ok(!variant((_c, spec) => ((spec.spec as JsonObject).containers as JsonObject[]).push({ name: 'sidecar', image: 'x' })), 'a container more');
  });

  it('a change that leaves the view alone leaves every Service, Ingress and route with the findings it had', function () {
    this.timeout(120_000);
    const seen = (r: CheckResult) => [...r.findings.map((f) => `${f.rule} ${f.path} ${f.severity} ${f.action} ${f.message}`), ...r.failures.map((x) => `failed ${x.rule}`)].sort();
    let compared = 0;
    for (const { name, yaml } of [...FIXTURES, ...corpus()]) {
      let loaded: ReturnType<typeof workloadsOf>;
      try {
        loaded = workloadsOf(yaml);
      } catch {
        continue;
      }
      const graph = new ResourceGraph(loaded.models);
      const others = loaded.models.filter((m) => !isWorkload(m));
      if (others.length === 0) continue;
      for (const w of loaded.workloads) {
        for (const [what, edit] of EDITS) {
          const next = edited(w, edit);
          if (!next || !sameForNeighbours(w, next)) continue;
          for (const n of others) {
            const before = check(graph, [n], { rules: RULES, policy: defaultPolicy() });
            const changed: CheckResult = graph.withChanges([next], () => check(graph, [n], { rules: RULES, policy: defaultPolicy() }));
            assert.deepEqual(seen(changed), seen(before), `${name}: ${n.kind}/${n.name} after ${what} of ${w.kind}/${w.name}`);
            compared++;
          }
        }
      }
    }
    assert.ok(compared > 300, `only ${compared} neighbours compared`);
  });

  it('judges every change alike with and without judging unconcerned neighbours again', function () {
    this.timeout(120_000);
    // Neighbours' info findings are recorded only when the change is compared with the state before,
    // which a neighbour's old debt no longer triggers: they are left out, the rest must agree.
    const summary = (j: Judgement, self: Workload) => ({
      decision: j.decision,
      note: j.note,
      rollbackTo: j.rollbackTo,
      failures: j.failures,
      findings: j.findings.map((f) => `${f.rule} ${f.resource.kind}/${f.resource.name} ${f.path} ${f.action} ${f.downgraded ?? ''}`).sort(),
      audited: j.audited.filter((f) => f.resource.kind === self.kind && f.resource.name === self.name).map((f) => `${f.rule} ${f.path}`).sort(),
    });
    let compared = 0;
    for (const { name, yaml } of FIXTURES) {
      for (const w of workloadsOf(yaml).workloads) {
        for (const [what, edit] of EDITS) {
          const raw = editedRaw(w, edit);
          if (!raw) continue;
          const request = parseReview(review('UPDATE', raw, { oldObject: w.raw as JsonObject }));
          const fast = judge(request, contextOf(yaml), RULES);
          const full = judge(request, contextOf(yaml), RULES, { everyNeighbour: true });
          assert.deepEqual(summary(fast, w), summary(full, w), `${name}, ${w.kind}/${w.name}, ${what}`);
          compared++;
        }
      }
    }
    assert.ok(compared > 300, `only ${compared} changes compared`);
  });

  it('says "rollback admitted" only when findings follow, whatever the neighbours\' old debt', () => {
    // `a` is silenced, so only its Service (which already warns: publishNotReadyAddresses) has findings.
    const deployment = (image: string) =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a, uid: uid-a, resourceVersion: "7", annotations: {guard502.dev/ignore: "${RULES.map((r) => r.id).join(',')}"}}\n` +
      `spec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: app, image: ${image}, ports: [{name: http, containerPort: 8080}]}]\n`;
    const around =
      'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {publishNotReadyAddresses: true, selector: {app: web}, ports: [{name: http, port: 80, targetPort: http}]}\n---\n' +
      'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}\nspec: {defaultBackend: {service: {name: web, port: {name: http}}}}\n---\n' +
      'apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: a-111, ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: a, uid: uid-a}]}\n' +
      'spec:\n  template:\n    metadata: {labels: {app: web, pod-template-hash: "111"}}\n    spec:\n      containers: [{name: app, image: web:1, ports: [{name: http, containerPort: 8080}]}]\n';
    const yaml = `${around}---\n${deployment('web:2')}`;
    const request = parseReview(review('UPDATE', deployment('web:1'), { oldObject: deployment('web:2') }));
    for (const options of [{}, { everyNeighbour: true }]) {
      const j = judge(request, contextOf(yaml), RULES, options);
      assert.deepEqual([j.decision, j.findings.length, j.rollbackTo, warningLines(j)], ['allowed', 0, undefined, []], JSON.stringify(options));
    }
  });
});
