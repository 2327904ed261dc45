// A thin Kubernetes API client for the calls guard502 makes: paged lists,
// watches, merge patches of metadata, Events, Leases and discovery. Objects stay
// plain JSON as the API server sent them (the typed clients drop fields they do
// not model). Where the server is and how to authenticate comes from a
// Connection (kubeconfig.ts: in-cluster service accounts and kubeconfig files;
// @kubernetes/client-node's KubeConfig is one too, and is loaded only when needed).
// Like client-go it is polite under load: a 429 (API Priority and Fairness) is
// retried after the server's Retry-After, a 401 once with fresh credentials, and
// the kubeconfig's proxy-url is honoured (an HTTP CONNECT tunnel).

import { Agent, request as httpsRequest, type RequestOptions } from 'node:https';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { JsonObject } from '../engine/types.ts';
import { loadConnection, type Connection } from './kubeconfig.ts';

export class ApiError extends Error {
  readonly status: number;
  readonly reason: string | undefined;
  /** On a 429: how long the server asked to wait before trying again. */
  retryAfterMs: number | undefined;
  constructor(status: number, message: string, reason?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.reason = reason;
  }
}

/** client-go's limit on retries of a request the server asked to retry later (429). */
const MAX_RETRIES = 10;
/** Retry-After is honoured up to this long; a longer ask is cut to it (the request is not given up). */
const MAX_RETRY_AFTER_MS = 30_000;

/** How long the server asked to wait (Retry-After: seconds), 1 s when it did not say. */
export function retryAfterMs(header: string | string[] | undefined): number {
  const v = Array.isArray(header) ? header[0] : header;
  const seconds = v === undefined ? NaN : Number(v);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds * 1000, MAX_RETRY_AFTER_MS) : 1000;
}

type Connector = (err: Error | null, stream: Duplex) => void;

/**
 * An HTTPS agent that reaches the server through an HTTP proxy's CONNECT tunnel (kubeconfig proxy-url),
 * then speaks TLS to the server itself over it: the proxy sees only the tunnel.
 */
class TunnelAgent extends Agent {
  private readonly proxy: URL;
  constructor(proxy: URL, options: ConstructorParameters<typeof Agent>[0]) {
    super(options);
    this.proxy = proxy;
  }

  override createConnection(requested: RequestOptions, callback?: Connector): Duplex | null | undefined {
    const options = requested as RequestOptions & { host?: string; port?: number | string; servername?: string };
    const target = `${options.host}:${options.port ?? 443}`;
    const headers: Record<string, string> = { Host: target };
    if (this.proxy.username) headers['Proxy-Authorization'] = `Basic ${Buffer.from(`${decodeURIComponent(this.proxy.username)}:${decodeURIComponent(this.proxy.password)}`).toString('base64')}`;
    const req = httpRequest({ host: this.proxy.hostname, port: this.proxy.port || 80, method: 'CONNECT', path: target, headers });
    req.once('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        callback?.(new Error(`proxy ${this.proxy.host} refused the tunnel to ${target}: ${res.statusCode} ${res.statusMessage ?? ''}`.trim()), undefined as unknown as Duplex);
        return;
      }
      const host = String(options.host ?? '');
      const tls: ConnectionOptions = { ...(options as ConnectionOptions), socket };
      // SNI carries host names only, never an IP address.
      const servername = options.servername ?? (isIP(host) ? undefined : host);
      if (servername) tls.servername = servername;
      else delete tls.servername;
      callback?.(null, tlsConnect(tls));
    });
    req.once('error', (err) => callback?.(new Error(`proxy ${this.proxy.host}: ${err.message}`), undefined as unknown as Duplex));
    req.end();
    return undefined; // the socket arrives through the callback
  }
}

export interface RequestInit {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
}

/** A running watch: `abort()` ends it (its `done` callback then gets an AbortError). */
export interface WatchHandle {
  abort(): void;
}

