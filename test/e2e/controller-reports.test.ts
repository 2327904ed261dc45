// Policy reports on a real API server, with the OpenReports CRD of its published Go module
// (test/fixtures/openreports) and the controller-manager's garbage collector: one Report per checked
// object, named after its UID and owned by it, one result per rule that judges it; updated when a
// finding goes away; deleted with the object. Without the CRD nothing is written and nothing fails.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { ClusterCache } from '../../src/cluster/cache.ts';
import { KubeClient } from '../../src/cluster/client.ts';
import { startController, type ControllerHandle } from '../../src/controller/index.ts';
import type { ReportFormat } from '../../src/controller/reports.ts';
import { RULES } from '../../src/rules/index.ts';
import { judges } from '../../src/engine/inputs.ts';
import { silentLogger } from '../../src/server/log.ts';
import { useControlPlane, type ControlPlane } from '../support/control-plane.ts';
import { eventually } from '../support/eventually.ts';

const CRD = readFileSync(new URL('../fixtures/openreports/openreports.io_reports.yaml', import.meta.url), 'utf8');
/** The published wgpolicyk8s.io PolicyReport CRD (test/fixtures/wgpolicyk8s): its schema prunes what it does not declare. */
const WG_CRD = readFileSync(new URL('../fixtures/wgpolicyk8s/wgpolicyk8s.io_policyreports.yaml', import.meta.url), 'utf8');

/** A Deployment behind a Service: no readiness probe (an error), one replica; `fixed` adds the probe. */
const APP = (ns: string, fixed: boolean) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ${ns}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: app
          image: example/web:1
          ports: [{name: http, containerPort: 8080}]${fixed ? '\n          readinessProbe: {httpGet: {path: /ready, port: http}}' : ''}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: ${ns}}
