// Policy reports: one report per checked object, in the format Policy Reporter and other dashboards read —
// OpenReports (`openreports.io/v1alpha1` Report) or its frozen predecessor (`wgpolicyk8s.io/v1alpha2`
// PolicyReport). The report is owned by the object it describes, so the garbage collector deletes it with
// the object; it is named after the object's UID (prefixed, so that another engine's report of the same
// object, often named by the bare UID, is never overwritten). It holds one result per rule that judges
// the object: `fail` for an error, `warn` for a warning or an info, `pass` otherwise, `skip` when an
// exemption or an ignore annotation silences it. Nothing is written while the API server does not serve
// the report kind (its CRD is not installed); the question is asked again now and then.

import { ApiError, collectionPath, objectPath, type KubeClient } from '../cluster/client.ts';
import { judges } from '../engine/inputs.ts';
import type { Model } from '../engine/model.ts';
import type { Rule } from '../engine/rule.ts';
import type { CheckResult } from '../engine/run.ts';
import type { JsonObject, Severity } from '../engine/types.ts';
import type { Logger } from '../server/log.ts';

export type ReportFormat = 'openreports' | 'wgpolicyk8s';
export const REPORT_FORMATS: readonly ReportFormat[] = ['openreports', 'wgpolicyk8s'];

interface ReportKind {
  group: string;
  version: string;
  plural: string;
  kind: string;
  /** OpenReports names the engine once for the report; PolicyReport only per result. */
  topLevelSource: boolean;
}

export const REPORT_KINDS: Record<ReportFormat, ReportKind> = {
  openreports: { group: 'openreports.io', version: 'v1alpha1', plural: 'reports', kind: 'Report', topLevelSource: true },
  wgpolicyk8s: { group: 'wgpolicyk8s.io', version: 'v1alpha2', plural: 'policyreports', kind: 'PolicyReport', topLevelSource: false },
};

const SOURCE = 'guard502';
const DOCS = 'https://github.com/guard502/guard502/blob/main/docs/rules';
/** Both formats' severities: critical, high, medium, low, info. */
const SEVERITY: Record<Severity, string> = { error: 'high', warning: 'medium', info: 'info' };
const RESULT: Record<Severity, 'fail' | 'warn'> = { error: 'fail', warning: 'warn', info: 'warn' };
const WORST: readonly Severity[] = ['error', 'warning', 'info'];

export function reportName(uid: string): string {
  return `guard502-${uid}`;
}

/** The results and summary of the report of `object`, in a stable order (no timestamps: they are added when written). */
export function reportBody(object: Model, result: CheckResult, rules: readonly Rule[]): { results: JsonObject[]; summary: Record<string, number> } {
  const summary = { pass: 0, fail: 0, warn: 0, error: 0, skip: 0 };
  const results: JsonObject[] = [];
  for (const rule of rules) {
    if (!judges(rule, object)) continue;
    const findings = result.findings.filter((f) => f.rule === rule.id && f.resource === object.ref);
    const failed = result.failures.some((f) => f.rule === rule.id && f.resource === object.ref);
    const suppressed = result.suppressed.filter((s) => s.rule === rule.id && s.resource === object.ref);
    const properties: Record<string, string> = { shape: rule.shape, docs: `${DOCS}/${rule.id}.md` };
    let entry: JsonObject;
    if (failed) {
      entry = { result: 'error', message: `The rule could not check ${object.kind}/${object.name}.` };
    } else if (findings.length > 0) {
      const worst = WORST.find((s) => findings.some((f) => f.severity === s)) as Severity;
      const first = findings.find((f) => f.severity === worst) ?? findings[0];
      properties.path = first?.path ?? '';
      properties.fix = first?.fix ?? '';
      if (findings.length > 1) properties.findings = String(findings.length);
      entry = { result: RESULT[worst], severity: SEVERITY[worst], message: first?.message ?? '' };
    } else if (suppressed.length > 0 && suppressed.every((s) => s.by !== 'policy')) {
      entry = { result: 'skip', message: (suppressed[0] as { reason: string }).reason };
    } else if (suppressed.length > 0) {
      continue; // turned off by the policy: not a check that ran
    } else {
      entry = { result: 'pass', message: `Not found: ${rule.title.charAt(0).toLowerCase()}${rule.title.slice(1)}.` };
    }
    summary[entry.result as keyof typeof summary] += 1;
    results.push({ source: SOURCE, policy: rule.id, rule: rule.id, category: rule.shape, scored: true, ...entry, properties });
  }
  return { results, summary };
}

