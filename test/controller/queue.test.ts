// The controller's building blocks that need no cluster: the work queue
// (de-duplication, one worker per key, per-key backoff), the write rate limiter,
// Event reasons and the RBAC derived from the watched kinds.
import assert from 'node:assert/strict';
import { WATCHED } from '../../src/cluster/resources.ts';
import { WorkQueue } from '../../src/controller/queue.ts';
import { clusterRules, namespaceRules } from '../../src/controller/rbac.ts';
import { eventReason } from '../../src/controller/events.ts';
import { eventMessage } from '../../src/controller/index.ts';
import { TokenBucket } from '../../src/controller/writer.ts';
import { RULES } from '../../src/rules/index.ts';

const tick = () => new Promise((r) => setImmediate(r));

describe('controller: work queue', () => {
  it('hands out keys in order, each once however often it was added', async () => {
    const q = new WorkQueue();
    for (const k of ['a', 'b', 'a', 'c', 'b', 'a']) q.add(k);
    assert.equal(q.length, 3);
    assert.deepEqual([await q.get(), await q.get(), await q.get()], ['a', 'b', 'c']);
    assert.equal(q.length, 0);
  });

  it('never gives a key to two workers; added while processed, it comes back once after done', async () => {
    const q = new WorkQueue();
    q.add('a');
    const key = await q.get();
    assert.equal(key, 'a');
    q.add('a');
    q.add('a');
    assert.equal(q.length, 0, 'not queued while a worker holds it');
    let second: string | undefined = 'pending';
    const waiting = q.get().then((k) => (second = k));
    await tick();
    assert.equal(second, 'pending', 'a second worker does not get it');
    q.done('a');
    await waiting;
    assert.equal(second, 'a');
    q.done('a');
    assert.equal(q.length, 0, 'the two adds during processing cost one more run, not two');
    assert.equal(q.busy, 0);
  });

  it('a waiting worker gets a key as soon as it is added', async () => {
    const q = new WorkQueue();
    const got = q.get();
    q.add('x');
    assert.equal(await got, 'x');
    assert.equal(q.busy, 1);
  });

  it('retries a failing key after a doubling, capped backoff; success resets it', async () => {
    const q = new WorkQueue({ baseDelayMs: 20, maxDelayMs: 70 });
    q.add('k');
    await q.get();
    assert.equal(q.retry('k'), 20);
    q.done('k');
    assert.equal(q.length, 0, 'not back before its delay');
    const t0 = Date.now();
    assert.equal(await q.get(), 'k');
    assert.ok(Date.now() - t0 >= 15, `back after ${Date.now() - t0} ms`);
    assert.equal(q.retry('k'), 40);
    q.done('k');
    await q.get();
    assert.equal(q.retry('k'), 70, 'capped');
    q.done('k');
    await q.get();
    q.forget('k');
    assert.equal(q.retry('k'), 20, 'starts over after a success');
    q.done('k');
    q.shutDown();
  });

  it('a failing key does not hold up the others', async () => {
    const q = new WorkQueue({ baseDelayMs: 1_000 });
    q.add('bad');
    q.add('good');
    assert.equal(await q.get(), 'bad');
    q.retry('bad');
    q.done('bad');
    assert.equal(await q.get(), 'good');
    q.shutDown();
  });

  it('shutting down wakes waiting workers with undefined and ignores further adds', async () => {
    const q = new WorkQueue();
    const waiting = [q.get(), q.get()];
    q.shutDown();
    assert.deepEqual(await Promise.all(waiting), [undefined, undefined]);
    q.add('late');
    assert.equal(q.length, 0);
    assert.equal(await q.get(), undefined);
  });

  it('adds a key again at a later time; the earliest request wins', async () => {
    const q = new WorkQueue();
    q.addAfter('a', 200);
    q.addAfter('a', 40);
    q.addAfter('a', 400);
    const started = Date.now();
    assert.equal(await q.get(), 'a');
    const waited = Date.now() - started;
    assert.ok(waited >= 35 && waited < 190, `waited ${waited} ms`);
    q.done('a');
    q.shutDown();
  });

  it('stays correct over many keys (the consumed head is compacted)', async () => {
    const q = new WorkQueue();
    for (let i = 0; i < 5_000; i++) q.add(`k${i}`);
    for (let i = 0; i < 3_000; i++) {
      const k = await q.get();
      assert.equal(k, `k${i}`);
      q.done(k as string);
    }
    q.add('k4999'); // still queued: not added twice
    q.add('k0'); // done: queued again, at the end
    assert.equal(q.length, 2_001);
    for (let i = 3_000; i < 5_000; i++) assert.equal(await q.get(), `k${i}`);
    assert.equal(await q.get(), 'k0');
  });
});

