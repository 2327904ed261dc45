// The cluster client on a real apiserver, in the situations a polite client
// must handle: API Priority and Fairness rejecting requests (429 with
// Retry-After, retried, never lost), a kubeconfig proxy-url (through a CONNECT
// proxy on loopback), and an exec plugin whose short-lived credentials are
// refreshed before they expire.
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { KubeClient } from '../../src/cluster/client.ts';
import { fromKubeconfigFile } from '../../src/cluster/kubeconfig.ts';
import { makeClientCert } from '../support/certs.ts';
import { useControlPlane, type ControlPlane } from '../support/control-plane.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A kubeconfig for the test cluster with the given user section and extra cluster fields. */
function kubeconfig(cp: ControlPlane, name: string, user: string, cluster = ''): string {
  const path = join(cp.dir, `${name}.kubeconfig`);
  writeFileSync(
    path,
    `apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: "${cp.server}"
    certificate-authority-data: ${b64(cp.ca.cert)}${cluster}
users:
- name: u
  user:
${user}
contexts:
- name: test
  context: {cluster: test, user: u}
current-context: test
`,
  );
  return path;
}

/** An HTTP CONNECT proxy on loopback that records the tunnels it opens. */
async function connectProxy(): Promise<{ server: Server; url: string; tunnels: string[] }> {
  const tunnels: string[] = [];
  const server = createServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req, client: Socket, head: Buffer) => {
    tunnels.push(String(req.url));
    const [host, port] = String(req.url).split(':');
    const upstream = connect(Number(port), host as string, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, tunnels };
}

/** A counter of the apiserver's own metrics (text format), summed over its series. */
async function apiserverMetric(cp: ControlPlane, name: string): Promise<number> {
  const r = await cp.kubectl(['get', '--raw', '/metrics']);
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((a, l) => a + Number(l.split(' ').pop()), 0);
}

/** A ClusterRole that reads what these tests read (no controller-manager here to aggregate `view`). */
const READER = 'guard502-test-reader';

