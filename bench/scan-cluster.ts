// `guard502 scan --cluster` at scale: the controller benchmark's cluster (22,000
// objects in a real kube-apiserver + etcd), scanned by the compiled CLI in a fresh
// process, to the JSON report; beside a floor measured in the same run: a fresh
// process that lists the same kinds with the same client and does nothing else.
// Runs are interleaved so that machine noise hits both alike.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';
import { KubeClient } from '../src/cluster/client.ts';
import { startControlPlane } from '../test/support/control-plane.ts';
import { buildApp } from './app.ts';
import { populate } from './controller.ts';
import { runtimeFlags } from './runtime.ts';
import { median } from './stats.ts';

const APPS = Number(process.env.BENCH_SCAN_CLUSTER_APPS ?? 10_000);
const RUNS = 5;
const worker = fileURLToPath(new URL('./list-worker.ts', import.meta.url));

export interface ClusterScanBenchResult {
  objects: number;
  listed: number;
  findings: number;
  runs: number;
  floorMs: number;
  scanMs: number;
}

function timed(args: string[]): { ms: number; stdout: string } {
  const start = performance.now();
  let stdout: string;
  try {
    stdout = execFileSync(process.execPath, [...runtimeFlags(), ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  } catch (err) {
    // Exit status 1: findings, the report is complete.
    if ((err as { status?: number }).status !== 1) throw err;
    stdout = (err as { stdout: string }).stdout;
  }
  return { ms: performance.now() - start, stdout };
}

export async function benchScanCluster(): Promise<ClusterScanBenchResult> {
  const app = buildApp();
  const cp = await startControlPlane({});
  try {
    const client = new KubeClient(cp.kubeConfig);
    const { creates } = await populate(client, APPS);
    client.close();
    const scan = () => timed([app.bin, 'scan', '--cluster', '--kubeconfig', cp.kubeconfigPath, '-f', 'json']);
    const floor = () => timed([worker, dirname(dirname(app.bin)), cp.kubeconfigPath]);
    scan(); // warm the API server's watch cache and the compile cache
    const scans: number[] = [];
    const floors: number[] = [];
    let last = { ms: 0, stdout: '{}' };
    let listed = 0;
    for (let i = 0; i < RUNS; i++) {
      const f = floor();
      floors.push(f.ms);
      listed = (JSON.parse(f.stdout) as { objects: number }).objects;
      last = scan();
      scans.push(last.ms);
    }
    const report = JSON.parse(last.stdout) as { findings: unknown[]; summary: { resources: number } };
    // Every object created is judged (and the API server's own `kubernetes` Service).
    if (report.summary.resources < creates.length) throw new Error(`scan judged ${report.summary.resources} objects, ${creates.length} were created`);
    return { objects: creates.length, listed, findings: report.findings.length, runs: RUNS, floorMs: Math.round(median(floors)), scanMs: Math.round(median(scans)) };
  } finally {
    await cp.stop();
    app.remove();
  }
}

export async function benchScanClusterReport(): Promise<string> {
  const r = await benchScanCluster();
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  return [
    `## Cluster scan (${r.objects.toLocaleString('en')} objects in a real kube-apiserver + etcd, fresh process each, median of ${r.runs} runs)`,
    '',
    `The controller benchmark's cluster (Deployments, Services, Ingresses in 20 namespaces); \`guard502 scan --cluster -f json\`, compiled, all namespaces, to the complete report (${r.findings.toLocaleString('en')} findings).`,
    '',
    '| | median wall time |',
    '|---|---|',
    `| floor: list the same kinds (${r.listed.toLocaleString('en')} objects, pages of 500) with the same client, nothing else | ${s(r.floorMs)} |`,
    `| guard502 scan --cluster | **${s(r.scanMs)}** |`,
    '',
    `Scan / floor: **${(r.scanMs / r.floorMs).toFixed(2)}×**.`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await benchScanClusterReport());
