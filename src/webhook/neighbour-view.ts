// What the Services, Ingresses and routes around a workload can see of it. The rules that judge
// those objects read a workload only through the fields they declare (a test records every read
// the rules make, over every rule fixture and the corpus, and fails on one outside a rule's own list). A change that leaves them
// alone — a new image, new resources, other probes — cannot give those objects a finding they did
// not have, so the webhook need not judge them again.

import { isDeepStrictEqual } from 'node:util';
import { neighbourFields } from '../engine/inputs.ts';
import type { Workload } from '../engine/model.ts';
import { RULES } from '../rules/index.ts';

/**
 * Paths into the workload's model; `[]` stands for every element of a list. Reads that only lead
 * to a listed path (`template`, `template.containers[]`) are covered by it. Derived from the fields
 * the rules declare they read of workloads (Read.fields).
 */
/** What the graph's own indexes read of a workload, whatever rule asks: its identity, selection by labels, a Rollout's `workloadRef`. */
export const INDEXED: readonly string[] = ['key', 'group', 'kind', 'name', 'namespace', 'workloadKind', 'workloadRef', 'template.labels'];

export const NEIGHBOUR_VIEW: readonly string[] = [...new Set([...INDEXED, ...neighbourFields(RULES)])];

type Step = { key: string; each: boolean };
const STEPS: Step[][] = NEIGHBOUR_VIEW.map((p) => p.split('.').map((s) => (s.endsWith('[]') ? { key: s.slice(0, -2), each: true } : { key: s, each: false })));

/** Whether `a` and `b` agree at the path `steps` from `from` on. */
function agree(a: unknown, b: unknown, steps: Step[], from: number): boolean {
  if (a === b) return true;
  if (from === steps.length) return isDeepStrictEqual(a, b);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  const step = steps[from] as Step;
  const x = (a as Record<string, unknown>)[step.key];
  const y = (b as Record<string, unknown>)[step.key];
  if (!step.each) return agree(x, y, steps, from + 1);
  if (!Array.isArray(x) || !Array.isArray(y)) return isDeepStrictEqual(x, y);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (!agree(x[i], y[i], steps, from + 1)) return false;
  return true;
}

/** Whether the two versions of a workload look the same to its neighbours: then so do the neighbours' findings. */
export function sameForNeighbours(a: Workload, b: Workload): boolean {
  for (const steps of STEPS) if (!agree(a, b, steps, 0)) return false;
  return true;
}
