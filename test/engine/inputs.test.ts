// Rules declare what they read (Rule.reads), and the cluster faces watch, cache and re-check by
// those declarations alone. These tests run every rule over every fixture and the real-world
// corpus with the graph and the objects recorded, and fail on any kind, or any status, read
// without being declared.
import assert from 'node:assert/strict';
import { ResourceGraph } from '../../src/engine/graph.ts';
import { covers, expand, judges } from '../../src/engine/inputs.ts';
import { isWorkload, type Model } from '../../src/engine/model.ts';
import { defaultParams, type Read, type Rule } from '../../src/engine/rule.ts';
import { buildGraph } from '../../src/loader/build.ts';
import { parseStream } from '../../src/loader/documents.ts';
import { RULES } from '../../src/rules/index.ts';
import { corpus, FIXTURES, recording, recordingGraph } from '../support/recording.ts';

interface Recorded {
  kinds: Map<string, string>;
  status: Map<string, string>;
  /** Kinds read in every namespace (a list without one), with the target judged: `group/kind@target`. */
  everywhere: Map<string, string>;
  /** Memos kept by kind (ResourceGraph.memo's `onlyKinds`) whose computation read another kind, or whose kinds the rule does not declare. */
  memos: Set<string>;
}

/** A memo kept until objects of some kinds change, while it computes: the kinds it reads. */
interface MemoFrame {
  key: string;
  kinds: ReadonlySet<string>;
  read: Set<string>;
}

/** Memos kept by kind that were seen computing. */
const computed = new Set<string>();

/**
 * The graph with its memos kept by kind watched: what a memo's computation reads must be of the kinds
 * whose changes drop it, and those must be among the reads of the rule asking (the cluster watches them).
 */
function memoChecking(graph: ResourceGraph, rule: Rule, frames: MemoFrame[], problems: Set<string>): ResourceGraph {
  return new Proxy(graph, {
    get(t, k) {
      const v = Reflect.get(t, k, t) as unknown;
      if ((k !== 'memo' && k !== 'memoOf') || typeof v !== 'function') return v;
      return (subject: unknown, key: string, compute: () => unknown, only?: readonly Read[]) => {
        if (!only) return (v as (...a: unknown[]) => unknown)(subject, key, compute);
        for (const read of only) for (const [g, kind] of expand(read.group, read.kind)) if (!declares(rule, `${g}/${kind}`, false)) problems.add(`memo ${key} is kept by ${g}/${kind}, which ${rule.id} does not declare`);
        const frame: MemoFrame = { key, kinds: new Set(only.flatMap((read) => expand(read.group, read.kind).map(([, kind]) => kind))), read: new Set() };
        return (v as (...a: unknown[]) => unknown)(subject, key, () => {
          frames.push(frame);
          computed.add(key);
          try {
            return compute();
          } finally {
            frames.pop();
            for (const gk of frame.read) if (!frame.kinds.has(gk.slice(gk.lastIndexOf('/') + 1))) problems.add(`memo ${key} reads ${gk}, but is kept while it changes (only ${[...frame.kinds].join(', ')} drop it)`);
          }
        }, only);
      };
    },
  });
}

function declares(rule: Rule, groupKind: string, status: boolean): boolean {
  const slash = groupKind.lastIndexOf('/');
  const [group, kind] = [groupKind.slice(0, slash), groupKind.slice(slash + 1)];
  const declared = [
    ...(status ? [] : rule.targets.flatMap((t) => expand('*', t))),
    ...rule.reads.filter((r) => !status || r.status).flatMap((r) => expand(r.group, r.kind)),
  ].map(([g, k]) => ({ group: g, kind: k }));
  // A read of any group (`list(kind)` without one) is covered only by a declaration of any group.
  if (group === '*') return declared.some((d) => d.group === '*' && (d.kind === kind || d.kind === '*'));
  return declared.some((d) => covers(d, group, kind));
}

/** Runs every rule on every object it targets in `yaml`, each rule on a graph of its own (memos are shared within one). */
function record(yaml: string, out: Map<string, Recorded>): boolean {
  let models: Model[];
  try {
    models = [...buildGraph(parseStream(yaml, 'input.yaml').objects, 'default').graph.all()];
  } catch {
    return false; // input errors are the loader's tests' business
  }
  const by = { rule: '', target: '' };
  const wrapped = models.map((m) => {
    const gk = `${m.group}/${m.kind}`;
    return recording(m, '', (p) => {
      if (by.rule !== '' && (p === '.raw.status' || p.startsWith('.raw.status.'))) {
        const rec = out.get(by.rule) as Recorded;
        if (!rec.status.has(gk)) rec.status.set(gk, p);
      }
    });
  });
  for (const rule of RULES) {
    const graph = new ResourceGraph(wrapped);
    let rec = out.get(rule.id);
    if (!rec) out.set(rule.id, (rec = { kinds: new Map(), status: new Map(), everywhere: new Map(), memos: new Set() }));
    const seen = rec.kinds;
    const frames: MemoFrame[] = [];
    const asked = memoChecking(
      recordingGraph(graph, (gk) => {
        if (!seen.has(gk)) seen.set(gk, yaml.slice(0, 80));
        for (const f of frames) f.read.add(gk);
      }, (gk) => {
        const key = `${gk}@${by.target}`;
        if (!(rec as Recorded).everywhere.has(key)) (rec as Recorded).everywhere.set(key, yaml.slice(0, 80));
      }),
      rule,
      frames,
      rec.memos,
    );
    by.rule = rule.id;
    try {
      for (const m of [...graph.all()]) {
        if (!judges(rule, m)) continue;
        by.target = isWorkload(m) ? 'workload' : m.kind;
        rule.evaluate(m, asked, defaultParams(rule) as never);
      }
    } finally {
      by.rule = '';
    }
  }
  return true;
}

