// A throwaway Kubernetes control plane for end-to-end tests: etcd and
// kube-apiserver (plus, on request, kube-controller-manager, kube-scheduler and
// kwok with fake nodes, so Deployments get Ready pods and EndpointSlices) on
// random loopback ports, with generated certificates, torn down — processes
// and temp dirs — even when a test fails. Binaries come from
// test/control-plane/build (built from the official Go modules) or KUBEBUILDER_ASSETS.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig, CoreV1Api } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { makeCA, makeClientCert, makeServingCert, type KeyPair } from './certs.ts';
import { missingPrerequisite } from './prerequisite.ts';

const BUILD = new URL('../control-plane/build', import.meta.url).pathname;


/** The label that makes kwok hold a pod running but never ready, its containers in CrashLoopBackOff. */
export const NEVER_READY_LABEL = 'guard502.test/never-ready';

/**
 * kwok's default stages, with one more: a pod labelled NEVER_READY_LABEL runs but never becomes ready, as
 * a pod whose container keeps crashing (the default pod-ready stage leaves it alone).
 */
function kwokStages(binDir: string, dir: string): string {
  const stages = yaml.loadAll(readFileSync(join(binDir, 'kwok-stages.yaml'), 'utf8')).filter(Boolean) as Array<{ metadata: { name: string }; spec: { selector: { matchExpressions: object[] } } }>;
  const labelled = `.metadata.labels["${NEVER_READY_LABEL}"]`;
  const ready = stages.find((s) => s.metadata.name === 'pod-ready');
  if (!ready) throw new Error(`kwok's pod-ready stage is missing from ${binDir}/kwok-stages.yaml`);
  ready.spec.selector.matchExpressions.push({ key: labelled, operator: 'DoesNotExist' });
  stages.push({
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'Stage',
    metadata: { name: 'pod-never-ready' },
    spec: {
      resourceRef: { apiGroup: 'v1', kind: 'Pod' },
      selector: {
        matchExpressions: [
          { key: '.metadata.deletionTimestamp', operator: 'DoesNotExist' },
          { key: '.status.phase', operator: 'In', values: ['Pending'] },
          { key: labelled, operator: 'Exists' },
        ],
      },
      next: {
        statusTemplate: [
          '{{ $now := Now }}',
          'conditions:',
          '- {lastTransitionTime: {{ $now | Quote }}, status: "True", type: Initialized}',
          '- {lastTransitionTime: {{ $now | Quote }}, status: "False", type: Ready, reason: ContainersNotReady}',
          '- {lastTransitionTime: {{ $now | Quote }}, status: "False", type: ContainersReady, reason: ContainersNotReady}',
          'containerStatuses:',
          '{{ range .spec.containers }}',
          '- image: {{ .image | Quote }}',
          '  name: {{ .name | Quote }}',
          '  ready: false',
          '  restartCount: 5',
          '  state: {waiting: {reason: CrashLoopBackOff, message: "back-off 5m0s restarting failed container"}}',
          '{{ end }}',
          '{{ $hostIPs := NodeIPsWith .spec.nodeName }}',
          '{{ with $hostIPs }}',
          'hostIP: {{ index . 0 | Quote }}',
          '{{ end }}',
          '{{ $podIPs := PodIPsWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) }}',
          '{{ with $podIPs }}',
          'podIP: {{ index . 0 | Quote }}',
          '{{ end }}',
          'phase: Running',
          'startTime: {{ $now | Quote }}',
        ].join('\n'),
      },
    },
  } as unknown as (typeof stages)[number]);
  const path = join(dir, 'kwok-stages.yaml');
  writeFileSync(path, stages.map((s) => yaml.dump(s, { lineWidth: -1 })).join('---\n'));
  return path;
}

