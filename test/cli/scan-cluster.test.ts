// `guard502 scan --cluster` without a cluster: its options, the kubeconfig context
// it picks, and one clear line (exit 2) for everything that keeps it from reading.
// Against a real API server: test/e2e/scan-cluster.test.ts.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConnection } from '../../src/cluster/kubeconfig.ts';
import { runCli } from '../support/cli.ts';

const KUBECONFIG = `apiVersion: v1
kind: Config
current-context: main
contexts:
  - {name: main, context: {cluster: main, user: u}}
  - {name: staging, context: {cluster: staging, user: u}}
clusters:
  - {name: main, cluster: {server: "https://127.0.0.1:1"}}
  - {name: staging, cluster: {server: "https://127.0.0.1:2"}}
users:
  - {name: u, user: {token: t}}
`;

describe('guard502 scan --cluster (options)', () => {
  let dir: string;
  let kubeconfig: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'guard502-kc-'));
    kubeconfig = join(dir, 'config');
    writeFileSync(kubeconfig, KUBECONFIG);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('takes the current context, or the one --context names', () => {
    assert.equal(loadConnection(kubeconfig, {}).getCurrentCluster()?.server, 'https://127.0.0.1:1');
    assert.equal(loadConnection(kubeconfig, {}, 'staging').getCurrentCluster()?.server, 'https://127.0.0.1:2');
    assert.equal(loadConnection(undefined, { KUBECONFIG: kubeconfig }, 'staging').getCurrentCluster()?.server, 'https://127.0.0.1:2');
    assert.throws(() => loadConnection(kubeconfig, {}, 'prod'), /no context named "prod"/);
  });

  it('says in one line that the API server cannot be reached (exit 2)', async () => {
    const r = await runCli(['scan', '--cluster', '--kubeconfig', kubeconfig, '--context', 'staging']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^guard502: cannot read the cluster at https:\/\/127\.0\.0\.1:2: .*ECONNREFUSED/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.equal(r.stdout, '');
  });

  it('names a kubeconfig it cannot load, or a context it does not have', async () => {
    const missing = await runCli(['scan', '--cluster', '--kubeconfig', join(dir, 'absent')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^guard502: cannot load the kubeconfig: .*absent/);
    const unknown = await runCli(['scan', '--cluster', '--kubeconfig', kubeconfig, '--context', 'prod']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no context named "prod"/);
  });

  it('refuses options that belong to the other mode', async () => {
    for (const [args, message] of [
      [['--cluster', 'k8s/'], /--cluster reads the cluster, not files/],
      [['--cluster', '-n', 'shop', '-A'], /exclude each other/],
      [['--context', 'main', 'examples/'], /--context applies to --cluster/],
      [['-A', 'examples/'], /--all-namespaces applies to --cluster/],
    ] as const) {
      const r = await runCli(['scan', ...args]);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, message);
    }
  });
});
