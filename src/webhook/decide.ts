// The admission decision: the incoming object is judged together with what the
// cluster already holds. The change is applied to the graph for the duration of
// a synchronous evaluation, and the objects it can affect (the Services that
// select a Deployment, the Ingresses that reach a Service…) are judged before
// and after it, so a Deployment whose container port moved is rejected for the
// Service it breaks.
//
// Deny only what is certain, and never block recovery:
// - a finding that exists only because a referenced object is absent warns (it may come next);
// - on UPDATE, findings the old object already had warn (ratchet);
// - findings on neighbours count only when this change creates them, and deny only
//   when the neighbour worked before (a Service waiting for its pods, an Ingress
//   waiting for its Service: the change may be the first half of their fix);
// - a rollback to a template the workload already ran is admitted, with warnings;
// - DELETE, CONNECT and subresources (status, scale) are never judged.

import type { ResourceGraph } from '../engine/graph.ts';
import { isWorkload, normalize, type Model } from '../engine/model.ts';
import { inputsFor } from '../engine/inputs.ts';
import { isModeledKind, groupOf } from '../engine/kinds.ts';
import type { Rule } from '../engine/rule.ts';
import type { CheckedFinding, CheckResult, RuleFailure } from '../engine/run.ts';
import { dig } from '../engine/fields.ts';
import { checkUnderPolicies, governingPolicy } from '../policy/select.ts';
import type { Policy } from '../policy/policy.ts';
import { namespaceSkipReason } from '../engine/run.ts';
import { sameForNeighbours } from './neighbour-view.ts';
import { rollbackTarget } from './rollback.ts';
import type { AdmissionRequest } from './review.ts';

/** What the webhook needs from the cluster: the ClusterCache provides it; tests may build one from files. */
export interface AdmissionContext {
  readonly graph: ResourceGraph;
  policies(): Policy[];
  readonly synced: boolean;
}

export type Decision = 'allowed' | 'warned' | 'denied' | 'skipped' | 'error-allowed' | 'error-denied';

export interface JudgedFinding extends CheckedFinding {
  /** Why a deny became a warning, if it did. */
  downgraded?: 'ratchet' | 'missing-reference' | 'rollback' | 'already-failing';
  /** The finding is on another object that this change breaks. */
  neighbour: boolean;
}

export interface Judgement {
  decision: Decision;
  /** Findings to show (action deny or warn after downgrades), most severe first. */
  findings: JudgedFinding[];
  /** Findings recorded but not shown (audit). */
  audited: JudgedFinding[];
  failures: RuleFailure[];
  /** Why the object was not judged (skipped), or what went wrong (error-*). */
  note?: string;
  rollbackTo?: string;
  /** The incoming object, normalized (for the mutating face). */
  object?: Model;
  policy?: Policy;
}

function findingKey(f: CheckedFinding): string {
  return `${f.rule}|${f.resource.kind}|${f.resource.namespace}|${f.resource.name}|${f.path}`;
}

function evaluate(graph: ResourceGraph, self: Model | undefined, neighbours: Iterable<Model>, policies: Policy[], rules: readonly Rule[]): CheckResult {
  const objects = new Map<string, Model>();
  for (const n of neighbours) objects.set(n.key, n);
  if (self) objects.set(self.key, self);
  return checkUnderPolicies(graph, objects.values(), policies, { rules });
}

/** The pod template as sent: old and new objects come from the same serializer, so key order agrees. */
function templateJson(m: Model | undefined): string | undefined {
  const t = m && isWorkload(m) ? dig(m.raw, 'spec', 'template') : undefined;
  return t === undefined ? undefined : JSON.stringify(t);
}

function resourceVersion(m: Model): string {
  const v = dig(m.raw, 'metadata', 'resourceVersion');
  return typeof v === 'string' ? v : '';
}

function present(graph: ResourceGraph, keys: Iterable<string>): Model[] {
  const out: Model[] = [];
  for (const k of keys) {
    const m = graph.get(k);
    if (m) out.push(m);
  }
  return out;
}

export interface JudgeOptions {
  /** Judge every neighbour again, also those a change cannot concern (for tests that prove it cannot). */
  everyNeighbour?: boolean;
}

