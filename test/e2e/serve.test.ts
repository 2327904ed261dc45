// `guard502 serve` as the container runs it: one process, webhook over HTTPS and
// controller, ready only when synced, JSON logs, graceful SIGTERM (exit 0, lease released).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, useControlPlane } from '../support/control-plane.ts';
import { eventually } from '../support/eventually.ts';
import { issueServing, testCA } from '../support/webhook.ts';

function httpsStatus(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, ca: testCA().cert, servername: 'localhost' }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

describe('e2e: guard502 serve (the container entrypoint)', function () {
  this.timeout(120_000);
  const env = useControlPlane();

  it('serves the webhook, annotates as leader, logs JSON and stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'guard502-serve-'));
    const serving = issueServing();
    writeFileSync(join(dir, 'tls.crt'), serving.cert);
    writeFileSync(join(dir, 'tls.key'), serving.key);
    const [port, metricsPort] = [await freePort(), await freePort()];
    assert.equal((await env.cp.kubectl(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: Service\nmetadata: {name: lonely, namespace: default}\nspec: {selector: {app: none}, ports: [{port: 80}]}\n' })).code, 0);
    const child = spawn(process.execPath, ['bin/guard502.js', 'serve', '--kubeconfig', env.cp.kubeconfigPath, `--port=${port}`, `--metrics-port=${metricsPort}`,
      `--tls-cert-file=${join(dir, 'tls.crt')}`, `--tls-key-file=${join(dir, 'tls.key')}`, '--namespace=kube-system', '--identity=serve-test'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await eventually('ready', async () => ((await httpsStatus(port, '/readyz')) === 200 ? true : undefined), 30_000, 200);
      const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text());
      assert.match(metrics, /guard502_controller_leader 1/);
      await eventually('annotation by the controller', async () => {
        const r = await env.cp.kubectl(['get', 'service', 'lonely', '-o', 'jsonpath={.metadata.annotations.guard502\\.dev/risk}']);
        return r.stdout === 'high' ? true : undefined;
      }, 30_000);
      child.kill('SIGTERM');
      assert.equal(await exited, 0, out);
      for (const line of out.trim().split('\n')) assert.doesNotThrow(() => JSON.parse(line), `not a JSON log line: ${line}`);
      assert.match(out, /"msg":"released the lease"/);
      const lease = await env.cp.kubectl(['get', 'lease', 'guard502-controller', '-n', 'kube-system', '-o', 'jsonpath={.spec.holderIdentity}']);
      assert.equal(lease.stdout, '');
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
