// The webhook's HTTP surface (docs/webhook.md): /validate, /mutate, /healthz,
// /readyz, /metrics. Any body — malformed JSON, the wrong apiVersion, a review
// without a request, a huge payload — gets a clear answer; nothing in a request
// can take the server down.

import express, { type NextFunction, type Request, type Response } from 'express';
import type { Registry } from 'prom-client';
import type { Rule } from '../engine/rule.ts';
import { defaultPolicy } from '../policy/policy.ts';
import { governingPolicy } from '../policy/select.ts';
import type { Logger } from '../server/log.ts';
import { judge, type AdmissionContext, type Judgement } from './decide.ts';
import { denyMessage, warningLines } from './messages.ts';
import type { WebhookMetrics } from './metrics.ts';
import { annotationPatch } from './patch.ts';
import { BadReview, parseReview, reviewResponse, type AdmissionRequest, type AdmissionResponse } from './review.ts';

export interface WebhookAppDeps {
  context: AdmissionContext;
  rules: readonly Rule[];
  log: Logger;
  registry: Registry;
  metrics: WebhookMetrics;
  /** Why the server is not ready (certificate not loaded, cache not synced), or undefined when ready. */
  notReadyReason: () => string | undefined;
  now?: () => Date;
  /** Largest AdmissionReview accepted; the API server's own limit on objects is 3 MiB, and a review carries two. */
  bodyLimit?: string;
}

type Endpoint = 'validate' | 'mutate';

function label(req: AdmissionRequest): string {
  const o = req.object ?? req.oldObject;
  const name = req.name || (o?.metadata as { name?: string; generateName?: string } | undefined)?.name || `${(o?.metadata as { generateName?: string } | undefined)?.generateName ?? ''}*`;
  return `${req.kind.kind} ${req.namespace ? `${req.namespace}/` : ''}${name}`;
}

function failed(request: AdmissionRequest, context: AdmissionContext, err: unknown): Judgement {
  let onError: 'allow' | 'deny' = defaultPolicy().onError;
  try {
    onError = governingPolicy(context.policies(), context.graph, request.namespace)?.onError ?? onError;
  } catch {
    // The policy lookup itself failed: the built-in default decides.
  }
  const note = err instanceof Error ? err.message : String(err);
  return { decision: onError === 'allow' ? 'error-allowed' : 'error-denied', findings: [], audited: [], failures: [], note };
}

export function respond(endpoint: Endpoint, request: AdmissionRequest, j: Judgement, now: Date): AdmissionResponse {
  const response: AdmissionResponse = { uid: request.uid, allowed: j.decision !== 'denied' && j.decision !== 'error-denied' };
  if (!response.allowed) response.status = { code: 403, reason: 'Forbidden', message: denyMessage(j, request.uid, label(request)) };
  const warnings = warningLines(j);
  // The mutating face only annotates; the validating face speaks for both.
  if (endpoint === 'validate' && warnings.length > 0) response.warnings = warnings;
  if (endpoint === 'mutate') {
    response.allowed = true;
    delete response.status;
    const patch = request.object && !request.dryRun ? annotationPatch(j, request.object, now) : [];
    if (patch.length > 0) {
      response.patchType = 'JSONPatch';
      response.patch = Buffer.from(JSON.stringify(patch)).toString('base64');
    }
  }
  return response;
}

/**
 * The answer to the API server, written as is: express's `res.json` would parse and rebuild the
 * content type it has just set and look up headers along the way, a good part of what an admission
 * costs beyond judging it.
 */
function sendJson(res: Response, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export function webhookApp(deps: WebhookAppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const now = deps.now ?? (() => new Date());
  const json = express.json({ limit: deps.bodyLimit ?? '8mb', strict: true, type: () => true });

  const admit = (endpoint: Endpoint) => (req: Request, res: Response) => {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    let request: AdmissionRequest;
    try {
      request = parseReview(req.body);
    } catch (err) {
      const message = err instanceof BadReview ? err.message : `invalid AdmissionReview: ${(err as Error).message}`;
      deps.metrics.requests.inc({ endpoint, decision: 'bad-request' });
      deps.log.warn({ endpoint, uid: err instanceof BadReview ? err.uid : undefined, error: message }, 'bad admission request');
      res.status(400).json({ error: message });
      return;
    }
    let j: Judgement;
    try {
      j = deps.context.synced ? judge(request, deps.context, deps.rules) : failed(request, deps.context, new Error('the cluster cache has not synced yet'));
    } catch (err) {
      j = failed(request, deps.context, err);
    }
    const response = respond(endpoint, request, j, now());
    sendJson(res, 200, reviewResponse(response));
    const decision = endpoint === 'mutate' ? (response.patch ? 'patched' : 'unchanged') : j.decision;
    deps.metrics.requests.inc({ endpoint, decision });
    if (endpoint === 'validate') for (const f of [...j.findings, ...j.audited]) deps.metrics.findings.inc({ rule: f.rule, severity: f.severity, action: f.action });
    deps.metrics.latency.observe({ endpoint }, seconds());
    deps.log.info(
      {
        endpoint,
        uid: request.uid,
        operation: request.operation,
        kind: request.kind.kind,
        namespace: request.namespace,
        name: request.name || undefined,
        user: request.user || undefined,
        dryRun: request.dryRun || undefined,
        decision,
        findings: j.findings.map((f) => `${f.rule}${f.neighbour ? `@${f.resource.kind}/${f.resource.name}` : ''}:${f.action}${f.downgraded ? `(${f.downgraded})` : ''}`),
        note: j.note,
        durationMs: Math.round(seconds() * 1e5) / 100,
      },
      'admission',
    );
  };

  app.post('/validate', json, admit('validate'));
  app.post('/mutate', json, admit('mutate'));
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok\n');
  });
  app.get('/readyz', (_req, res) => {
    const reason = deps.notReadyReason();
    res.status(reason ? 503 : 200).type('text/plain').send(reason ? `not ready: ${reason}\n` : 'ok\n');
  });
  app.get('/metrics', async (_req, res) => {
    res.type(deps.registry.contentType).send(await deps.registry.metrics());
  });
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found: the webhook serves POST /validate, POST /mutate, GET /healthz, /readyz, /metrics' });
  });
  // Body-parser errors (malformed JSON, too large) and anything unexpected: a clear status, never a crash.
  app.use((err: Error & { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
    const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
    const message =
      err.type === 'entity.parse.failed' ? `malformed JSON: ${err.message}` : err.type === 'entity.too.large' ? `request body larger than ${deps.bodyLimit ?? '8mb'}` : err.message;
    if (status === 500) deps.log.error({ error: err.message }, 'unexpected error in the webhook');
    deps.metrics.requests.inc({ endpoint: 'other', decision: 'bad-request' });
    if (!res.headersSent) res.status(status).json({ error: message });
  });
  return app;
}
