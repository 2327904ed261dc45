// The controller's live judgement against a real cluster (controller-manager,
// scheduler and kwok, so rollouts really progress or stall): rollout-stuck
// appears with the exact undo command, once, and clears after the undo. And a
// start while the cache is still listing a larger cluster never judges from a
// partial view (no finding, no Event, no write for a problem that never existed).
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { ClusterCache } from '../../src/cluster/cache.ts';
import { collectionPath, KubeClient } from '../../src/cluster/client.ts';
import { startController, type ControllerHandle } from '../../src/controller/index.ts';
import type { JsonObject } from '../../src/engine/types.ts';
import { silentLogger } from '../../src/server/log.ts';
import { useControlPlane, type ControlPlane } from '../support/control-plane.ts';
import { eventually } from '../support/eventually.ts';

/** A clean app (no error or warning finding once the whole namespace is known). */
const APP = (ns: string, name: string, extra = '') => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  replicas: 2
  minReadySeconds: 1
  progressDeadlineSeconds: 3
  selector: {matchLabels: {app: ${name}}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 0, maxSurge: 1}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      terminationGracePeriodSeconds: 30
      containers:
        - name: app
          image: example/${name}:1
          ports: [{name: http, containerPort: 8080}]
          readinessProbe: {httpGet: {path: /ready, port: http}}
          lifecycle: {preStop: {sleep: {seconds: 5}}}
          resources: {limits: {memory: 128Mi}}${extra}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: ${name}, namespace: ${ns}}
spec: {maxUnavailable: 1, selector: {matchLabels: {app: ${name}}}}
---
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${ns}}
spec: {selector: {app: ${name}}, ports: [{name: http, port: 80, targetPort: http}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: ${name}, namespace: ${ns}}
spec:
  ingressClassName: nginx
  rules: [{host: ${name}.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: ${name}, port: {name: http}}}}]}}]
