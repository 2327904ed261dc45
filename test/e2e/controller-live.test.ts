// The controller's live judgement against a real cluster (controller-manager,
// scheduler and kwok, so rollouts really progress or stall): 50 healthy
// applications applied in any order settle without a single Event or live
// finding; rollout-stuck appears only past the progress deadline (with the exact
// undo command when there is something to undo), once, and clears after the fix;
// a burst of 1,000 changes stays within the configured write and Event rates. And
// a start while the cache is still listing a larger cluster never judges from a
// partial view (no finding, no Event, no write for a problem that never existed).
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { ClusterCache } from '../../src/cluster/cache.ts';
import { collectionPath, KubeClient, type RequestInit } from '../../src/cluster/client.ts';
import { startController, type ControllerDeps, type ControllerHandle } from '../../src/controller/index.ts';
import type { JsonObject } from '../../src/engine/types.ts';
import { silentLogger } from '../../src/server/log.ts';
import { NEVER_READY_LABEL, useControlPlane, type ControlPlane } from '../support/control-plane.ts';
import { eventually } from '../support/eventually.ts';

/** A clean app (no error or warning finding once the whole namespace is known). */
const APP = (ns: string, name: string, extra = '', progressDeadlineSeconds = 3) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  replicas: 2
  minReadySeconds: 1
  progressDeadlineSeconds: ${progressDeadlineSeconds}
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

/** The API server's writes as a client sends them, with their time: what the rate limits must hold to. */
class CountingClient extends KubeClient {
  readonly writes: Array<{ at: number; method: string; path: string }> = [];
  override request<T = JsonObject>(path: string, init: RequestInit = {}): Promise<T> {
    if (init.method && init.method !== 'GET') this.writes.push({ at: Date.now(), method: init.method, path });
    return super.request<T>(path, init);
  }
}

/** The most requests seen in any window of `windowMs` (the sliding maximum). */
function busiest(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] as number) - (sorted[start] as number) >= windowMs) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

