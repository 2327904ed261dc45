// `-f json`: the CLI's JSON contract (README.md, Scan). Keys are contracts; `suppressed`
// is an addition that keeps ignores auditable.
import type { ScanResult } from '../scan.ts';
import { summarize } from './summary.ts';

export function renderJson(result: ScanResult): string {
  const out = {
    findings: result.findings.map((f) => ({
      rule: f.rule,
      severity: f.severity,
      resource: { apiVersion: f.resource.apiVersion, kind: f.resource.kind, namespace: f.resource.namespace, name: f.resource.name },
      path: f.path,
      message: f.message,
      fix: f.fix,
      shape: f.shape,
      source: f.source ? { file: f.source.file, line: f.source.line, ...(f.source.template ? { template: f.source.template } : {}) } : null,
    })),
    summary: summarize(result.findings, result.resources),
    suppressed: result.suppressed.map((s) => ({ rule: s.rule, resource: s.resource, path: s.path, by: s.by, reason: s.reason })),
    errors: [
      ...result.errors.map((e) => ({ file: e.file, ...(e.document !== undefined ? { document: e.document } : {}), ...(e.line !== undefined ? { line: e.line } : {}), ...(e.field ? { field: e.field } : {}), message: e.message })),
      ...result.failures.map((f) => ({ rule: f.rule, resource: f.resource, message: `rule ${f.rule} failed: ${f.message}` })),
    ],
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}
