// The test control plane itself: Deployments get Ready pods through kwok,
// Services get ready EndpointSlices, and kubectl talks to the apiserver.
import assert from 'node:assert/strict';
import { AppsV1Api, CoreV1Api, DiscoveryV1Api } from '@kubernetes/client-node';
import { eventually } from '../support/eventually.ts';
import { locateControlPlane, startControlPlane, useControlPlane } from '../support/control-plane.ts';
import { missingPrerequisite } from '../support/prerequisite.ts';

describe('e2e: test control plane', function () {
  this.timeout(120_000);
  const env = useControlPlane({ controllerManager: true, scheduler: true, kwok: true });

  it('runs a Deployment to Ready pods and gives its Service ready endpoints', async () => {
    const apps = env.cp.kubeConfig.makeApiClient(AppsV1Api);
    const core = env.cp.kubeConfig.makeApiClient(CoreV1Api);
    const discovery = env.cp.kubeConfig.makeApiClient(DiscoveryV1Api);
    await apps.createNamespacedDeployment({
      namespace: 'default',
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web' } },
          template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx', ports: [{ name: 'http', containerPort: 8080 }] }] } },
        },
      },
    });
    await core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] } } });
    await eventually('2 ready replicas', async () => ((await apps.readNamespacedDeployment({ name: 'web', namespace: 'default' })).status?.readyReplicas === 2 ? true : undefined));
    const ready = await eventually('ready endpoints', async () => {
      const slices = await discovery.listNamespacedEndpointSlice({ namespace: 'default', labelSelector: 'kubernetes.io/service-name=web' });
      const n = slices.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready).length;
      return n === 2 ? n : undefined;
    });
    assert.equal(ready, 2);
  });

  it('applies a manifest with kubectl', async () => {
    const r = await env.cp.kubectl(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: smoke, namespace: default}\ndata: {a: b}\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /configmap\/smoke created/);
    const got = await env.cp.kubectl(['get', 'configmap', 'smoke', '-o', 'jsonpath={.data.a}']);
    assert.equal(got.stdout, 'b');
  });
});

describe('e2e: apiserver restart', function () {
  this.timeout(120_000);
  const env = useControlPlane();

  it('restarts the apiserver on the same address with the same data', async () => {
    assert.equal((await env.cp.kubectl(['create', 'configmap', 'kept', '--from-literal=a=b'])).code, 0);
    await env.cp.restartApiServer();
    const got = await env.cp.kubectl(['get', 'configmap', 'kept', '-o', 'jsonpath={.data.a}']);
    assert.equal(got.stdout, 'b', got.stderr);
  });
});

describe('e2e: two control planes at once', function () {
  this.timeout(120_000);

  it('start side by side without colliding and clean up after themselves', async function () {
    const located = locateControlPlane();
    if ('skipReason' in located) missingPrerequisite(this, `end-to-end suite: ${located.skipReason}`);
    const [a, b] = await Promise.all([startControlPlane(), startControlPlane()]);
    try {
      assert.notEqual(a.server, b.server);
      for (const cp of [a, b]) assert.equal((await cp.kubectl(['get', 'ns', 'default', '-o', 'name'])).stdout.trim(), 'namespace/default');
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    const { existsSync } = await import('node:fs');
    assert.ok(!existsSync(a.dir) && !existsSync(b.dir), 'temp dirs removed');
  });
});
