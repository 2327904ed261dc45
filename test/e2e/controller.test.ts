// The controller against a real apiserver, with kube-controller-manager and kwok
// so that pods become Ready and EndpointSlices fill: annotations on objects that
// existed before it started, clearing when fixed, live no-ready-endpoints,
// no write loop, one Event per appearing finding, leader election and hand-over,
// an apiserver restart mid-run, and policy status.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { ClusterCache } from '../../src/cluster/cache.ts';
import { KubeClient } from '../../src/cluster/client.ts';
import { startController, type ControllerHandle } from '../../src/controller/index.ts';
import { silentLogger } from '../../src/server/log.ts';
import { useControlPlane, type ControlPlane } from '../support/control-plane.ts';
import { eventually } from '../support/eventually.ts';

const WEB = (replicas: number) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: live}
spec:
  replicas: ${replicas}
  minReadySeconds: 1
  selector: {matchLabels: {app: web}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 0, maxSurge: 1}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: app
          image: example/web:1
          ports: [{name: http, containerPort: 8080}]
          readinessProbe: {httpGet: {path: /ready, port: http}}
          lifecycle: {preStop: {sleep: {seconds: 5}}}
          resources: {limits: {memory: 128Mi}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: live}
spec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: http}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: live}
spec:
  ingressClassName: nginx
  rules: [{host: web.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {name: http}}}}]}}]
