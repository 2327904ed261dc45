// The live rules over time: what they say depends on how long a state has lasted
// (the live clock), which fixtures cannot show. Silent while an application is
// starting; an outage or a stuck rollout once the deadline has passed, with one
// message that says what fails and a rollback only when there is something to roll back to.
import assert from 'node:assert/strict';
import { RULES } from '../../src/rules/index.ts';
import { liveClock } from '../../src/rules/lib/live-clock.ts';
import { scanYaml } from '../support/scan.ts';

const rule = (id: string) => RULES.filter((r) => r.id === id);
const said = (yaml: string, id: string, params?: Record<string, number>) =>
  scanYaml(yaml, { rules: rule(id), live: true, ...(params ? { params: { [id]: params } } : {}) }).findings.filter((f) => f.rule === id);

/** No sentence said twice in one message. */
function noRepeats(message: string): void {
  const sentences = message.split(/(?<=\.)\s+/).map((s) => s.trim()).filter(Boolean);
  assert.equal(new Set(sentences).size, sentences.length, message);
}

const STATEFULSET = (ready: number, updated: number, current = 'db-1', update = 'db-2') => `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop, generation: 2}
spec: {replicas: 3, serviceName: db, selector: {matchLabels: {app: db}}, template: {metadata: {labels: {app: db}}, spec: {containers: [{name: db, image: db:2}]}}}
status: {observedGeneration: 2, replicas: 3, readyReplicas: ${ready}, updatedReplicas: ${updated}, currentRevision: ${current}, updateRevision: ${update}}
---
apiVersion: v1
kind: Pod
metadata: {name: db-2, namespace: shop, labels: {app: db}}
spec: {containers: [{name: db, image: db:2}]}
status: {phase: Running, containerStatuses: [{name: db, ready: false, restartCount: 4, image: db:2, imageID: '', state: {waiting: {reason: CrashLoopBackOff}}}]}
`;

const APP = (replicas: number, status: string, endpoints: string) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: ${replicas}
  progressDeadlineSeconds: 60
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: web:1, ports: [{name: http, containerPort: 8080}]}]}
status: ${status}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: http}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec: {rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-abc12, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
endpoints: ${endpoints}
`;
const COMPLETE = '{observedGeneration: 1, replicas: 2, readyReplicas: 2, conditions: [{type: Progressing, status: "True", reason: NewReplicaSetAvailable}]}';
const CRASHED = '{observedGeneration: 1, replicas: 2, readyReplicas: 0, conditions: [{type: Progressing, status: "True", reason: NewReplicaSetAvailable}]}';
const STARTING = '{observedGeneration: 1, replicas: 2, conditions: [{type: Progressing, status: "True", reason: ReplicaSetUpdated}]}';
const READY = '[{addresses: [10.0.0.1]}, {addresses: [10.0.0.2]}]';
const NOT_READY = '[{addresses: [10.0.0.1], conditions: {ready: false}}]';

describe('live rules over time', () => {
  let now = 1_000_000;
  beforeEach(() => {
    liveClock.reset();
    now = 1_000_000;
    liveClock.now = () => now;
  });
  after(() => {
    liveClock.reset();
    liveClock.now = () => Date.now();
  });

  describe('rollout-stuck on a StatefulSet', () => {
    it('is silent while the rollout may still progress, and asks to be judged again at the deadline', () => {
      assert.deepEqual(said(STATEFULSET(2, 1), 'rollout-stuck', { progressDeadlineSeconds: 30 }), []);
      assert.equal(liveClock.takeRecheck('apps/StatefulSet/shop/db'), now + 30_000);
      now += 29_000;
      assert.deepEqual(said(STATEFULSET(2, 1), 'rollout-stuck', { progressDeadlineSeconds: 30 }), []);
    });

    it('fires once no progress was made for the deadline, saying what fails and how to roll back', () => {
      said(STATEFULSET(2, 1), 'rollout-stuck', { progressDeadlineSeconds: 30 });
      now += 30_000;
      const [f, ...more] = said(STATEFULSET(2, 1), 'rollout-stuck', { progressDeadlineSeconds: 30 });
      assert.equal(more.length, 0);
      assert.ok(f);
      assert.equal(f.severity, 'error');
      assert.match(f.message, /StatefulSet\/db: its rollout made no progress for 30 s; 2 of 3 pods ready, 1 of 3 updated, waiting: CrashLoopBackOff \(1 container\)/);
      assert.match(f.message, /Roll back: kubectl rollout undo statefulset\/db -n shop$/);
      noRepeats(f.message);
    });

    it('progress restarts the timing', () => {
      said(STATEFULSET(1, 1), 'rollout-stuck', { progressDeadlineSeconds: 30 });
      now += 20_000;
      said(STATEFULSET(2, 2), 'rollout-stuck', { progressDeadlineSeconds: 30 });
      now += 20_000;
      assert.deepEqual(said(STATEFULSET(2, 2), 'rollout-stuck', { progressDeadlineSeconds: 30 }), []);
    });

    it('a first revision that never becomes ready: what fails, no rollback', () => {
      said(STATEFULSET(0, 3, 'db-1', 'db-1'), 'rollout-stuck', { progressDeadlineSeconds: 30 });
      now += 31_000;
      const [f] = said(STATEFULSET(0, 3, 'db-1', 'db-1'), 'rollout-stuck', { progressDeadlineSeconds: 30 });
      assert.ok(f);
      assert.match(f.message, /0 of 3 pods ready, 3 of 3 updated/);
      assert.match(f.message, /no earlier revision to roll back to/);
      assert.doesNotMatch(f.message + f.fix, /rollout undo/);
      noRepeats(f.message);
    });
  });

  describe('rollout-stuck on a DaemonSet', () => {
    const DAEMONSET = (generation: number, desired: number, ready: number, updated: number) => `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: shop, generation: ${generation}}
