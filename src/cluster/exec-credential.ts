// Credentials from a kubeconfig `exec` plugin (client.authentication.k8s.io):
// the command prints an ExecCredential with a token or a client certificate and,
// usually, when it expires. It is run again before that time — a request never
// goes out with a credential about to expire — and at once after a 401 (the
// server no longer accepts it). Concurrent requests share one run.

import { execFile } from 'node:child_process';
import { dirname, isAbsolute, join } from 'node:path';

export interface ExecConfig {
  command: string;
  args?: string[];
  env?: Array<{ name: string; value: string }>;
  apiVersion?: string;
}

export interface ExecCredential {
  token?: string;
  cert?: Buffer;
  key?: Buffer;
  /** Milliseconds since the epoch; undefined: valid until the server says otherwise. */
  expiresAt?: number;
}

/** How long before its expiry a credential is replaced: a quarter of its lifetime, at most a minute. */
export function refreshAt(obtainedAt: number, expiresAt: number): number {
  return expiresAt - Math.min(60_000, Math.max(0, expiresAt - obtainedAt) / 4);
}

export class ExecCredentials {
  private readonly config: ExecConfig;
  private readonly command: string;
  private cached: { credential: ExecCredential; obtainedAt: number } | undefined;
  private running: Promise<ExecCredential> | undefined;

  /** `kubeconfigPath`: a relative command with a path separator is relative to the kubeconfig's directory. */
  constructor(config: ExecConfig, kubeconfigPath?: string) {
    this.config = config;
    const c = config.command;
    this.command = kubeconfigPath && c.includes('/') && !isAbsolute(c) ? join(dirname(kubeconfigPath), c) : c;
  }

  async get(now = Date.now()): Promise<ExecCredential> {
    const c = this.cached;
    if (c && (c.credential.expiresAt === undefined || now < refreshAt(c.obtainedAt, c.credential.expiresAt))) return c.credential;
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  /** The server refused the credential: the next request runs the plugin again. */
  invalidate(): void {
    this.cached = undefined;
  }

  private run(): Promise<ExecCredential> {
    const apiVersion = this.config.apiVersion ?? 'client.authentication.k8s.io/v1';
    const env: NodeJS.ProcessEnv = { ...process.env, KUBERNETES_EXEC_INFO: JSON.stringify({ apiVersion, kind: 'ExecCredential', spec: { interactive: false } }) };
    for (const e of this.config.env ?? []) env[e.name] = e.value;
    const obtainedAt = Date.now();
    return new Promise((resolve, reject) => {
      execFile(this.command, this.config.args ?? [], { env, timeout: 60_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
        if (err) return reject(new Error(`kubeconfig exec plugin ${this.config.command} failed: ${String(stderr).trim() || err.message}`));
        let status: Record<string, unknown> | undefined;
        try {
          status = (JSON.parse(String(stdout)) as { status?: Record<string, unknown> }).status;
        } catch {
          return reject(new Error(`kubeconfig exec plugin ${this.config.command}: its output is not an ExecCredential (JSON)`));
        }
        const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
        const credential: ExecCredential = {};
        const token = str(status?.token);
        const cert = str(status?.clientCertificateData);
        const key = str(status?.clientKeyData);
        if (token) credential.token = token;
        if (cert && key) {
          credential.cert = Buffer.from(cert);
          credential.key = Buffer.from(key);
        }
        if (!token && !credential.cert) return reject(new Error(`kubeconfig exec plugin ${this.config.command}: the ExecCredential has neither status.token nor status.clientCertificateData/clientKeyData`));
        const expires = str(status?.expirationTimestamp);
        if (expires !== undefined) {
          const t = Date.parse(expires);
          if (Number.isNaN(t)) return reject(new Error(`kubeconfig exec plugin ${this.config.command}: status.expirationTimestamp ${JSON.stringify(expires)} is not a time`));
          credential.expiresAt = t;
        }
        this.cached = { credential, obtainedAt };
        resolve(credential);
      });
    });
  }
}