`;

async function annotations(cp: ControlPlane, kind: string, ns: string, name: string): Promise<Record<string, string>> {
  const r = await cp.kubectl(['get', kind, name, '-n', ns, '-o', 'jsonpath={.metadata.annotations}']);
  return r.stdout ? (JSON.parse(r.stdout) as Record<string, string>) : {};
}

function rulesOf(a: Record<string, string>): string[] {
  return (JSON.parse(a['guard502.dev/findings'] ?? '[]') as Array<{ rule: string }>).map((f) => f.rule);
}

async function writes(registry: Registry): Promise<number> {
  const m = await registry.getSingleMetric('guard502_controller_writes_total')?.get();
  return (m?.values ?? []).filter((v) => v.labels.result === 'ok').reduce((a, v) => a + v.value, 0);
}

function newController(cp: ControlPlane, identity: string, opts: { lease?: string; registry?: Registry } = {}) {
  const client = new KubeClient(cp.kubeConfig);
  const cache = new ClusterCache(client, { face: 'controller', log: silentLogger(), discoveryIntervalMs: 500 });
  const registry = opts.registry ?? new Registry();
  return {
    cache,
    registry,
    async start(): Promise<ControllerHandle> {
      await cache.start();
      return startController({
        client,
        cache,
        log: silentLogger(),
        registry,
        identity,
        namespace: 'kube-system',
        statusIntervalMs: 300,
        eventSettleMs: 500,
        leaderElection: { enabled: true, leaseName: opts.lease ?? 'guard502-e2e', leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 250 },
      });
    },
  };
}

describe('e2e: controller', function () {
  this.timeout(240_000);
  const env = useControlPlane({ controllerManager: true, scheduler: true, kwok: true });
  let handle: ControllerHandle | undefined;
  let c: ReturnType<typeof newController>;

  after(async () => {
    await handle?.stop();
    c?.cache.stop();
  });

  it('annotates objects that existed before it started', async () => {
    const cp = env.cp;
    assert.equal((await cp.kubectl(['create', 'namespace', 'shop'])).code, 0);
    assert.equal((await cp.kubectl(['create', 'namespace', 'live'])).code, 0);
    assert.equal((await cp.kubectl(['apply', '-f', 'examples/shop/broken/storefront.yaml'])).code, 0);
    assert.equal((await cp.kubectl(['apply', '-f', '-'], { input: WEB(2) })).code, 0);
    c = newController(cp, 'solo');
    handle = await c.start();
    const deployment = await eventually('Deployment annotated', async () => {
      const a = await annotations(cp, 'deployment', 'shop', 'storefront');
      return a['guard502.dev/risk'] ? a : undefined;
    });
    assert.equal(deployment['guard502.dev/risk'], 'high');
    assert.ok(rulesOf(deployment).includes('rollout-recreate'));
    assert.match(deployment['guard502.dev/checked'] ?? '', /^0,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const service = await eventually('Service annotated', async () => {
      const a = await annotations(cp, 'service', 'shop', 'storefront');
      return a['guard502.dev/risk'] ? a : undefined;
    });
    assert.ok(rulesOf(service).includes('service-target-port-mismatch'));
    const ingress = await eventually('Ingress annotated', async () => {
      const a = await annotations(cp, 'ingress', 'shop', 'storefront');
      return a['guard502.dev/risk'] ? a : undefined;
    });
    assert.ok(rulesOf(ingress).includes('proxy-timeout-unbounded'));
    // An Event for each finding that appeared (once it has lived through the settle period), and only one.
    const count = async () => (await cp.kubectl(['get', 'events', '-n', 'shop', '--field-selector', 'involvedObject.name=storefront,reason=RolloutRecreate', '-o', 'name'])).stdout.trim().split('\n').filter(Boolean).length;
    await eventually('the Event', async () => ((await count()) > 0 ? true : undefined), 15_000, 200);
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(await count(), 1);
  });

  it('clears the findings when the manifest is fixed', async () => {
    const cp = env.cp;
    assert.equal((await cp.kubectl(['apply', '-f', 'examples/shop/fixed/storefront.yaml'])).code, 0);
    const fixed = await eventually('findings cleared', async () => {
      const a = await annotations(cp, 'service', 'shop', 'storefront');
      return a['guard502.dev/risk'] === 'none' ? a : undefined;
    });
    assert.equal(fixed['guard502.dev/findings'], '[]');
    await eventually('Deployment without errors', async () => {
      const a = await annotations(cp, 'deployment', 'shop', 'storefront');
      return !rulesOf(a).includes('rollout-recreate') && a['guard502.dev/risk'] !== 'high' ? true : undefined;
    });
  });

  it('shows no-ready-endpoints on the Ingress within seconds of scaling to zero, and clears it when back', async () => {
    const cp = env.cp;
    await eventually('web ready', async () => ((await cp.kubectl(['get', 'deploy', 'web', '-n', 'live', '-o', 'jsonpath={.status.readyReplicas}'])).stdout === '2' ? true : undefined));
    await eventually('Ingress annotated without live findings', async () => {
      const a = await annotations(cp, 'ingress', 'live', 'web');
      return a['guard502.dev/risk'] && !rulesOf(a).includes('no-ready-endpoints') ? true : undefined;
    });
    const scaledAt = Date.now();
    assert.equal((await cp.kubectl(['scale', 'deployment/web', '-n', 'live', '--replicas=0'])).code, 0);
    const down = await eventually('no-ready-endpoints', async () => {
      const a = await annotations(cp, 'ingress', 'live', 'web');
      return rulesOf(a).includes('no-ready-endpoints') ? a : undefined;
    }, 30_000);
    assert.equal(down['guard502.dev/risk'], 'high');
    assert.ok(Date.now() - scaledAt < 15_000, `took ${Date.now() - scaledAt} ms`);
    // At once, not after a grace: a workload scaled to 0 behind a gateway is an outage.
    assert.match((JSON.parse(down['guard502.dev/findings'] ?? '[]') as Array<{ rule: string; message: string }>).find((f) => f.rule === 'no-ready-endpoints')?.message ?? '', /whose Deployment\/web is scaled to 0/);
    assert.equal((await cp.kubectl(['scale', 'deployment/web', '-n', 'live', '--replicas=2'])).code, 0);
    await eventually('no-ready-endpoints cleared', async () => {
      const a = await annotations(cp, 'ingress', 'live', 'web');
      return a['guard502.dev/risk'] && !rulesOf(a).includes('no-ready-endpoints') ? true : undefined;
    }, 30_000);
  });

  it('does not write again when nothing it says changed (no watch → write → watch loop)', async () => {
    const cp = env.cp;
    // Let the cluster settle (pods, slices, status updates), then count.
    let before = -1;
    await eventually('writes to settle', async () => {
      const n = await writes(c.registry);
      const settled = n === before;
      before = n;
      return settled ? true : undefined;
    }, 60_000, 2_000);
    // Unrelated updates: a label on the Deployment, an annotation on the Service.
    assert.equal((await cp.kubectl(['label', 'deployment/web', '-n', 'live', 'team=payments'])).code, 0);
    assert.equal((await cp.kubectl(['annotate', 'service/web', '-n', 'live', 'owner=payments'])).code, 0);
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal(await writes(c.registry), before);
  });

  it('writes Guard502Policy status', async () => {
    const cp = env.cp;
    assert.equal((await cp.kubectl(['apply', '-f', 'crds/guard502policy.yaml'])).code, 0);
    const policy = 'apiVersion: guard502.dev/v1alpha1\nkind: Guard502Policy\nmetadata: {name: default}\nspec: {actions: {warning: warn}}\n';
    await eventually('policy created', async () => ((await cp.kubectl(['apply', '-f', '-'], { input: policy })).code === 0 ? true : undefined), 30_000);
    const status = await eventually('policy status', async () => {
      const r = await cp.kubectl(['get', 'guard502policy', 'default', '-o', 'jsonpath={.status}']);
      return r.stdout ? (JSON.parse(r.stdout) as { observedGeneration: number; findings: Record<string, number>; conditions: Array<{ type: string; status: string }> }) : undefined;
    }, 30_000);
    assert.equal(status.observedGeneration, 1);
    assert.equal(status.conditions[0]?.type, 'Ready');
    assert.ok(typeof status.findings.info === 'number');
    // The policy generation now stamps the annotations.
    await eventually('checked stamp with generation 1', async () => ((await annotations(cp, 'service', 'live', 'web'))['guard502.dev/checked']?.startsWith('1,') ? true : undefined), 30_000);
  });

  it('loses no update across an apiserver restart', async () => {
    const cp = env.cp;
    await cp.restartApiServer();
    // Broken while the controller reconnects: the Service's targetPort names no container port.
    const broken = WEB(2).replace('targetPort: http', 'targetPort: web');
    await eventually('apply after restart', async () => ((await cp.kubectl(['apply', '-f', '-'], { input: broken })).code === 0 ? true : undefined), 30_000);
    await eventually('mismatch annotated', async () => (rulesOf(await annotations(cp, 'service', 'live', 'web')).includes('service-target-port-mismatch') ? true : undefined), 60_000);
  });
});

describe('e2e: controller leader election', function () {
  this.timeout(120_000);
  const env = useControlPlane();

  it('elects one leader; a crashed leader is replaced after the lease expires, a stopped one at once', async () => {
    const a = newController(env.cp, 'replica-a', { lease: 'ha' });
    const b = newController(env.cp, 'replica-b', { lease: 'ha' });
    const ha = await a.start();
    const hb = await b.start();
    try {
      await eventually('a leader', () => (ha.leading || hb.leading ? true : undefined), 20_000);
      await new Promise((r) => setTimeout(r, 1_000));
      assert.notEqual(ha.leading, hb.leading, 'exactly one leader');
      const [leader, follower] = ha.leading ? [ha, hb] : [hb, ha];
      const crashedAt = Date.now();
      await leader.stop(false); // a crash: the lease is not released
      await eventually('hand-over after expiry', () => (follower.leading ? true : undefined), 20_000);
      const took = Date.now() - crashedAt;
      assert.ok(took >= 1_500, `took over after ${took} ms, before the 2 s lease could expire`);
      // A graceful stop releases the lease: a new replica takes over within a few retry periods.
      const c = newController(env.cp, 'replica-c', { lease: 'ha' });
      const hc = await c.start();
      const stoppedAt = Date.now();
      await follower.stop(true);
      await eventually('fast hand-over', () => (hc.leading ? true : undefined), 20_000);
      assert.ok(Date.now() - stoppedAt < 1_500, `released lease taken after ${Date.now() - stoppedAt} ms`);
      await hc.stop();
      c.cache.stop();
    } finally {
      await ha.stop();
      await hb.stop();
      a.cache.stop();
      b.cache.stop();
    }
  });
});