spec: {selector: {matchLabels: {app: agent}}, template: {metadata: {labels: {app: agent}}, spec: {containers: [{name: agent, image: agent:2}]}}}
status: {observedGeneration: ${generation}, desiredNumberScheduled: ${desired}, numberReady: ${ready}, updatedNumberScheduled: ${updated}}
`;
    const stuck = (yaml: string) => {
      said(yaml, 'rollout-stuck', { progressDeadlineSeconds: 30 });
      now += 30_000;
      return said(yaml, 'rollout-stuck', { progressDeadlineSeconds: 30 });
    };

    it('an update stuck on some nodes: what fails, and the rollback of a later generation', () => {
      const [f, ...more] = stuck(DAEMONSET(2, 3, 1, 1));
      assert.equal(more.length, 0);
      assert.ok(f);
      assert.match(f.message, /DaemonSet\/agent: its rollout made no progress for 30 s; 1 of 3 pods ready, 1 of 3 updated/);
      assert.match(f.message, /kubectl rollout undo daemonset\/agent -n shop/);
      noRepeats(f.message);
    });

    it('the first generation, or every pod updated: nothing to roll back', () => {
      for (const yaml of [DAEMONSET(1, 3, 1, 1), DAEMONSET(2, 3, 1, 3)]) {
        liveClock.reset();
        const [f] = stuck(yaml);
        assert.ok(f);
        assert.doesNotMatch(f.message + f.fix, /rollout undo/);
        noRepeats(f.message);
      }
    });

    it('is silent on no nodes, and once every pod is updated and ready', () => {
      assert.deepEqual(stuck(DAEMONSET(2, 0, 0, 0)), []);
      assert.deepEqual(stuck(DAEMONSET(2, 3, 3, 3)), []);
      assert.equal(liveClock.stateOf('apps/DaemonSet/shop/agent#rollout'), undefined);
    });
  });

  describe('rollout-stuck on an Argo Rollout', () => {
    const ROLLOUT = (status: string) => `
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web, namespace: shop, generation: 3}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template: {metadata: {labels: {app: web}}, spec: {containers: [{name: app, image: web:3}]}}
  strategy: {canary: {steps: [{setWeight: 20}]}}
