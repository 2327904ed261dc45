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

const RATE = 500;
const SECONDS = Number(process.env.BENCH_WEBHOOK_SECONDS ?? 10);
const CONNECTIONS = 8;
const RUNS = Number(process.env.BENCH_WEBHOOK_RUNS ?? 3);

type Mode = 'noop' | 'guard502';

interface Measured {
  p50: number;
  p99: number;
  rps: number;
  maxRps: number;
  errors: number;
  rssMb: number;
}

function reviewBody(): string {
  const old = loadAll(appManifest('team-7', 'svc-7', 7))[0] as { spec: { template: { spec: { containers: Array<{ image: string }> } } } };
  const next = structuredClone(old);
  (next.spec.template.spec.containers[0] as { image: string }).image = 'registry.example/svc-7:1.8';
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: '8c4f3f3e-0b7a-4a55-9d7e-5b3f2f0f0a11',
      kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      resource: { group: 'apps', version: 'v1', resource: 'deployments' },
      name: 'svc-7',
      namespace: 'team-7',
      operation: 'UPDATE',
      userInfo: { username: 'bench' },
      object: next,
      oldObject: old,
      dryRun: false,
    },
  });
}

async function startServer(mode: Mode, certDir: string): Promise<{ child: ChildProcess; port: number; rss: Promise<number> }> {
  const child = spawn(process.execPath, [new URL('./webhook-server.ts', import.meta.url).pathname, mode, certDir], { stdio: ['ignore', 'pipe', 'inherit'] });
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

async function load_(port: number, body: string, opts: { rate?: number; seconds: number }): Promise<{ latencies: number[]; rps: number; errors: number }> {
  const latencies: number[] = [];
  let done!: (r: autocannon.Result) => void;
  let fail!: (e: Error) => void;
  const finished = new Promise<autocannon.Result>((resolve, reject) => ((done = resolve), (fail = reject)));
  const instance = autocannon({
    url: `https://127.0.0.1:${port}/validate`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections: CONNECTIONS,
    duration: opts.seconds,
    ...(opts.rate ? { overallRate: opts.rate } : {}),
  }, (err, result) => (err ? fail(err) : done(result)));
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (statusCode === 200) latencies.push(responseTime);
  });
  const result = await finished;
  return { latencies, rps: result.requests.average, errors: result.errors + result.non2xx + result.timeouts };
}

async function measure(mode: Mode, certDir: string, body: string): Promise<Measured> {
  const { child, port, rss } = await startServer(mode, certDir);
  try {
    await load_(port, body, { seconds: 2 }); // warm up: JIT, TLS sessions, caches
    const fixed = await load_(port, body, { rate: RATE, seconds: SECONDS });
    const max = await load_(port, body, { seconds: 5 });
    child.kill('SIGTERM');
    return {
      p50: median(fixed.latencies),
      p99: percentile(fixed.latencies, 99),
      rps: fixed.rps,
      maxRps: max.rps,
      errors: fixed.errors + max.errors,
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
  p50Ratio: number;
  p99Ratio: number;
}

export async function benchWebhook(): Promise<WebhookBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'guard502-bench-webhook-'));
  try {
    const ca = makeCA();
    const serving = makeServingCert(ca, { ips: ['127.0.0.1'] });
    writeFileSync(join(dir, 'tls.crt'), serving.cert);
    writeFileSync(join(dir, 'tls.key'), serving.key);
    const body = reviewBody();
    const runs: Record<Mode, Measured[]> = { noop: [], guard502: [] };
    for (let i = 0; i < RUNS; i++) for (const mode of ['noop', 'guard502'] as const) runs[mode].push(await measure(mode, dir, body));
    const summary = (ms: Measured[]): Measured => ({
      p50: median(ms.map((m) => m.p50)),
      p99: median(ms.map((m) => m.p99)),
      rps: median(ms.map((m) => m.rps)),
      maxRps: median(ms.map((m) => m.maxRps)),
      errors: ms.reduce((a, m) => a + m.errors, 0),
      rssMb: Math.max(...ms.map((m) => m.rssMb)),
    });
    const noop = summary(runs.noop);
    const guard502 = summary(runs.guard502);
    return { runs: RUNS, noop, guard502, p50Ratio: guard502.p50 / noop.p50, p99Ratio: guard502.p99 / noop.p99 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchWebhookReport(): Promise<string> {
  const r = await benchWebhook();
  const ms = (n: number) => `${n.toFixed(2)} ms`;
  const row = (name: string, m: Measured) => `| ${name} | ${ms(m.p50)} | ${ms(m.p99)} | ${Math.round(m.rps)} | ${Math.round(m.maxRps)} | ${m.errors} | ${m.rssMb} MB |`;
  return [
    `## Webhook (HTTPS keep-alive, ${CONNECTIONS} connections, ${RATE} requests/s for ${SECONDS} s, median of ${r.runs} runs)`,
    '',
    'Request: UPDATE of a Deployment in a namespace of 60 apps; the server holds 2,400 apps (12,000 objects) as its cluster context.',
    '',
    `| | p50 | p99 | requests/s at fixed rate | max requests/s | errors | peak RSS |`,
    '|---|---|---|---|---|---|---|',
    row('no-op HTTPS handler (floor)', r.noop),
    row('guard502 /validate', r.guard502),
    '',
    `guard502 / floor: p50 **${r.p50Ratio.toFixed(2)}×**, p99 **${r.p99Ratio.toFixed(2)}×** (targets: p99 < 5 ms at ${RATE} requests/s, within 2× of the floor).`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await benchWebhookReport());
