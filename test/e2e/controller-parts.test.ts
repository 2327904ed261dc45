// The controller's cluster-facing parts, one at a time, against a real apiserver:
// Lease leader election (one leader, hand-over after a crash and after a graceful
// stop, stepping down when the lease is lost, never two leaders at once) and the
// writer (merge patches that touch only guard502's keys, deleted objects dropped,
// Warning Events).
import assert from 'node:assert/strict';
import { ClusterCache } from '../../src/cluster/cache.ts';
import { ApiError, KubeClient, objectPath } from '../../src/cluster/client.ts';
import { resourceFor, type WatchedResource } from '../../src/cluster/resources.ts';
import { LeaderElector } from '../../src/controller/leader.ts';
import { EventRecorder } from '../../src/controller/events.ts';
import { Writer } from '../../src/controller/writer.ts';
import { normalize, resourceKey, type Model } from '../../src/engine/model.ts';
import type { JsonObject } from '../../src/engine/types.ts';
import { silentLogger } from '../../src/server/log.ts';
import { useControlPlane } from '../support/control-plane.ts';
import { eventually } from '../support/eventually.ts';

const TIMING = { leaseDurationMs: 1_500, renewDeadlineMs: 1_000, retryPeriodMs: 200 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Lease {
  metadata: { resourceVersion: string };
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string; acquireTime?: string; leaseTransitions?: number };
}

/** Candidates for one Lease, with a log of who led when (to check that terms never overlap). */
function election(client: KubeClient, lease: string) {
  const terms: Array<{ identity: string; from: number; to?: number }> = [];
  const candidate = (identity: string) => {
    const elector = new LeaderElector({
      client,
      namespace: 'default',
      name: lease,
      identity,
      log: silentLogger(),
      ...TIMING,
      onStartedLeading: () => terms.push({ identity, from: Date.now() }),
      onStoppedLeading: () => {
        const t = terms.findLast((x) => x.identity === identity && x.to === undefined);
        if (t) t.to = Date.now();
      },
    });
    elector.start();
    return elector;
  };
  const overlaps = () => {
    const out: string[] = [];
    for (const a of terms) for (const b of terms) if (a !== b && a.from < b.from && b.from < (a.to ?? Infinity)) out.push(`${b.identity} started leading while ${a.identity} still led`);
    return out;
  };
  const read = async () => client.request<Lease>(objectPath('coordination.k8s.io', 'v1', 'leases', 'default', lease));
  return { terms, candidate, overlaps, read };
}