status: ${status}
`;

    it('Degraded: the controller message, and a rollback while a stable ReplicaSet differs from the current one', () => {
      const [f] = said(ROLLOUT('{observedGeneration: "3", phase: Degraded, message: "ProgressDeadlineExceeded: web-7c9 has timed out progressing", stableRS: 5d8, currentPodHash: 7c9, readyReplicas: 3, updatedReplicas: 1}'), 'rollout-stuck');
      assert.ok(f);
      assert.match(f.message, /Rollout\/web: the Argo Rollout is Degraded \(ProgressDeadlineExceeded: web-7c9 has timed out progressing\); 3 of 4 pods ready, 1 of 4 updated/);
      assert.match(f.message, /Roll back: kubectl argo rollouts undo web -n shop/);
      assert.match(f.fix, /^kubectl argo rollouts undo web -n shop\n/);
      noRepeats(f.message);
    });

    it('Degraded without a message, and with nothing stable to go back to', () => {
      for (const status of ['{observedGeneration: "3", phase: Degraded, currentPodHash: 7c9, readyReplicas: 0, updatedReplicas: 4}', '{observedGeneration: "3", phase: Degraded, stableRS: 7c9, currentPodHash: 7c9, message: "", readyReplicas: 0, updatedReplicas: 4}']) {
        const [f] = said(ROLLOUT(status), 'rollout-stuck');
        assert.ok(f, status);
        assert.match(f.message, /Rollout\/web: the Argo Rollout is Degraded; 0 of 4 pods ready, 4 of 4 updated/);
        assert.doesNotMatch(f.message + f.fix, /undo/);
      }
    });

    it("reads Argo's observedGeneration, a string: a status behind the spec is not judged; a spec hash (before 1.0) cannot be compared and is trusted", () => {
      const degraded = (observed: string) => `{observedGeneration: "${observed}", phase: Degraded, stableRS: 5d8, currentPodHash: 7c9, readyReplicas: 3, updatedReplicas: 1}`;
      assert.deepEqual(said(ROLLOUT(degraded('2')), 'rollout-stuck'), []);
      assert.equal(said(ROLLOUT(degraded('6c9f8d7b5')), 'rollout-stuck').length, 1);
      assert.equal(said(ROLLOUT(degraded('4')), 'rollout-stuck').length, 1);
    });

    it('is silent while Healthy or Progressing', () => {
      assert.deepEqual(said(ROLLOUT('{observedGeneration: "3", phase: Healthy, readyReplicas: 4, updatedReplicas: 4}'), 'rollout-stuck'), []);
      assert.deepEqual(said(ROLLOUT('{observedGeneration: "3", phase: Progressing, readyReplicas: 3, updatedReplicas: 1}'), 'rollout-stuck'), []);
    });
  });

  describe('rollout-stuck on a Deployment', () => {
    it('on its first revision: no rollback in the message or the fix', () => {
      const yaml = APP(2, '{observedGeneration: 1, replicas: 2, updatedReplicas: 2, conditions: [{type: Progressing, status: "False", reason: ProgressDeadlineExceeded}]}', NOT_READY);
      const [f] = said(yaml, 'rollout-stuck');
      assert.ok(f);
      assert.match(f.message, /Deployment\/web: its rollout made no progress for 60 s \(ProgressDeadlineExceeded\); 0 of 2 pods ready, 2 of 2 updated\. There is no earlier revision/);
      assert.doesNotMatch(f.message + f.fix, /rollout undo/);
      noRepeats(f.message);
    });
  });

  describe('no-ready-endpoints', () => {
    it('is silent while a new application starts, and fires only past the grace', () => {
      assert.deepEqual(said(APP(2, STARTING, NOT_READY), 'no-ready-endpoints'), []);
      assert.equal(liveClock.takeRecheck('networking.k8s.io/Ingress/default/web'), now + 60_000);
      now += 59_000;
      assert.deepEqual(said(APP(2, STARTING, NOT_READY), 'no-ready-endpoints'), []);
      now += 1_000;
      const [f] = said(APP(2, STARTING, NOT_READY), 'no-ready-endpoints');
      assert.ok(f);
      assert.match(f.message, /which has had no ready endpoint for more than 60 s/);
    });

    it('the grace is a parameter', () => {
      said(APP(2, STARTING, NOT_READY), 'no-ready-endpoints', { graceSeconds: 5 });
      now += 5_000;
      assert.equal(said(APP(2, STARTING, NOT_READY), 'no-ready-endpoints', { graceSeconds: 5 }).length, 1);
    });

    it('fires at once when a Service that had ready endpoints loses them', () => {
      assert.deepEqual(said(APP(2, COMPLETE, READY), 'no-ready-endpoints'), []);
      now += 1_000;
      const [f] = said(APP(2, CRASHED, NOT_READY), 'no-ready-endpoints');
      assert.ok(f);
      assert.match(f.message, /Service web, which lost its last ready endpoint: every request/);
      noRepeats(f.message);
    });

    it('fires at once when the workload behind it is scaled to 0, and stays while it scales back up', () => {
      assert.deepEqual(said(APP(2, COMPLETE, READY), 'no-ready-endpoints'), []);
      const [f] = said(APP(0, COMPLETE, '[]'), 'no-ready-endpoints');
      assert.ok(f);
      assert.match(f.message, /Service web, whose Deployment\/web is scaled to 0/);
      // Scaling back up: still an outage until a pod is ready (no flapping, no second Event).
      assert.equal(said(APP(2, CRASHED, '[]'), 'no-ready-endpoints').length, 1);
      assert.deepEqual(said(APP(2, COMPLETE, READY), 'no-ready-endpoints'), []);
    });

    it('a rollout that loses every ready endpoint (Recreate) has its grace', () => {
      said(APP(2, COMPLETE, READY), 'no-ready-endpoints');
      assert.deepEqual(said(APP(2, STARTING, NOT_READY), 'no-ready-endpoints'), []);
    });
  });
});
