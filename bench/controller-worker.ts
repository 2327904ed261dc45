// The controller under benchmark, in its own process so that its peak RSS is its
// own. Prints `SYNCED ms` when the cache is complete, `IDLE ms writes` each time
// the work queue drains, and `RSS bytes` on SIGTERM.
import { Registry } from 'prom-client';
import { ClusterCache } from '../src/cluster/cache.ts';
import { KubeClient } from '../src/cluster/client.ts';
import { startController } from '../src/controller/index.ts';
import { silentLogger } from '../src/server/log.ts';

const [kubeconfig] = process.argv.slice(2) as [string];
const started = performance.now();
const client = KubeClient.fromDefault(kubeconfig);
const registry = new Registry();
const cache = new ClusterCache(client, { face: 'controller', log: silentLogger() });
await cache.start();
const handle = await startController({ client, cache, log: silentLogger(), registry, identity: 'bench', namespace: 'default', leaderElection: { enabled: false } });
void cache.waitForSync().then(() => process.stdout.write(`SYNCED ${Math.round(performance.now() - started)}\n`));

async function writes(): Promise<number> {
  const m = await registry.getSingleMetric('guard502_controller_writes_total')?.get();
  return (m?.values ?? []).filter((v) => v.labels.result === 'ok').reduce((a, v) => a + v.value, 0);
}
async function depth(): Promise<number> {
  const m = await registry.getSingleMetric('guard502_controller_queue_depth')?.get();
  return m?.values[0]?.value ?? 0;
}
let last = -1;
setInterval(async () => {
  if (!cache.synced) return;
  const [w, d] = [await writes(), await depth()];
  if (d === 0 && w !== last) {
    last = w;
    process.stdout.write(`IDLE ${Math.round(performance.now() - started)} ${w}\n`);
    if (process.env.BENCH_DEBUG) { (globalThis as { gc?: () => void }).gc?.(); const m = process.memoryUsage(); process.stderr.write(`mem rss ${(m.rss / 1e6).toFixed(0)} heapUsed ${(m.heapUsed / 1e6).toFixed(0)} heapTotal ${(m.heapTotal / 1e6).toFixed(0)} external ${(m.external / 1e6).toFixed(0)} arrayBuffers ${(m.arrayBuffers / 1e6).toFixed(0)}\n`); }
  }
}, 100).unref();
process.on('SIGTERM', async () => {
  await handle.stop();
  cache.stop();
  process.stdout.write(`RSS ${process.resourceUsage().maxRSS * 1024}\n`);
  process.exit(0);
});
