import type { Finding, Severity } from '../engine/types.ts';

export interface Summary {
  resources: number;
  errors: number;
  warnings: number;
  infos: number;
}

export function summarize(findings: ReadonlyArray<Pick<Finding, 'severity'>>, resources: number): Summary {
  const count = (s: Severity) => findings.filter((f) => f.severity === s).length;
  return { resources, errors: count('error'), warnings: count('warning'), infos: count('info') };
}

/** `Deployment shop/web` */
export function resourceLabel(r: { kind: string; namespace: string; name: string }): string {
  return `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
}
