// What the Services, Ingresses and routes around a workload can see of it. The rules that judge
// those objects read a workload only through these fields (a test records every read the rules
// make, over every rule fixture, and fails on one outside this list). A change that leaves them
// alone — a new image, new resources, other probes — cannot give those objects a finding they did
// not have, so the webhook need not judge them again.

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

function pick(value: unknown, steps: Step[], from: number): unknown {
  if (from === steps.length) return value;
  if (value === null || typeof value !== 'object') return undefined;
  const step = steps[from] as Step;
  const next = (value as Record<string, unknown>)[step.key];
  if (!step.each) return pick(next, steps, from + 1);
  return Array.isArray(next) ? next.map((x) => pick(x, steps, from + 1)) : next;
}

/** The workload as its neighbours see it, serialized: equal strings, equal findings for them. */
export function neighbourView(w: Workload): string {
  return JSON.stringify(STEPS.map((steps) => pick(w, steps, 0)));
}
