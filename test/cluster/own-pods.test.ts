// Owned pods, read for a workload only when a rule that wants them fires on it: which workloads
// qualify, and what the graph then shows the rule (the pods read, not those among the objects).
import assert from 'node:assert/strict';
import { workloadsWantingOwnPods, wantsOwnPods } from '../../src/cluster/own-pods.ts';
import { isWorkload, type Model, type Workload } from '../../src/engine/model.ts';
import type { Finding } from '../../src/engine/types.ts';
import { graphOf } from '../support/scan.ts';

const MANIFESTS = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template: {metadata: {labels: {app: web}}, spec: {containers: [{name: app, image: web:1}]}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template: {metadata: {labels: {app: api}}, spec: {containers: [{name: app, image: api:1}]}}
---
apiVersion: v1
kind: Pod
metadata: {name: web-in-files, namespace: shop, labels: {app: web}}
spec: {containers: [{name: app, image: web:1}]}
`;

/** A Pod as the cluster faces read it: a model of its own, not an object of the graph judged. */
const pod = (name: string, labels: string, namespace = 'shop'): Model =>
  [...graphOf(`apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: ${namespace}, labels: ${labels}}\nspec: {containers: [{name: app, image: web:1}]}\n`).all()][0] as Model;

describe('owned pods, read for a stuck workload', () => {
  const graph = graphOf(MANIFESTS);
  const workload = (name: string) => graph.workloads('shop').find((w) => w.name === name) as Workload;
  const finding = (rule: string, w: Workload): Finding => ({ rule, severity: 'error', resource: w.ref, path: 'status', message: '', fix: '', shape: 'reset' });

  it('are wanted only for a workload with a finding of a rule that reads them', () => {
    const web = workload('web');
    assert.equal(wantsOwnPods(web, [finding('rollout-stuck', web)]), true);
    assert.equal(wantsOwnPods(web, [finding('single-replica', web)]), false);
    assert.equal(wantsOwnPods(web, []), false);
    const bare = [...graph.all()].find((m) => m.kind === 'Pod') as Model;
    assert.ok(isWorkload(bare));
    assert.equal(wantsOwnPods(bare, [finding('rollout-stuck', bare as Workload)]), false, 'a bare Pod has no pods of its own');
  });

  it('are wanted for exactly the workloads such a finding names', () => {
    const web = workload('web');
    const api = workload('api');
    const objects = [web, api];
    assert.deepEqual(workloadsWantingOwnPods(objects, [finding('rollout-stuck', web), finding('single-replica', api)]).map((w) => w.name), ['web']);
    assert.deepEqual(workloadsWantingOwnPods(objects, [finding('single-replica', web)]), []);
  });

  it('replace, once read, the pods among the objects; only those the selector matches count; forgetting restores the objects', () => {
    const g = graphOf(MANIFESTS);
    const web = g.workloads('shop').find((w) => w.name === 'web') as Workload;
    assert.deepEqual(g.podsOf(web).map((p) => p.name), ['web-in-files']);
    const read = [pod('web-1', '{app: web}'), pod('web-2', '{app: web}'), pod('other', '{app: api}'), pod('elsewhere', '{app: web}', 'other')];
    g.setPodsOf(web.key, read);
    assert.deepEqual(g.podsOf(web).map((p) => p.name), ['web-1', 'web-2']);
    g.setPodsOf(web.key, undefined);
    assert.deepEqual(g.podsOf(web).map((p) => p.name), ['web-in-files']);
  });
});
