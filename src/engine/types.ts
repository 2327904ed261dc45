// Core vocabulary shared by the engine, the rules and every face (CLI, webhook, controller).

/** How the gateway experiences the failure: the four ways an upstream produces a 502. */
export type Shape = 'unreachable' | 'too-slow' | 'reset' | 'garbage';
export const SHAPES: readonly Shape[] = ['unreachable', 'too-slow', 'reset', 'garbage'];

export type Severity = 'error' | 'warning' | 'info';
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

/** A plain JSON object as decoded from YAML/JSON. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

/** Where an object came from, when it came from a file or stream. */
export interface SourceLocation {
  file: string;
  line: number;
  /** 1-based index of the YAML document in its file. */
  document: number;
  /** The chart template named by a `# Source:` comment (helm template output). */
  template?: string;
}

/** What a rule returns: the runner adds rule id, severity, shape, resource and source. */
export interface RuleHit {
  /** Field path inside the object, e.g. `spec.template.spec.containers[0].readinessProbe`. */
  path: string;
  message: string;
  /**
   * The concrete change to make, preferably as YAML. A function when the text costs something to
   * build and the hit is often not shown (an info finding the webhook only audits): the runner
   * builds it when the finding's `fix` is first read. It must read nothing from the graph: the
   * webhook's temporary state is gone by then.
   */
  fix: string | (() => string);
  /**
   * The hit exists only because an object it refers to is absent from the graph.
   * Offline `--partial` drops these; the webhook never denies on them, since
   * the object may simply be applied next. A string names what is absent, to say so
   * (`Service shop/web`: "not blocking: Service shop/web does not exist yet").
   */
  missingReference?: boolean | string;
  /** Overrides the rule's default severity for this hit (e.g. worse when a gateway is in front). */
  severity?: Severity;
}

export interface Finding {
  rule: string;
  severity: Severity;
  resource: ObjectRef;
  path: string;
  message: string;
  fix: string;
  shape: Shape;
  source?: SourceLocation;
  missingReference?: boolean | string;
}
