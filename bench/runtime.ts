// The Node flags guard502 runs with, so that benchmarks measure what users run.
// - runtimeFlags: the shebang of bin/guard502.js (the CLI). Every process of a
//   benchmark, floors included, gets them, so that the work is the only
//   difference measured.
// - containerFlags, containerEnv: the container's ENTRYPOINT and ENV
//   (Dockerfile), for the servers.
//   Its heap is a share of the pod's memory limit; outside a container that
//   share is taken of the chart's default limit, since the benchmark machine's
//   whole memory is not what a pod gets.
import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';

const file = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

export function runtimeFlags(): string[] {
  const first = file('bin/guard502.js').split('\n')[0] ?? '';
  const m = /\bnode\b(.*)$/.exec(first);
  return (m?.[1] ?? '').trim().split(/\s+/).filter(Boolean);
}

const UNITS: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, K: 1e3, M: 1e6, G: 1e9, '': 1 };

/** The chart's default memory limit, in bytes. */
export function chartMemoryLimit(): number {
  const values = load(file('deploy/helm/guard502/values.yaml')) as { resources?: { limits?: { memory?: string } } };
  const m = /^(\d+)(Ki|Mi|Gi|K|M|G|)$/.exec(String(values.resources?.limits?.memory ?? ''));
  if (!m) throw new Error('deploy/helm/guard502/values.yaml: resources.limits.memory is not a quantity this benchmark reads');
  return Number(m[1]) * (UNITS[m[2] as string] as number);
}

/** The environment the container's runtime stage sets (`ENV KEY=VALUE`). */
export function containerEnv(): Record<string, string> {
  const runtime = file('Dockerfile').split(/^FROM .*$/m).pop() ?? '';
  const env: Record<string, string> = {};
  for (const m of runtime.matchAll(/^ENV\s+([A-Za-z_][A-Za-z0-9_]*)=(\S+)\s*$/gm)) env[m[1] as string] = m[2] as string;
  return env;
}

export function containerFlags(): string[] {
  const entrypoint = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(file('Dockerfile'))?.[1];
  if (!entrypoint) throw new Error('Dockerfile: no ENTRYPOINT in exec form');
  const args = JSON.parse(entrypoint) as string[];
  return args
    .slice(1)
    .filter((a) => a.startsWith('--'))
    .map((a) => {
      const share = /^--max-old-space-size-percentage=(\d+(?:\.\d+)?)%?$/.exec(a);
      return share ? `--max-old-space-size=${Math.floor((chartMemoryLimit() * Number(share[1])) / 100 / 2 ** 20)}` : a;
    });
}