export function judge(request: AdmissionRequest, context: AdmissionContext, rules: readonly Rule[], options: JudgeOptions = {}): Judgement {
  if (request.operation === 'DELETE' || request.operation === 'CONNECT') return { decision: 'skipped', findings: [], audited: [], failures: [], note: `${request.operation} is never blocked` };
  if (request.subResource) return { decision: 'skipped', findings: [], audited: [], failures: [], note: `subresource ${request.subResource} is never blocked` };
  const raw = request.object;
  if (!raw) return { decision: 'skipped', findings: [], audited: [], failures: [], note: 'no object' };
  const apiVersion = typeof raw.apiVersion === 'string' ? raw.apiVersion : '';
  const kind = typeof raw.kind === 'string' ? raw.kind : request.kind.kind;
  // Kinds the rules judge or read (their declarations), and those the engine itself reads (Namespace, policies).
  if (!isModeledKind(groupOf(apiVersion), kind) && inputsFor(rules, groupOf(apiVersion), kind).length === 0) {
    return { decision: 'skipped', findings: [], audited: [], failures: [], note: `guard502 does not check ${kind} (${apiVersion || 'no apiVersion'}); admitted unchecked` };
  }
  // Objects created with generateName have no name yet; the namespace comes from the request.
  const incoming = normalize(raw, request.namespace || 'default');
  if (!incoming.resource) throw new Error(`request.object: ${incoming.error ?? 'cannot be read'}`);
  const self = incoming.resource;
  const { graph } = context;
  // The cache usually holds exactly the old version (same resourceVersion): use it as is.
  const cached = graph.get(self.key);
  const oldVersion = request.oldObject ? dig(request.oldObject, 'metadata', 'resourceVersion') : undefined;
  const cacheHoldsOld = cached !== undefined && typeof oldVersion === 'string' && oldVersion !== '' && resourceVersion(cached) === oldVersion;
  const previous = request.oldObject ? (cacheHoldsOld ? cached : normalize(request.oldObject, request.namespace || 'default').resource) : undefined;

  const policies = context.policies();
  const policy = governingPolicy(policies, graph, self.namespace);
  if (!policy) return { decision: 'skipped', findings: [], audited: [], failures: [], note: `no Guard502Policy selects namespace ${self.namespace}`, object: self };
  const skip = namespaceSkipReason(policy, graph, self.namespace);
  if (skip) return { decision: 'skipped', findings: [], audited: [], failures: [], note: skip, object: self, policy };

  // The same neighbours are judged before and after the change, so that only what the change creates counts:
  // those the new version reaches, and those the old version reached (a Service it no longer matches).
  // When the cache already holds exactly the old version, the graph as it is *is* the state before.
  const cacheIsBefore = previous ? cacheHoldsOld : cached === undefined;
  const inBefore = <T>(fn: () => T): T => (cacheIsBefore ? fn() : graph.withChanges([previous ?? { remove: self.key }], fn));
  const keys = new Set<string>();
  if (previous) inBefore(() => graph.affected(previous, rules).forEach((n) => keys.add(n.key)));
  // Services, Ingresses and routes see a workload only through its NEIGHBOUR_VIEW: when the change
  // leaves that alone, they keep the findings they had, which are not this change's to show, and
  // are not judged again — nor counted below as something to show. Workloads beside it (behind the
  // same Service) always are. A rule failing on such a neighbour does not decide this admission.
  const unseen = options.everyNeighbour !== true && previous !== undefined && isWorkload(previous) && isWorkload(self) && sameForNeighbours(previous, self);
  const neighbours = () => (unseen ? present(graph, keys).filter(isWorkload) : present(graph, keys));
  const after = graph.withChanges([self], () => {
    graph.affected(self, rules).forEach((n) => keys.add(n.key));
    keys.delete(self.key);
    return evaluate(graph, self, neighbours(), policies, rules);
  });
  // Most admissions find nothing to show: then there is nothing to compare with the state before,
  // and no denial a rollback would turn into a warning (ReplicaSets are not touched by the change).
  const shows = after.findings.some((f) => f.action === 'deny' || f.action === 'warn');
  const rollbackTo = shows && isWorkload(self) && previous && templateJson(previous) !== templateJson(self) ? rollbackTarget(graph, self) : undefined;
  const before: CheckResult = shows ? inBefore(() => evaluate(graph, previous, neighbours(), policies, rules)) : { findings: [], suppressed: [], failures: [] };

  const known = new Set(before.findings.map(findingKey));
  // Neighbours that were already failing (a blocking finding before this change): a change
  // that touches them is not what breaks them, and may be the first half of their fix.
  const failing = new Set(before.findings.filter((f) => f.action === 'deny').map((f) => `${f.resource.kind}|${f.resource.namespace}|${f.resource.name}`));
  const shown: JudgedFinding[] = [];
  const audited: JudgedFinding[] = [];
  for (const f of after.findings) {
    const neighbour = f.resource.kind !== self.kind || f.resource.name !== self.name || f.resource.namespace !== self.namespace;
    const existed = known.has(findingKey(f));
    // A neighbour's own debt is not this change's business (and, unless compared, neither are its info findings).
    if (neighbour && (existed || (!shows && f.action === 'audit'))) continue;
    // Annotated in place, not copied: a copy would build fixes that are never shown (see RuleHit.fix).
    const j: JudgedFinding = Object.assign(f, { neighbour });
    if (j.action === 'deny') {
      if (rollbackTo) j.downgraded = 'rollback';
      else if (f.missingReference) j.downgraded = 'missing-reference';
      else if (existed) j.downgraded = 'ratchet';
      else if (neighbour && failing.has(`${f.resource.kind}|${f.resource.namespace}|${f.resource.name}`)) j.downgraded = 'already-failing';
      if (j.downgraded) j.action = 'warn';
    }
    if (j.action === 'audit') audited.push(j);
    else if (j.action === 'deny' || j.action === 'warn') shown.push(j);
  }
  const failures = after.failures;
  // "Rollback admitted; fix the findings below": said only when findings follow.
  const base = { audited, failures, object: self, policy, ...(rollbackTo && shown.length > 0 ? { rollbackTo } : {}) };
  if (failures.length > 0) {
    const note = failures.map((x) => `rule ${x.rule} failed on ${x.resource.kind}/${x.resource.name}: ${x.message}`).join('; ');
    return { ...base, decision: policy.onError === 'allow' ? 'error-allowed' : 'error-denied', findings: shown, note };
  }
  const decision: Decision = shown.some((f) => f.action === 'deny') ? 'denied' : shown.length > 0 ? 'warned' : 'allowed';
  return { ...base, decision, findings: shown };
}