describe('rules: declared inputs', () => {
  const recorded = new Map<string, Recorded>();

  before(function () {
    this.timeout(300_000);
    let files = 0;
    for (const { yaml } of [...FIXTURES, ...corpus()]) if (record(yaml, recorded)) files++;
    assert.ok(files > FIXTURES.length / 2, `only ${files} inputs recorded`);
  });

  it('every rule reads only the kinds it declares (targets and reads)', () => {
    const undeclared: string[] = [];
    for (const rule of RULES) {
      for (const [gk] of recorded.get(rule.id)?.kinds ?? []) if (!declares(rule, gk, false)) undeclared.push(`${rule.id} reads ${gk}`);
    }
    assert.deepEqual(undeclared, [], 'kinds read without a declaration (add them to the rule\'s reads)');
  });

  it('every rule reads status only of kinds it declares with status: true', () => {
    const undeclared: string[] = [];
    for (const rule of RULES) {
      for (const [gk, path] of recorded.get(rule.id)?.status ?? []) if (!declares(rule, gk, true)) undeclared.push(`${rule.id} reads ${gk} ${path.slice(1)}`);
    }
    assert.deepEqual(undeclared, [], 'status read without a declaration');
  });

  it('reads objects of other namespaces only of kinds it declares with anyNamespace, for the targets it names (a change of one re-checks them everywhere)', () => {
    const undeclared: string[] = [];
    for (const rule of RULES) {
      for (const [key] of recorded.get(rule.id)?.everywhere ?? []) {
        const [gk = '', target = ''] = key.split('@');
        const slash = gk.lastIndexOf('/');
        const [group, kind] = [gk.slice(0, slash), gk.slice(slash + 1)];
        const declared = rule.reads.some(
          (r) => r.anyNamespace && (r.anyNamespace === true || r.anyNamespace.includes(target)) && expand(r.group, r.kind).some(([g, k]) => (k === kind || k === '*') && (g === '*' || g === group || group === '*')),
        );
        if (!declared) undeclared.push(`${rule.id} judging a ${target} reads ${gk} in every namespace`);
      }
    }
    assert.deepEqual(undeclared, [], 'kinds read across namespaces without anyNamespace');
  });

  it('drops what it memoizes by kind whenever an object of a kind the computation read changes, and watches those kinds', () => {
    const problems = RULES.flatMap((rule) => [...(recorded.get(rule.id)?.memos ?? [])].map((p) => `${rule.id}: ${p}`));
    assert.deepEqual(problems, []);
    // The memos kept by kind were seen computing (the check above is not vacuous).
    assert.ok(computed.has('ingress-timeouts') && computed.has('canary-missing/ingresses'), [...computed].join(', '));
  });

  it('declares nothing it was never seen to read (a stale declaration widens what the cluster watches)', () => {
    const unseen: string[] = [];
    for (const rule of RULES) {
      const rec = recorded.get(rule.id);
      const kinds = [...(rec?.kinds.keys() ?? []), ...(rec?.status.keys() ?? [])];
      for (const read of rule.reads) {
        const used = expand(read.group, read.kind).some(([g, k]) =>
          kinds.some((gk) => {
            const slash = gk.lastIndexOf('/');
            const [rg, rk] = [gk.slice(0, slash), gk.slice(slash + 1)];
            return (k === '*' || rk === '*' || rk === k) && (g === '*' || rg === '*' || rg === g);
          }),
        );
        if (!used) unseen.push(`${rule.id}: ${read.group}/${read.kind}`);
      }
    }
    assert.deepEqual(unseen, []);
  });
});

describe('graph: what a change of context re-checks follows the declarations', () => {
  const yaml = [
    'apiVersion: v1\nkind: Service\nmetadata: {name: batch, namespace: a}\nspec: {selector: {app: batch}, ports: [{port: 80}]}',
    'apiVersion: batch/v1\nkind: Job\nmetadata: {name: batch, namespace: a}\nspec: {template: {metadata: {labels: {app: batch}}, spec: {containers: [{name: c, image: x}]}}}',
    'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web, namespace: b}\nspec: {ingressClassName: edge, defaultBackend: {service: {name: web, port: {number: 80}}}}',
    'apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: edge}\nspec: {controller: traefik.io/ingress-controller}',
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: a}',
  ].join('\n---\n');
  const graph = buildGraph(parseStream(yaml, 'input.yaml').objects, 'default').graph;
  const affected = (kind: string) => graph.affected([...graph.all()].find((m) => m.kind === kind) as Model, RULES).map((m) => `${m.kind}/${m.namespace}/${m.name}`).sort();

  it('a Job re-checks the Services of its namespace (service-selects-nothing reads Jobs)', () => {
    assert.deepEqual(affected('Job'), ['Service/a/batch']);
  });
  it('an IngressClass re-checks Ingresses of every namespace', () => {
    assert.ok(affected('IngressClass').includes('Ingress/b/web'));
  });
  it('a kind no rule names re-checks what reads anything in the namespace', () => {
    assert.deepEqual(affected('ConfigMap'), ['Service/a/batch']);
  });
});