describe('e2e: controller parts', function () {
  this.timeout(60_000);
  const env = useControlPlane();
  let client: KubeClient;
  const electors: LeaderElector[] = [];
  before(() => (client = new KubeClient(env.cp.kubeConfig)));
  afterEach(async () => {
    for (const e of electors.splice(0)) await e.stop();
  });
  after(() => client?.close());

  describe('leader election', () => {
    it('the first candidate creates the Lease, leads, and keeps renewing it', async () => {
      const e = election(client, 'first');
      const a = e.candidate('a');
      electors.push(a);
      await eventually('a leads', () => (a.leading ? true : undefined), 10_000, 20);
      const lease = await e.read();
      assert.equal(lease.spec.holderIdentity, 'a');
      assert.equal(lease.spec.leaseDurationSeconds, 2);
      assert.match(lease.spec.renewTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, 'a MicroTime');
      await sleep(3 * TIMING.retryPeriodMs);
      const later = await e.read();
      assert.notEqual(later.spec.renewTime, lease.spec.renewTime, 'renewed');
      assert.equal(later.spec.acquireTime, lease.spec.acquireTime, 'acquired once');
      assert.ok(a.leading);
    });

    it('a second candidate waits while the lease is renewed, and takes over a crashed leader only once the lease expired', async () => {
      const e = election(client, 'crash');
      const a = e.candidate('a');
      electors.push(a);
      await eventually('a leads', () => (a.leading ? true : undefined), 10_000, 20);
      const b = e.candidate('b');
      electors.push(b);
      await sleep(2 * TIMING.leaseDurationMs);
      assert.ok(a.leading && !b.leading, 'b waits while a renews');
      const crashed = Date.now();
      await a.stop(false); // a crash: the lease is not released
      await eventually('b leads', () => (b.leading ? true : undefined), 10_000, 20);
      const took = Date.now() - crashed;
      assert.ok(took >= TIMING.leaseDurationMs - 100, `took over after ${took} ms, before the lease could expire`);
      const lease = await e.read();
      assert.equal(lease.spec.holderIdentity, 'b');
      assert.equal(lease.spec.leaseTransitions, 1);
      assert.deepEqual(e.overlaps(), []);
    });

    it('a graceful stop releases the lease: hand-over within a few retry periods', async () => {
      const e = election(client, 'graceful');
      const a = e.candidate('a');
      electors.push(a);
      await eventually('a leads', () => (a.leading ? true : undefined), 10_000, 20);
      const b = e.candidate('b');
      electors.push(b);
      await sleep(TIMING.retryPeriodMs * 2);
      const stopped = Date.now();
      await a.stop();
      assert.equal((await e.read()).spec.holderIdentity, '', 'released');
      await eventually('b leads', () => (b.leading ? true : undefined), 10_000, 20);
      const took = Date.now() - stopped;
      assert.ok(took < TIMING.leaseDurationMs, `took ${took} ms: no waiting for expiry`);
      assert.deepEqual(e.overlaps(), []);
    });

    it('a leader that loses its lease steps down within its renew deadline', async () => {
      const e = election(client, 'lost');
      const a = e.candidate('a');
      electors.push(a);
      await eventually('a leads', () => (a.leading ? true : undefined), 10_000, 20);
      // Someone else takes the lease (as an operator, or a replica after a network partition) and renews it.
      let stealing = true;
      const thief = (async () => {
        while (stealing) {
          const lease = await e.read();
          const now = new Date().toISOString().replace('Z', '000Z');
          try {
            await client.replace(objectPath('coordination.k8s.io', 'v1', 'leases', 'default', 'lost'), { ...lease, spec: { ...lease.spec, holderIdentity: 'thief', renewTime: now } } as unknown as JsonObject);
          } catch (err) {
            if (!(err instanceof ApiError && err.status === 409)) throw err;
          }
          await sleep(100);
        }
      })();
      const stolen = Date.now();
      try {
        await eventually('a steps down', () => (a.leading ? undefined : true), 10_000, 20);
        const took = Date.now() - stolen;
        assert.ok(took <= TIMING.renewDeadlineMs + TIMING.retryPeriodMs, `stepped down after ${took} ms`);
        await sleep(TIMING.leaseDurationMs);
        assert.ok(!a.leading, 'does not take back a lease that is being renewed');
      } finally {
        stealing = false;
        await thief;
      }
    });

    it('steps down at its renew deadline even while its lease requests hang', async () => {
      // A connection that neither answers nor fails (a partition): the leader must not keep believing it leads.
      class Hanging extends KubeClient {
        hang = false;
        private readonly pending: Array<(err: Error) => void> = [];
        override request<T>(path: string, init?: Parameters<KubeClient['request']>[1]): Promise<T> {
          if (!this.hang) return super.request<T>(path, init);
          return new Promise<T>((_resolve, reject) => this.pending.push(reject));
        }
        heal(): void {
          this.hang = false;
          for (const reject of this.pending.splice(0)) reject(new Error('connection reset'));
        }
      }
      const hanging = new Hanging(env.cp.kubeConfig);
      let stoppedAt = 0;
      const a = new LeaderElector({ client: hanging, namespace: 'default', name: 'hang', identity: 'a', log: silentLogger(), ...TIMING, onStartedLeading: () => {}, onStoppedLeading: () => (stoppedAt = Date.now()) });
      a.start();
      try {
        await eventually('a leads', () => (a.leading ? true : undefined), 10_000, 20);
        await sleep(TIMING.retryPeriodMs * 1.5);
        const since = Date.now();
        hanging.hang = true;
        await eventually('a steps down', () => (a.leading ? undefined : true), 10_000, 20);
        assert.ok(stoppedAt - since <= TIMING.renewDeadlineMs, `stepped down ${stoppedAt - since} ms after its requests began to hang`);
        // Another replica may take over once the lease duration passed: a no longer leads by then.
        assert.ok(stoppedAt - since < TIMING.leaseDurationMs);
      } finally {
        hanging.heal();
        await a.stop();
        hanging.close();
      }
    });

    it('never has two leaders, whatever crashes and restarts happen', async () => {
      const e = election(client, 'churn');
      const live = new Map<string, LeaderElector>();
      for (const id of ['r0', 'r1', 'r2']) live.set(id, e.candidate(id));
      let n = 3;
      for (let round = 0; round < 6; round++) {
        await eventually('a leader', () => ([...live.values()].some((x) => x.leading) ? true : undefined), 10_000, 20);
        assert.equal([...live.values()].filter((x) => x.leading).length, 1, 'one leader');
        const [id, leader] = [...live.entries()].find(([, x]) => x.leading) as [string, LeaderElector];
        live.delete(id);
        await leader.stop(round % 2 === 0); // alternately a graceful stop and a crash
        const id2 = `r${n++}`;
        live.set(id2, e.candidate(id2));
      }
      electors.push(...live.values());
      assert.deepEqual(e.overlaps(), []);
      assert.ok(e.terms.length >= 6);
    });
  });

  describe('watch (the API client, without client-node)', () => {
    it('streams events in order, ends with null when the server closes it, reports a refusal with its status', async () => {
      const events: string[] = [];
      let resolveDone!: (err: unknown) => void;
      const ended = new Promise<unknown>((r) => (resolveDone = r));
      const { resourceVersion } = await client.list('/api/v1/namespaces/default/configmaps');
      await client.watch('/api/v1/namespaces/default/configmaps', { resourceVersion, timeoutSeconds: 2, allowWatchBookmarks: true }, (type, o) => events.push(`${type} ${String((o.metadata as { name?: string }).name ?? '')}`), resolveDone);
      await client.create('/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'watched' }, data: { a: '1' } });
      await client.mergePatch(objectPath('', 'v1', 'configmaps', 'default', 'watched'), { data: { a: '2' } });
      await client.request(objectPath('', 'v1', 'configmaps', 'default', 'watched'), { method: 'DELETE' });
      assert.equal(await ended, null, 'the server ended the stream after timeoutSeconds');
      assert.deepEqual(events.filter((e) => !e.startsWith('BOOKMARK')), ['ADDED watched', 'MODIFIED watched', 'DELETED watched']);
      // A refused watch: done gets the status, as the informer needs for 410 Gone.
      const refused = await new Promise<unknown>((resolve) => void client.watch('/api/v1/namespaces/default/nosuchthings', {}, () => {}, resolve));
      assert.equal((refused as { statusCode?: number }).statusCode, 404);
    });

    it('abort ends the stream with an AbortError', async () => {
      let resolveDone!: (err: unknown) => void;
      const ended = new Promise<unknown>((r) => (resolveDone = r));
      const handle = await client.watch('/api/v1/namespaces/default/configmaps', { timeoutSeconds: 60 }, () => {}, resolveDone);
      handle.abort();
      assert.equal((await ended as Error).name, 'AbortError');
    });
  });

  describe('writer', () => {
    const service = async (name: string): Promise<Model> => {
      const created = await client.create('/api/v1/namespaces/default/services', {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace: 'default', labels: { app: name }, annotations: { owner: 'payments', 'guard502.dev/ignore': 'pdb-missing' } },
        spec: { selector: { app: name }, ports: [{ port: 80 }] },
      });
      const n = normalize({ apiVersion: 'v1', kind: 'Service', ...created }, '');
      assert.ok(n.resource);
      return n.resource as Model;
    };

    it('merge-patches guard502 annotations and leaves every other key alone', async () => {
      const s = await service('patched');
      const writer = new Writer(client);
      const first = await writer.annotate(s, { 'guard502.dev/risk': 'high', 'guard502.dev/findings': '[{"rule":"x"}]', 'guard502.dev/checked': '0,2026-01-01T00:00:00Z' });
      assert.equal(first.status, 'ok');
      const meta = (first as { object: JsonObject }).object.metadata as { annotations: Record<string, string>; labels: Record<string, string>; resourceVersion: string };
      assert.deepEqual(meta.annotations, {
        owner: 'payments',
        'guard502.dev/ignore': 'pdb-missing',
        'guard502.dev/risk': 'high',
        'guard502.dev/findings': '[{"rule":"x"}]',
        'guard502.dev/checked': '0,2026-01-01T00:00:00Z',
      });
      assert.deepEqual(meta.labels, { app: 'patched' });
      // Someone edits the object meanwhile: the next patch needs no resourceVersion and keeps their change.
      await client.mergePatch(objectPath('', 'v1', 'services', 'default', 'patched'), { metadata: { annotations: { owner: 'checkout' } } });
      const second = await writer.annotate(s, { 'guard502.dev/risk': 'none', 'guard502.dev/findings': '[]', 'guard502.dev/checked': '0,2026-01-02T00:00:00Z' });
      assert.equal(second.status, 'ok');
      const now = await client.request<{ metadata: { annotations: Record<string, string> } }>(objectPath('', 'v1', 'services', 'default', 'patched'));
      assert.equal(now.metadata.annotations.owner, 'checkout');
      assert.equal(now.metadata.annotations['guard502.dev/risk'], 'none');
      assert.equal(now.metadata.annotations['guard502.dev/findings'], '[]');
    });

    it('a write older than what the watch already delivered does not roll the cache back', async () => {
      const cache = new ClusterCache(client, { face: 'controller', log: silentLogger(), kinds: ['Service'] });
      try {
        await cache.start();
        await cache.waitForSync();
        await service('raced');
        const path = objectPath('', 'v1', 'services', 'default', 'raced');
        const ours = await client.mergePatch(path, { metadata: { annotations: { 'guard502.dev/risk': 'none' } } });
        // Someone else's change lands right after ours, and its watch event arrives before we look at our response.
        await client.mergePatch(path, { metadata: { labels: { tier: 'web' } } });
        const key = resourceKey('', 'Service', 'default', 'raced');
        await eventually('the newer version in the cache', () => (cache.graph.get(key)?.labels.tier === 'web' ? true : undefined), 10_000, 20);
        const changes: string[] = [];
        cache.onChange((c) => changes.push(c.event));
        cache.observe(resourceFor('', 'Service') as WatchedResource, ours);
        assert.equal(cache.graph.get(key)?.labels.tier, 'web', 'the cache keeps the newer version');
        assert.deepEqual(changes, []);
      } finally {
        cache.stop();
      }
    });

    it('drops an object deleted meanwhile quietly', async () => {
      const s = await service('deleted');
      await client.request(objectPath('', 'v1', 'services', 'default', 'deleted'), { method: 'DELETE' });
      assert.deepEqual(await new Writer(client).annotate(s, { 'guard502.dev/risk': 'none' }), { status: 'gone' });
    });

    it('creates a Warning Event on the object, reason in PascalCase; the same again is counted, not repeated', async () => {
      const s = await service('evented');
      const recorder = new EventRecorder({ client, log: silentLogger(), identity: 'writer-test', stillCurrent: () => true });
      const message = 'Ingress/web sends traffic to Service evented, which has no ready endpoint now.';
      assert.equal(await recorder.emit(s, 'no-ready-endpoints', message), 'created');
      assert.equal(await recorder.emit(s, 'no-ready-endpoints', message), 'counted');
      const all = await client.request<{ items: Array<Record<string, unknown>> }>('/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Devented');
      // (The apiserver's own controllers may have something to say about the Service too.)
      const ours = all.items.filter((e) => e.reportingComponent === 'guard502.dev/controller');
      assert.equal(ours.length, 1, JSON.stringify(all.items, null, 1));
      const ev = ours[0] as { type: string; reason: string; message: string; involvedObject: Record<string, string>; reportingComponent: string; reportingInstance: string; count: number };
      assert.equal(ev.type, 'Warning');
      assert.equal(ev.reason, 'NoReadyEndpoints');
      assert.match(ev.message, /no ready endpoint/);
      assert.equal(ev.involvedObject.kind, 'Service');
      assert.equal(ev.involvedObject.uid, (s.raw.metadata as { uid: string }).uid);
      assert.equal(ev.reportingInstance, 'writer-test');
      assert.equal(ev.count, 2);
    });

    const ours = async (name: string) =>
      (await client.request<{ items: Array<Record<string, unknown>> }>(`/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3D${name}`)).items.filter((e) => e.reportingComponent === 'guard502.dev/controller');

    it('says nothing for a finding gone within the settle period; announces one that stays', async () => {
      const s = await service('settling');
      const present = new Set(['rollout-stuck', 'no-ready-endpoints']);
      const outcomes: string[] = [];
      const recorder = new EventRecorder({ client, log: silentLogger(), settleMs: 300, stillCurrent: (_k, rule) => present.has(rule), onOutcome: (rule, o) => outcomes.push(`${rule} ${o}`) });
      recorder.warn(s, 'rollout-stuck', 'came and went');
      recorder.warn(s, 'no-ready-endpoints', 'stayed');
      assert.equal(recorder.settling, 2);
      present.delete('rollout-stuck');
      await eventually('settled', () => (outcomes.length === 1 && recorder.settling === 0 ? true : undefined), 5_000, 20);
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(outcomes, ['no-ready-endpoints created']);
      assert.deepEqual((await ours('settling')).map((e) => e.reason), ['NoReadyEndpoints']);
    });

    it('limits Events per object (the rest dropped) and overall (the rest wait)', async () => {
      const s = await service('chatty');
      const recorder = new EventRecorder({ client, log: silentLogger(), qps: 5, burst: 2, perObjectBurst: 3, perObjectQps: 0.001, stillCurrent: () => true });
      const outcomes = await Promise.all(Array.from({ length: 5 }, (_, i) => recorder.emit(s, 'rollout-stuck', `message ${i}`)));
      assert.deepEqual(outcomes.filter((o) => o === 'created').length, 3);
      assert.deepEqual(outcomes.filter((o) => o === 'dropped').length, 2);
      assert.equal((await ours('chatty')).length, 3);
      // Overall: 2 at once, then 5 per second.
      const others = await Promise.all(Array.from({ length: 6 }, (_, i) => service(`quiet-${i}`)));
      const started = Date.now();
      const times: number[] = [];
      await Promise.all(others.map(async (o) => {
        assert.equal(await recorder.emit(o, 'rollout-stuck', 'one each'), 'created');
        times.push(Date.now() - started);
      }));
      // 6 Events: 2 from the burst (plus what refilled), the last no sooner than ~0.6 s after the start.
      assert.ok(Math.max(...times) >= 500, `all 6 written within ${Math.max(...times)} ms`);
    });

    it('lets only so many Events wait for the budget: the findings beyond are dropped and counted, not held', async () => {
      const objects = await Promise.all(Array.from({ length: 6 }, (_, i) => service(`crowd-${i}`)));
      const outcomes: string[] = [];
      // No budget to speak of: one Event at once, then one every 10 s; at most 2 may wait.
      const recorder = new EventRecorder({ client, log: silentLogger(), qps: 0.1, burst: 1, maxWaiting: 2, settleMs: 1, stillCurrent: () => true, onOutcome: (_rule, o) => outcomes.push(o) });
      try {
        for (const o of objects) recorder.warn(o, 'no-ready-endpoints', 'no endpoint');
        // The first is written at once; two wait for the budget; the other three find the queue full.
        await eventually('all settled', () => (outcomes.length >= 4 && recorder.settling === 0 ? true : undefined), 5_000, 20);
        assert.deepEqual(outcomes.sort(), ['created', 'dropped', 'dropped', 'dropped']);
        const written = await Promise.all(objects.map((o) => ours(o.name)));
        assert.equal(written.flat().length, 1);
      } finally {
        recorder.stop();
      }
    });
  });
});
