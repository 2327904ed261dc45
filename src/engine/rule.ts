// The contract of a rule module: metadata, a pure evaluation and its fixtures,
// all in one file. The runner — not the rule — adds severity, shape, the object
// reference, the source location, ignores and policy actions.

import type { ResourceGraph } from './graph.ts';
import type { Model } from './model.ts';
import type { RuleHit, Severity, Shape } from './types.ts';

export interface ParamSpec {
  type: 'integer' | 'number' | 'boolean' | 'string';
  default: number | boolean | string;
  description: string;
  minimum?: number;
  maximum?: number;
  /** Shown in docs, e.g. `seconds`. */
  unit?: string;
}

export type ParamSpecs = Record<string, ParamSpec>;
export type ParamValues<S extends ParamSpecs> = { readonly [K in keyof S]: S[K]['default'] extends number ? number : S[K]['default'] extends boolean ? boolean : string };

/**
 * What a rule is evaluated on: `workload` (Deployment, StatefulSet, DaemonSet,
 * Rollout, Pod), or an exact kind (Service, Ingress, HTTPRoute, GRPCRoute, ...).
 */
export type Target = 'workload' | 'Service' | 'Ingress' | 'HTTPRoute' | 'GRPCRoute' | string;

/**
 * An input a rule reads besides the object it judges. The cluster faces derive from these what they
 * watch, what RBAC they need, what a change re-checks and what the webhook compares of a workload
 * for its neighbours; a test records what each rule really reads and fails on anything undeclared.
 */
export interface Read {
  /** API group (`''` core); `*`: every group serving the kind (extensions/v1beta1 and networking.k8s.io/v1 Ingresses). */
  group: string;
  /** Kind, `workload` (every workload kind), or `*`: every object of the namespace, whatever its kind. */
  kind: string;
  /** For workloads read by a rule judging another kind: the model paths it reads (`[]`: every element). */
  fields?: readonly string[];
  /** The rule reads the objects' `status` (live state): the cluster caches keep it for this kind. */
  status?: boolean;
  /**
   * The rule reads objects of this kind in every namespace, not only in the judged object's (an Istio
   * VirtualService or DestinationRule names hosts of any namespace): a change re-checks what it judges everywhere.
   * A list of target kinds narrows that to the targets that read it from afar (a Traefik Middleware names the
   * Ingresses of any namespace that use it; the rule's Services and routes look only at their own namespace's).
   */
  anyNamespace?: true | readonly string[];
}

/**
 * One finding a fixture expects from the rule it belongs to. The fixture's findings must match its
 * expectations one to one: a finding more, a finding less, another severity or another path fails.
 */
export interface ExpectedFinding {
  severity: Severity;
  /** The field path, exactly. */
  path: string;
  /** A fragment the message contains. */
  message: string;
  /** The object the finding is on, as `Kind/name` or `Kind/namespace/name`; needed only to tell objects apart. */
  resource?: string;
  /** A fragment the fix contains. */
  fix?: string;
}

export interface Fixture {
  /** What the fixture shows, e.g. "named targetPort that no container declares". */
  name: string;
  /** One or more YAML documents; objects without a namespace land in `default`. */
  yaml: string;
  /** For `fire` fixtures: every finding of the rule, in any order. Silent fixtures expect none. */
  expect?: readonly ExpectedFinding[];
  /** Parameter overrides for this fixture. */
  params?: Record<string, number | boolean | string>;
}

export interface RuleDocs {
  /** One paragraph: what the rule checks. */
  what: string;
  /** Why this ends in a 502 at the gateway. */
  why: string;
  /** How to fix it, ideally with a YAML snippet (markdown allowed). */
  fix: string;
  /** Anything else worth knowing: when it stays silent, controller specifics. */
  notes?: string;
}

export interface RuleDefinition<S extends ParamSpecs = ParamSpecs> {
  /** Contract: never derived from the title. */
  id: string;
  title: string;
  shape: Shape;
  severity: Severity;
  targets: readonly Target[];
  /** Every kind read besides the targets (see Read). */
  reads: readonly Read[];
  params: S;
  docs: RuleDocs;
  /** Needs live cluster state (EndpointSlices, rollout status): run by the controller only. */
  live?: boolean;
  /**
   * When it fires on a workload, the rule reads that workload's own pods (graph.podsOf) to say why they
   * fail. The cluster faces cache no pods a workload made: they read them for that workload, then judge
   * it again.
   */
  readsOwnPods?: boolean;
  evaluate(object: Model, graph: ResourceGraph, params: ParamValues<S>): RuleHit[];
  fixtures: { fire: Fixture[]; silent: Fixture[] };
}

/** A rule with its parameter types erased, as the runner handles it. */
export type Rule = RuleDefinition<ParamSpecs>;

/** Declares a rule; the identity function that gives `evaluate` typed parameters. */
export function defineRule<S extends ParamSpecs>(rule: RuleDefinition<S>): Rule {
  return rule as unknown as Rule;
}

export function defaultParams(rule: Rule): Record<string, number | boolean | string> {
  return Object.fromEntries(Object.entries(rule.params).map(([k, spec]) => [k, spec.default]));
}
