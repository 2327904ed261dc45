// Reading connections without @kubernetes/client-node: kubeconfig files (data
// and file references, tokens, basic auth, TLS options), the in-cluster service
// account with its rotating token, kubectl's order of precedence, and the hand-off
// to client-node for what is not read here (auth providers); exec plugins run
// for real, their credentials refreshed before they expire; proxy-url.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromKubeconfigFile, inCluster, loadConnection } from '../../src/cluster/kubeconfig.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

function kubeconfig(user: string, cluster = `server: https://10.0.0.1:6443\n      certificate-authority-data: ${b64('CA')}`): string {
  return `apiVersion: v1
kind: Config
current-context: main
contexts:
  - name: other
    context: {cluster: other, user: other}
  - name: main
    context: {cluster: main, user: main}
clusters:
  - name: other
    cluster: {server: https://other.example:6443}
  - name: main
    cluster:
      ${cluster}
users:
  - name: other
    user: {token: not-this-one}
  - name: main
    user:
${user}
`;
}

async function optionsOf(c: { applyToHTTPSOptions(o: RequestOptions): Promise<void> }): Promise<RequestOptions & { headers: Record<string, string> }> {
  const o: RequestOptions = { headers: { Accept: 'application/json' } };
  await c.applyToHTTPSOptions(o);
  return o as RequestOptions & { headers: Record<string, string> };
}

