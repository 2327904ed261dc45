// The annotations guard502 writes on objects (docs/controller.md), shared by the
// controller and the mutating webhook. Rendering is deterministic and the
// `checked` stamp keeps its time while findings and policy stay the same, so an
// unchanged object yields byte-identical annotations and is never re-written.

import { ANNOTATION_CHECKED, ANNOTATION_FINDINGS, ANNOTATION_RISK } from '../engine/annotations.ts';
import type { Finding, Severity } from '../engine/types.ts';

export type Risk = 'none' | 'low' | 'medium' | 'high';

const RISK_OF: Record<Severity, Risk> = { error: 'high', warning: 'medium', info: 'low' };
const RISK_ORDER: Risk[] = ['none', 'low', 'medium', 'high'];

export function riskOf(findings: ReadonlyArray<Pick<Finding, 'severity'>>): Risk {
  let risk: Risk = 'none';
  for (const f of findings) if (RISK_ORDER.indexOf(RISK_OF[f.severity]) > RISK_ORDER.indexOf(risk)) risk = RISK_OF[f.severity];
  return risk;
}

export function findingsAnnotation(findings: ReadonlyArray<Pick<Finding, 'rule' | 'severity' | 'message'>>): string {
  const compact = findings
    .map((f) => ({ rule: f.rule, severity: f.severity, message: f.message }))
    .sort((a, b) => a.rule.localeCompare(b.rule) || a.message.localeCompare(b.message));
  return JSON.stringify(compact);
}

/** `<policy generation>,<RFC 3339 time>`. */
export function checkedStamp(generation: number, since: Date): string {
  return `${generation},${since.toISOString().replace(/\.\d{3}Z$/, 'Z')}`;
}

export function parseChecked(v: string | undefined): { generation: number; since: string } | undefined {
  const m = /^(\d+),(\S+)$/.exec(v ?? '');
  return m ? { generation: Number(m[1]), since: m[2] as string } : undefined;
}

/**
 * The desired guard502 annotations for one object, given its current ones.
 * Returns undefined when the current annotations already say the same thing.
 */
export function desiredAnnotations(
  findings: ReadonlyArray<Pick<Finding, 'rule' | 'severity' | 'message'>>,
  policyGeneration: number,
  current: Readonly<Record<string, string>>,
  now: Date,
): Record<string, string> | undefined {
  const findingsValue = findingsAnnotation(findings);
  const risk = riskOf(findings);
  const previous = parseChecked(current[ANNOTATION_CHECKED]);
  const unchanged = current[ANNOTATION_FINDINGS] === findingsValue && current[ANNOTATION_RISK] === risk && previous?.generation === policyGeneration;
  if (unchanged) return undefined;
  return {
    [ANNOTATION_FINDINGS]: findingsValue,
    [ANNOTATION_RISK]: risk,
    [ANNOTATION_CHECKED]: checkedStamp(policyGeneration, now),
  };
}
