// Recording what rules read: a proxy per object notes every property path read below it, and a
// proxy of the graph notes every kind a rule asks it for. Used by the tests that hold the rules'
// declared inputs (Read) to what they really read.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GATEWAY_GROUP } from '../../src/engine/kinds.ts';
import { expand } from '../../src/engine/inputs.ts';
import type { ResourceGraph } from '../../src/engine/graph.ts';
import type { Model } from '../../src/engine/model.ts';
import { RULES } from '../../src/rules/index.ts';

export const CORPUS = new URL('../../../shared/corpus/', import.meta.url).pathname;

/** Every rule fixture, named after its rule. */
export const FIXTURES = RULES.flatMap((r) => [...r.fixtures.fire, ...r.fixtures.silent].map((f) => ({ name: `${r.id}: ${f.name}`, yaml: f.yaml })));

/** Every file of the real-world corpus, when it is present beside the repository. */
export function corpus(): Array<{ name: string; yaml: string }> {
  if (!existsSync(CORPUS)) return [];
  return readdirSync(CORPUS, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(join(CORPUS, d.name)).map((f) => ({ name: `${d.name}/${f}`, yaml: readFileSync(join(CORPUS, d.name, f), 'utf8') })));
}

/** One proxy per object, so that code comparing objects by identity behaves as it does unrecorded. */
const proxies = new WeakMap<object, object>();

/**
 * Wraps `o` so that every property read below it is noted as a path (`[]` for any list index, `.*`
 * for a listing of keys). `note` is called with the path; it decides whether the read counts.
 */
export function recording<T extends object>(o: T, path: string, note: (path: string) => void): T {
  const known = proxies.get(o);
  if (known) return known as T;
  const child = (t: object, k: string) => (Array.isArray(t) && (/^\d+$/.test(k) || k === 'length') ? `${path}[]` : `${path}.${k}`);
  const proxy = new Proxy(o, {
    get(t, k, receiver) {
      const v = Reflect.get(t, k, receiver) as unknown;
      if (typeof k === 'symbol' || typeof v === 'function') return v;
      const p = child(t, k);
      note(p);
      return v !== null && typeof v === 'object' ? recording(v, p, note) : v;
    },
    has(t, k) {
      if (typeof k === 'string') note(child(t, k));
      return Reflect.has(t, k);
    },
    getOwnPropertyDescriptor(t, k) {
      if (typeof k === 'string') note(child(t, k));
      return Reflect.getOwnPropertyDescriptor(t, k);
    },
    ownKeys(t) {
      note(`${path}.*`);
      return Reflect.ownKeys(t);
    },
  });
  proxies.set(o, proxy);
  return proxy;
}

const WORKLOADS = expand('*', 'workload').map(([group, kind]) => `${group}/${kind}`);
const GATEWAYS = ['*/Ingress', `${GATEWAY_GROUP}/HTTPRoute`, `${GATEWAY_GROUP}/GRPCRoute`];

/** Kinds the graph's questions read, beyond the objects they return. */
const ASKS: Record<string, (args: unknown[]) => string[]> = {
  list: ([kind, group]) => [`${(group as string | undefined) ?? '*'}/${String(kind)}`],
  find: ([group, kind]) => [`${String(group)}/${String(kind)}`],
  service: () => ['/Service'],
  services: () => ['/Service'],
  workloads: () => WORKLOADS,
  workloadsSelectedBy: () => WORKLOADS,
  podsOf: () => ['/Pod'],
  servicesSelecting: () => ['/Service'],
  backendsTo: () => GATEWAYS,
  backendsToWorkload: () => ['/Service', ...GATEWAYS],
  templateOf: () => WORKLOADS,
  rolloutReferencing: () => ['argoproj.io/Rollout'],
  isTemplateOnly: () => ['argoproj.io/Rollout'],
  hpaFor: () => ['autoscaling/HorizontalPodAutoscaler'],
  pdbsFor: () => ['policy/PodDisruptionBudget'],
  canariesFor: () => ['flagger.app/Canary'],
  generatedService: () => ['flagger.app/Canary'],
  referenceGrantAllows: () => [`${GATEWAY_GROUP}/ReferenceGrant`],
  namespaceLabels: () => ['/Namespace'],
  inNamespace: () => ['*/*'],
  all: () => ['*/*'],
  namespaces: () => ['*/*'],
};

/** Methods that read nothing but what they are given, or caches of what the caller computes. */
const NEUTRAL = new Set(['memo', 'memoOf', 'selectorOf', 'backendsFrom', 'get']);

function modelsIn(v: unknown, out: string[]): void {
  if (Array.isArray(v)) for (const x of v) modelsIn(x, out);
  else if (v !== null && typeof v === 'object') {
    const m = v as Partial<Model> & { service?: unknown; backend?: { from?: unknown } };
    if (typeof m.kind === 'string' && typeof m.group === 'string' && typeof m.key === 'string') out.push(`${m.group}/${m.kind}`);
    else if (m.service || m.backend) modelsIn([m.service, m.backend?.from], out);
    else if ('from' in m) modelsIn([(m as { from: unknown }).from], out);
  }
}

/**
 * The graph as a rule sees it, noting as `group/kind` every kind it asks for (`*` for any group or
 * any kind) and every kind of object it is given. Methods run on the real graph, so that the
 * graph's own bookkeeping (its indexes) is not taken for a rule's read.
 */
export function recordingGraph(graph: ResourceGraph, note: (groupKind: string) => void, everywhere?: (groupKind: string) => void): ResourceGraph {
  return new Proxy(graph, {
    get(t, k) {
      const v = Reflect.get(t, k, t) as unknown;
      if (typeof k !== 'string' || typeof v !== 'function') return v;
      const ask = ASKS[k];
      if (!ask && !NEUTRAL.has(k)) throw new Error(`recordingGraph: ResourceGraph.${k} is not known to the recording (add it to ASKS or NEUTRAL)`);
      return (...args: unknown[]) => {
        const out = (v as (...a: unknown[]) => unknown).apply(t, args);
        for (const gk of ask?.(args) ?? []) note(gk);
        // A list without a namespace reads the kind in every namespace.
        if (k === 'list' && args[2] === undefined) for (const gk of ask?.(args) ?? []) everywhere?.(gk);
        const seen: string[] = [];
        if (k !== 'memo' && k !== 'memoOf') modelsIn(out, seen);
        for (const gk of seen) note(gk);
        return out;
      };
    },
  });
}
