// Webhook latency under sustained HTTPS keep-alive load on loopback, beside a
// no-op HTTPS handler measured in the same run. Each server runs in its own
// process; autocannon drives it from this one. Latencies are taken per response
// (sub-millisecond resolution), with autocannon's correction for coordinated
// omission at a fixed rate.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { loadAll } from 'js-yaml';
import { makeCA, makeServingCert } from '../test/support/certs.ts';
import { appManifest } from './generate.ts';
import { median, percentile } from './stats.ts';
import { containerEnv, containerFlags } from './runtime.ts';

const RATE = 500;
const SECONDS = Number(process.env.BENCH_WEBHOOK_SECONDS ?? 10);
const STEADY_CONNECTIONS = 2;
const BURST_CONNECTIONS = 8;
const RUNS = Number(process.env.BENCH_WEBHOOK_RUNS ?? 3);

type Mode = 'noop' | 'guard502';

interface Latency {
  p50: number;
  p99: number;
}

interface Measured {
  /** Fixed rate over few connections: requests arrive one by one, as from an API server at this rate. */
  steady: Latency;
  /** Fixed rate over many connections whose timers fire together: bursts of simultaneous requests. */
  burst: Latency;
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

async function load_(port: number, bodies: string[], opts: { rate?: number; seconds: number; connections: number }): Promise<{ latencies: number[]; rps: number; errors: number }> {
  const latencies: number[] = [];
  let done!: (r: autocannon.Result) => void;
  let fail!: (e: Error) => void;
  const finished = new Promise<autocannon.Result>((resolve, reject) => ((done = resolve), (fail = reject)));
  const instance = autocannon({
    url: `https://127.0.0.1:${port}/validate`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    requests: bodies.map((body) => ({ method: 'POST' as const, body })),
    connections: opts.connections,
    duration: opts.seconds,
    ...(opts.rate ? { overallRate: opts.rate } : {}),
  }, (err, result) => (err ? fail(err) : done(result)));
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (statusCode === 200) latencies.push(responseTime);
  });
  const result = await finished;
  return { latencies, rps: result.requests.average, errors: result.errors + result.non2xx + result.timeouts };
}

async function measure(mode: Mode, certDir: string, bodies: string[]): Promise<Measured> {
  const { child, port, rss } = await startServer(mode, certDir);
  try {
    await load_(port, bodies, { seconds: 2, connections: BURST_CONNECTIONS }); // warm up: JIT, TLS sessions, caches
    const steady = await load_(port, bodies, { rate: RATE, seconds: SECONDS, connections: STEADY_CONNECTIONS });
    const burst = await load_(port, bodies, { rate: RATE, seconds: SECONDS, connections: BURST_CONNECTIONS });
    const max = await load_(port, bodies, { seconds: 5, connections: BURST_CONNECTIONS });
    child.kill('SIGTERM');
    const latency = (l: number[]): Latency => ({ p50: median(l), p99: percentile(l, 99) });
    return {
      steady: latency(steady.latencies),
      burst: latency(burst.latencies),
      maxRps: max.rps,
      errors: steady.errors + burst.errors + max.errors,
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
  const dir = mkdtempSync(join(tmpdir(), 'guard502-bench-webhook-'));
  try {
    const ca = makeCA();
    const serving = makeServingCert(ca, { ips: ['127.0.0.1'] });
    writeFileSync(join(dir, 'tls.crt'), serving.cert);
    writeFileSync(join(dir, 'tls.key'), serving.key);
    const bodies = reviewBodies();
    const runs: Record<Mode, Measured[]> = { noop: [], guard502: [] };
    // Interleaved, so that machine noise hits both alike.
    for (let i = 0; i < RUNS; i++) for (const mode of ['noop', 'guard502'] as const) runs[mode].push(await measure(mode, dir, bodies));
    const mid = (ms: Measured[], f: (m: Measured) => number) => median(ms.map(f));
    const summary = (ms: Measured[]): Measured => ({
      steady: { p50: mid(ms, (m) => m.steady.p50), p99: mid(ms, (m) => m.steady.p99) },
      burst: { p50: mid(ms, (m) => m.burst.p50), p99: mid(ms, (m) => m.burst.p99) },
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
    `| ${name} | ${ms(m.steady.p50)} | ${ms(m.steady.p99)} | ${ms(m.burst.p50)} | ${ms(m.burst.p99)} | ${Math.round(m.maxRps)} | ${m.errors} | ${m.rssMb} MB |`;
  const g = r.guard502;
  const f = r.noop;
  return [
    `## Webhook (HTTPS keep-alive on loopback, ${RATE} requests/s for ${SECONDS} s, median of ${r.runs} runs)`,
    '',
    'Requests: UPDATEs of 50 different Deployments (one in five with mistakes: denials and warnings included), against',
    'a cluster context of 2,400 apps (12,000 objects) in 40 namespaces. "Steady": 2 connections; "bursts": 8 connections',
    'whose request timers fire together, so 8 requests arrive at once. Max: as fast as 8 connections go.',
    '',
    `| | steady p50 | steady p99 | bursts p50 | bursts p99 | max requests/s | errors | peak RSS |`,
    '|---|---|---|---|---|---|---|---|',
    row('no-op HTTPS handler (floor)', f),
    row('guard502 /validate', g),
    `| guard502 / floor | ${x(g.steady.p50, f.steady.p50)} | ${x(g.steady.p99, f.steady.p99)} | ${x(g.burst.p50, f.burst.p50)} | ${x(g.burst.p99, f.burst.p99)} | ${x(f.maxRps, g.maxRps)} fewer | | |`,
    '',
    `Targets: p99 under 5 ms at ${RATE} requests/s (steady: **${ms(g.steady.p99)}**, bursts: **${ms(g.burst.p99)}**); within 2× of the floor.`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await benchWebhookReport());
