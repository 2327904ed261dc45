// What the Services, Ingresses and routes around a workload can see of it. The rules that judge
// those objects read a workload only through these fields (a test records every read the rules
// make, over every rule fixture, and fails on one outside this list). A change that leaves them
// alone — a new image, new resources, other probes — cannot give those objects a finding they did
// not have, so the webhook need not judge them again.

import { isDeepStrictEqual } from 'node:util';
import type { Workload } from '../engine/model.ts';

/**
 * Paths into the workload's model; `[]` stands for every element of a list. Reads that only lead
 * to a listed path (`template`, `template.containers[]`) are covered by it.
 */
export const NEIGHBOUR_VIEW: readonly string[] = [
  'key',
  'group',
  'kind',
  'name',
  'namespace',
  'workloadKind',
  'workloadRef',
  // Argo Rollouts: canary and stable metadata labels decide which Service selects which pods.
  'raw.spec.strategy',
  'template.labels',
  'template.containers[].name',
  'template.containers[].ports',
  // Ports the app is told to listen on (`--port=8080`, `PORT=8080`).
  'template.containers[].raw.args',
  'template.containers[].raw.command',
  'template.containers[].raw.env',
];

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
