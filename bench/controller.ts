// Controller at scale against a real apiserver (etcd + kube-apiserver, no
// controller-manager, so no pods): 10,000 Deployments, 10,000 Services and 2,000
// Ingresses exist before the controller starts. The controller is `guard502
// controller` as the image runs it (compiled, with the entry point's flags), in
// its own process. Its first pass is run once per write budget (by default the
// shipped one, 20 writes/s with bursts of 30, and a high one): the time from its
// start to every annotation written (seen idle through its /metrics, then checked
// through the API, not taken on its word), the API requests per second it sent,
// its CPU time and peak RSS; and, under the shipped budget, the latency from a
// single change to its annotation. Between passes guard502's annotations are
// removed (merge patches by a client that judges nothing: the floor).
//
// BENCH_CONTROLLER_APPS sets the size (3 objects for 5 apps: at 20 writes/s,
// 22,000 objects take about 18 minutes); BENCH_CONTROLLER_QPS the budgets, e.g.
// "default,1000" (write QPS; the burst is 1.5× it, as 20/30).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { KubeClient, objectPath } from '../src/cluster/client.ts';
import { DEFAULT_WRITE_BURST, DEFAULT_WRITE_QPS } from '../src/controller/budget.ts';
import { DEFAULT_WORKERS as WORKERS } from '../src/controller/index.ts';
import { startControlPlane } from '../test/support/control-plane.ts';
import { median, percentile } from './stats.ts';
import { containerEnv, containerFlags } from './runtime.ts';
import { buildApp } from './app.ts';

const APPS = Number(process.env.BENCH_CONTROLLER_APPS ?? 10_000);
const INGRESS_EVERY = 5; // 2,000 Ingresses for 10,000 apps
const NAMESPACES = 20;
const CHANGES = 20;
/** The write budgets to run the first pass with: `default` is the shipped one (no flag). */
const BUDGETS = (process.env.BENCH_CONTROLLER_QPS ?? 'default,1000').split(',').map((b) => b.trim()).filter(Boolean);
/** How often the controller's /metrics is read to see it idle: the resolution of "all written". */
const SCRAPE_MS = 250;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** Sum of a Prometheus metric's samples whose labels include `labels`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' ')) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th, in clock ticks (100/s on Linux).
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The process's peak resident set (VmHWM), as the kernel counts it. */
function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

function deployment(ns: string, name: string, i: number): object {
  const broken = i % 5 === 0;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, labels: { app: name } },
    spec: {
      replicas: broken ? 1 : 3,
      selector: { matchLabels: { app: name } },
      strategy: broken ? { type: 'Recreate' } : { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name: 'app',
              image: `registry.example/${name}:1`,
              ports: [{ name: 'http', containerPort: 8080 }],
              ...(broken ? {} : { readinessProbe: { httpGet: { path: '/ready', port: 'http' } }, lifecycle: { preStop: { sleep: { seconds: 5 } } }, resources: { limits: { memory: '256Mi' } } }),
            },
          ],
        },
      },
    },
  };
}

function service(ns: string, name: string): object {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } };
}

function ingress(ns: string, name: string): object {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: ns },
    spec: { ingressClassName: 'nginx', rules: [{ host: `${name}.example.com`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name, port: { name: 'http' } } } }] } }] },
  };
}

async function pool<T>(items: T[], concurrency: number, fn: (t: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        for (let attempt = 0; ; attempt++) {
          try {
            await fn(item);
            break;
          } catch (err) {
            if (attempt > 5) throw err;
            await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
          }
        }
      }
    }),
  );
}

async function countAnnotated(client: KubeClient): Promise<number> {
  let n = 0;
  for (const path of ['/apis/apps/v1/deployments', '/api/v1/services', '/apis/networking.k8s.io/v1/ingresses']) {
    const { items } = await client.list(path);
    n += items.filter((o) => ((o.metadata as { annotations?: Record<string, string> }).annotations ?? {})['guard502.dev/checked'] !== undefined).length;
  }
  return n;
}