describe('cluster: connections (kubeconfig, in-cluster)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'guard502-kubeconfig-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('reads the current context: server, CA and client certificate from data fields', async () => {
    const c = fromKubeconfigFile(write('config', kubeconfig(`      client-certificate-data: ${b64('CERT')}\n      client-key-data: ${b64('KEY')}`)));
    assert.deepEqual(c.getCurrentCluster(), { server: 'https://10.0.0.1:6443' });
    const o = await optionsOf(c);
    assert.equal(String(o.ca), 'CA');
    assert.equal(String(o.cert), 'CERT');
    assert.equal(String(o.key), 'KEY');
    assert.equal(o.headers.Authorization, undefined);
    assert.equal(o.headers.Accept, 'application/json', 'other headers kept');
  });

  it('reads file references relative to the kubeconfig, a bearer token, and TLS options', async () => {
    write('ca.crt', 'CA-FILE');
    const c = fromKubeconfigFile(
      write('config', kubeconfig('      token: s3cr3t', 'server: https://api.example:443\n      certificate-authority: ca.crt\n      tls-server-name: kubernetes.default\n      insecure-skip-tls-verify: true')),
    );
    const o = await optionsOf(c);
    assert.equal(String(o.ca), 'CA-FILE');
    assert.equal(o.headers.Authorization, 'Bearer s3cr3t');
    assert.equal(o.servername, 'kubernetes.default');
    assert.equal(o.rejectUnauthorized, false);
  });

  it('reads basic auth', async () => {
    const o = await optionsOf(fromKubeconfigFile(write('config', kubeconfig('      username: admin\n      password: pw'))));
    assert.equal(o.headers.Authorization, `Basic ${b64('admin:pw')}`);
  });

  it('hands auth providers to client-node', async () => {
    const c = fromKubeconfigFile(write('config', kubeconfig('      auth-provider: {name: oidc, config: {id-token: x}}')));
    assert.equal(c.constructor.name, 'KubeConfig');
    assert.equal(c.getCurrentCluster()?.server, 'https://10.0.0.1:6443');
  });

  it('reads proxy-url', () => {
    const c = fromKubeconfigFile(write('config', kubeconfig('      token: t', 'server: https://10.0.0.1:6443\n      proxy-url: http://127.0.0.1:3128')));
    assert.deepEqual(c.getCurrentCluster(), { server: 'https://10.0.0.1:6443', proxyUrl: 'http://127.0.0.1:3128' });
  });

  describe('exec plugins', () => {
    /** A real plugin: logs each run, hands out token-<run> valid for `seconds` (relative path: beside the kubeconfig). */
    const plugin = (seconds: number) => {
      write(
        'plugin.sh',
        `#!/usr/bin/env bash
set -eu
n=$(( $(cat "$RUNS" 2>/dev/null | wc -l) + 1 ))
echo run >> "$RUNS"
[[ "$KUBERNETES_EXEC_INFO" == *'"interactive":false'* ]] || { echo "no KUBERNETES_EXEC_INFO" >&2; exit 3; }
exp=$(date -u -d "+${seconds} seconds" +%Y-%m-%dT%H:%M:%SZ)
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"token-%s","expirationTimestamp":"%s"}}' "$n" "$exp"
`,
      );
      chmodSync(join(dir, 'plugin.sh'), 0o755);
      const runs = join(dir, 'runs');
      return fromKubeconfigFile(write('config', kubeconfig(`      exec: {apiVersion: client.authentication.k8s.io/v1, command: ./plugin.sh, env: [{name: RUNS, value: "${runs}"}]}`)));
    };
    const runs = () => (existsSync(join(dir, 'runs')) ? readFileSync(join(dir, 'runs'), 'utf8').trim().split('\n').length : 0);

    it('runs the plugin once, shares its credential between concurrent requests, and keeps it while it is fresh', async () => {
      const c = plugin(3600);
      const all = await Promise.all([optionsOf(c), optionsOf(c), optionsOf(c)]);
      assert.deepEqual(all.map((o) => o.headers.Authorization), ['Bearer token-1', 'Bearer token-1', 'Bearer token-1']);
      assert.equal((await optionsOf(c)).headers.Authorization, 'Bearer token-1');
      assert.equal(runs(), 1);
    });

    it('runs it again before the credential expires, not after', async () => {
      const c = plugin(2); // whole seconds: valid for 1 to 2 s from now
      const first = await optionsOf(c);
      assert.equal(first.headers.Authorization, 'Bearer token-1');
      const expiry = Date.parse(new Date(Date.now() + 2_000).toISOString().replace(/\.\d{3}Z$/, 'Z'));
      let refreshedAt = 0;
      while (Date.now() < expiry + 500) {
        const o = await optionsOf(c);
        if (o.headers.Authorization !== 'Bearer token-1' && !refreshedAt) refreshedAt = Date.now();
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(refreshedAt > 0, 'never refreshed');
      assert.ok(refreshedAt < expiry, `refreshed ${refreshedAt - expiry} ms after the expiry`);
    });

    it('runs it again at once after the server refused the credential', async () => {
      const c = plugin(3600);
      assert.equal((await optionsOf(c)).headers.Authorization, 'Bearer token-1');
      c.invalidateCredentials?.();
      assert.equal((await optionsOf(c)).headers.Authorization, 'Bearer token-2');
    });

    it('says which plugin failed and why', async () => {
      write('fails.sh', '#!/bin/sh\necho "login required" >&2\nexit 1\n');
      chmodSync(join(dir, 'fails.sh'), 0o755);
      const c = fromKubeconfigFile(write('config', kubeconfig(`      exec: {apiVersion: client.authentication.k8s.io/v1, command: ${join(dir, 'fails.sh')}}`)));
      await assert.rejects(optionsOf(c), /exec plugin .*fails\.sh failed: login required/);
    });
  });

  it('says which file has no cluster', () => {
    assert.throws(() => fromKubeconfigFile(write('config', 'apiVersion: v1\nkind: Config\n')), /config: no cluster server/);
  });

  it('in a cluster: the service account, its token re-read as it rotates', async () => {
    write('ca.crt', 'SA-CA');
    write('token', 'token-1\n');
    const c = inCluster({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, dir, 0);
    assert.equal(c.getCurrentCluster()?.server, 'https://[fd00::1]:443');
    const o = await optionsOf(c);
    assert.equal(String(o.ca), 'SA-CA');
    assert.equal(o.headers.Authorization, 'Bearer token-1');
    write('token', 'token-2\n'); // the kubelet rotated it
    assert.equal((await optionsOf(c)).headers.Authorization, 'Bearer token-2');
    assert.throws(() => inCluster({}, dir), /not running in a cluster/);
  });

  it('follows kubectl: an explicit file, then $KUBECONFIG, then the service account', () => {
    const a = write('a', kubeconfig('      token: a').replace('10.0.0.1', '10.0.0.2'));
    const b = write('b', kubeconfig('      token: b').replace('10.0.0.1', '10.0.0.3'));
    assert.equal(loadConnection(a, { KUBECONFIG: b }).getCurrentCluster()?.server, 'https://10.0.0.2:6443');
    assert.equal(loadConnection(undefined, { KUBECONFIG: b }).getCurrentCluster()?.server, 'https://10.0.0.3:6443');
  });
});
