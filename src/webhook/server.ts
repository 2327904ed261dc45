// The webhook over HTTPS (TLS 1.2+): a certificate that reloads itself, time
// limits that keep a slow or stuck client from holding a connection, and a
// graceful stop — no new connections, in-flight admissions finish.

import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Rule } from '../engine/rule.ts';
import type { Logger } from '../server/log.ts';
import { CertReloader, type CertFiles } from '../server/tls.ts';
import { webhookApp } from './app.ts';
import type { AdmissionContext } from './decide.ts';
import { webhookMetrics } from './metrics.ts';

export interface WebhookServerOptions extends CertFiles {
  context: AdmissionContext;
  rules: readonly Rule[];
  log: Logger;
  registry: Registry;
  port: number;
  host?: string;
  /** Extra readiness conditions (the controller's, in `serve`). */
  notReadyReason?: () => string | undefined;
  certReloadIntervalMs?: number;
  /** Time allowed to receive a whole request: well under the webhook's timeoutSeconds. */
  requestTimeoutMs?: number;
}

export interface WebhookServer {
  server: Server;
  port: number;
  certs: CertReloader;
  /** Stops accepting, lets in-flight requests finish (at most `graceMs`), then closes. */
  close(graceMs?: number): Promise<void>;
}

export async function startWebhookServer(o: WebhookServerOptions): Promise<WebhookServer> {
  const certs = new CertReloader(o, o.log);
  const app = webhookApp({
    context: o.context,
    rules: o.rules,
    log: o.log,
    registry: o.registry,
    metrics: webhookMetrics(o.registry),
    notReadyReason: () => (o.context.synced ? o.notReadyReason?.() : 'the cluster cache has not synced yet'),
  });
  const server = createServer({ cert: certs.cert.cert, key: certs.cert.key, minVersion: 'TLSv1.2' }, app);
  server.requestTimeout = o.requestTimeoutMs ?? 10_000;
  server.headersTimeout = Math.min(server.requestTimeout, 10_000);
  // The API server keeps connections alive between admissions; do not close them first.
  server.keepAliveTimeout = 65_000;
  server.on('tlsClientError', (err) => o.log.debug({ error: err.message }, 'TLS handshake failed'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '0.0.0.0', () => resolve());
  });
  certs.watch(server, o.certReloadIntervalMs);
  const port = (server.address() as AddressInfo).port;
  o.log.info({ port }, 'webhook listening (HTTPS)');
  return {
    server,
    port,
    certs,
    close: (graceMs = 10_000) =>
      new Promise<void>((resolve) => {
        certs.stop();
        const force = setTimeout(() => server.closeAllConnections(), graceMs);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
