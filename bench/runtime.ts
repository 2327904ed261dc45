// The Node flags guard502 runs with, read from the shebang of bin/guard502.js
// (the container's ENTRYPOINT uses the same): benchmarks run every process,
// floors included, with them, so that the work is the only difference measured.
import { readFileSync } from 'node:fs';

export function runtimeFlags(): string[] {
  const first = readFileSync(new URL('../bin/guard502.js', import.meta.url), 'utf8').split('\n')[0] ?? '';
  const m = /\bnode\b(.*)$/.exec(first);
  return (m?.[1] ?? '').trim().split(/\s+/).filter(Boolean);
}
