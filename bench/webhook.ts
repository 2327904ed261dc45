// Webhook latency under sustained HTTPS keep-alive load on loopback, beside a
// no-op HTTPS handler measured in the same run. Each server runs in its own
// process; vegeta drives it from a third.
//
// The load is open: requests go out at a constant rate when they are due,
// whether or not earlier ones have been answered, as an API server sends
// admissions. (A closed loop — each connection waiting for its answer before it
// sends again — slows down with the server it measures, and a pause then delays
// two requests instead of every one that arrives during it.) Latency is taken
// per request, from vegeta's results, at microsecond resolution.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { loadAll } from 'js-yaml';
import { makeCA, makeServingCert } from '../test/support/certs.ts';
import { appManifest } from './generate.ts';
import { median, percentile } from './stats.ts';
import { containerEnv, containerFlags } from './runtime.ts';

const RATE = 500;
const SECONDS = Number(process.env.BENCH_WEBHOOK_SECONDS ?? 10);
const RUNS = Number(process.env.BENCH_WEBHOOK_RUNS ?? 3);
/** Keep-alive connections the load generator may hold, as an API server keeps a pool to a webhook. */
const CONNECTIONS = 8;
/** Results of each attack's first second are dropped: it opens the connections (TLS handshakes). */
const SETTLE_SECONDS = 1;

type Mode = 'noop' | 'guard502';

interface Measured {
  /** At a constant RATE. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** As fast as CONNECTIONS connections go, each waiting for its answer. */
  maxRps: number;
  errors: number;
  rssMb: number;
}

/**
 * UPDATEs of 50 different Deployments across the namespaces (an image bump), as an informer-fed cache
 * would see them (resourceVersion set). One in five apps of the generated cluster carries mistakes, so
 * the mix includes denials and warnings, not only clean admissions.
 */
function reviewBodies(): string[] {
  return Array.from({ length: 50 }, (_, i) => {
    const old = loadAll(appManifest(`team-${i % 40}`, `svc-${i}`, i))[0] as { metadata: Record<string, string>; spec: { template: { spec: { containers: Array<{ image: string }> } } } };
    old.metadata.resourceVersion = '1';
    const next = structuredClone(old);
    (next.spec.template.spec.containers[0] as { image: string }).image = `registry.example/svc-${i}:2.0`;
    return JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: `8c4f3f3e-0b7a-4a55-9d7e-${String(i).padStart(12, '0')}`,
        kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
        resource: { group: 'apps', version: 'v1', resource: 'deployments' },
        name: `svc-${i}`,
        namespace: `team-${i % 40}`,
        operation: 'UPDATE',
        userInfo: { username: 'bench' },
        object: next,
        oldObject: old,
        dryRun: false,
      },
    });
  });
}

/** The load generator, built from its Go module on first use (bench/load/build). */
function vegeta(): string {
  const out = execFileSync('bash', [new URL('./load/build', import.meta.url).pathname], { stdio: ['ignore', 'pipe', 'inherit'] }).toString().trim().split('\n');
  return out[out.length - 1] as string;
}

async function startServer(mode: Mode, certDir: string): Promise<{ child: ChildProcess; port: number; rss: Promise<number> }> {
  // Both servers run with the container's flags and environment (the heap as in a pod with the chart's memory limit).
  const child = spawn(process.execPath, [...containerFlags(), new URL('./webhook-server.ts', import.meta.url).pathname, mode, certDir], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...containerEnv() } });
  const lines = createInterface(child.stdout!);
  let resolveRss!: (n: number) => void;
  const rss = new Promise<number>((r) => (resolveRss = r));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${mode} server exited with ${code}`)));
    lines.on('line', (l) => {
      const [k, v] = l.split(' ');
      if (k === 'PORT') resolve(Number(v));
      if (k === 'RSS') resolveRss(Number(v));
    });
  });
  return { child, port, rss };
}

interface Attack {
  /** Latencies (ms) of answered requests, in the order they were sent. */
  latencies: number[];
  errors: number;
  /** Answered requests per second over the kept part of the attack. */
  rps: number;
}

/** One vegeta attack: `rate` requests/s (0: as fast as the connections go) for `seconds`, first second dropped. */
function attack(bin: string, dir: string, rate: number, seconds: number): Attack {
  const results = join(dir, 'results.bin');
  execFileSync(bin, [
    'attack',
    '-format=json',
    `-targets=${join(dir, 'targets.jsonl')}`,
    `-rate=${rate}/1s`,
    `-duration=${seconds + SETTLE_SECONDS}s`,
    `-root-certs=${join(dir, 'ca.crt')}`,
    '-http2=false',
    `-workers=${CONNECTIONS}`,
    `-max-connections=${CONNECTIONS}`,
    ...(rate === 0 ? [`-max-workers=${CONNECTIONS}`] : []),
    `-output=${results}`,
  ], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, GOMAXPROCS: '1' } }); // one core for the load, one for the server
  // CSV: timestamp (ns), status code, latency (ns), bytes out, bytes in, error, …
  const rows = execFileSync(bin, ['encode', '-to=csv', results], { maxBuffer: 1 << 28 }).toString().trim().split('\n').map((l) => l.split(','));
  const start = Number(rows[0]?.[0] ?? 0);
  const kept = rows.filter((r) => Number(r[0]) - start >= SETTLE_SECONDS * 1e9);
  const ok = kept.filter((r) => r[1] === '200');
  const span = kept.length > 1 ? (Number(kept[kept.length - 1]?.[0]) - Number(kept[0]?.[0])) / 1e9 : seconds;
  return { latencies: ok.map((r) => Number(r[2]) / 1e6), errors: kept.length - ok.length, rps: ok.length / span };
}

async function measure(mode: Mode, dir: string, bin: string, bodies: string[]): Promise<Measured> {
  const { child, port, rss } = await startServer(mode, dir);
  try {
    // The targets name the server's port: written for each server.
    writeFileSync(
      join(dir, 'targets.jsonl'),
      bodies.map((body) => JSON.stringify({ method: 'POST', url: `https://127.0.0.1:${port}/validate`, body: Buffer.from(body).toString('base64'), header: { 'Content-Type': ['application/json'] } })).join('\n') + '\n',
    );
    attack(bin, dir, 0, 2); // warm up: JIT, caches
    const steady = attack(bin, dir, RATE, SECONDS);
    const max = attack(bin, dir, 0, 5);
    child.kill('SIGTERM');
    const l = steady.latencies;
    return {
      p50: median(l),
      p90: percentile(l, 90),
      p99: percentile(l, 99),
      max: Math.max(...l),
      maxRps: max.rps,
      errors: steady.errors + max.errors,
      rssMb: Math.round((await rss) / 1e6),
    };
  } finally {
    child.kill('SIGKILL');
  }
}

