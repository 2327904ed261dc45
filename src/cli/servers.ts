// The in-cluster faces: `guard502 webhook`, `guard502 controller` and
// `guard502 serve` (both in one process, sharing one cluster cache — the
// container's default). SIGTERM stops them gracefully: the webhook finishes its
// in-flight admissions, the controller releases its lease.

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { ClusterCache } from '../cluster/cache.ts';
import { KubeClient } from '../cluster/client.ts';
import { REPORT_FORMATS, type ReportFormat } from '../controller/reports.ts';
import { DEFAULT_EVENT_BURST, DEFAULT_EVENT_QPS, DEFAULT_WRITE_BURST, DEFAULT_WRITE_QPS } from '../controller/budget.ts';
import { RULES } from '../rules/index.ts';
import { createLogger, type Logger } from '../server/log.ts';
import { startHealthServer } from '../server/health.ts';
import { startWebhookServer, type WebhookServer } from '../webhook/server.ts';
import { UsageError, type Io } from './io.ts';

const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export const SERVER_HELP = `Usage: guard502 webhook|controller|serve [options]

Options:
  --kubeconfig FILE     kubeconfig to use (default: in-cluster service account, then $KUBECONFIG, then ~/.kube/config)
  --port N              webhook HTTPS port (default 8443); serves /validate /mutate /healthz /readyz /metrics
  --tls-cert-file FILE  serving certificate (default /etc/guard502/tls/tls.crt); reloaded when it changes
  --tls-key-file FILE   its key (default /etc/guard502/tls/tls.key)
  --metrics-port N      plain HTTP /metrics /healthz /readyz (default 8080; 0 = off)
  --namespace NS        guard502's own namespace, for its Lease (default: the pod's namespace)
  --identity ID         this replica's name in leader election (default: $POD_NAME or the host name)
  --leader-elect=BOOL   elect one writer with a Lease (default true; false only with one replica)
  --policy-reports=FMT  controller: write a policy report per checked object, owned by it:
                        openreports (openreports.io Report), wgpolicyk8s (wgpolicyk8s.io
                        PolicyReport) or none (default); nothing is written without the CRD
  --log-level LEVEL     debug, info, warn, error (default info)
  --write-qps N         controller: annotation writes per second (default ${DEFAULT_WRITE_QPS})
  --write-burst N       controller: writes allowed at once above that rate (default ${DEFAULT_WRITE_BURST})
  --event-qps N         controller: Events per second across all objects (default ${DEFAULT_EVENT_QPS})
  --event-burst N       controller: Events allowed at once above that rate (default ${DEFAULT_EVENT_BURST})
`;

export interface ServerFlags {
  kubeconfig?: string;
  port: number;
  tlsCert: string;
  tlsKey: string;
  metricsPort: number;
  namespace: string;
  identity: string;
  leaderElect: boolean;
  logLevel: string;
  /** Policy reports the controller writes (absent: none). */
  reports?: ReportFormat;
  writeQps: number;
  writeBurst: number;
  eventQps: number;
  eventBurst: number;
}

function ownNamespace(): string {
  if (process.env.POD_NAMESPACE) return process.env.POD_NAMESPACE;
  try {
    return readFileSync(SERVICE_ACCOUNT_NAMESPACE, 'utf8').trim();
  } catch {
    return 'guard502';
  }
}

function port(v: string | undefined, flag: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`${flag}: expected a port number, got ${JSON.stringify(v)}`);
  return n;
}

function rate(v: string | undefined, flag: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`${flag}: expected a number above 0, got ${JSON.stringify(v)}`);
  return n;
}

