// What a live workload's status says (rollout under way, deadline exceeded) and how
// the live clock times states: pinned case by case, since the live rules' findings
// depend on both and fixtures show neither over time.
import assert from 'node:assert/strict';
import { LiveClock, timeOf } from '../../src/rules/lib/live-clock.ts';
import { DEFAULT_PROGRESS_DEADLINE_SECONDS, num, progressDeadlineExceeded, progressDeadlineSeconds, rolloutInProgress } from '../../src/rules/lib/rollout-status.ts';
import { isWorkload, type Workload } from '../../src/engine/model.ts';
import { graphOf } from '../support/scan.ts';

function workload(kind: 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Rollout', spec: string, status: string | undefined): Workload {
  const apiVersion = kind === 'Rollout' ? 'argoproj.io/v1alpha1' : 'apps/v1';
  const g = graphOf(`
apiVersion: ${apiVersion}
kind: ${kind}
metadata: {name: web}
spec: {${spec}${spec ? ', ' : ''}selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: app, image: web}]}}}
${status !== undefined ? `status: ${status}` : ''}
`);
  const w = [...g.all()].find((o) => o.kind === kind);
  assert.ok(w && isWorkload(w));
  return w;
}

const progressing = (status: string, reason: string) => `{conditions: [{type: Available, status: "True"}, {type: Progressing, status: "${status}", reason: ${reason}}]}`;