/** A seeded shuffle: "any document order", the same in every run. */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let x = seed;
  for (let i = out.length - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** guard502's Events in a namespace. */
async function ourEvents(client: KubeClient, ns: string): Promise<JsonObject[]> {
  return (await client.list(collectionPath('', 'v1', 'events', ns))).items.filter((e) => e.reportingComponent === 'guard502.dev/controller');
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

  async function start(registry: Registry, opts: Partial<ControllerDeps> = {}): Promise<CountingClient> {
    const client = new CountingClient(env.cp.kubeConfig);
    const cache = new ClusterCache(client, { face: 'controller', log: silentLogger() });
    await cache.start(); // started, not necessarily synced: the controller must wait for a complete view itself
    const handle = await startController({ client, cache, log: silentLogger(), registry, identity: 'live', namespace: 'default', leaderElection: { enabled: false }, eventSettleMs: 1_000, ...opts });
    running.push({ handle, cache, client });
    return client;
  }

  async function queueDrained(registry: Registry): Promise<void> {
    await eventually('the queue drained', async () => ((await registry.getSingleMetric('guard502_controller_queue_depth')?.get())?.values[0]?.value === 0 ? true : undefined), 60_000, 100);
  }

  const LIVE_RULES = ['rollout-stuck', 'no-ready-endpoints'];
  const APPS = 50;

  it('50 healthy applications applied in any order settle without an Event or a live finding', async () => {
    const cp = env.cp;
    assert.equal((await cp.kubectl(['create', 'namespace', 'calm'])).code, 0);
    const registry = new Registry();
    const client = await start(registry);
    // Every document of every app, shuffled: Services before their workloads, Ingresses before their Services.
    const docs = shuffled(Array.from({ length: APPS }, (_, i) => APP('calm', `app-${i}`, '', 600).split('---')).flat(), 13);
    const applied = await cp.kubectl(['apply', '-f', '-'], { input: docs.join('---'), timeoutMs: 120_000 });
    assert.equal(applied.code, 0, applied.stderr);
    await eventually('every app ready', async () => {
      const r = await cp.kubectl(['get', 'deploy', '-n', 'calm', '-o', 'jsonpath={range .items[*]}{.status.readyReplicas}{" "}{end}']);
      return r.stdout.trim().split(' ').filter((x) => x === '2').length === APPS ? true : undefined;
    }, 150_000, 500);
    await queueDrained(registry);
    await new Promise((r) => setTimeout(r, 2_500)); // past the Event settle period
    const events = await ourEvents(client, 'calm');
    assert.deepEqual(events.map((e) => `${String(e.reason)} ${String((e.involvedObject as { name: string }).name)}: ${String(e.message)}`).slice(0, 5), [], `${events.length} Events`);
    for (const kind of ['deployments', 'ingresses', 'services']) {
      const [group, version] = kind === 'deployments' ? ['apps', 'v1'] : kind === 'ingresses' ? ['networking.k8s.io', 'v1'] : ['', 'v1'];
      for (const o of (await client.list(collectionPath(group as string, version as string, kind, 'calm'))).items) {
        const a = (o.metadata as { annotations?: Record<string, string> }).annotations ?? {};
        assert.ok(a['guard502.dev/risk'], `${kind} ${String((o.metadata as { name: string }).name)} not annotated`);
        const live = findingsOf(a).filter((f) => LIVE_RULES.includes(f.rule) || f.severity !== 'info');
        assert.deepEqual(live, [], `${kind} ${String((o.metadata as { name: string }).name)}`);
      }
    }
  });

  it('a first revision that never becomes ready: nothing before its progress deadline, rollout-stuck after, cleared by the fix', async () => {
    const cp = env.cp;
    assert.equal((await cp.kubectl(['create', 'namespace', 'first'])).code, 0);
    const registry = new Registry();
    const client = await start(registry);
    // Its pods run but never become ready: kwok holds their containers in CrashLoopBackOff.
    const never = APP('first', 'web', '', 10).replace('metadata: {labels: {app: web}}', `metadata: {labels: {app: web, ${NEVER_READY_LABEL}: "true"}}`);
    assert.match(never, /never-ready/);
    const created = Date.now();
    assert.equal((await cp.kubectl(['apply', '-f', '-'], { input: never })).code, 0);
    // Read through the API client (polled often: no kubectl process per look).
    const annotationsOf = async (path: string) => ((await client.request(path)).metadata as { annotations?: Record<string, string> }).annotations ?? {};
    const deployment = () => annotationsOf('/apis/apps/v1/namespaces/first/deployments/web');
    const live = async () => [...findingsOf(await deployment()), ...findingsOf(await annotationsOf('/apis/networking.k8s.io/v1/namespaces/first/ingresses/web'))].filter((f) => LIVE_RULES.includes(f.rule));
    await eventually('annotated', async () => ((await deployment())['guard502.dev/risk'] ? true : undefined), 20_000, 100);
    while (Date.now() - created < 8_000) {
      assert.deepEqual(await live(), [], `a live finding ${Date.now() - created} ms after creation, before the 10 s deadline`);
      await new Promise((r) => setTimeout(r, 300));
    }
    const stuck = await eventually('rollout-stuck', async () => findingsOf(await deployment()).find((f) => f.rule === 'rollout-stuck'), 40_000, 250);
    assert.ok(Date.now() - created >= 10_000);
    assert.equal(stuck.severity, 'error');
    assert.match(stuck.message, /^Deployment\/web: its rollout made no progress for 10 s \(ProgressDeadlineExceeded/);
    // What is failing, read from the pods the controller does not cache.
    assert.match(stuck.message, /0 of 2 pods ready, 2 of 2 updated, waiting: CrashLoopBackOff \(2 containers\)\. There is no earlier revision to roll back to/);
    assert.doesNotMatch(stuck.message, /rollout undo/);
    // The gateway in front of it has had no ready endpoint past the deadline too: an outage now.
    await eventually('no-ready-endpoints on the Ingress', async () => ((await live()).some((f) => f.rule === 'no-ready-endpoints') ? true : undefined), 20_000, 250);
    // Once it has lasted the settle period: one Event.
    const count = async () => (await cp.kubectl(['get', 'events', '-n', 'first', '--field-selector', 'involvedObject.name=web,reason=RolloutStuck', '-o', 'name'])).stdout.trim().split('\n').filter(Boolean).length;
    await eventually('the Event', async () => ((await count()) > 0 ? true : undefined), 15_000, 200);
    // The fix: pods that can run.
    assert.equal((await cp.kubectl(['apply', '-f', '-'], { input: APP('first', 'web', '', 10) })).code, 0);
    await eventually('live findings cleared', async () => ((await live()).length === 0 ? true : undefined), 60_000, 250);
    assert.equal(await count(), 1, 'one Event for the stuck rollout');
  });

  it('a burst of 1,000 changes: writes and Events stay within the configured rates', async () => {
    const cp = env.cp;
    const NS = 'burst';
    const N = 50;
    const CHANGES = 1_000;
    const budget = { writeQps: 20, writeBurst: 30, eventQps: 5, eventBurst: 10 };
    assert.equal((await cp.kubectl(['create', 'namespace', NS])).code, 0);
    assert.equal((await cp.kubectl(['apply', '-f', '-'], { input: Array.from({ length: N }, (_, i) => APP(NS, `svc-${i}`, '', 600)).join('---'), timeoutMs: 120_000 })).code, 0);
    const registry = new Registry();
    const client = await start(registry, { ...budget, eventSettleMs: 500 });
    await queueDrained(registry);
    await eventually('all annotated', async () => ((await client.list(collectionPath('', 'v1', 'services', NS))).items.every((o) => (o.metadata as { annotations?: Record<string, string> }).annotations?.['guard502.dev/risk']) ? true : undefined), 60_000, 250);
    const from = client.writes.length;
    // 1,000 patches: each Service's targetPort flips between a port its pods have and one they do not
    // (service-target-port-mismatch, an error); the last one leaves every other Service broken.
    const setup = new KubeClient(cp.kubeConfig);
    try {
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < CHANGES) {
            const n = next++;
            const i = n % N;
            const round = Math.floor(n / N);
            const last = round === CHANGES / N - 1;
            const broken = last ? i % 2 === 0 : round % 2 === 0;
            await setup.mergePatch(`/api/v1/namespaces/${NS}/services/svc-${i}`, { spec: { ports: [{ name: 'http', port: 80, targetPort: broken ? 'htp' : 'http' }] } });
          }
        }),
      );
    } finally {
      setup.close();
    }
    await queueDrained(registry);
    // Every broken Service says so, in one Event (counted when it came again), once its namespace is quiet and the
    // Event budget lets it through.
    const byObject = new Map<string, JsonObject[]>();
    await eventually('an Event on every broken Service', async () => {
      byObject.clear();
      for (const e of await ourEvents(client, NS)) {
        const name = String((e.involvedObject as { name: string }).name);
        byObject.set(name, [...(byObject.get(name) ?? []), e]);
      }
      return Array.from({ length: N / 2 }, (_, k) => `svc-${2 * k}`).every((n) => byObject.has(n)) ? true : undefined;
    }, 60_000, 500);
    await new Promise((r) => setTimeout(r, 1_000));
    const writes = client.writes.slice(from);
    const patches = writes.filter((w) => w.method === 'PATCH' && !w.path.includes('/events/')).map((w) => w.at);
    const events = writes.filter((w) => w.path.includes('/events')).map((w) => w.at);
    // Within a token bucket's allowance for any second: its burst plus one second of its rate.
    assert.ok(busiest(patches, 1_000) <= budget.writeBurst + budget.writeQps, `${busiest(patches, 1_000)} annotation writes in one second`);
    assert.ok(busiest(patches, 5_000) <= budget.writeBurst + budget.writeQps * 5, `${busiest(patches, 5_000)} annotation writes in five seconds`);
    assert.ok(busiest(events, 1_000) <= budget.eventBurst + budget.eventQps, `${busiest(events, 1_000)} Events written in one second`);
    assert.ok(busiest(events, 5_000) <= budget.eventBurst + budget.eventQps * 5, `${busiest(events, 5_000)} Events written in five seconds`);
    const said = await ourEvents(client, NS);
    for (let i = 0; i < N; i += 2) {
      const mine = (byObject.get(`svc-${i}`) ?? []).filter((e) => e.reason === 'ServiceTargetPortMismatch');
      assert.equal(mine.length, 1, `svc-${i}: ${mine.length} Events for one finding`);
    }
    const writesPerSecond = patches.length / Math.max(1, ((patches.at(-1) ?? 0) - (patches[0] ?? 0)) / 1000);
    console.log(`      ${CHANGES} changes: ${patches.length} annotation writes (${writesPerSecond.toFixed(1)}/s), ${events.length} Event writes, ${said.length} Events`);
  });

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
    const count = async () => (await cp.kubectl(['get', 'events', '-n', 'stuck', '--field-selector', 'involvedObject.name=web,reason=RolloutStuck', '-o', 'name'])).stdout.trim().split('\n').filter(Boolean).length;
    await eventually('the Event, after the settle period', async () => ((await count()) > 0 ? true : undefined), 10_000, 200);
    assert.equal(await count(), 1, 'one Event');
    // One message: the undo command said once, not once in the finding and again as its fix.
    const said = (await cp.kubectl(['get', 'events', '-n', 'stuck', '--field-selector', 'involvedObject.name=web,reason=RolloutStuck', '-o', 'jsonpath={.items[0].message}'])).stdout;
    assert.equal(said.split('kubectl rollout undo deployment/web -n stuck').length - 1, 1, said);
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
