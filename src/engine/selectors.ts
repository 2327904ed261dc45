// Kubernetes label selectors: the equality map of Services and the
// matchLabels/matchExpressions form of workloads, PDBs and namespace selectors.

import { FieldReader } from './fields.ts';
import type { Json } from './types.ts';

export interface Requirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values: string[];
}

/** A parsed selector; `null` requirements means "selects nothing" (a malformed selector). */
export interface LabelSelector {
  requirements: Requirement[];
}

/** An empty selector matches everything (as in the API); callers decide whether that is meaningful. */
export function matches(selector: LabelSelector, labels: Record<string, string>): boolean {
  return selector.requirements.every((r) => {
    const has = Object.hasOwn(labels, r.key);
    const value = labels[r.key];
    switch (r.operator) {
      case 'In':
        return has && r.values.includes(value as string);
      case 'NotIn':
        return !has || !r.values.includes(value as string);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
    }
  });
}

export function fromMap(map: Record<string, string>): LabelSelector {
  return { requirements: Object.entries(map).map(([key, v]) => ({ key, operator: 'In' as const, values: [v] })) };
}

const OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

/** Parses a metav1.LabelSelector; undefined when absent. */
export function parseLabelSelector(v: Json | undefined, path: string, r: FieldReader): LabelSelector | undefined {
  const o = r.obj(v, path);
  if (!o) return undefined;
  const sel = fromMap(r.strMap(o.matchLabels, `${path}.matchLabels`));
  for (const { item, path: p } of r.objList(o.matchExpressions, `${path}.matchExpressions`)) {
    const key = r.str(item.key, `${p}.key`);
    const operator = r.str(item.operator, `${p}.operator`);
    if (key === undefined || operator === undefined) continue;
    if (!OPERATORS.has(operator)) {
      r.problems.push({ path: `${p}.operator`, message: `${p}.operator: unknown operator ${JSON.stringify(operator)}` });
      continue;
    }
    const values = (r.list(item.values, `${p}.values`) ?? []).map((x) => String(x));
    sel.requirements.push({ key, operator: operator as Requirement['operator'], values });
  }
  return sel;
}

export function isEmpty(selector: LabelSelector): boolean {
  return selector.requirements.length === 0;
}

export function describe(selector: LabelSelector): string {
  return selector.requirements
    .map((r) => {
      if (r.operator === 'In' && r.values.length === 1) return `${r.key}=${r.values[0]}`;
      if (r.operator === 'Exists') return r.key;
      if (r.operator === 'DoesNotExist') return `!${r.key}`;
      return `${r.key} ${r.operator.toLowerCase()} (${r.values.join(',')})`;
    })
    .join(',');
}
