// A webhook process for the benchmark: `guard502` runs the real server (graph of
// 2,400 apps in 40 namespaces as its cluster context, JSON logs written to /dev/null);
// `noop` is the floor: the same TLS certificate on node:https, reading the body
// and echoing the uid with `allowed: true`. Prints `PORT n`, then on SIGTERM
// prints `RSS bytes` and exits.
import { openSync, readFileSync, writeSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { ResourceGraph } from '../src/engine/graph.ts';
import { buildGraph } from '../src/loader/build.ts';
import { parseStream } from '../src/loader/documents.ts';
import { RULES } from '../src/rules/index.ts';
import { createLogger } from '../src/server/log.ts';
import { startWebhookServer } from '../src/webhook/server.ts';
import { appManifest } from './generate.ts';

const [mode, certDir] = process.argv.slice(2) as ['guard502' | 'noop', string];
const certFile = join(certDir, 'tls.crt');
const keyFile = join(certDir, 'tls.key');

function clusterGraph(): ResourceGraph {
  const text = Array.from({ length: 2400 }, (_, i) => appManifest(`team-${i % 40}`, `svc-${i}`, i)).join('---\n');
  const parsed = parseStream(text, 'cluster');
  const graph = buildGraph(parsed.objects, 'default').graph;
  // As in an informer cache: every object carries the resourceVersion the API server gave it.
  for (const o of graph.all()) (o.raw.metadata as Record<string, unknown>).resourceVersion = '1';
  return graph;
}

/**
 * Where the logs go: nowhere, but written as in the container, where stdout is a pipe that Node
 * writes synchronously — one write per line on the main thread, no worker thread involved.
 */
function devNull(): NodeJS.WritableStream {
  const fd = openSync('/dev/null', 'w');
  return { write: (line: string) => (writeSync(fd, line), true) } as unknown as NodeJS.WritableStream;
}

let port: number;
if (mode === 'noop') {
  const server = createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile), minVersion: 'TLSv1.2' }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const uid = (JSON.parse(Buffer.concat(chunks).toString()) as { request: { uid: string } }).request.uid;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid, allowed: true } }));
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
} else {
  const graph = clusterGraph();
  const server = await startWebhookServer({
    context: { graph, synced: true, policies: () => [] },
    rules: RULES,
    log: createLogger({ destination: devNull() }),
    registry: new Registry(),
    port: 0,
    host: '127.0.0.1',
    certFile,
    keyFile,
  });
  port = server.port;
}
process.stdout.write(`PORT ${port}\n`);
process.on('SIGTERM', () => {
  process.stdout.write(`RSS ${process.resourceUsage().maxRSS * 1024}\n`);
  process.exit(0);
});
