// The webhook skips judging a workload's Services, Ingresses and routes again when a change leaves
// NEIGHBOUR_VIEW alone. That is exact only if the rules judging those objects read nothing else of a
// workload: these tests record every read over every rule fixture (and the real-world corpus when
// it is present), and compare judgements made with and without the skip.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ResourceGraph } from '../../src/engine/graph.ts';
import { isWorkload, type Model, type Workload } from '../../src/engine/model.ts';
import type { JsonObject } from '../../src/engine/types.ts';
import { check } from '../../src/engine/run.ts';
import { buildGraph } from '../../src/loader/build.ts';
import { parseStream } from '../../src/loader/documents.ts';
import { defaultPolicy } from '../../src/policy/policy.ts';
import { RULES } from '../../src/rules/index.ts';
import { judge, type Judgement } from '../../src/webhook/decide.ts';
import { NEIGHBOUR_VIEW, sameForNeighbours } from '../../src/webhook/neighbour-view.ts';
import { parseReview } from '../../src/webhook/review.ts';
import { contextOf, review } from '../support/webhook.ts';

const CORPUS = new URL('../../../shared/corpus/', import.meta.url).pathname;
const NEIGHBOUR_RULES = RULES.filter((r) => !r.targets.includes('workload'));
const FIXTURES = RULES.flatMap((r) => [...r.fixtures.fire, ...r.fixtures.silent].map((f) => ({ name: `${r.id}: ${f.name}`, yaml: f.yaml })));

function corpus(): Array<{ name: string; yaml: string }> {
  if (!existsSync(CORPUS)) return [];
  return readdirSync(CORPUS, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(join(CORPUS, d.name)).map((f) => ({ name: `${d.name}/${f}`, yaml: readFileSync(join(CORPUS, d.name, f), 'utf8') })));
}

/** Wraps `o` so that every property read below it is noted as a path (`[]` for any list index, `.*` for a listing of keys). */
function recording<T extends object>(o: T, path: string, reads: Map<string, string>, by: { rule: string }): T {
  const note = (p: string) => {
    // Only reads made while a rule runs: building the graph reads every object's identity.
    if (by.rule !== '' && !reads.has(p)) reads.set(p, by.rule);
  };
  const child = (t: object, k: string) => (Array.isArray(t) && (/^\d+$/.test(k) || k === 'length') ? `${path}[]` : `${path}.${k}`);
  return new Proxy(o, {
    get(t, k, receiver) {
      const v = Reflect.get(t, k, receiver) as unknown;
      if (typeof k === 'symbol' || typeof v === 'function') return v;
      const p = child(t, k);
      note(p);
      return v !== null && typeof v === 'object' ? recording(v, p, reads, by) : v;
    },
    has(t, k) {
      if (typeof k === 'string') note(child(t, k));
      return Reflect.has(t, k);
    },
    ownKeys(t) {
      note(`${path}.*`);
      return Reflect.ownKeys(t);
    },
  });
}

/** A read is covered when it is a listed path, lies below one, or only leads to one. A listing of keys must lie within one. */
function covered(read: string): boolean {
  const within = (p: string) => NEIGHBOUR_VIEW.some((v) => p === v || p.startsWith(`${v}.`) || p.startsWith(`${v}[`));
  if (read.endsWith('.*')) return within(read.slice(0, -2));
  return within(read) || NEIGHBOUR_VIEW.some((v) => v.startsWith(`${read}.`) || v.startsWith(`${read}[`));
}

function workloadsOf(yaml: string): { models: Model[]; workloads: Workload[] } {
  const models = [...buildGraph(parseStream(yaml, 'fixture.yaml').objects, 'default').graph.all()];
  return { models, workloads: models.filter((m): m is Workload => isWorkload(m) && m.template !== undefined) };
}

describe('webhook: what neighbours see of a workload', () => {
  it('rules judging Services, Ingresses and routes read a workload only through NEIGHBOUR_VIEW', function () {
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
      const graph = new ResourceGraph(models.map((m) => (isWorkload(m) ? recording(m, '', reads, by) : m)));
      for (const rule of NEIGHBOUR_RULES) {
        by.rule = rule.id;
        check(graph, [...graph.all()].filter((m) => !isWorkload(m)), { rules: [rule], policy: defaultPolicy() });
      }
      by.rule = '';
    }
    const outside = [...reads].map(([p, rule]) => [p.slice(1), rule] as const).filter(([p]) => !covered(p));
    assert.deepEqual(outside, [], 'fields read outside NEIGHBOUR_VIEW (add them to it, or the webhook misses what a change does to neighbours)');
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

  it('judges every change alike with and without judging unconcerned neighbours again', function () {
    this.timeout(120_000);
    const summary = (j: Judgement) => ({
      decision: j.decision,
      note: j.note,
      findings: j.findings.map((f) => `${f.rule} ${f.resource.kind}/${f.resource.name} ${f.path} ${f.action} ${f.downgraded ?? ''}`).sort(),
      audited: j.audited.map((f) => `${f.rule} ${f.resource.kind}/${f.resource.name} ${f.path}`).sort(),
    });
    const edits: Array<[string, (c: JsonObject) => void]> = [
      ['image', (c) => (c.image = `${String(c.image)}-next`)],
      ['resources', (c) => (c.resources = { requests: { cpu: '10m' } })],
      ['probe removed', (c) => delete c.readinessProbe],
      ['port moved', (c) => (c.ports = [{ name: 'http', containerPort: 9999 }])],
    ];
    let compared = 0;
    for (const { name, yaml } of FIXTURES) {
      const { workloads } = workloadsOf(yaml);
      for (const w of workloads) {
        for (const [what, edit] of edits) {
          const raw = structuredClone(w.raw) as JsonObject;
          const containers = (((raw.spec as JsonObject).template as JsonObject)?.spec as JsonObject | undefined)?.containers;
          if (!Array.isArray(containers)) continue;
          for (const c of containers as JsonObject[]) edit(c);
          const request = parseReview(review('UPDATE', raw, { oldObject: w.raw as JsonObject }));
          const fast = judge(request, contextOf(yaml), RULES);
          const full = judge(request, contextOf(yaml), RULES, { everyNeighbour: true });
          assert.deepEqual(summary(fast), summary(full), `${name}, ${w.kind}/${w.name}, ${what}`);
          compared++;
        }
      }
    }
    assert.ok(compared > 200, `only ${compared} changes compared`);
  });
});