export interface WebhookBenchResult {
  runs: number;
  noop: Measured;
  guard502: Measured;
}

export async function benchWebhook(): Promise<WebhookBenchResult> {
  const bin = vegeta();
  const dir = mkdtempSync(join(tmpdir(), 'guard502-bench-webhook-'));
  try {
    const ca = makeCA();
    const serving = makeServingCert(ca, { ips: ['127.0.0.1'] });
    writeFileSync(join(dir, 'ca.crt'), ca.cert);
    writeFileSync(join(dir, 'tls.crt'), serving.cert);
    writeFileSync(join(dir, 'tls.key'), serving.key);
    const bodies = reviewBodies();
    const runs: Record<Mode, Measured[]> = { noop: [], guard502: [] };
    // Interleaved, so that machine noise hits both alike.
    for (let i = 0; i < RUNS; i++) for (const mode of ['noop', 'guard502'] as const) runs[mode].push(await measure(mode, dir, bin, bodies));
    const mid = (ms: Measured[], f: (m: Measured) => number) => median(ms.map(f));
    const summary = (ms: Measured[]): Measured => ({
      p50: mid(ms, (m) => m.p50),
      p90: mid(ms, (m) => m.p90),
      p99: mid(ms, (m) => m.p99),
      max: mid(ms, (m) => m.max),
      maxRps: mid(ms, (m) => m.maxRps),
      errors: ms.reduce((a, m) => a + m.errors, 0),
      rssMb: Math.max(...ms.map((m) => m.rssMb)),
    });
    return { runs: RUNS, noop: summary(runs.noop), guard502: summary(runs.guard502) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchWebhookReport(): Promise<string> {
  const r = await benchWebhook();
  const ms = (n: number) => `${n.toFixed(2)} ms`;
  const x = (a: number, b: number) => `${(a / b).toFixed(1)}×`;
  const row = (name: string, m: Measured) =>
    `| ${name} | ${ms(m.p50)} | ${ms(m.p90)} | ${ms(m.p99)} | ${ms(m.max)} | ${Math.round(m.maxRps)} | ${m.errors} | ${m.rssMb} MB |`;
  const g = r.guard502;
  const f = r.noop;
  return [
    `## Webhook (HTTPS keep-alive on loopback, a constant ${RATE} requests/s for ${SECONDS} s, median of ${r.runs} runs)`,
    '',
    'Requests: UPDATEs of 50 different Deployments (one in five with mistakes: denials and warnings included), against',
    `a cluster context of 2,400 apps (12,000 objects) in 40 namespaces. Load: vegeta, open loop, over at most ${CONNECTIONS}`,
    `keep-alive connections; the first second of each attack (connection set-up) is left out. Max: as fast as ${CONNECTIONS}`,
    'connections go, each waiting for its answer.',
    '',
    `| | p50 | p90 | p99 | max | max requests/s | errors | peak RSS |`,
    '|---|---|---|---|---|---|---|---|',
    row('no-op HTTPS handler (floor)', f),
    row('guard502 /validate', g),
    `| guard502 / floor | ${x(g.p50, f.p50)} | ${x(g.p90, f.p90)} | ${x(g.p99, f.p99)} | ${x(g.max, f.max)} | ${x(f.maxRps, g.maxRps)} fewer | | |`,
    '',
    `Targets: p99 under 5 ms at ${RATE} requests/s (**${ms(g.p99)}**); within 2× of the floor (**${x(g.p99, f.p99)}** at p99).`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await benchWebhookReport());