export class KubeClient {
  readonly config: Connection;
  private readonly server: URL;
  /**
   * One keep-alive connection pool for every call. KubeConfig.applyToHTTPSOptions
   * builds a new Agent (a new TLS connection) per request; we keep its credentials
   * (refreshed tokens included) and drop its Agent.
   */
  private agent: Agent | undefined;
  /** The TLS identity the pooled agent was made with: new client credentials (an exec plugin's) need a new pool. */
  private agentFor: string | undefined;
  private readonly proxy: URL | undefined;

  constructor(config: Connection) {
    this.config = config;
    const cluster = config.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
    if (cluster.proxyUrl) {
      this.proxy = new URL(cluster.proxyUrl);
      if (this.proxy.protocol !== 'http:') throw new Error(`kubeconfig proxy-url ${cluster.proxyUrl}: only http:// proxies (HTTP CONNECT) are supported`);
      if (this.server.protocol !== 'https:') throw new Error(`kubeconfig proxy-url: the server ${cluster.server} is not https://`);
    }
  }

  /** Like kubectl: the given kubeconfig file, else $KUBECONFIG, ~/.kube/config, or the in-cluster service account. */
  static fromDefault(kubeconfigPath?: string): KubeClient {
    return new KubeClient(loadConnection(kubeconfigPath));
  }

