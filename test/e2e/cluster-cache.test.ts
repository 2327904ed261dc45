// The cluster cache against a real apiserver: the graph follows creates,
// updates and deletes; policies are parsed as they change; an absent CRD is
// skipped and picked up when installed; an apiserver restart loses nothing.
import assert from 'node:assert/strict';
import { ClusterCache } from '../../src/cluster/cache.ts';
import { KubeClient } from '../../src/cluster/client.ts';
import { silentLogger } from '../../src/server/log.ts';
import { isServiceModel } from '../../src/engine/model.ts';
import { useControlPlane } from '../support/control-plane.ts';
import { eventually } from '../support/eventually.ts';

const DEPLOY = (port: number) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: nginx, ports: [{name: http, containerPort: ${port}}]}]}
`;
const SERVICE = `
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: http}]}
`;

describe('e2e: cluster cache', function () {
  this.timeout(120_000);
  const env = useControlPlane();
  let cache: ClusterCache | undefined;
  afterEach(() => cache?.stop());

  it('mirrors the cluster into the graph and follows changes', async () => {
    assert.equal((await env.cp.kubectl(['apply', '-f', '-'], { input: DEPLOY(8080) + '---' + SERVICE })).code, 0);
    cache = new ClusterCache(new KubeClient(env.cp.kubeConfig), { face: 'webhook', log: silentLogger() });
    const changes: string[] = [];
    cache.onChange((c) => changes.push(`${c.event} ${c.resource.kind}/${(c.current ?? c.previous)?.name}`));
    await cache.start();
    await cache.waitForSync();
    assert.ok(cache.synced);
    const svc = cache.graph.service('default', 'web');
    assert.ok(svc && isServiceModel(svc));
    assert.deepEqual(cache.graph.workloadsSelectedBy(svc).map((w) => w.name), ['web']);
    assert.ok(cache.status().absent.includes('argoproj.io/Rollout'), 'Argo Rollouts CRD is not installed here');

    assert.equal((await env.cp.kubectl(['delete', 'service', 'web'])).code, 0);
    await eventually('service removed', () => (cache!.graph.service('default', 'web') ? undefined : true));
    assert.ok(changes.includes('deleted Service/web'));
  });

  it('parses Guard502Policies and picks up a CRD installed after start', async () => {
    cache = new ClusterCache(new KubeClient(env.cp.kubeConfig), { face: 'webhook', log: silentLogger(), discoveryIntervalMs: 200 });
    await cache.start();
    await cache.waitForSync();
    assert.equal(cache.watches('Guard502Policy'), false);
    assert.equal((await env.cp.kubectl(['apply', '-f', 'crds/guard502policy.yaml'])).code, 0);
    await eventually('policy kind watched', () => (cache!.watches('Guard502Policy') ? true : undefined), 30_000);
    const policy = `apiVersion: guard502.dev/v1alpha1\nkind: Guard502Policy\nmetadata: {name: strict}\nspec: {actions: {warning: deny}}\n`;
    await eventually('policy created', async () => ((await env.cp.kubectl(['apply', '-f', '-'], { input: policy })).code === 0 ? true : undefined), 30_000);
    const p = await eventually('policy parsed', () => cache!.policies().find((x) => x.name === 'strict'));
    assert.equal(p.actions.warning, 'deny');
    assert.equal(p.generation, 1);
  });

  it('loses no update across an apiserver restart', async () => {
    cache = new ClusterCache(new KubeClient(env.cp.kubeConfig), { face: 'webhook', log: silentLogger() });
    await cache.start();
    await cache.waitForSync();
    await env.cp.restartApiServer();
    assert.equal((await env.cp.kubectl(['apply', '-f', '-'], { input: DEPLOY(9090) })).code, 0);
    await eventually('updated port seen', () => {
      const w = cache!.graph.find('apps', 'Deployment', 'default', 'web');
      return w && JSON.stringify(w.raw).includes('9090') ? true : undefined;
    }, 60_000);
  });
});