describe('controller: write rate limiter', () => {
  it('lets a burst through at once, then holds the rate', async () => {
    const bucket = new TokenBucket(100, 5);
    const t0 = Date.now();
    for (let i = 0; i < 5; i++) await bucket.take();
    assert.ok(Date.now() - t0 < 20, 'the burst is not delayed');
    for (let i = 0; i < 10; i++) await bucket.take();
    const took = Date.now() - t0;
    assert.ok(took >= 85, `10 more tokens at 100/s took ${took} ms`);
    assert.ok(took < 400, `10 more tokens at 100/s took ${took} ms`);
  });
});

describe('controller: Event reasons', () => {
  it('are the rule ID in PascalCase, valid as an Event reason', () => {
    assert.equal(eventReason('no-ready-endpoints'), 'NoReadyEndpoints');
    assert.equal(eventReason('rollout-stuck'), 'RolloutStuck');
    for (const r of RULES) assert.match(eventReason(r.id), /^[A-Z][A-Za-z0-9]*$/, r.id);
    assert.equal(new Set(RULES.map((r) => eventReason(r.id))).size, RULES.length, 'one reason per rule');
  });
});

describe('controller: Event messages', () => {
  it('add the first step of the fix, unless the message already gives it', () => {
    assert.equal(eventMessage({ message: 'Service/web selects nothing.', fix: 'Match the labels: app=web\nthen apply' }), 'Service/web selects nothing. Fix: Match the labels: app=web');
    const undo = 'kubectl rollout undo deployment/web -n shop';
    assert.equal(eventMessage({ message: `Deployment/web: stuck. Roll back: ${undo}`, fix: `${undo}\nthen look at the pods` }), `Deployment/web: stuck. Roll back: ${undo}`);
  });
});

describe('controller: RBAC', () => {
  const verbsOf = (rules: ReturnType<typeof clusterRules>, group: string, resource: string) =>
    rules.filter((r) => r.apiGroups.includes(group) && r.resources.includes(resource)).flatMap((r) => r.verbs);

  it('reads every watched kind and patches exactly the annotated ones', () => {
    const rules = clusterRules(true);
    for (const w of WATCHED) {
      const verbs = verbsOf(rules, w.group, w.plural);
      for (const v of ['list', 'watch']) assert.ok(verbs.includes(v), `${v} ${w.plural}`);
      assert.equal(verbs.includes('patch'), w.annotated, `patch ${w.plural}`);
      for (const v of ['create', 'update', 'delete', 'deletecollection', '*']) assert.ok(!verbs.includes(v), `no ${v} on ${w.plural}`);
    }
    assert.deepEqual(verbsOf(rules, 'guard502.dev', 'guard502policies/status').sort(), ['get', 'patch']);
    assert.deepEqual(verbsOf(rules, '', 'events').sort(), ['create', 'patch']);
    assert.ok(!rules.some((r) => r.resources.includes('leases')), 'leases only in its own namespace');
    assert.deepEqual(namespaceRules(), [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }]);
  });

  it('without the controller, reads only and leaves out live-only kinds', () => {
    const rules = clusterRules(false);
    for (const r of rules) assert.deepEqual(r.verbs, ['get', 'list', 'watch'], JSON.stringify(r));
    assert.deepEqual(verbsOf(rules, 'discovery.k8s.io', 'endpointslices'), []);
  });
});