export interface ControlPlaneOptions {
  controllerManager?: boolean;
  scheduler?: boolean;
  kwok?: boolean;
  /** Fake kwok nodes to create (default 1 when kwok runs). */
  nodes?: number;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ControlPlane {
  kubeconfigPath: string;
  kubeConfig: KubeConfig;
  server: string;
  binDir: string;
  dir: string;
  ca: KeyPair;
  kubectl(args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<CommandResult>;
  restartApiServer(): Promise<void>;
  stop(): Promise<void>;
}

/** Where the binaries are, or why the end-to-end suites cannot run. */
export function locateControlPlane(): { binDir: string } | { skipReason: string } {
  try {
    const out = execFileSync('bash', [BUILD, '--locate'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    const binDir = out.split('\n').pop() as string;
    for (const b of ['etcd', 'kube-apiserver']) if (!existsSync(join(binDir, b))) return { skipReason: `${b} missing in ${binDir}` };
    return { binDir };
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
    return { skipReason: stderr.replace(/^control plane: /, '') || 'control plane binaries not available' };
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

interface Proc {
  name: string;
  child: ChildProcess;
  log: string;
}

function startProcess(dir: string, binDir: string, name: string, args: string[]): Proc {
  const log = join(dir, `${name}.log`);
  const out = createWriteStream(log, { flags: 'a' });
  const child = spawn(join(binDir, name), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  live.add(child);
  child.once('exit', () => live.delete(child));
  return { name, child, log };
}

async function stopProcess(p: Proc): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => p.child.once('exit', () => resolve()));
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

function tail(path: string, lines = 15): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function httpsGet(url: string, tls: { ca: string; cert: string; key: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ...tls, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, procs: Proc[]): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = procs.find((p) => p.child.exitCode !== null);
    if (dead) throw new Error(`${dead.name} exited with ${dead.child.exitCode} while waiting for ${what}:\n${tail(dead.log)}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${procs.map((p) => `--- ${p.name}\n${tail(p.log)}`).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

function kubeconfigYaml(server: string, ca: string, client: KeyPair): string {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return `apiVersion: v1
kind: Config
clusters:
- name: test
  cluster: {server: "${server}", certificate-authority-data: ${b64(ca)}}
users:
- name: admin
  user: {client-certificate-data: ${b64(client.cert)}, client-key-data: ${b64(client.key)}}
contexts:
- name: test
  context: {cluster: test, user: admin, namespace: default}
current-context: test
`;
}

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const located = locateControlPlane();
  if ('skipReason' in located) throw new Error(`control plane unavailable: ${located.skipReason}`);
  const { binDir } = located;
  const dir = mkdtempSync(join(tmpdir(), 'guard502-cp-'));
  const procs: Proc[] = [];
  try {
    const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
    const ca = makeCA('guard502-test-cluster-ca');
    const serving = makeServingCert(ca, { dns: ['localhost', 'kubernetes', 'kubernetes.default.svc'], ips: ['127.0.0.1'] }, 'kube-apiserver');
    const admin = makeClientCert(ca, 'admin', ['system:masters']);
    const sa = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    const file = (name: string, content: string) => {
      const p = join(dir, name);
      writeFileSync(p, content, { mode: 0o600 });
      return p;
    };
    const caFile = file('ca.crt', ca.cert);
    const caKeyFile = file('ca.key', ca.key);
    const certFile = file('apiserver.crt', serving.cert);
    const keyFile = file('apiserver.key', serving.key);
    const saPub = file('sa.pub', sa.publicKey);
    const saKey = file('sa.key', sa.privateKey);
    const server = `https://127.0.0.1:${apiPort}`;
    const kubeconfigPath = file('kubeconfig', kubeconfigYaml(server, ca.cert, admin));

    const etcd = startProcess(dir, binDir, 'etcd', [
      '--name=default', `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`, `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`, `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`, '--unsafe-no-fsync', '--log-level=warn',
    ]);
    procs.push(etcd);

    const apiArgs = [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`, `--etcd-prefix=/guard502-test`,
      // Loopback cannot be advertised through the endpoint reconciler; the tests need no kubernetes Service endpoints.
      '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', '--endpoint-reconciler-type=none', `--secure-port=${apiPort}`,
      `--tls-cert-file=${certFile}`, `--tls-private-key-file=${keyFile}`, `--client-ca-file=${caFile}`,
      `--service-account-key-file=${saPub}`, `--service-account-signing-key-file=${saKey}`,
      '--service-account-issuer=https://kubernetes.default.svc', '--api-audiences=https://kubernetes.default.svc',
      '--authorization-mode=RBAC', '--service-cluster-ip-range=10.96.0.0/16', '--allow-privileged=true',
      `--cert-dir=${join(dir, 'apiserver-certs')}`, '--profiling=false', '--v=1',
    ];
    let api = startProcess(dir, binDir, 'kube-apiserver', apiArgs);
    procs.push(api);
    const tls = { ca: ca.cert, cert: admin.cert, key: admin.key };
    const waitReady = () => waitFor('kube-apiserver /readyz', async () => (await httpsGet(`${server}/readyz`, tls)).status === 200, 60_000, procs);
    await waitReady();

    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(kubeconfigPath);

    if (opts.controllerManager) {
      procs.push(startProcess(dir, binDir, 'kube-controller-manager', [
        `--kubeconfig=${kubeconfigPath}`, `--authentication-kubeconfig=${kubeconfigPath}`, `--authorization-kubeconfig=${kubeconfigPath}`,
        '--leader-elect=false', '--bind-address=127.0.0.1', '--secure-port=0',
        `--service-account-private-key-file=${saKey}`, `--root-ca-file=${caFile}`,
        `--cluster-signing-cert-file=${caFile}`, `--cluster-signing-key-file=${caKeyFile}`,
        '--use-service-account-credentials=false', '--controllers=*,-nodeipam',
        '--concurrent-deployment-syncs=10', '--v=1',
      ]));
    }
    if (opts.scheduler ?? opts.kwok) {
      procs.push(startProcess(dir, binDir, 'kube-scheduler', [
        `--kubeconfig=${kubeconfigPath}`, `--authentication-kubeconfig=${kubeconfigPath}`, `--authorization-kubeconfig=${kubeconfigPath}`,
        '--leader-elect=false', '--bind-address=127.0.0.1', '--secure-port=0', '--v=1',
      ]));
    }
    if (opts.kwok) {
      const kwokPort = await freePort();
      procs.push(startProcess(dir, binDir, 'kwok', [
        `--kubeconfig=${kubeconfigPath}`, `--config=${kwokStages(binDir, dir)}`, '--manage-all-nodes=false',
        '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
        '--node-ip=127.0.0.1', `--node-port=${kwokPort}`, `--server-address=127.0.0.1:${await freePort()}`,
        '--cidr=10.244.0.0/16',
      ]));
      const core = kubeConfig.makeApiClient(CoreV1Api);
      for (let i = 0; i < (opts.nodes ?? 1); i++) {
        await core.createNode({
          body: {
            metadata: { name: `kwok-node-${i}`, annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' }, labels: { type: 'kwok', 'kubernetes.io/hostname': `kwok-node-${i}`, 'kubernetes.io/os': 'linux' } },
            status: { allocatable: { cpu: '64', memory: '256Gi', pods: '500' }, capacity: { cpu: '64', memory: '256Gi', pods: '500' } },
          },
        });
      }
    }

    const cp: ControlPlane = {
      kubeconfigPath,
      kubeConfig,
      server,
      binDir,
      dir,
      ca,
      kubectl(args, o = {}) {
        return new Promise((resolve) => {
          // Its own discovery cache: kubectl keys the shared one by host and port, and a port an earlier control
          // plane used (with other CRDs) would make it trust a stale list of kinds.
          const child = spawn('kubectl', [`--kubeconfig=${kubeconfigPath}`, `--cache-dir=${join(dir, 'kubectl-cache')}`, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, KUBECONFIG: kubeconfigPath } });
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
          child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
          const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 60_000);
          child.on('close', (code) => {
            clearTimeout(timer);
            resolve({ code: code ?? -1, stdout, stderr });
          });
          // A kubectl that exits before reading its input (an error, a busy machine) closes the pipe: its exit
          // code and stderr say what happened, not an EPIPE thrown at whatever test runs at that moment.
          child.stdin.on('error', () => {});
          child.stdin.end(o.input ?? '');
        });
      },
      async restartApiServer() {
        await stopProcess(api);
        procs.splice(procs.indexOf(api), 1);
        api = startProcess(dir, binDir, 'kube-apiserver', apiArgs);
        procs.push(api);
        await waitReady();
      },
      async stop() {
        for (const p of [...procs].reverse()) await stopProcess(p);
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return cp;
  } catch (err) {
    for (const p of [...procs].reverse()) await stopProcess(p);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Mocha helper: a control plane for the enclosing `describe`, started before
 * its tests and stopped after them (even when they fail). When the binaries are
 * unavailable the suite is skipped with one line that says why and how to enable it
 * (in CI it fails instead: see prerequisite.ts).
 */
export function useControlPlane(opts: ControlPlaneOptions = {}): { readonly cp: ControlPlane } {
  let cp: ControlPlane | undefined;
  before(async function () {
    this.timeout(120_000);
    const located = locateControlPlane();
    if ('skipReason' in located) missingPrerequisite(this, `end-to-end suite: ${located.skipReason}`);
    cp = await startControlPlane(opts);
  });
  after(async function () {
    this.timeout(30_000);
    await cp?.stop();
  });
  return {
    get cp(): ControlPlane {
      if (!cp) throw new Error('control plane not started');
      return cp;
    },
  };
}