/** The benchmark cluster: APPS Deployments and Services, an Ingress for every fifth app, in NAMESPACES namespaces. */
export async function populate(client: KubeClient, apps = APPS): Promise<{ namespaces: string[]; creates: Array<{ path: string; body: object }>; createSeconds: number }> {
  const namespaces = Array.from({ length: NAMESPACES }, (_, i) => `bench-${i}`);
  await pool(namespaces, 8, (ns) => client.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }));
  const creates: Array<{ path: string; body: object }> = [];
  for (let i = 0; i < apps; i++) {
    const ns = namespaces[i % NAMESPACES] as string;
    const name = `app-${i}`;
    creates.push({ path: `/apis/apps/v1/namespaces/${ns}/deployments`, body: deployment(ns, name, i) });
    creates.push({ path: `/api/v1/namespaces/${ns}/services`, body: service(ns, name) });
    if (i % INGRESS_EVERY === 0) creates.push({ path: `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses`, body: ingress(ns, name) });
  }
  const t0 = performance.now();
  await pool(creates, 32, (c) => client.create(c.path, c.body));
  return { namespaces, creates, createSeconds: (performance.now() - t0) / 1000 };
}

/** One first pass of the controller over every object, under one write budget. */
export interface FirstPass {
  budget: string;
  syncedMs: number;
  allWrittenMs: number;
  writes: number;
  /** API requests the controller sent until then (writes, Events, lists), per second of the pass. */
  requestsPerSecond: number;
  events: number;
  peakRssMb: number;
  /** CPU seconds the controller used until then (the API server and etcd share the machine). */
  firstPassCpu: number;
}

export interface ControllerBenchResult {
  objects: number;
  createSeconds: number;
  passes: FirstPass[];
  /** The same number of merge patches by a client that does nothing else. */
  floorMs: number;
  latency: { p50: number; p99: number; max: number; samples: number };
}

/** Starts `guard502 controller` as the container runs it, waits for its first pass to end, measures it, stops it. */
async function firstPass(
  kubeconfigPath: string,
  bin: string,
  objects: number,
  flags: string[],
  client: KubeClient,
  whileRunning: ((namespaces: string[]) => Promise<number[]>) | undefined,
  namespaces: string[],
): Promise<{ pass: Omit<FirstPass, 'budget'>; latencies: number[] }> {
  const metricsPort = await freePort();
  const child = spawn(
    process.execPath,
    [...containerFlags(), ...(process.env.BENCH_NODE_FLAGS ? process.env.BENCH_NODE_FLAGS.split(' ') : []), bin, 'controller', '--kubeconfig', kubeconfigPath, '--leader-elect=false', '--namespace', 'default', '--identity', 'bench', '--metrics-port', String(metricsPort), '--log-level', 'warn', ...flags],
    // Its logs (warnings only) go to stderr, beside the report.
    { stdio: ['ignore', 2, 2], env: { ...process.env, ...containerEnv() } },
  );
  const started = performance.now();
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  const metrics = (path: string) => fetch(`http://127.0.0.1:${metricsPort}${path}`).then(async (r) => ({ status: r.status, text: await r.text() }), () => ({ status: 0, text: '' }));
  let syncedMs = 0;
  let idle = { ms: 0, writes: 0, events: 0 };
  const watcher = setInterval(async () => {
    if (!syncedMs && (await metrics('/readyz')).status === 200) syncedMs = Math.round(performance.now() - started);
    if (!syncedMs) return;
    const { text } = await metrics('/metrics');
    const writes = sample(text, 'guard502_controller_writes_total', { result: 'ok' });
    const events = sample(text, 'guard502_controller_events_total', { result: 'created' }) + sample(text, 'guard502_controller_events_total', { result: 'counted' });
    if (sample(text, 'guard502_controller_queue_depth') === 0 && writes !== idle.writes) idle = { ms: Math.round(performance.now() - started), writes, events };
  }, SCRAPE_MS);
  try {
    // Wait until the controller is idle with (at least) one write per object, then verify through the API.
    while (idle.writes < objects) {
      if (child.exitCode !== null) throw new Error(`guard502 controller exited with ${child.exitCode}`);
      await new Promise((r) => setTimeout(r, SCRAPE_MS));
    }
  } finally {
    clearInterval(watcher);
  }
  const allWrittenMs = idle.ms;
  const firstPassCpu = cpuSeconds(child.pid as number);
  const annotated = await countAnnotated(client);
  if (annotated < objects) throw new Error(`controller idle but only ${annotated} of ${objects} objects annotated`);
  // Lists (one per kind and page) are few next to the writes: the requests are the writes and the Events.
  const requestsPerSecond = (idle.writes + idle.events) / (allWrittenMs / 1000);
  const latencies = whileRunning ? await whileRunning(namespaces) : [];
  const rss = peakRss(child.pid as number);
  child.kill('SIGTERM');
  await exited;
  return { pass: { syncedMs, allWrittenMs, writes: idle.writes, requestsPerSecond, events: idle.events, peakRssMb: Math.round(rss / 1e6), firstPassCpu }, latencies };
}

