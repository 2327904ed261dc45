// The readiness probe a fix proposes for a served container, chosen by what its
// port speaks: an HTTP GET only where the port serves HTTP (with the path marked
// as the one thing to fill in), gRPC's health protocol on gRPC ports, HTTPS on TLS
// ports, the product's own client for databases and queues whose image says which
// product it is, and a TCP check where nothing says more. A probe that asks a
// database for `GET /ready` keeps the pod unready forever: a fix that breaks the
// object is worse than none.

import type { ResourceGraph } from '../../engine/graph.ts';
import { resolvePortNumber, type Probe } from '../../engine/model.ts';
import { servedBy } from './protocols.ts';
import type { ServedContainer } from './serving.ts';
import { suggestedProbePort } from './serving.ts';
import { fixWithYaml } from './yaml.ts';

/** The path placeholder, and the comment that marks it in the YAML. */
export const HEALTH_PATH = '/ready';
const HEALTH_PATH_MARK = '  # placeholder: the path of your app\'s readiness endpoint';

interface Datastore {
  product: string;
  image: RegExp;
  /** Service or container port names and numbers that say "this port is that product". */
  names: RegExp;
  ports: readonly number[];
  /** A command of the product's own client that fails while the server cannot serve; `{port}` is filled in. */
  exec?: readonly string[];
}

const DATASTORES: readonly Datastore[] = [
  { product: 'PostgreSQL', image: /(^|\/)(postgres|postgresql|postgis|timescaledb)[:@/-]|(^|\/)(postgres|postgresql)$/, names: /^(tcp-)?(postgres(ql)?|pg(sql)?)$/, ports: [5432], exec: ['pg_isready', '-h', '127.0.0.1', '-p', '{port}'] },
  { product: 'MySQL', image: /(^|\/)(mysql|mariadb|percona-server)([:@]|$)/, names: /^(tcp-)?(mysql|mariadb)$/, ports: [3306], exec: ['mysqladmin', 'ping', '-h', '127.0.0.1', '-P', '{port}'] },
  { product: 'Redis', image: /(^|\/)(redis|redis-stack-server|valkey)([:@]|$)/, names: /^(tcp-)?(redis|valkey)$/, ports: [6379], exec: ['redis-cli', '-p', '{port}', 'ping'] },
  { product: 'RabbitMQ', image: /(^|\/)rabbitmq([:@]|$)/, names: /^(tcp-)?(amqp|rabbitmq)$/, ports: [5672], exec: ['rabbitmq-diagnostics', '-q', 'check_port_connectivity'] },
  { product: 'MongoDB', image: /(^|\/)mongo(db)?([:@]|$)/, names: /^(tcp-)?(mongo(db)?)$/, ports: [27017] },
  { product: 'Kafka', image: /kafka/, names: /^(tcp-)?kafka$/, ports: [9092] },
  { product: 'NATS', image: /(^|\/)nats([:@]|$)/, names: /^(tcp-)?(nats|client)$/, ports: [4222] },
  { product: 'Memcached', image: /(^|\/)memcached([:@]|$)/, names: /^(tcp-)?memcached?$/, ports: [11211] },
  { product: 'ZooKeeper', image: /zookeeper/, names: /^(tcp-)?(zookeeper|client)$/, ports: [2181] },
  { product: 'Cassandra', image: /cassandra/, names: /^(tcp-)?cql$/, ports: [9042] },
];

const HTTP_NAME = /^(http|web|h2c)([-_]|$)|([-_]http)$/i;

function marked(fix: string): string {
  return fix.replace(`path: ${HEALTH_PATH}`, `path: ${HEALTH_PATH}${HEALTH_PATH_MARK}`);
}

/**
 * A fix that adds (or replaces) the readiness probe of a served container: a sentence naming what to
 * do, then the YAML. `timing` is merged into the probe (periodSeconds, failureThreshold).
 */
export function readinessProbeFix(s: ServedContainer, graph: ResourceGraph, lead: string, timing: Record<string, number>): string {
  const t = s.targets.find((x) => x.containerPort) ?? s.targets[0];
  const port = suggestedProbePort(s);
  const number = resolvePortNumber(s.container, port) ?? (typeof port === 'number' ? port : undefined);
  const names = [t?.servicePort.name, t?.containerPort?.name].filter((n): n is string => n !== undefined);
  const store = DATASTORES.find((d) => d.image.test(s.container.image ?? '')) ??
    DATASTORES.find((d) => names.some((n) => d.names.test(n)) || (number !== undefined && d.ports.includes(number)));
  const served = t ? servedBy(t.service, t.servicePort, graph)?.served : undefined;
  const httpish = served === 'http' || served === 'h2c' || names.some((n) => HTTP_NAME.test(n)) || (s.gatewayFacing && served === undefined && !store);
  const probe = (handler: Record<string, unknown>) => ({ readinessProbe: { ...handler, ...timing } });

  if (served === 'grpc' && number !== undefined) {
    return fixWithYaml(`${lead} (gRPC port: the app must serve the standard gRPC health service, grpc.health.v1):`, probe({ grpc: { port: number } }));
  }
  if (served === 'tls') {
    return marked(fixWithYaml(`${lead} (TLS port: the probe speaks HTTPS; fill in your app's readiness path):`, probe({ httpGet: { path: HEALTH_PATH, port, scheme: 'HTTPS' } })));
  }
  if (httpish) {
    return marked(fixWithYaml(`${lead} (fill in your app's readiness path):`, probe({ httpGet: { path: HEALTH_PATH, port } })));
  }
  if (store?.exec && store.image.test(s.container.image ?? '')) {
    const command = store.exec.map((w) => w.replace('{port}', String(number ?? store.ports[0])));
    return fixWithYaml(`${lead} (${store.product}: ask the server with its own client):`, probe({ exec: { command } }));
  }
  const what = store ? `${store.product} port` : 'no protocol is declared for this port';
  return fixWithYaml(
    `${lead} (${what}: a TCP check, better than none; if the app has a readiness endpoint or command, probe that instead):`,
    probe({ tcpSocket: { port } }),
  );
}

/**
 * A probe as written — handler, initial delay, timeout — with new steady-state timing: a whole probe,
 * so that pasting it in place of the old one leaves no probe without a handler.
 */
export function retimedProbe(p: Probe, periodSeconds: number, failureThreshold: number): Record<string, unknown> {
  return {
    [p.handler]: p.handlerSpec,
    ...(p.initialDelaySeconds > 0 ? { initialDelaySeconds: p.initialDelaySeconds } : {}),
    periodSeconds,
    ...(p.timeoutSeconds !== 1 ? { timeoutSeconds: p.timeoutSeconds } : {}),
    failureThreshold,
  };
}