  private async prepare(path: string, init: RequestInit): Promise<{ url: URL; options: RequestOptions; send: typeof httpsRequest }> {
    const url = new URL(this.server.pathname.replace(/\/$/, '') + path, this.server);
    const options: RequestOptions = {
      method: init.method ?? 'GET',
      headers: { Accept: 'application/json' },
      timeout: init.timeoutMs ?? 30_000,
    };
    await this.config.applyToHTTPSOptions(options);
    if (url.protocol === 'https:') {
      const identity = `${String(options.cert ?? '')}\u0000${String(options.key ?? '')}`;
      // New client credentials (an exec plugin's): a new pool. The old one is left to finish what it carries
      // (a watch may run for minutes); its sockets close with their requests.
      if (this.agent && this.agentFor !== identity) this.agent = undefined;
      if (!this.agent) {
        const agentOptions = { keepAlive: true, maxSockets: 64, ca: options.ca, cert: options.cert, key: options.key, ...(options.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: options.rejectUnauthorized }), ...(options.servername ? { servername: options.servername } : {}) };
        this.agent = this.proxy ? new TunnelAgent(this.proxy, agentOptions) : new Agent(agentOptions);
        this.agentFor = identity;
      }
      (options.agent as Agent | undefined)?.destroy();
      options.agent = this.agent;
    }
    return { url, options, send: url.protocol === 'http:' ? (httpRequest as unknown as typeof httpsRequest) : httpsRequest };
  }

  /**
   * One API call. A 429 (the server's flow control) is sent again after its Retry-After, up to 10 times, as
   * client-go does; a 401 once, with credentials fetched anew (an exec plugin's may have been revoked).
   */
  async request<T = JsonObject>(path: string, init: RequestInit = {}): Promise<T> {
    let refreshed = false;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.send<T>(path, init);
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        if (err.status === 429 && attempt < MAX_RETRIES) {
          await new Promise((r) => setTimeout(r, err.retryAfterMs ?? 1000));
          continue;
        }
        if (err.status === 401 && !refreshed && this.config.invalidateCredentials) {
          refreshed = true;
          this.config.invalidateCredentials();
          continue;
        }
        throw err;
      }
    }
  }

  private async send<T>(path: string, init: RequestInit): Promise<T> {
    const { url, options, send } = await this.prepare(path, init);
    const body = init.body === undefined ? undefined : JSON.stringify(init.body);
    if (body !== undefined) {
      options.headers = { ...options.headers, 'Content-Type': init.contentType ?? 'application/json', 'Content-Length': Buffer.byteLength(body) };
    }
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
          const error = new ApiError(status, `${options.method} ${path}: ${status} ${s?.message ?? text.slice(0, 200)}`, s?.reason);
          if (status === 429) error.retryAfterMs = retryAfterMs(res.headers['retry-after']);
          reject(error);
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${options.method} ${path}: timed out`)));
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  /**
   * Watches a collection: `onEvent` gets each event (ADDED, MODIFIED, DELETED, BOOKMARK, ERROR) in
   * order, `done` is called once when the stream ends — with null when the server closed it (its
   * timeoutSeconds), with an error otherwise (`statusCode` set when the server refused the watch, name
   * `AbortError` after abort(), `TimeoutError` when nothing arrived for too long). Rejects when no
   * connection could be made.
   */
  async watch(
    path: string,
    params: Record<string, string | number | boolean | undefined>,
    onEvent: (type: string, object: JsonObject) => void,
    done: (err: unknown) => void,
  ): Promise<WatchHandle> {
    const q = new URLSearchParams({ watch: 'true' });
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
    const timeoutSeconds = Number(params.timeoutSeconds ?? 0);
    // A stream that stays silent well past the server's own timeout (and bookmarks) is a dead connection.
    const idleMs = timeoutSeconds > 0 ? (timeoutSeconds + 30) * 1000 : 0;
    const { url, options, send } = await this.prepare(`${path}?${q}`, { timeoutMs: idleMs });
    return new Promise<WatchHandle>((resolve, reject) => {
      let finished = false;
      let started = false;
      let req: ClientRequest | undefined = undefined;
      const finish = (err: unknown) => {
        if (finished) return;
        finished = true;
        if (!started) {
          started = true;
          if (err && !(err as { statusCode?: number }).statusCode) return reject(err);
          resolve({ abort: () => {} });
        }
        done(err);
      };
      const named = (name: string, message: string) => Object.assign(new Error(message), { name });
      const handle: WatchHandle = {
        abort: () => {
          if (finished) return;
          req?.destroy();
          finish(named('AbortError', `watch ${path} aborted`));
        },
      };
      req = send(url, options, (res: IncomingMessage) => {
        if (res.statusCode !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let message = text.slice(0, 200);
            try {
              message = (JSON.parse(text) as { message?: string }).message ?? message;
            } catch {
              // not a Status
            }
            finish(Object.assign(new Error(`watch ${path}: ${res.statusCode} ${message}`), { statusCode: res.statusCode }));
          });
          res.on('error', finish);
          return;
        }
        started = true;
        resolve(handle);
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let newline = buffer.indexOf('\n');
          while (newline >= 0 && !finished) {
            const line = buffer.slice(0, newline);
            buffer = buffer.slice(newline + 1);
            if (line.trim() !== '') {
              let event: { type?: string; object?: JsonObject };
              try {
                event = JSON.parse(line) as { type?: string; object?: JsonObject };
              } catch (err) {
                req?.destroy();
                return finish(err);
              }
              onEvent(String(event.type ?? ''), event.object ?? {});
            }
            newline = buffer.indexOf('\n');
          }
        });
        res.on('end', () => finish(null));
        res.on('error', (err) => finish(err));
        // Closed without an end: the connection dropped (an API server restart).
        res.on('close', () => finish(new Error(`watch ${path}: connection closed`)));
      });
      req.on('timeout', () => {
        req?.destroy();
        finish(named('TimeoutError', `watch ${path}: nothing received for ${idleMs} ms`));
      });
      req.on('error', (err) => finish(err));
      req.end();
    });
  }

  /** Closes pooled connections (tests, shutdown). */
  close(): void {
    this.agent?.destroy();
    this.agent = undefined;
  }

  /** Lists a collection page by page (so a large cluster never arrives as one huge body). */
  /**
   * `each` is applied to every item as its page arrives (an informer drops managedFields there, so that
   * a large list never holds them all at once); `query` adds parameters (a labelSelector).
   */
  async list(path: string, pageSize = 500, each?: (item: JsonObject) => JsonObject, query: Record<string, string> = {}): Promise<{ items: JsonObject[]; resourceVersion: string }> {
    const items: JsonObject[] = [];
    let cont = '';
    let resourceVersion = '';
    do {
      const q = new URLSearchParams({ ...query, limit: String(pageSize) });
      if (cont) q.set('continue', cont);
      const page = await this.request<{ items?: JsonObject[]; metadata?: { continue?: string; resourceVersion?: string } }>(`${path}?${q}`, { timeoutMs: 60_000 });
      for (const i of page.items ?? []) items.push(each ? each(i) : i);
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
