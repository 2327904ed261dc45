// Where the API server is and how to authenticate to it, without loading
// @kubernetes/client-node: that library brings the whole generated API with it
// (about 90 MB of resident memory and a quarter of a second at start) for the
// two things guard502 needs, a URL and TLS/credential options. The cases a
// controller meets are read here: the in-cluster service account (its token file
// re-read, as it rotates), and kubeconfig files with certificates, tokens, basic
// auth, exec plugins (exec-credential.ts) and a proxy-url. Anything else (auth
// providers, several merged files) is handed to client-node's KubeConfig, loaded only then.

import { existsSync, readFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { load } from 'js-yaml';
import { ExecCredentials, type ExecConfig } from './exec-credential.ts';

/** What KubeClient needs of a configuration; client-node's KubeConfig has the same two methods. */
export interface Connection {
  /** The server, and the HTTP proxy (kubeconfig `proxy-url`) to reach it through, if any. */
  getCurrentCluster(): { server: string; proxyUrl?: string | undefined } | null;
  applyToHTTPSOptions(options: RequestOptions): Promise<void>;
  /** The server refused the credentials (401): fetch fresh ones before the next request, when that is possible. */
  invalidateCredentials?(): void;
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const TOKEN_RELOAD_MS = 60_000;

interface Settings {
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  tokenFile?: string;
  /** How long a token read from tokenFile is used before the file is read again. */
  tokenReloadMs?: number;
  token?: string;
  basic?: { username: string; password: string };
  insecure?: boolean;
  serverName?: string;
  proxyUrl?: string;
  exec?: ExecCredentials;
}

class DirectConnection implements Connection {
  private readonly s: Settings;
  private token: { value: string; readAt: number } | undefined;

  constructor(settings: Settings) {
    this.s = settings;
  }

  getCurrentCluster(): { server: string; proxyUrl?: string } {
    return { server: this.s.server, ...(this.s.proxyUrl ? { proxyUrl: this.s.proxyUrl } : {}) };
  }

  invalidateCredentials(): void {
    this.s.exec?.invalidate();
  }

  async applyToHTTPSOptions(options: RequestOptions): Promise<void> {
    if (this.s.ca) options.ca = this.s.ca;
    if (this.s.cert) options.cert = this.s.cert;
    if (this.s.key) options.key = this.s.key;
    if (this.s.insecure) options.rejectUnauthorized = false;
    if (this.s.serverName) options.servername = this.s.serverName;
    const headers = { ...(options.headers as Record<string, string> | undefined) };
    const exec = this.s.exec ? await this.s.exec.get() : undefined;
    if (exec?.cert && exec.key) {
      options.cert = exec.cert;
      options.key = exec.key;
    }
    const token = exec?.token ?? this.bearer();
    if (token) headers.Authorization = `Bearer ${token}`;
    else if (this.s.basic) headers.Authorization = `Basic ${Buffer.from(`${this.s.basic.username}:${this.s.basic.password}`).toString('base64')}`;
    options.headers = headers;
  }

  private bearer(): string | undefined {
    if (this.s.token) return this.s.token;
    if (!this.s.tokenFile) return undefined;
    const now = Date.now();
    if (!this.token || now - this.token.readAt >= (this.s.tokenReloadMs ?? TOKEN_RELOAD_MS)) {
      try {
        this.token = { value: readFileSync(this.s.tokenFile, 'utf8').trim(), readAt: now };
      } catch (err) {
        if (!this.token) throw err;
      }
    }
    return this.token.value;
  }
}

/** client-node's KubeConfig, loaded only for what is not read here (exec plugins, auth providers, merged files). */
function fullConnection(loadInto: (kc: KubeConfig) => void): Connection {
  const { KubeConfig: Full } = createRequire(import.meta.url)('@kubernetes/client-node') as typeof import('@kubernetes/client-node');
  const kc = new Full();
  loadInto(kc);
  return kc;
}

type Named<T> = Array<{ name?: string } & T>;
interface KubeconfigFile {
  'current-context'?: string;
  contexts?: Named<{ context?: { cluster?: string; user?: string } }>;
  clusters?: Named<{ cluster?: Record<string, unknown> }>;
  users?: Named<{ user?: Record<string, unknown> }>;
}

/** The kubeconfig fields read here; a user or cluster with any other is handed to client-node. */
const USER_FIELDS = new Set(['client-certificate', 'client-certificate-data', 'client-key', 'client-key-data', 'token', 'tokenFile', 'username', 'password', 'exec']);
const CLUSTER_FIELDS = new Set(['server', 'certificate-authority', 'certificate-authority-data', 'insecure-skip-tls-verify', 'tls-server-name', 'proxy-url', 'extensions']);

/** A kubeconfig user's `exec` section, or undefined when it has none (a malformed one is an error naming the file). */
function execConfig(v: unknown, path: string): ExecConfig | undefined {
  if (v === undefined || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o !== 'object' || typeof o.command !== 'string' || o.command === '') throw new Error(`${path}: users[].user.exec.command must be a command name`);
  const args = Array.isArray(o.args) ? o.args.map(String) : [];
  const env = Array.isArray(o.env) ? o.env.filter((e): e is { name: string; value: string } => typeof e?.name === 'string').map((e) => ({ name: e.name, value: String(e.value ?? '') })) : [];
  return { command: o.command, args, env, ...(typeof o.apiVersion === 'string' ? { apiVersion: o.apiVersion } : {}) };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The connection of a kubeconfig file's current context, or of the context named (kubectl's --context). */
export function fromKubeconfigFile(path: string, contextOverride?: string): Connection {
  const doc = (load(readFileSync(path, 'utf8')) ?? {}) as KubeconfigFile;
  const contextName = contextOverride ?? str(doc['current-context']);
  if (contextOverride !== undefined && !doc.contexts?.some((c) => c.name === contextOverride)) throw new Error(`${path}: no context named ${JSON.stringify(contextOverride)}`);
  const context = doc.contexts?.find((c) => c.name === contextName)?.context ?? (doc.contexts?.length === 1 ? doc.contexts[0]?.context : undefined);
  const cluster = doc.clusters?.find((c) => c.name === context?.cluster)?.cluster ?? (doc.clusters?.length === 1 ? doc.clusters[0]?.cluster : undefined);
  const user = doc.users?.find((u) => u.name === context?.user)?.user ?? {};
  const server = str(cluster?.server);
  if (!cluster || !server) throw new Error(`${path}: no cluster server for context ${contextName ?? '(none)'}`);
  const file = (p: unknown) => {
    const s = str(p);
    return s === undefined ? undefined : readFileSync(isAbsolute(s) ? s : join(dirname(path), s));
  };
  const data = (v: unknown) => (str(v) === undefined ? undefined : Buffer.from(v as string, 'base64'));
  if (Object.keys(user).some((k) => !USER_FIELDS.has(k)) || Object.keys(cluster).some((k) => !CLUSTER_FIELDS.has(k))) {
    return fullConnection((kc) => {
      kc.loadFromFile(path);
      if (contextOverride !== undefined) kc.setCurrentContext(contextOverride);
    });
  }
  const settings: Settings = { server };
  const ca = data(cluster['certificate-authority-data']) ?? file(cluster['certificate-authority']);
  const cert = data(user['client-certificate-data']) ?? file(user['client-certificate']);
  const key = data(user['client-key-data']) ?? file(user['client-key']);
  if (ca) settings.ca = ca;
  if (cert) settings.cert = cert;
  if (key) settings.key = key;
  if (str(user.token)) settings.token = str(user.token) as string;
  if (str(user.tokenFile)) settings.tokenFile = str(user.tokenFile) as string;
  if (str(user.username) && str(user.password)) settings.basic = { username: user.username as string, password: user.password as string };
  const exec = execConfig(user.exec, path);
  if (exec) settings.exec = new ExecCredentials(exec, path);
  if (str(cluster['proxy-url'])) settings.proxyUrl = str(cluster['proxy-url']) as string;
  if (cluster['insecure-skip-tls-verify'] === true) settings.insecure = true;
  if (str(cluster['tls-server-name'])) settings.serverName = str(cluster['tls-server-name']) as string;
  return new DirectConnection(settings);
}

/** The pod's service account, as client-go's rest.InClusterConfig reads it. */
export function inCluster(env: NodeJS.ProcessEnv = process.env, dir = SA_DIR, tokenReloadMs = TOKEN_RELOAD_MS): Connection {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) throw new Error('not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set');
  return new DirectConnection({
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    ca: readFileSync(join(dir, 'ca.crt')),
    tokenFile: join(dir, 'token'),
    tokenReloadMs,
  });
}

/**
 * Like kubectl: an explicit file, else $KUBECONFIG, else ~/.kube/config, else the in-cluster service
 * account; `context` picks a context other than the current one (kubectl's --context).
 */
export function loadConnection(path?: string, env: NodeJS.ProcessEnv = process.env, context?: string): Connection {
  if (path) return fromKubeconfigFile(path, context);
  const fromEnv = env.KUBECONFIG?.split(':').filter(Boolean) ?? [];
  if (fromEnv.length === 1) return fromKubeconfigFile(fromEnv[0] as string, context);
  // Several files are merged by rules client-node implements: let it.
  if (fromEnv.length > 1) {
    return fullConnection((kc) => {
      kc.loadFromDefault();
      if (context !== undefined) kc.setCurrentContext(context);
    });
  }
  const home = join(homedir(), '.kube', 'config');
  if (existsSync(home)) return fromKubeconfigFile(home, context);
  if (context !== undefined) throw new Error(`no kubeconfig to take context ${JSON.stringify(context)} from ($KUBECONFIG is unset and ${home} does not exist)`);
  return inCluster(env);
}
