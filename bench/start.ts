// How fast the CLI answers: one small file, where starting Node and loading the
// code is nearly all the work, beside `node -e 0` in the same run; and 10,000
// documents, bundled against the TypeScript sources, to show that what helps the
// start costs the large scan nothing. Every process is fresh and gets the CLI's
// Node flags; runs are interleaved so that machine noise hits every mode alike.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from './app.ts';
import { generateManifests } from './generate.ts';
import { runtimeFlags } from './runtime.ts';
import { median } from './stats.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const SMALL = join(root, 'examples/shop/broken/storefront.yaml');

interface Mode {
  name: string;
  args: string[];
  env?: Record<string, string>;
}

/** Wall time of one fresh process, in ms (exit status 1, findings, is expected). */
function wall(mode: Mode, env: NodeJS.ProcessEnv): number {
  const start = performance.now();
  const r = spawnSync(process.execPath, [...runtimeFlags(), ...mode.args], { env: { ...env, ...mode.env }, stdio: ['ignore', 'ignore', 'pipe'], cwd: root });
  const ms = performance.now() - start;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${mode.name} exited ${r.status}: ${r.stderr.toString().slice(0, 300)}`);
  return ms;
}

function interleaved(modes: Mode[], runs: number, env: NodeJS.ProcessEnv): Map<string, number> {
  const times = new Map<string, number[]>(modes.map((m) => [m.name, []]));
  for (const m of modes) wall(m, env); // warm the file cache and the compile cache
  for (let i = 0; i < runs; i++) for (const m of modes) times.get(m.name)?.push(wall(m, env));
  return new Map([...times].map(([name, t]) => [name, median(t)]));
}

export interface StartBenchResult {
  smallRuns: number;
  small: Map<string, number>;
  documents: number;
  largeRuns: number;
  large: Map<string, number>;
}

export function benchStart(opts: { smallRuns?: number; largeRuns?: number; apps?: number } = {}): StartBenchResult {
  const app = buildApp({ checkout: true });
  const data = mkdtempSync(join(tmpdir(), 'guard502-bench-'));
  const cache = mkdtempSync(join(tmpdir(), 'guard502-compile-cache-'));
  // No colour, as in CI. The bundled CLI gets a compile cache of its own (nothing of another checkout
  // reused); the sources run as they did before the CLI enabled the cache.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '', NO_COLOR: '1' };
  const cached = { NODE_COMPILE_CACHE: cache };
  try {
    const sources = join(root, 'src/cli/entry.ts');
    const small = interleaved(
      [
        { name: 'node -e 0 (floor)', args: ['-e', '0'] },
        { name: 'guard502 scan, bundled, compile cache', args: [app.bin, 'scan', SMALL], env: cached },
        { name: 'guard502 scan, bundled, no compile cache', args: [app.bin, 'scan', SMALL], env: { NODE_DISABLE_COMPILE_CACHE: '1' } },
        { name: 'guard502 scan, TypeScript sources', args: [sources, 'scan', SMALL] },
      ],
      opts.smallRuns ?? 21,
      env,
    );
    const documents = generateManifests(data, opts.apps ?? 2000);
    const large = interleaved(
      [
        { name: 'guard502 scan, TypeScript sources', args: [sources, 'scan', '-f', 'json', data] },
        { name: 'guard502 scan, bundled, compile cache', args: [app.bin, 'scan', '-f', 'json', data], env: cached },
      ],
      opts.largeRuns ?? 5,
      env,
    );
    return { smallRuns: opts.smallRuns ?? 21, small, documents, largeRuns: opts.largeRuns ?? 5, large };
  } finally {
    app.remove();
    rmSync(data, { recursive: true, force: true });
    rmSync(cache, { recursive: true, force: true });
  }
}

export function benchStartReport(): string {
  const r = benchStart();
  const floor = r.small.get('node -e 0 (floor)') as number;
  const compiled = r.small.get('guard502 scan, bundled, compile cache') as number;
  const ms = (n: number) => `${Math.round(n)} ms`;
  const largeSources = r.large.get('guard502 scan, TypeScript sources') as number;
  const largeCompiled = r.large.get('guard502 scan, bundled, compile cache') as number;
  return [
    `## Start-up (fresh process each, wall time, median of ${r.smallRuns} runs)`,
    '',
    `One small file (\`examples/shop/broken/storefront.yaml\`, 3 objects), with the CLI's Node flags, from a checkout laid out as after \`npm ci\`:`,
    '',
    '| | median wall time | × floor |',
    '|---|---|---|',
    ...[...r.small].map(([name, t]) => `| ${name} | ${ms(t)} | ${(t / floor).toFixed(2)}× |`),
    '',
    `Bundled, with the compile cache: **${ms(compiled)}** (target ≤ 100 ms), ${ms(compiled - floor)} above \`node -e 0\`.`,
    '',
    `${r.documents.toLocaleString('en-US')} documents (\`bench/generate.ts\`), whole process, JSON report, median of ${r.largeRuns} runs:`,
    '',
    '| | median wall time |',
    '|---|---|',
    `| TypeScript sources | ${ms(largeSources)} |`,
    `| bundled, compile cache | ${ms(largeCompiled)} |`,
    '',
    `Bundled / sources: **${(largeCompiled / largeSources).toFixed(2)}×** (target ≤ 1).`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(benchStartReport());
