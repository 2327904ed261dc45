// The runner: evaluates rules over objects of a graph and turns rule hits into
// findings, applying object-level ignores, policy exemptions, severity overrides
// and actions. Every decision not to report is kept with its reason, so that
// "why was this not enforced" always has an answer.

import { ANNOTATION_IGNORE, ANNOTATION_IGNORE_REASON } from './annotations.ts';
import type { ResourceGraph } from './graph.ts';
import { isTargetGroup } from './kinds.ts';
import { isWorkload, type Model } from './model.ts';
import { defaultParams, type Rule } from './rule.ts';
import { matches } from './selectors.ts';
import type { Finding, ObjectRef, RuleHit, Severity } from './types.ts';
import type { Action, Policy } from '../policy/policy.ts';

export interface CheckedFinding extends Finding {
  action: Action;
}

export interface Suppression {
  rule: string;
  resource: ObjectRef;
  path: string;
  by: 'annotation' | 'exemption' | 'policy';
  reason: string;
}

export interface RuleFailure {
  rule: string;
  resource: ObjectRef;
  message: string;
}

export interface CheckResult {
  findings: CheckedFinding[];
  suppressed: Suppression[];
  /** A rule threw: the object was not fully checked. Never silent. */
  failures: RuleFailure[];
}

export interface CheckOptions {
  rules: readonly Rule[];
  policy: Policy;
  /** Run live rules (controller). */
  live?: boolean;
}

/** Why an object's namespace is not checked under this policy, or undefined when it is. */
export function namespaceSkipReason(policy: Policy, graph: ResourceGraph, namespace: string): string | undefined {
  if (namespace === '') return undefined;
  if (policy.excludedNamespaces.includes(namespace)) return `namespace ${namespace} is excluded by policy ${policy.name}`;
  if (policy.namespaceSelector && !matches(policy.namespaceSelector, graph.namespaceLabels(namespace))) {
    return `namespace ${namespace} does not match the namespaceSelector of policy ${policy.name}`;
  }
  return undefined;
}

export function ignoredRules(object: Model): Set<string> {
  const v = object.annotations[ANNOTATION_IGNORE];
  return new Set((v ?? '').split(',').map((s) => s.trim()).filter(Boolean));
}

export function paramsFor(rule: Rule, policy: Policy): Record<string, number | boolean | string> {
  return { ...defaultParams(rule), ...(policy.rules[rule.id]?.parameters ?? {}) };
}

export function actionFor(rule: Rule, severity: Severity, policy: Policy): Action {
  return policy.rules[rule.id]?.action ?? policy.actions[severity];
}

interface Plan {
  params: Map<string, Record<string, number | boolean | string>>;
  /** Rules by target, so that each object meets only the rules written for its kind. */
  byTarget: Map<string, Rule[]>;
}

/**
 * Policies are immutable once parsed (a change in the cluster yields a new object), and so are rule
 * lists: what is derived from them is computed once, not on every check (the webhook checks twice per
 * admission).
 */
const plans = new WeakMap<Policy, WeakMap<readonly Rule[], Plan[]>>();

function planFor(policy: Policy, all: readonly Rule[], live: boolean): Plan {
  let byRules = plans.get(policy);
  if (!byRules) plans.set(policy, (byRules = new WeakMap()));
  let pair = byRules.get(all);
  if (!pair) byRules.set(all, (pair = []));
  const slot = live ? 1 : 0;
  const known = pair[slot];
  if (known) return known;
  const rules = all.filter((r) => live || !r.live);
  const byTarget = new Map<string, Rule[]>();
  for (const r of rules) for (const t of r.targets) byTarget.set(t, [...(byTarget.get(t) ?? []), r]);
  const plan: Plan = { params: new Map(rules.map((r) => [r.id, paramsFor(r, policy)])), byTarget };
  pair[slot] = plan;
  return plan;
}

/** Where a finding whose fix is given as a function keeps it, then the text it built (when first read, once). */
const FIX = Symbol('fix');

/**
 * One getter for every lazy fix. V8 keys an object's hidden class on its accessors: a getter made
 * per finding would give each finding a class of its own, allocated in the old generation, and
 * fill it with garbage that only a full collection clears.
 */
function lazyFix(this: { [FIX]: string | (() => string) }): string {
  const f = this[FIX];
  return typeof f === 'string' ? f : (this[FIX] = f());
}

