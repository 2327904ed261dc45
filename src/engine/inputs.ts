// What the rules read, gathered from their declarations (Rule.targets and Rule.reads). Everything
// the cluster faces must know about inputs — which kinds to watch, which to annotate, whose status to
// keep, what a change re-checks, what the webhook compares of a workload for its neighbours — is
// derived from here, so that it cannot drift from the rules.

import { isTargetGroup, targetGroups, WORKLOAD_GROUPS, workloadKind } from './kinds.ts';
import { isWorkload, type Model } from './model.ts';
import type { Read, Rule } from './rule.ts';

export interface Input {
  /** API group, or `*` for every group serving the kind. */
  group: string;
  /** Kind, or `*` for anything in the namespace. */
  kind: string;
  /** Some rule judges objects of this kind (the controller annotates them). */
  target: boolean;
  /** Some rule reads the objects' status. */
  status: boolean;
  /** Only live rules (run by the controller) read it. */
  liveOnly: boolean;
  /** The rules that read it (or judge it). */
  rules: string[];
}

/** Workload kinds rules judge, with their groups (ReplicaSets are not judged). */
const WORKLOADS: Array<[string, string]> = Object.entries(WORKLOAD_GROUPS)
  .filter(([kind]) => kind !== 'ReplicaSet')
  .flatMap(([kind, groups]) => groups.map((group): [string, string] => [group, kind]));

/** `group/kind` pairs a declared kind stands for (`workload` for the workload kinds). */
export function expand(group: string, kind: string): Array<[string, string]> {
  return kind === 'workload' ? WORKLOADS : [[group, kind]];
}

const cache = new WeakMap<readonly Rule[], Map<string, Input>>();

/** Every input of `rules`, keyed `group/kind`. */
export function inputsOf(rules: readonly Rule[]): Map<string, Input> {
  const known = cache.get(rules);
  if (known) return known;
  const out = new Map<string, Input>();
  const add = (group: string, kind: string, rule: Rule, how: { target?: boolean; read?: Read }) => {
    for (const [g, k] of expand(group, kind)) {
      const key = `${g}/${k}`;
      let input = out.get(key);
      if (!input) out.set(key, (input = { group: g, kind: k, target: false, status: false, liveOnly: true, rules: [] }));
      if (how.target) input.target = true;
      if (how.read?.status) input.status = true;
      if (!rule.live) input.liveOnly = false;
      if (!input.rules.includes(rule.id)) input.rules.push(rule.id);
    }
  };
  for (const rule of rules) {
    // Targets are matched by kind, in the groups the engine models the kind in (see run.ts).
    for (const t of rule.targets) for (const g of t === 'workload' ? ['*'] : targetGroups(t)) add(g, t, rule, { target: true });
    for (const read of rule.reads) add(read.group, read.kind, rule, { read });
  }
  cache.set(rules, out);
  return out;
}

/** Whether a declared `group/kind` (either may be `*`) covers objects of `group` and `kind`. */
export function covers(input: Pick<Input, 'group' | 'kind'>, group: string, kind: string): boolean {
  return (input.kind === '*' || input.kind === kind) && (input.group === '*' || input.group === group);
}

/** Inputs of `rules` that cover objects of `group` and `kind` (a `*` kind excepted: it covers everything and names nothing). */
export function inputsFor(rules: readonly Rule[], group: string, kind: string): Input[] {
  return [...inputsOf(rules).values()].filter((i) => i.kind !== '*' && covers(i, group, kind));
}

/** A rule that reads a kind in every namespace, and the targets of it that do (undefined: all). */
export interface FarReader {
  rule: Rule;
  targets?: readonly string[];
}

/** Whether `m` is judged by a rule that reads the changed kind from other namespaces (so a change there concerns it). */
export function judgesFromAfar(reader: FarReader, m: Model): boolean {
  return judges(reader.rule, m) && (reader.targets === undefined || reader.targets.includes(isWorkload(m) ? 'workload' : m.kind));
}

export interface Readers {
  readers: readonly Rule[];
  everywhere: readonly FarReader[];
  /** The kinds, other than workloads, that `readers` and `everywhere` judge. */
  kinds: readonly string[];
}

const readersCache = new WeakMap<readonly Rule[], Map<string, Readers>>();

/**
 * The rules that declare they read objects of `group`/`kind` (or, `withTargets`, judge them too), and those of
 * them that read such objects in every namespace: what a change of one may alter is what `readers` judge in
 * its namespace (everywhere for a cluster-scoped object), and what `everywhere` judge in any namespace.
 * Once per rule set and kind: every change and every admission asks.
 */
export function readersOf(rules: readonly Rule[], group: string, kind: string, withTargets = false): Readers {
  let byKind = readersCache.get(rules);
  if (!byKind) readersCache.set(rules, (byKind = new Map()));
  const key = `${group}/${kind}/${withTargets}`;
  const known = byKind.get(key);
  if (known) return known;
  const everywhere: FarReader[] = [];
  const readers = rules.filter((rule) => {
    const reads = rule.reads.filter((read) => expand(read.group, read.kind).some(([g, k]) => covers({ group: g, kind: k }, group, kind)));
    const far = reads.filter((read) => read.anyNamespace);
    if (far.length > 0) {
      const lists = far.map((read) => read.anyNamespace);
      everywhere.push(lists.some((l) => l === true) ? { rule } : { rule, targets: [...new Set(lists.flatMap((l) => (Array.isArray(l) ? l : [])))] });
    }
    return reads.length > 0 || (withTargets && rule.targets.some((t) => expand('*', t).some(([g, k]) => covers({ group: g, kind: k }, group, kind))));
  });
  const kinds = [...new Set([...readers, ...everywhere.map((f) => f.rule)].flatMap((rule) => rule.targets))].filter((t) => t !== 'workload');
  const found: Readers = { readers, everywhere, kinds };
  byKind.set(key, found);
  return found;
}

/** Model paths of a workload that rules judging other kinds read (the webhook's neighbour view; it runs no live rule). */
export function neighbourFields(rules: readonly Rule[]): string[] {
  const out = new Set<string>();
  for (const rule of rules) {
    if (rule.targets.includes('workload') || rule.live) continue;
    for (const read of rule.reads) if (readsWorkloads(read)) for (const f of read.fields ?? []) out.add(f);
  }
  return [...out];
}

/** Whether a declared read is one of workloads. */
export function readsWorkloads(read: Read): boolean {
  return read.kind === 'workload' || expand(read.group, read.kind).some(([g, k]) => g === '*' ? WORKLOAD_GROUPS[k] !== undefined && k !== 'ReplicaSet' : workloadKind(g, k) !== undefined);
}

/** Whether `rule` judges `m` (targets are matched by kind, in the groups the engine models it in, as the runner does). */
export function judges(rule: Rule, m: Model): boolean {
  return isWorkload(m) ? rule.targets.includes('workload') : rule.targets.includes(m.kind) && isTargetGroup(m.group, m.kind);
}
