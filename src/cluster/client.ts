// A thin Kubernetes API client for the calls guard502 makes: paged lists, merge
// patches of metadata, Events, Leases and discovery. Objects stay plain JSON as
// the API server sent them (the typed clients drop fields they do not model),
// and authentication comes from @kubernetes/client-node's KubeConfig, so
// kubeconfig files and in-cluster service accounts both work. Watches use the
// library's Watch (see informer.ts).

import { Agent, request as httpsRequest, type RequestOptions } from 'node:https';
import { request as httpRequest } from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';
import type { JsonObject } from '../engine/types.ts';

export class ApiError extends Error {
  readonly status: number;
  readonly reason: string | undefined;
  constructor(status: number, message: string, reason?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.reason = reason;
  }
}

export interface RequestInit {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
}

export class KubeClient {
  readonly config: KubeConfig;
  private readonly server: URL;
  /**
   * One keep-alive connection pool for every call. KubeConfig.applyToHTTPSOptions
   * builds a new Agent (a new TLS connection) per request; we keep its credentials
   * (refreshed tokens included) and drop its Agent.
   */
  private agent: Agent | undefined;

  constructor(config: KubeConfig) {
    this.config = config;
    const cluster = config.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
  }

  static fromDefault(kubeconfigPath?: string): KubeClient {
    const kc = new KubeConfig();
    if (kubeconfigPath) kc.loadFromFile(kubeconfigPath);
    else kc.loadFromDefault();
    return new KubeClient(kc);
  }

  async request<T = JsonObject>(path: string, init: RequestInit = {}): Promise<T> {
    const url = new URL(this.server.pathname.replace(/\/$/, '') + path, this.server);
    const options: RequestOptions = {
      method: init.method ?? 'GET',
      headers: { Accept: 'application/json' },
      timeout: init.timeoutMs ?? 30_000,
    };
    await this.config.applyToHTTPSOptions(options);
    if (url.protocol === 'https:') {
      this.agent ??= new Agent({ keepAlive: true, maxSockets: 64, ca: options.ca, cert: options.cert, key: options.key, ...(options.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: options.rejectUnauthorized }) });
      (options.agent as Agent | undefined)?.destroy();
      options.agent = this.agent;
    }
    const body = init.body === undefined ? undefined : JSON.stringify(init.body);
    if (body !== undefined) {
      options.headers = { ...options.headers, 'Content-Type': init.contentType ?? 'application/json', 'Content-Length': Buffer.byteLength(body) };
    }
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    return new Promise<T>((resolve, reject) => {
      const req = send(url, options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : {};
          } catch {
            parsed = undefined;
          }
          if (status >= 200 && status < 300 && parsed !== undefined) return resolve(parsed as T);
          const s = parsed as { message?: string; reason?: string } | undefined;
          reject(new ApiError(status, `${options.method} ${path}: ${status} ${s?.message ?? text.slice(0, 200)}`, s?.reason));
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${options.method} ${path}: timed out`)));
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  /** Closes pooled connections (tests, shutdown). */
  close(): void {
    this.agent?.destroy();
    this.agent = undefined;
  }

  /** Lists a collection page by page (so a large cluster never arrives as one huge body). */
  async list(path: string, pageSize = 500): Promise<{ items: JsonObject[]; resourceVersion: string }> {
    const items: JsonObject[] = [];
    let cont = '';
    let resourceVersion = '';
    do {
      const q = new URLSearchParams({ limit: String(pageSize) });
      if (cont) q.set('continue', cont);
      const page = await this.request<{ items?: JsonObject[]; metadata?: { continue?: string; resourceVersion?: string } }>(`${path}?${q}`, { timeoutMs: 60_000 });
      for (const i of page.items ?? []) items.push(i);
      cont = page.metadata?.continue ?? '';
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
    } while (cont);
    return { items, resourceVersion };
  }

  /** Merge patch: touches only the keys given (a null value removes a key). */
  mergePatch(path: string, patch: unknown): Promise<JsonObject> {
    return this.request(path, { method: 'PATCH', body: patch, contentType: 'application/merge-patch+json' });
  }

  create(path: string, body: unknown): Promise<JsonObject> {
    return this.request(path, { method: 'POST', body });
  }

  replace(path: string, body: unknown): Promise<JsonObject> {
    return this.request(path, { method: 'PUT', body });
  }

  /** Whether the API server serves `group/version` (a CRD may be installed later). */
  async serves(group: string, version: string, resource: string): Promise<boolean> {
    const path = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
    try {
      const list = await this.request<{ resources?: Array<{ name: string }> }>(path);
      return (list.resources ?? []).some((r) => r.name === resource);
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.status === 503)) return false;
      throw err;
    }
  }
}

/** The collection path of a resource: `/api/v1/namespaces/ns/services`, `/apis/apps/v1/deployments`. */
export function collectionPath(group: string, version: string, plural: string, namespace?: string): string {
  const base = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  return namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${plural}` : `${base}/${plural}`;
}

export function objectPath(group: string, version: string, plural: string, namespace: string, name: string): string {
  return `${collectionPath(group, version, plural, namespace || undefined)}/${encodeURIComponent(name)}`;
}