describe('e2e: the cluster client under flow control, behind a proxy, with an exec plugin', function () {
  this.timeout(120_000);
  const env = useControlPlane();
  before(async () => {
    const r = await env.cp.kubectl(['create', 'clusterrole', READER, '--verb=get,list', '--resource=namespaces,configmaps']);
    assert.equal(r.code, 0, r.stderr);
  });

  it('retries requests API Priority and Fairness rejects (429, Retry-After) until they pass', async () => {
    const cp = env.cp;
    // A user of its own in a priority level with one seat and no queue: concurrent requests are rejected with 429.
    const user = makeClientCert(cp.ca, 'throttled');
    const applied = await cp.kubectl(['apply', '-f', '-'], {
      input: `
apiVersion: flowcontrol.apiserver.k8s.io/v1
kind: PriorityLevelConfiguration
metadata: {name: guard502-one-seat}
spec: {type: Limited, limited: {nominalConcurrencyShares: 1, lendablePercent: 0, limitResponse: {type: Reject}}}
---
apiVersion: flowcontrol.apiserver.k8s.io/v1
kind: FlowSchema
metadata: {name: guard502-throttled}
spec:
  priorityLevelConfiguration: {name: guard502-one-seat}
  matchingPrecedence: 100
  rules: [{subjects: [{kind: User, user: {name: throttled}}], resourceRules: [{verbs: ["*"], apiGroups: ["*"], resources: ["*"], namespaces: ["*"], clusterScope: true}], nonResourceRules: [{verbs: ["*"], nonResourceURLs: ["*"]}]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: throttled-reader}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ${READER}}
subjects: [{kind: User, name: throttled, apiGroup: rbac.authorization.k8s.io}]
`,
    });
    assert.equal(applied.code, 0, applied.stderr);
    // Lists that take the server a while (100 ConfigMaps of 20 kB each), so that they overlap there.
    const admin = new KubeClient(cp.kubeConfig);
    const blob = 'x'.repeat(20_000);
    await Promise.all(Array.from({ length: 100 }, (_, i) => admin.create('/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}` }, data: { blob } })));
    admin.close();
    const path = kubeconfig(cp, 'throttled', `    client-certificate-data: ${b64(user.cert)}\n    client-key-data: ${b64(user.key)}`);
    const client = new KubeClient(fromKubeconfigFile(path));
    const rejectedBefore = await apiserverMetric(cp, 'apiserver_flowcontrol_rejected_requests_total');
    try {
      const lists = await Promise.all(Array.from({ length: 32 }, () => client.list('/api/v1/namespaces/default/configmaps')));
      for (const l of lists) assert.equal(l.items.length, 100);
    } finally {
      client.close();
    }
    const rejected = (await apiserverMetric(cp, 'apiserver_flowcontrol_rejected_requests_total')) - rejectedBefore;
    assert.ok(rejected > 0, 'the apiserver rejected nothing: the test proves nothing');
    console.log(`      ${rejected} requests rejected with 429 by the apiserver, all retried`);
  });

  it('reaches the API server through the kubeconfig proxy-url (a CONNECT tunnel)', async () => {
    const cp = env.cp;
    const proxy = await connectProxy();
    const admin = makeClientCert(cp.ca, 'admin', ['system:masters']);
    const user = `    client-certificate-data: ${b64(admin.cert)}\n    client-key-data: ${b64(admin.key)}`;
    try {
      const client = new KubeClient(fromKubeconfigFile(kubeconfig(cp, 'proxied', user, `\n    proxy-url: ${proxy.url}`)));
      const ns = await client.request<{ metadata: { name: string } }>('/api/v1/namespaces/default');
      assert.equal(ns.metadata.name, 'default');
      await client.list('/api/v1/namespaces');
      client.close();
      assert.ok(proxy.tunnels.length >= 1, 'no tunnel opened');
      assert.deepEqual([...new Set(proxy.tunnels)], [new URL(cp.server).host]);
      // A proxy that is not there is an error that names it, not a silent direct connection.
      const port = (proxy.server.address() as { port: number }).port;
      await new Promise((r) => proxy.server.close(r));
      const gone = new KubeClient(fromKubeconfigFile(kubeconfig(cp, 'gone', user, `\n    proxy-url: http://127.0.0.1:${port}`)));
      await assert.rejects(gone.request('/api/v1/namespaces/default'), /proxy 127\.0\.0\.1:\d+/);
      gone.close();
    } finally {
      proxy.server.close();
      proxy.server.closeAllConnections();
    }
  });

  it('refreshes an exec plugin credential before it expires: every request passes', async () => {
    const cp = env.cp;
    assert.equal((await cp.kubectl(['create', 'serviceaccount', 'plugin-user'])).code, 0);
    assert.equal((await cp.kubectl(['create', 'clusterrolebinding', 'plugin-user-reader', `--clusterrole=${READER}`, '--serviceaccount=default:plugin-user'])).code, 0);
    const token = (await cp.kubectl(['create', 'token', 'plugin-user'])).stdout.trim();
    assert.ok(token.length > 20);
    const runs = join(cp.dir, 'plugin-runs');
    const script = join(cp.dir, 'plugin.sh');
    // The credential it hands out says it expires in 2 s (the token itself lives longer: only the plugin's word counts).
    writeFileSync(
      script,
      `#!/usr/bin/env bash
set -eu
echo "$(date +%s%3N)" >> "${runs}"
exp=$(date -u -d "+2 seconds" +%Y-%m-%dT%H:%M:%SZ)
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"%s"}}' "${token}" "$exp"
`,
    );
    chmodSync(script, 0o755);
    const client = new KubeClient(fromKubeconfigFile(kubeconfig(cp, 'exec', `    exec: {apiVersion: client.authentication.k8s.io/v1, command: ${script}, interactiveMode: Never}`)));
    try {
      const started = Date.now();
      let requests = 0;
      while (Date.now() - started < 5_000) {
        await client.request('/api/v1/namespaces/default');
        requests++;
        await new Promise((r) => setTimeout(r, 100));
      }
      const times = readFileSync(runs, 'utf8').trim().split('\n').map(Number);
      assert.ok(times.length >= 3, `the plugin ran ${times.length} times in 5 s for credentials valid 1-2 s`);
      assert.ok(requests > 20);
    } finally {
      client.close();
    }
  });
});