describe('rollout status', () => {
  it('reads the progress deadline, else the API default', () => {
    assert.equal(DEFAULT_PROGRESS_DEADLINE_SECONDS, 600);
    assert.equal(progressDeadlineSeconds(workload('Deployment', 'progressDeadlineSeconds: 120', undefined)), 120);
    assert.equal(progressDeadlineSeconds(workload('Deployment', '', undefined)), 600);
    assert.equal(progressDeadlineSeconds(workload('Deployment', 'progressDeadlineSeconds: 0', undefined)), 600);
    assert.equal(num(3), 3);
    assert.equal(num('3'), 0);
    assert.equal(num(undefined), 0);
  });

  it("takes the Deployment controller's verdict that the deadline passed", () => {
    assert.deepEqual(progressDeadlineExceeded(workload('Deployment', '', progressing('False', 'ProgressDeadlineExceeded'))), { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' });
    assert.equal(progressDeadlineExceeded(workload('Deployment', '', progressing('True', 'ProgressDeadlineExceeded'))), undefined);
    assert.equal(progressDeadlineExceeded(workload('Deployment', '', progressing('False', 'ReplicaSetCreateError'))), undefined);
    assert.equal(progressDeadlineExceeded(workload('Deployment', '', '{conditions: [{type: Available, status: "False", reason: ProgressDeadlineExceeded}]}')), undefined);
    assert.equal(progressDeadlineExceeded(workload('Deployment', '', undefined)), undefined);
  });

  it('tells a Deployment rollout under way from a finished one', () => {
    assert.equal(rolloutInProgress(workload('Deployment', '', undefined)), true, 'no status yet: just created');
    assert.equal(rolloutInProgress(workload('Deployment', '', '{}')), true);
    assert.equal(rolloutInProgress(workload('Deployment', '', '{replicas: 3}')), true, 'no Progressing condition yet');
    assert.equal(rolloutInProgress(workload('Deployment', '', progressing('True', 'ReplicaSetUpdated'))), true);
    assert.equal(rolloutInProgress(workload('Deployment', '', progressing('True', 'NewReplicaSetAvailable'))), false);
    assert.equal(rolloutInProgress(workload('Deployment', '', progressing('False', 'ProgressDeadlineExceeded'))), false);
  });

  it('reads an Argo Rollout by its phase', () => {
    assert.equal(rolloutInProgress(workload('Rollout', '', '{phase: Progressing}')), true);
    assert.equal(rolloutInProgress(workload('Rollout', '', '{replicas: 3}')), true, 'no phase yet');
    assert.equal(rolloutInProgress(workload('Rollout', '', '{phase: Healthy}')), false);
    assert.equal(rolloutInProgress(workload('Rollout', '', '{phase: Degraded}')), false);
  });

  it('reads StatefulSets and DaemonSets by their counts and revisions', () => {
    const sts = (ready: number, updated: number, current = 'a', update = 'a') =>
      rolloutInProgress(workload('StatefulSet', 'replicas: 3, serviceName: web', `{readyReplicas: ${ready}, updatedReplicas: ${updated}, currentRevision: ${current}, updateRevision: ${update}}`));
    assert.equal(sts(3, 3), false);
    assert.equal(sts(2, 2), true, 'not all updated and ready');
    assert.equal(sts(2, 3), false, 'all updated: a pod that is not ready is no rollout');
    assert.equal(sts(2, 3, 'a', 'b'), true, 'revisions differ: pods are still being replaced');
    assert.equal(sts(3, 0, 'a', 'b'), false, 'all ready');
    assert.equal(rolloutInProgress(workload('StatefulSet', 'serviceName: web', '{readyReplicas: 0, updatedReplicas: 0}')), true, 'one replica by default');
    assert.equal(rolloutInProgress(workload('StatefulSet', 'serviceName: web', '{readyReplicas: 1, updatedReplicas: 0}')), false);
    const ds = (ready: number, updated: number, desired = 3) =>
      rolloutInProgress(workload('DaemonSet', '', `{desiredNumberScheduled: ${desired}, numberReady: ${ready}, updatedNumberScheduled: ${updated}, currentRevision: a, updateRevision: b}`));
    assert.equal(ds(3, 3), false);
    assert.equal(ds(2, 2), true);
    assert.equal(ds(2, 3), false, 'revision fields do not count for a DaemonSet');
    assert.equal(ds(0, 0, 0), false);
  });
});

describe('the live clock', () => {
  it('remembers since when an object has been in a state, and starts again when the state changes', () => {
    const clock = new LiveClock();
    let t = 1000;
    clock.now = () => t;
    assert.equal(clock.since('a', 'stuck'), 1000);
    t = 2000;
    assert.equal(clock.since('a', 'stuck'), 1000);
    assert.equal(clock.stateOf('a'), 'stuck');
    assert.equal(clock.since('a', 'down'), 2000);
    assert.equal(clock.stateOf('a'), 'down');
    clock.forget('a');
    assert.equal(clock.stateOf('a'), undefined);
    assert.equal(clock.stateOf('b'), undefined);
  });

  it('forgets every state of a deleted object, and only those', () => {
    const clock = new LiveClock();
    clock.now = () => 5;
    clock.since('shop/web#rollout', 'stuck');
    clock.since('shop/web#endpoints', 'down');
    clock.since('shop/web-2#rollout', 'stuck');
    clock.recheckAt('shop/web', 100);
    clock.recheckAt('shop/web-2', 100);
    clock.forgetObject('shop/web');
    assert.equal(clock.stateOf('shop/web#rollout'), undefined);
    assert.equal(clock.stateOf('shop/web#endpoints'), undefined);
    assert.equal(clock.stateOf('shop/web-2#rollout'), 'stuck');
    assert.equal(clock.takeRecheck('shop/web'), undefined);
    assert.equal(clock.takeRecheck('shop/web-2'), 100);
  });

  it('keeps the earliest re-check asked for, and hands it out once', () => {
    const clock = new LiveClock();
    clock.recheckAt('a', 300);
    clock.recheckAt('a', 200);
    clock.recheckAt('a', 250);
    assert.equal(clock.takeRecheck('a'), 200);
    assert.equal(clock.takeRecheck('a'), undefined);
    clock.recheckAt('b', 1);
    clock.since('c', 'x');
    clock.reset();
    assert.equal(clock.takeRecheck('b'), undefined);
    assert.equal(clock.stateOf('c'), undefined);
  });

  it('reads RFC 3339 timestamps', () => {
    assert.equal(timeOf('2026-12-06T10:00:00Z'), Date.UTC(2026, 11, 6, 10));
    assert.equal(timeOf('yesterday'), undefined);
    assert.equal(timeOf(1234), undefined);
    assert.equal(timeOf(undefined), undefined);
  });
});