/** Single changes at that size: flip a Service's targetPort and time until its annotation follows. */
async function singleChanges(client: KubeClient, namespaces: string[]): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < CHANGES; i++) {
    // Pairs of changes on one Service: break it (targetPort names no container port), then fix it.
    const n = Math.floor(i / 2) * 7 + 1;
    const ns = namespaces[n % NAMESPACES] as string;
    const name = `app-${n}`;
    const path = objectPath('', 'v1', 'services', ns, name);
    const wantRisk = i % 2 === 0 ? 'high' : undefined;
    // Every event of this Service, with its resourceVersion, until the annotation follows the patch.
    const events: Array<{ at: number; rv: bigint; risk: string | undefined }> = [];
    let notify = () => {};
    const ctl = await client.watch(
      `/api/v1/namespaces/${ns}/services`,
      { fieldSelector: `metadata.name=${name}` },
      (type, obj) => {
        if (type !== 'ADDED' && type !== 'MODIFIED') return;
        const meta = obj.metadata as { resourceVersion: string; annotations?: Record<string, string> };
        events.push({ at: performance.now(), rv: BigInt(meta.resourceVersion), risk: meta.annotations?.['guard502.dev/risk'] });
        notify();
      },
      () => {},
    );
    await new Promise((r) => setTimeout(r, 200)); // the watch is open
    const start = performance.now();
    const patched = await client.mergePatch(path, { spec: { ports: [{ name: 'http', port: 80, targetPort: wantRisk ? 'web' : 'http' }] } });
    const rv = BigInt((patched.metadata as { resourceVersion: string }).resourceVersion);
    const followed = () => events.find((e) => e.rv > rv && (wantRisk ? e.risk === wantRisk : e.risk !== 'high' && e.risk !== undefined));
    const deadline = performance.now() + 10_000;
    while (!followed()) {
      if (performance.now() > deadline) throw new Error(`annotation of Service ${ns}/${name} did not follow (want ${wantRisk ?? 'not high'}; patch rv ${rv}; events ${events.map((e) => `${e.rv}:${e.risk}`).join(' ')})`);
      await new Promise<void>((r) => {
        notify = r;
        setTimeout(r, 100);
      });
    }
    latencies.push((followed() as { at: number }).at - start);
    ctl.abort();
  }
  return latencies;
}