spec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: http}]}
`;

interface Result {
  policy: string;
  rule: string;
  result: string;
  severity?: string;
  source: string;
  message: string;
  properties: Record<string, string>;
  timestamp: { seconds: number; nanos: number };
}
interface Report {
  metadata: { name: string; resourceVersion: string; ownerReferences: Array<{ apiVersion: string; kind: string; name: string; uid: string }> };
  scope: { apiVersion: string; kind: string; name: string; namespace: string; uid: string };
  source: string;
  results: Result[];
  summary: Record<string, number>;
}

async function uidOf(cp: ControlPlane, kind: string, ns: string, name: string): Promise<string> {
  const r = await cp.kubectl(['get', kind, name, '-n', ns, '-o', 'jsonpath={.metadata.uid}']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

async function report(cp: ControlPlane, ns: string, name: string): Promise<Report | undefined> {
  const r = await cp.kubectl(['get', 'reports.openreports.io', name, '-n', ns, '-o', 'json']);
  return r.code === 0 ? (JSON.parse(r.stdout) as Report) : undefined;
}

async function reportWrites(registry: Registry): Promise<number> {
  const m = await registry.getSingleMetric('guard502_controller_writes_total')?.get();
  return (m?.values ?? []).filter((v) => v.labels.kind === 'Report' && v.labels.result === 'ok').reduce((a, v) => a + v.value, 0);
}

describe('e2e: controller policy reports', function () {
  this.timeout(180_000);
  const env = useControlPlane({ controllerManager: true });
  const running: Array<{ handle: ControllerHandle; cache: ClusterCache; client: KubeClient }> = [];
  afterEach(async () => {
    for (const r of running.splice(0)) {
      await r.handle.stop();
      r.cache.stop();
      r.client.close();
    }
  });

  async function start(reports: ReportFormat, registry: Registry): Promise<void> {
    const client = new KubeClient(env.cp.kubeConfig);
    const cache = new ClusterCache(client, { face: 'controller', log: silentLogger() });
    await cache.start();
    const handle = await startController({ client, cache, log: silentLogger(), registry, identity: 'reports', namespace: 'default', leaderElection: { enabled: false }, reports });
    running.push({ handle, cache, client });
  }

  it('writes nothing, and fails nothing, while the report CRD is absent', async () => {
    const cp = env.cp;
    assert.equal((await cp.kubectl(['create', 'namespace', 'nocrd'])).code, 0);
    assert.equal((await cp.kubectl(['apply', '-f', '-'], { input: APP('nocrd', false) })).code, 0);
    const registry = new Registry();
    await start('wgpolicyk8s', registry);
    await eventually('annotated', async () => {
      const r = await cp.kubectl(['get', 'deployment', 'web', '-n', 'nocrd', '-o', 'jsonpath={.metadata.annotations.guard502\\.dev/risk}']);
      return r.stdout ? true : undefined;
    }, 30_000);
    assert.equal(await reportWrites(registry), 0);
    const m = await registry.getSingleMetric('guard502_controller_writes_total')?.get();
    assert.deepEqual((m?.values ?? []).filter((v) => v.labels.kind === 'Report'), [], 'no Report write attempted, none failed');
  });

  it('writes wgpolicyk8s.io PolicyReports in the same shape when asked for that format', async () => {
    const cp = env.cp;
    const crd = await cp.kubectl(['apply', '-f', '-'], { input: WG_CRD });
    assert.equal(crd.code, 0, crd.stderr);
    assert.equal((await cp.kubectl(['wait', '--for=condition=Established', 'crd/policyreports.wgpolicyk8s.io', '--timeout=30s'])).code, 0);
    assert.equal((await cp.kubectl(['create', 'namespace', 'wg'])).code, 0);
    assert.equal((await cp.kubectl(['apply', '-f', '-'], { input: APP('wg', false) })).code, 0);
    await start('wgpolicyk8s', new Registry());
    const uid = await uidOf(cp, 'deployment', 'wg', 'web');
    const got = await eventually('PolicyReport', async () => {
      // The published CRD stores v1beta1; the writer's v1alpha2 is served beside it and read back as written.
      const r = await cp.kubectl(['get', 'policyreports.v1alpha2.wgpolicyk8s.io', `guard502-${uid}`, '-n', 'wg', '-o', 'json']);
      return r.code === 0 ? (JSON.parse(r.stdout) as Report & { apiVersion: string }) : undefined;
    }, 30_000, 200);
    assert.equal(got.apiVersion, 'wgpolicyk8s.io/v1alpha2');
    assert.equal(got.scope.uid, uid);
    assert.equal(got.source, undefined, 'PolicyReport names the source per result only');
    assert.ok(got.results.every((r) => r.source === 'guard502'));
    const missing = got.results.find((r) => r.policy === 'readiness-probe-missing');
    assert.equal(missing?.result, 'warn');
    // Every field written survives the published schema's pruning.
    assert.deepEqual(got.scope, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'wg', uid });
    assert.deepEqual(got.metadata.ownerReferences.map((o) => [o.kind, o.name, o.uid]), [['Deployment', 'web', uid]]);
    assert.equal(missing?.severity, 'medium');
    assert.equal(missing?.rule, 'readiness-probe-missing');
    assert.equal(missing?.properties.shape, 'unreachable');
    assert.match(missing?.properties.fix ?? '', /readinessProbe/);
    assert.ok((missing?.timestamp.seconds ?? 0) > 0, 'timestamp kept');
    assert.ok((got.summary.warn ?? 0) >= 1 && (got.summary.pass ?? 0) >= 1, JSON.stringify(got.summary));
  });

  it('writes one Report per checked object, updates it when a finding goes away, and the garbage collector deletes it with the object', async () => {
    const cp = env.cp;
    const crd = await cp.kubectl(['apply', '-f', '-'], { input: CRD });
    assert.equal(crd.code, 0, crd.stderr);
    assert.equal((await cp.kubectl(['wait', '--for=condition=Established', 'crd/reports.openreports.io', '--timeout=30s'])).code, 0);
    assert.equal((await cp.kubectl(['create', 'namespace', 'reports'])).code, 0);
    assert.equal((await cp.kubectl(['apply', '-f', '-'], { input: APP('reports', false) })).code, 0);
    const registry = new Registry();
    await start('openreports', registry);

    const uid = await uidOf(cp, 'deployment', 'reports', 'web');
    const name = `guard502-${uid}`;
    const first = await eventually('Report of the Deployment', () => report(cp, 'reports', name), 30_000, 200);
    assert.deepEqual(first.scope, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'reports', uid });
    assert.deepEqual(first.metadata.ownerReferences.map((o) => [o.apiVersion, o.kind, o.name, o.uid]), [['apps/v1', 'Deployment', 'web', uid]]);
    assert.equal(first.source, 'guard502');
    // One result per rule that judges a workload, each named by the rule.
    const workloadRules = RULES.filter((r) => r.targets.includes('workload')).map((r) => r.id).sort();
    assert.deepEqual(first.results.map((r) => r.policy).sort(), workloadRules);
    const missing = first.results.find((r) => r.policy === 'readiness-probe-missing');
    assert.ok(missing, 'readiness-probe-missing result');
    // Without a gateway in front, a missing readiness probe is a warning.
    assert.equal(missing.result, 'warn');
    assert.equal(missing.severity, 'medium');
    assert.equal(missing.source, 'guard502');
    assert.equal(missing.properties.shape, 'unreachable');
    assert.match(missing.properties.docs ?? '', /docs\/rules\/readiness-probe-missing\.md$/);
    assert.match(missing.properties.fix ?? '', /readinessProbe/);
    assert.ok(missing.message.length > 20);
    // Every finding of the annotation is in the Report with its severity mapped; every other rule passed.
    const annotated = JSON.parse((await cp.kubectl(['get', 'deployment', 'web', '-n', 'reports', '-o', 'jsonpath={.metadata.annotations.guard502\\.dev/findings}'])).stdout) as Array<{ rule: string; severity: string }>;
    const mapped: Record<string, [string, string]> = { error: ['fail', 'high'], warning: ['warn', 'medium'], info: ['warn', 'info'] };
    for (const r of first.results) {
      const worst = ['error', 'warning', 'info'].find((s) => annotated.some((f) => f.rule === r.policy && f.severity === s));
      assert.deepEqual([r.result, r.severity], worst ? mapped[worst] : ['pass', undefined], r.policy);
    }
    assert.ok(annotated.some((f) => f.severity === 'error' || f.severity === 'warning'), 'the fixture has findings');
    const passed = first.results.find((r) => r.policy === 'rollout-recreate');
    assert.equal(passed?.result, 'pass');
    assert.equal(first.summary.fail, first.results.filter((r) => r.result === 'fail').length);
    assert.equal(first.summary.pass, first.results.filter((r) => r.result === 'pass').length);
    // The Service has its own Report.
    const svcUid = await uidOf(cp, 'service', 'reports', 'web');
    const svcReport = await eventually('Report of the Service', () => report(cp, 'reports', `guard502-${svcUid}`), 30_000, 200);
    assert.deepEqual(svcReport.results.map((r) => r.policy).sort(), RULES.filter((r) => judges(r, { kind: 'Service', group: '' } as never)).map((r) => r.id).sort());

    // Nothing changes: the Report is not written again.
    const writes = await reportWrites(registry);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await report(cp, 'reports', name))?.metadata.resourceVersion, (await report(cp, 'reports', name))?.metadata.resourceVersion);
    assert.equal(await reportWrites(registry), writes, 'no Report write while nothing changed');

    // The fix lands: the result turns to pass in the same Report.
    assert.equal((await cp.kubectl(['apply', '-f', '-'], { input: APP('reports', true) })).code, 0);
    const updated = await eventually('readiness-probe-missing passes', async () => {
      const r = await report(cp, 'reports', name);
      return r?.results.find((x) => x.policy === 'readiness-probe-missing')?.result === 'pass' ? r : undefined;
    }, 30_000, 200);
    assert.notEqual(updated.metadata.resourceVersion, first.metadata.resourceVersion);
    assert.equal(updated.summary.fail, updated.results.filter((r) => r.result === 'fail').length);

    // The object goes, and the garbage collector takes its Report with it.
    assert.equal((await cp.kubectl(['delete', 'deployment', 'web', '-n', 'reports'])).code, 0);
    await eventually('Report garbage-collected', async () => ((await report(cp, 'reports', name)) ? undefined : true), 60_000, 250);
    assert.ok(await report(cp, 'reports', `guard502-${svcUid}`), "the Service's Report stays");
  });
});