/** Why a hit is not reported, if it is not: the policy turns its rule off, an annotation or an exemption silences it. */
function suppression(rule: Rule, object: Model, action: Action, ignores: ReadonlySet<string>, policy: Policy): Pick<Suppression, 'by' | 'reason'> | undefined {
  if (action === 'off') return { by: 'policy', reason: `rule ${rule.id} is off in policy ${policy.name}` };
  if (ignores.has(rule.id)) return { by: 'annotation', reason: object.annotations[ANNOTATION_IGNORE_REASON] ?? `${ANNOTATION_IGNORE} annotation` };
  const exemption = policy.exemptions.find(
    (e) =>
      (e.rules.length === 0 || e.rules.includes(rule.id)) &&
      (e.namespace === undefined || e.namespace === object.namespace) &&
      (e.kind === undefined || e.kind === object.kind) &&
      (e.name === undefined || e.name === object.name),
  );
  return exemption ? { by: 'exemption', reason: exemption.reason } : undefined;
}

export function check(graph: ResourceGraph, objects: Iterable<Model>, options: CheckOptions): CheckResult {
  const result: CheckResult = { findings: [], suppressed: [], failures: [] };
  const { policy } = options;
  const { params, byTarget } = planFor(policy, options.rules, options.live === true);
  const skipped = new Map<string, boolean>();
  const none = new Set<string>();
  for (const object of objects) {
    let skip = skipped.get(object.namespace);
    if (skip === undefined) skipped.set(object.namespace, (skip = namespaceSkipReason(policy, graph, object.namespace) !== undefined));
    if (skip) continue;
    const applicable = isWorkload(object) ? (byTarget.get('workload') ?? []) : isTargetGroup(object.group, object.kind) ? (byTarget.get(object.kind) ?? []) : [];
    if (applicable.length === 0) continue;
    const ignores = policy.allowIgnoreAnnotations && object.annotations[ANNOTATION_IGNORE] !== undefined ? ignoredRules(object) : none;
    // The plan grouped rules by target: each of these applies to the object.
    for (const rule of applicable) {
      let hits;
      try {
        hits = rule.evaluate(object, graph, params.get(rule.id) as never);
      } catch (err) {
        result.failures.push({ rule: rule.id, resource: object.ref, message: err instanceof Error ? err.message : String(err) });
        continue;
      }
      for (const hit of hits) {
        const severity = policy.rules[rule.id]?.severity ?? hit.severity ?? rule.severity;
        const action = actionFor(rule, severity, policy);
        const suppressedBy = suppression(rule, object, action, ignores, policy);
        if (suppressedBy) {
          result.suppressed.push({ rule: rule.id, resource: object.ref, path: hit.path, ...suppressedBy });
          continue;
        }
        // Built field by field in one order, the fix given as text or as a shared getter: findings keep
        // fast properties (turning a data property into an accessor afterwards would not).
        const finding = { rule: rule.id, severity, resource: object.ref, path: hit.path, message: hit.message } as CheckedFinding & { [FIX]?: RuleHit['fix'] };
        if (typeof hit.fix === 'string') finding.fix = hit.fix;
        else {
          finding[FIX] = hit.fix;
          Object.defineProperty(finding, 'fix', { get: lazyFix, enumerable: true, configurable: true });
        }
        finding.shape = rule.shape;
        finding.action = action;
        if (object.source) finding.source = object.source;
        if (hit.missingReference) finding.missingReference = hit.missingReference;
        result.findings.push(finding);
      }
    }
  }
  return result;
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/**
 * Code-point order: the same on every machine whatever its locale, and free, where the first
 * localeCompare loads ICU's collation data (10-15 ms, a tenth of a small scan's whole run).
 */
const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Stable order for reports: by source position, then object, then severity and rule. */
export function sortFindings<T extends Finding>(findings: T[]): T[] {
  return findings.sort(
    (a, b) =>
      byCodePoint(a.source?.file ?? '', b.source?.file ?? '') ||
      (a.source?.line ?? 0) - (b.source?.line ?? 0) ||
      byCodePoint(`${a.resource.namespace}/${a.resource.kind}/${a.resource.name}`, `${b.resource.namespace}/${b.resource.kind}/${b.resource.name}`) ||
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      byCodePoint(a.rule, b.rule) ||
      byCodePoint(a.path, b.path),
  );
}
