// Test helper: a real webhook server over HTTPS with a real certificate (issued
// by a throwaway CA), fed by a graph built from YAML, and a client that sends
// AdmissionReview JSON the way the API server does.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { Registry } from 'prom-client';
import { ResourceGraph } from '../../src/engine/graph.ts';
import type { Rule } from '../../src/engine/rule.ts';
import type { JsonObject } from '../../src/engine/types.ts';
import type { Policy } from '../../src/policy/policy.ts';
import { RULES } from '../../src/rules/index.ts';
import { silentLogger, type Logger } from '../../src/server/log.ts';
import type { AdmissionContext } from '../../src/webhook/decide.ts';
import { startWebhookServer, type WebhookServer } from '../../src/webhook/server.ts';
import { makeCA, makeServingCert, type KeyPair } from './certs.ts';
import { graphOf } from './scan.ts';

export interface TestContext extends AdmissionContext {
  synced: boolean;
  policyList: Policy[];
}

export function contextOf(yamlText = '', policies: Policy[] = []): TestContext {
  const graph = yamlText ? graphOf(yamlText) : new ResourceGraph();
  return { graph, synced: true, policyList: policies, policies() { return this.policyList; } };
}

export interface HttpsResult {
  status: number;
  body: string;
  json: JsonObject;
}

export interface TestWebhook {
  server: WebhookServer;
  ca: KeyPair;
  dir: string;
  registry: Registry;
  post(path: string, body: unknown, opts?: { raw?: boolean; headers?: Record<string, string> }): Promise<HttpsResult>;
  get(path: string): Promise<HttpsResult>;
  close(): Promise<void>;
}

let sharedCA: KeyPair | undefined;
export function testCA(): KeyPair {
  return (sharedCA ??= makeCA());
}

export function issueServing(ca: KeyPair = testCA()): KeyPair {
  return makeServingCert(ca, { dns: ['localhost'], ips: ['127.0.0.1'] });
}

export async function startTestWebhook(
  context: AdmissionContext,
  opts: { rules?: readonly Rule[]; log?: Logger; certReloadIntervalMs?: number } = {},
): Promise<TestWebhook> {
  const ca = testCA();
  const serving = issueServing(ca);
  const dir = mkdtempSync(join(tmpdir(), 'guard502-webhook-'));
  writeFileSync(join(dir, 'tls.crt'), serving.cert);
  writeFileSync(join(dir, 'tls.key'), serving.key);
  const registry = new Registry();
  const server = await startWebhookServer({
    context,
    rules: opts.rules ?? RULES,
    log: opts.log ?? silentLogger(),
    registry,
    port: 0,
    host: '127.0.0.1',
    certFile: join(dir, 'tls.crt'),
    keyFile: join(dir, 'tls.key'),
    ...(opts.certReloadIntervalMs ? { certReloadIntervalMs: opts.certReloadIntervalMs } : {}),
  });
  const send = (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
    new Promise<HttpsResult>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: server.port, path, method, ca: ca.cert, servername: 'localhost', headers: { 'Content-Type': 'application/json', ...headers } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: JsonObject = {};
            try {
              json = JSON.parse(text) as JsonObject;
            } catch {
              // Not JSON (text endpoints).
            }
            resolve({ status: res.statusCode ?? 0, body: text, json });
          });
        },
      );
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  return {
    server,
    ca,
    dir,
    registry,
    post: (path, body, o = {}) => send('POST', path, o.raw ? (body as string) : JSON.stringify(body), o.headers),
    get: (path) => send('GET', path),
    close: async () => {
      await server.close(1000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let uidCounter = 0;

/** An AdmissionReview as the API server sends it for `object` (YAML or JSON). */
export function review(
  operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT',
  object: string | JsonObject | undefined,
  opts: { oldObject?: string | JsonObject; subResource?: string; dryRun?: boolean; uid?: string } = {},
): JsonObject {
  const toObj = (o: string | JsonObject | undefined) => (typeof o === 'string' ? (load(o) as JsonObject) : o);
  const obj = toObj(object);
  const old = toObj(opts.oldObject);
  const subject = (obj ?? old) as { apiVersion: string; kind: string; metadata: { name?: string; namespace?: string } };
  const [group, version] = subject.apiVersion.includes('/') ? subject.apiVersion.split('/') : ['', subject.apiVersion];
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: opts.uid ?? `test-uid-${++uidCounter}`,
      kind: { group: group as string, version: version as string, kind: subject.kind },
      resource: { group: group as string, version: version as string, resource: `${subject.kind.toLowerCase()}s` },
      ...(opts.subResource ? { subResource: opts.subResource } : {}),
      name: subject.metadata.name ?? '',
      namespace: subject.metadata.namespace ?? 'default',
      operation,
      userInfo: { username: 'tester' },
      object: (obj ?? null) as JsonObject,
      oldObject: (old ?? null) as JsonObject,
      dryRun: opts.dryRun ?? false,
      options: null,
    },
  };
}