`;

async function annotations(cp: ControlPlane, kind: string, ns: string, name: string): Promise<Record<string, string>> {
  const r = await cp.kubectl(['get', kind, name, '-n', ns, '-o', 'jsonpath={.metadata.annotations}']);
  return r.stdout ? (JSON.parse(r.stdout) as Record<string, string>) : {};
}

function findingsOf(a: Record<string, string>): Array<{ rule: string; severity: string; message: string }> {
  return JSON.parse(a['guard502.dev/findings'] ?? '[]') as Array<{ rule: string; severity: string; message: string }>;
}

async function counter(registry: Registry, name: string, label: string, value: string): Promise<number> {
  const m = await registry.getSingleMetric(name)?.get();
  return (m?.values ?? []).filter((v) => v.labels[label] === value && v.labels.result === 'ok').reduce((a, v) => a + v.value, 0);
}

describe('e2e: controller, live', function () {
  this.timeout(180_000);
  const env = useControlPlane({ controllerManager: true, scheduler: true, kwok: true });
  const running: Array<{ handle: ControllerHandle; cache: ClusterCache; client: KubeClient }> = [];
  afterEach(async () => {
    for (const r of running.splice(0)) {
      await r.handle.stop();
      r.cache.stop();
      r.client.close();
    }
  });

  async function start(registry: Registry): Promise<void> {
    const client = new KubeClient(env.cp.kubeConfig);
    const cache = new ClusterCache(client, { face: 'controller', log: silentLogger() });
    await cache.start(); // started, not necessarily synced: the controller must wait for a complete view itself
    const handle = await startController({ client, cache, log: silentLogger(), registry, identity: 'live', namespace: 'default', leaderElection: { enabled: false } });
    running.push({ handle, cache, client });
  }

  it('shows rollout-stuck with the exact undo command when a rollout stalls, and clears it after the undo', async () => {
    const cp = env.cp;
    assert.equal((await cp.kubectl(['create', 'namespace', 'stuck'])).code, 0);
    assert.equal((await cp.kubectl(['apply', '-f', '-'], { input: APP('stuck', 'web') })).code, 0);
    await eventually('web ready', async () => ((await cp.kubectl(['get', 'deploy', 'web', '-n', 'stuck', '-o', 'jsonpath={.status.readyReplicas}'])).stdout === '2' ? true : undefined), 60_000);
    await start(new Registry());
    await eventually('annotated, no live finding', async () => {
      const a = await annotations(cp, 'deployment', 'stuck', 'web');
      return a['guard502.dev/risk'] && !findingsOf(a).some((f) => f.rule === 'rollout-stuck') ? true : undefined;
    }, 30_000);
    // Version 2 can never be scheduled: its pods stay Pending and the rollout runs past its progress deadline.
    const bad = APP('stuck', 'web', '\n      nodeSelector: {pool: does-not-exist}').replace('example/web:1', 'example/web:2');
    assert.equal((await cp.kubectl(['apply', '-f', '-'], { input: bad })).code, 0);
    const stuck = await eventually('rollout-stuck', async () => {
      const a = await annotations(cp, 'deployment', 'stuck', 'web');
      return findingsOf(a).find((f) => f.rule === 'rollout-stuck');
    }, 60_000, 250);
    assert.equal(stuck.severity, 'error');
    assert.match(stuck.message, /ProgressDeadlineExceeded/);
    assert.ok(stuck.message.includes('kubectl rollout undo deployment/web -n stuck'), stuck.message);
    // It stays while the rollout is stuck: guard502's own write moves the Deployment's generation ahead of its
    // status, which must not make the finding come and go (a write loop, and an Event each time).
    const generation = async () => Number((await cp.kubectl(['get', 'deploy', 'web', '-n', 'stuck', '-o', 'jsonpath={.metadata.generation}'])).stdout);
    const generationThen = await generation();
    for (let i = 0; i < 8; i++) {
      const a = await annotations(cp, 'deployment', 'stuck', 'web');
      assert.ok(findingsOf(a).some((f) => f.rule === 'rollout-stuck'), `rollout-stuck gone while still stuck: ${a['guard502.dev/findings']}`);
      assert.equal(a['guard502.dev/risk'], 'high');
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(await generation(), generationThen, 'no further writes while nothing changed');
    // One Event, once the finding has lasted the settle period.
    await eventually('one Event', async () => {
      const events = await cp.kubectl(['get', 'events', '-n', 'stuck', '--field-selector', 'involvedObject.name=web,reason=RolloutStuck', '-o', 'name']);
      return events.stdout.trim().split('\n').filter(Boolean).length === 1 ? true : undefined;
    }, 20_000, 250);
    // The command the message gives works, and the finding clears itself.
    const undo = await cp.kubectl(['rollout', 'undo', 'deployment/web', '-n', 'stuck']);
    assert.equal(undo.code, 0, undo.stderr);
    await eventually('rollout-stuck cleared', async () => {
      const a = await annotations(cp, 'deployment', 'stuck', 'web');
      return a['guard502.dev/risk'] && !findingsOf(a).some((f) => f.rule === 'rollout-stuck') ? true : undefined;
    }, 60_000, 250);
  });
});

describe('e2e: controller, first pass while the cache is listing', function () {
  this.timeout(120_000);
  const env = useControlPlane(); // no controller-manager: no pods, no EndpointSlices, no status

  /** A client whose first list of some kinds takes longer, as the list of a large kind does in a large cluster. */
  class SlowLists extends KubeClient {
    delays = new Map<string, number>();
    override async list(path: string, pageSize?: number, each?: (item: JsonObject) => JsonObject): Promise<{ items: JsonObject[]; resourceVersion: string }> {
      const plural = path.split('?')[0]?.split('/').pop() ?? '';
      const delay = this.delays.get(plural);
      this.delays.delete(plural);
      if (delay) await new Promise((r) => setTimeout(r, delay));
      return super.list(path, pageSize, each);
    }
  }

  it('judges nothing from a partial view: no finding, Event or write for a problem that never was', async () => {
    const N = 100;
    const NAMESPACES = ['first-0', 'first-1'];
    const setup = new KubeClient(env.cp.kubeConfig);
    for (const ns of NAMESPACES) await setup.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    // Clean apps (an Ingress for every fifth): once the whole cluster is known, nothing above info.
    const { load } = await import('js-yaml');
    const bodies = Array.from({ length: N }, (_, i) =>
      APP(NAMESPACES[i % NAMESPACES.length] as string, `app-${i}`)
        .split('---')
        .filter((_, k) => i % 5 === 0 || k !== 3),
    )
      .flat()
      .map((y) => load(y) as { kind: string; metadata: { namespace: string } });
    const resources: Record<string, [string, string, string]> = {
      Deployment: ['apps', 'v1', 'deployments'],
      PodDisruptionBudget: ['policy', 'v1', 'poddisruptionbudgets'],
      Service: ['', 'v1', 'services'],
      Ingress: ['networking.k8s.io', 'v1', 'ingresses'],
    };
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < bodies.length) {
          const b = bodies[next++] as { kind: string; metadata: { namespace: string } };
          const [g, v, p] = resources[b.kind] as [string, string, string];
          await setup.create(collectionPath(g, v, p, b.metadata.namespace), b);
        }
      }),
    );
    const client = new SlowLists(env.cp.kubeConfig);
    // The controller is running when the Services and Ingresses arrive; their workloads and PDBs come later.
    client.delays = new Map([
      ['services', 1_000],
      ['ingresses', 1_000],
      ['deployments', 2_500],
      ['poddisruptionbudgets', 2_500],
    ]);
    const registry = new Registry();
    const cache = new ClusterCache(client, { face: 'controller', log: silentLogger() });
    await cache.start();
    const handle = await startController({ client, cache, log: silentLogger(), registry, identity: 'first', namespace: 'default', leaderElection: { enabled: false } });
    try {
      const services = (await setup.list('/api/v1/services')).items.length; // N, and the apiserver's own
      const annotated = async () =>
        (await setup.list('/api/v1/services')).items.filter((o) => (o.metadata as { annotations?: Record<string, string> }).annotations?.['guard502.dev/risk'] !== undefined).length;
      await eventually('every Service annotated', async () => ((await annotated()) === services ? true : undefined), 60_000, 250);
      await eventually('the queue drained', async () => ((await registry.getSingleMetric('guard502_controller_queue_depth')?.get())?.values[0]?.value === 0 ? true : undefined), 30_000, 100);
      await new Promise((r) => setTimeout(r, 1_000));
      const events = (await setup.list('/api/v1/events')).items.filter((e) => e.reportingComponent === 'guard502.dev/controller');
      const said = events.map((e) => `${String(e.reason)} ${String((e.involvedObject as { kind: string }).kind)}/${String((e.involvedObject as { name: string }).name)}`);
      assert.deepEqual(said.slice(0, 5), [], `${said.length} Events for findings that never were`);
      for (const ns of NAMESPACES) {
        for (const o of (await setup.list(collectionPath('', 'v1', 'services', ns))).items) {
          const a = (o.metadata as { annotations: Record<string, string> }).annotations;
          assert.deepEqual(findingsOf(a).filter((f) => f.severity !== 'info'), [], `Service ${ns}/${String((o.metadata as { name: string }).name)}`);
        }
      }
      assert.equal(await counter(registry, 'guard502_controller_writes_total', 'kind', 'Service'), services, 'one write per Service: none corrected a premature judgement');
      assert.equal(await counter(registry, 'guard502_controller_writes_total', 'kind', 'Ingress'), N / 5, 'one write per Ingress');
      assert.equal(await counter(registry, 'guard502_controller_writes_total', 'kind', 'Deployment'), N, 'one write per Deployment');
    } finally {
      await handle.stop();
      cache.stop();
      client.close();
      setup.close();
    }
  });
});