export function parseServerFlags(argv: string[]): ServerFlags | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        kubeconfig: { type: 'string' },
        port: { type: 'string' },
        'tls-cert-file': { type: 'string' },
        'tls-key-file': { type: 'string' },
        'metrics-port': { type: 'string' },
        namespace: { type: 'string' },
        identity: { type: 'string' },
        'leader-elect': { type: 'string' },
        'log-level': { type: 'string' },
        'policy-reports': { type: 'string' },
        'write-qps': { type: 'string' },
        'write-burst': { type: 'string' },
        'event-qps': { type: 'string' },
        'event-burst': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return 'help';
  const level = values['log-level'] ?? 'info';
  if (!['debug', 'info', 'warn', 'error'].includes(level)) throw new UsageError(`--log-level: expected debug, info, warn or error, got ${JSON.stringify(level)}`);
  const reports = values['policy-reports'] ?? 'none';
  if (reports !== 'none' && !(REPORT_FORMATS as readonly string[]).includes(reports)) {
    throw new UsageError(`--policy-reports: expected none, ${REPORT_FORMATS.join(' or ')}, got ${JSON.stringify(reports)}`);
  }
  const elect = values['leader-elect'] ?? 'true';
  if (elect !== 'true' && elect !== 'false') throw new UsageError(`--leader-elect: expected true or false, got ${JSON.stringify(elect)}`);
  return {
    ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
    port: port(values.port, '--port', 8443),
    tlsCert: values['tls-cert-file'] ?? '/etc/guard502/tls/tls.crt',
    tlsKey: values['tls-key-file'] ?? '/etc/guard502/tls/tls.key',
    metricsPort: port(values['metrics-port'], '--metrics-port', 8080),
    namespace: values.namespace ?? ownNamespace(),
    identity: values.identity ?? process.env.POD_NAME ?? hostname(),
    leaderElect: elect === 'true',
    logLevel: level,
    ...(reports !== 'none' ? { reports: reports as ReportFormat } : {}),
    writeQps: rate(values['write-qps'], '--write-qps', DEFAULT_WRITE_QPS),
    writeBurst: Math.max(1, Math.round(rate(values['write-burst'], '--write-burst', DEFAULT_WRITE_BURST))),
    eventQps: rate(values['event-qps'], '--event-qps', DEFAULT_EVENT_QPS),
    eventBurst: Math.max(1, Math.round(rate(values['event-burst'], '--event-burst', DEFAULT_EVENT_BURST))),
  };
}

interface Running {
  stop(): Promise<void>;
}

async function start(command: string, flags: ServerFlags, log: Logger): Promise<Running> {
  const client = KubeClient.fromDefault(flags.kubeconfig);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const runController = command === 'controller' || command === 'serve';
  const cache = new ClusterCache(client, { face: runController ? 'controller' : 'webhook', log });
  await cache.start();

  let controller: { notReadyReason(): string | undefined; stop(): Promise<void> } | undefined;
  if (runController) {
    const { startController } = await import('../controller/index.ts');
    controller = await startController({
      client,
      cache,
      log,
      registry,
      identity: flags.identity,
      namespace: flags.namespace,
      leaderElection: { enabled: flags.leaderElect },
      ...(flags.reports ? { reports: flags.reports } : {}),
      writeQps: flags.writeQps,
      writeBurst: flags.writeBurst,
      eventQps: flags.eventQps,
      eventBurst: flags.eventBurst,
    });
  }
  let webhook: WebhookServer | undefined;
  if (command === 'webhook' || command === 'serve') {
    webhook = await startWebhookServer({
      context: cache,
      rules: RULES,
      log,
      registry,
      port: flags.port,
      certFile: flags.tlsCert,
      keyFile: flags.tlsKey,
      ...(controller ? { notReadyReason: () => controller.notReadyReason() } : {}),
    });
  }
  const health =
    flags.metricsPort > 0
      ? await startHealthServer({ port: flags.metricsPort, registry, notReadyReason: () => (cache.synced ? controller?.notReadyReason() : 'the cluster cache has not synced yet') })
      : undefined;
  void cache.waitForSync().then(() => log.info(cache.status(), 'cluster cache synced'));
  return {
    async stop() {
      await webhook?.close();
      await controller?.stop();
      await health?.close();
      cache.stop();
    },
  };
}

export async function runServerCommand(command: string, argv: string[], io: Io): Promise<number> {
  const flags = parseServerFlags(argv);
  if (flags === 'help') {
    io.stdout.write(SERVER_HELP);
    return 0;
  }
  const log = createLogger({ level: flags.logLevel, destination: io.stdout });
  let running: Running;
  try {
    running = await start(command, flags, log);
  } catch (err) {
    // Missing certificate files, an unreadable kubeconfig, a port in use: one line, exit 2.
    throw new UsageError(`${command}: ${(err as Error).message}`);
  }
  log.info({ command, identity: flags.identity, namespace: flags.namespace }, `guard502 ${command} started`);
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'stopping: finishing in-flight work');
      running.stop().then(
        () => resolve(0),
        (err: Error) => {
          log.error({ error: err.message }, 'error while stopping');
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