/** Writes and keeps up to date one report per checked object. */
export class ReportWriter {
  private readonly client: KubeClient;
  private readonly kind: ReportKind;
  private readonly log: Logger;
  private readonly rules: readonly Rule[];
  /** What was last written for each report (by namespace/name), to write only changes. */
  private readonly written = new Map<string, string>();
  private served: { value: boolean; at: number } | undefined;
  private readonly recheckMs: number;

  constructor(client: KubeClient, opts: { format: ReportFormat; log: Logger; rules: readonly Rule[]; recheckMs?: number }) {
    this.client = client;
    this.kind = REPORT_KINDS[opts.format];
    this.log = opts.log;
    this.rules = opts.rules;
    this.recheckMs = opts.recheckMs ?? 60_000;
  }

  /** Whether the API server serves the report kind; asked again after `recheckMs`. */
  private async serves(): Promise<boolean> {
    const now = Date.now();
    if (this.served && now - this.served.at < this.recheckMs) return this.served.value;
    const value = await this.client.serves(this.kind.group, this.kind.version, this.kind.plural);
    if (value !== this.served?.value) {
      this.log.info({ kind: `${this.kind.kind}.${this.kind.group}` }, value ? 'writing policy reports' : 'policy report CRD not installed: no reports written');
    }
    this.served = { value, at: now };
    return value;
  }

  /** Creates or updates the report of `object`; `unchanged` when it already says this, `absent` without the CRD. */
  async write(object: Model, result: CheckResult): Promise<'written' | 'unchanged' | 'absent' | 'no-uid'> {
    const meta = object.raw.metadata as { uid?: string } | undefined;
    const uid = meta?.uid;
    if (!uid || !object.namespace) return 'no-uid';
    const { results, summary } = reportBody(object, result, this.rules);
    const name = reportName(uid);
    const key = `${object.namespace}/${name}`;
    const digest = JSON.stringify(results);
    if (this.written.get(key) === digest) return 'unchanged';
    if (!(await this.serves())) return 'absent';
    const now = Date.now();
    const timestamp = { seconds: Math.floor(now / 1000), nanos: 0 };
    const k = this.kind;
    const body: JsonObject = {
      apiVersion: `${k.group}/${k.version}`,
      kind: k.kind,
      metadata: {
        name,
        namespace: object.namespace,
        labels: { 'app.kubernetes.io/managed-by': SOURCE },
        ownerReferences: [{ apiVersion: object.ref.apiVersion, kind: object.kind, name: object.name, uid }],
      },
      scope: { apiVersion: object.ref.apiVersion, kind: object.kind, name: object.name, namespace: object.namespace, uid },
      ...(k.topLevelSource ? { source: SOURCE } : {}),
      results: results.map((r) => ({ ...r, timestamp })),
      summary,
    };
    const path = objectPath(k.group, k.version, k.plural, object.namespace, name);
    try {
      // A merge patch replaces the results list whole: the report says what the last check found.
      await this.client.mergePatch(path, { scope: body.scope, results: body.results, summary });
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) throw err;
      try {
        await this.client.create(collectionPath(k.group, k.version, k.plural, object.namespace), body);
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) {
          // The CRD went away (or never was): ask again later.
          this.served = { value: false, at: Date.now() };
          return 'absent';
        }
        throw e;
      }
    }
    this.written.set(key, digest);
    return 'written';
  }

  /** The object is gone: its report goes with it (garbage collector); forget what was written. */
  forget(object: Model): void {
    const uid = (object.raw.metadata as { uid?: string } | undefined)?.uid;
    if (uid) this.written.delete(`${object.namespace}/${reportName(uid)}`);
  }
}