export async function benchController(): Promise<ControllerBenchResult> {
  const app = buildApp();
  const cp = await startControlPlane({});
  try {
    const client = new KubeClient(cp.kubeConfig);
    const { namespaces, creates, createSeconds } = await populate(client);

    const objects = creates.length;
    const targets = creates.map((c) => `${c.path}/${(c.body as { metadata: { name: string } }).metadata.name}`);
    const passes: FirstPass[] = [];
    let latencies: number[] = [];
    let floorMs = 0;
    for (const [i, budget] of BUDGETS.entries()) {
      if (i > 0) {
        // Back to unannotated objects; the same number of merge patches by a client that does nothing else is the floor.
        const strip = performance.now();
        await pool(targets, WORKERS, (path) => client.mergePatch(path, { metadata: { annotations: { 'guard502.dev/findings': null, 'guard502.dev/risk': null, 'guard502.dev/checked': null } } }));
        floorMs = Math.round(performance.now() - strip);
      }
      const flags = budget === 'default' ? [] : ['--write-qps', budget, '--write-burst', String(Math.round(Number(budget) * 1.5))];
      const measured = await firstPass(cp.kubeconfigPath, app.bin, objects, flags, client, budget === 'default' ? (ns: string[]) => singleChanges(client, ns) : undefined, namespaces);
      passes.push({ ...measured.pass, budget: budget === 'default' ? `${DEFAULT_WRITE_QPS}/s, burst ${DEFAULT_WRITE_BURST} (default)` : `${budget}/s, burst ${Math.round(Number(budget) * 1.5)}` });
      if (measured.latencies.length) latencies = measured.latencies;
    }
    if (floorMs === 0) {
      const strip = performance.now();
      await pool(targets, WORKERS, (path) => client.mergePatch(path, { metadata: { annotations: { 'bench.guard502.dev/floor': 'written' } } }));
      floorMs = Math.round(performance.now() - strip);
    }
    return {
      objects,
      createSeconds: Math.round(createSeconds),
      passes,
      floorMs,
      latency: { p50: median(latencies), p99: percentile(latencies, 99), max: Math.max(...latencies), samples: latencies.length },
    };
  } finally {
    await cp.stop();
    app.remove();
  }
}

export async function benchControllerReport(): Promise<string> {
  const r = await benchController();
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  return [
    `## Controller (${r.objects.toLocaleString('en')} objects in a real kube-apiserver + etcd, no controller-manager)`,
    '',
    `${APPS.toLocaleString('en')} Deployments, ${APPS.toLocaleString('en')} Services and ${(APPS / INGRESS_EVERY).toLocaleString('en')} Ingresses in ${NAMESPACES} namespaces, created before the controller starts (${r.createSeconds} s to create).`,
    '',
    '| write budget | start → cache synced | start → all annotations written (verified through the API) | writes | API requests/s (writes + Events) | Events | / floor | CPU time | peak RSS |',
    '|---|---|---|---|---|---|---|---|---|',
    ...r.passes.map(
      (p) =>
        `| ${p.budget} | ${s(p.syncedMs)} | **${s(p.allWrittenMs)}** | ${p.writes.toLocaleString('en')} | ${p.requestsPerSecond.toFixed(1)} | ${p.events} | ${(p.allWrittenMs / r.floorMs).toFixed(2)}× | ${p.firstPassCpu.toFixed(1)} s | ${p.peakRssMb} MB |`,
    ),
    '',
    `Floor: the same ${r.objects.toLocaleString('en')} merge patches, ${WORKERS} at a time, by a client that reads and judges nothing: ${s(r.floorMs)}.`,
    // Single changes are timed under the shipped budget only (BENCH_CONTROLLER_QPS may leave it out).
    r.latency.samples > 0
      ? `Single change → annotation under the default budget, p50 / p99 / max (${r.latency.samples} changes): ${r.latency.p50.toFixed(0)} / **${r.latency.p99.toFixed(0)}** / ${r.latency.max.toFixed(0)} ms (target: p99 under 200 ms).`
      : 'Single changes not timed: the shipped budget was not among BENCH_CONTROLLER_QPS.',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await benchControllerReport());
