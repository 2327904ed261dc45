// `kubectl apply` against a real kube-apiserver whose ValidatingWebhookConfiguration
// points at a guard502 webhook running here, with the cluster as context.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { ClusterCache } from '../../src/cluster/cache.ts';
import { KubeClient } from '../../src/cluster/client.ts';
import { RULES } from '../../src/rules/index.ts';
import { silentLogger } from '../../src/server/log.ts';
import { startWebhookServer, type WebhookServer } from '../../src/webhook/server.ts';
import { useControlPlane } from '../support/control-plane.ts';
import { eventually } from '../support/eventually.ts';
import { issueServing, testCA } from '../support/webhook.ts';

const app = (opts: { port?: string; image?: string; probePort?: string; replicas?: number; probe?: boolean } = {}) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: demo}
spec:
  replicas: ${opts.replicas ?? 2}
  minReadySeconds: 5
  selector: {matchLabels: {app: web}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 0, maxSurge: 1}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: app
          image: ${opts.image ?? 'example/web:1'}
          ports: [{name: ${opts.port ?? 'http'}, containerPort: 8080}]
${opts.probe === false ? '' : `          readinessProbe: {httpGet: {path: /ready, port: ${opts.probePort ?? opts.port ?? 'http'}}, periodSeconds: 5}\n`}          lifecycle: {preStop: {sleep: {seconds: 5}}}
          resources: {limits: {memory: 256Mi}}
`;
const SERVICE = `
apiVersion: v1
kind: Service
metadata: {name: web, namespace: demo}
spec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: http}]}
`;

function webhookConfiguration(port: number, caBundle: string): string {
  return JSON.stringify({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: 'guard502-e2e' },
    webhooks: [
      {
        name: 'validate.guard502.dev',
        admissionReviewVersions: ['v1'],
        sideEffects: 'None',
        failurePolicy: 'Fail',
        timeoutSeconds: 5,
        clientConfig: { url: `https://127.0.0.1:${port}/validate`, caBundle: Buffer.from(caBundle).toString('base64') },
        namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system'] }] },
        rules: [
          { apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments', 'statefulsets', 'daemonsets'], operations: ['CREATE', 'UPDATE'] },
          { apiGroups: [''], apiVersions: ['v1'], resources: ['services'], operations: ['CREATE', 'UPDATE'] },
          { apiGroups: ['networking.k8s.io'], apiVersions: ['v1'], resources: ['ingresses'], operations: ['CREATE', 'UPDATE'] },
        ],
      },
    ],
  });
}

describe('e2e: kubectl apply through the guard502 webhook', function () {
  this.timeout(180_000);
  const env = useControlPlane({ controllerManager: true });
  let cache: ClusterCache;
  let webhook: WebhookServer;
  let dir: string;

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'guard502-e2e-webhook-'));
    const serving = issueServing();
    writeFileSync(join(dir, 'tls.crt'), serving.cert);
    writeFileSync(join(dir, 'tls.key'), serving.key);
    cache = new ClusterCache(new KubeClient(env.cp.kubeConfig), { face: 'webhook', log: silentLogger() });
    await cache.start();
    await cache.waitForSync();
    webhook = await startWebhookServer({
      context: cache,
      rules: RULES,
      log: silentLogger(),
      registry: new Registry(),
      port: 0,
      host: '127.0.0.1',
      certFile: join(dir, 'tls.crt'),
      keyFile: join(dir, 'tls.key'),
    });
    assert.equal((await env.cp.kubectl(['create', 'namespace', 'demo'])).code, 0);
    // Deployed before guard502 was installed: an older template with a probe on an undeclared port.
    assert.equal((await env.cp.kubectl(['apply', '-f', '-'], { input: app({ probePort: 'health' }) })).code, 0);
    const registered = await env.cp.kubectl(['apply', '-f', '-'], { input: webhookConfiguration(webhook.port, testCA().cert) });
    assert.equal(registered.code, 0, registered.stderr);
  });

  after(async () => {
    await webhook?.close();
    cache?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The webhook configuration takes effect asynchronously in the apiserver: retry until it answers. */
  async function applyJudged(input: string, judged: (r: { code: number; stdout: string; stderr: string }) => boolean) {
    return eventually('the webhook to judge the request', async () => {
      const r = await env.cp.kubectl(['apply', '-f', '-'], { input });
      return judged(r) ? r : undefined;
    }, 30_000, 250);
  }

  it('rejects a broken manifest with the message and the fix', async () => {
    const broken = readFileSync('examples/shop/broken/storefront.yaml', 'utf8');
    assert.equal((await env.cp.kubectl(['create', 'namespace', 'shop'])).code, 0);
    const r = await applyJudged(broken, (x) => x.stderr.includes('guard502'));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /admission webhook "validate\.guard502\.dev" denied the request: guard502 rejected Service shop\/storefront/);
    assert.match(r.stderr, /service-target-port-mismatch \[unreachable\]/);
    assert.match(r.stderr, /fix:/);
    assert.match(r.stderr, /request uid [0-9a-f-]{36}/);
  });

  it('fixes the mistake once the fix is applied: the fixed example is admitted', async () => {
    const fixed = readFileSync('examples/shop/fixed/storefront.yaml', 'utf8');
    const r = await env.cp.kubectl(['apply', '-f', '-'], { input: fixed });
    assert.equal(r.code, 0, r.stderr);
    // kubectl applies one object at a time: until the Ingress itself is fixed, the Service
    // is admitted with a warning that names the still-broken Ingress, and nothing else.
    for (const line of r.stderr.trim().split('\n').filter(Boolean)) assert.match(line, /not blocking: already failing before this change|guard502 explain/);
  });

  it('admits a risky manifest and kubectl prints the Warning: lines', async () => {
    const risky = SERVICE.replace(/name: web/g, 'name: risky').replace('app: web', 'app: risky') + '---' + app({ probe: false }).replace(/web/g, 'risky');
    const r = await env.cp.kubectl(['apply', '-f', '-'], { input: risky });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Warning: guard502 readiness-probe-missing \[unreachable\] spec\.template\.spec\.containers\[0\]/);
  });

  it('passes a clean manifest silently', async () => {
    // Workload first: a Service applied before its pods exist is warned about (they may never come).
    const r = await env.cp.kubectl(['apply', '-f', '-'], { input: app().replace(/web/g, 'clean') + '---' + SERVICE.replace(/name: web/g, 'name: clean').replace('app: web', 'app: clean') });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr.trim(), '');
  });

  it('admits `kubectl rollout undo` to a template that would be denied as new', async () => {
    // Fix the old Deployment (admitted), then its Service exists and the old mistake would be denied as a new change...
    assert.equal((await env.cp.kubectl(['apply', '-f', '-'], { input: app({ image: 'example/web:2' }) })).code, 0);
    assert.equal((await env.cp.kubectl(['apply', '-f', '-'], { input: SERVICE })).code, 0);
    const again = await env.cp.kubectl(['apply', '-f', '-'], { input: app({ probePort: 'health', image: 'example/web:3' }) });
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /probe-port-mismatch/);
    // ...but rolling back to the ReplicaSet that ran it is recovery, and recovery is never blocked.
    await eventually('2 ReplicaSets', async () => ((await env.cp.kubectl(['get', 'rs', '-n', 'demo', '-o', 'name'])).stdout.trim().split('\n').length >= 2 ? true : undefined));
    const undo = await env.cp.kubectl(['rollout', 'undo', 'deployment/web', '-n', 'demo']);
    assert.equal(undo.code, 0, undo.stderr);
    assert.match(undo.stderr, /Warning: guard502: rollback to ReplicaSet web-[a-z0-9]+ admitted/);
    assert.match(undo.stderr, /probe-port-mismatch/);
  });

  it('rejects a Deployment whose container port moved under its existing Service', async () => {
    await eventually('cache holds the Service', () => (cache.graph.service('demo', 'web') ? true : undefined));
    const r = await env.cp.kubectl(['apply', '-f', '-'], { input: app({ port: 'web' }) });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /denied the request: guard502 rejected Deployment demo\/web/);
    assert.match(r.stderr, /service-target-port-mismatch \[unreachable\] Service demo\/web spec\.ports\[0\]\.targetPort/);
  });

  it('answers server-side dry runs the same way', async () => {
    const r = await env.cp.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: app({ port: 'web' }) });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /guard502 rejected/);
  });

  it('never blocks a delete', async () => {
    const r = await env.cp.kubectl(['delete', 'deployment', 'risky', '-n', 'demo']);
    assert.equal(r.code, 0, r.stderr);
  });

  it('does what docs/install.md says in "See it work": kubectl apply -f examples/shop/broken/', async () => {
    // A fresh shop namespace, as in the walkthrough (the tests above used one).
    assert.equal((await env.cp.kubectl(['delete', 'namespace', 'shop', '--ignore-not-found', '--wait=true', '--timeout=120s'], { timeoutMs: 130_000 })).code, 0);
    assert.equal((await env.cp.kubectl(['create', 'namespace', 'shop'])).code, 0);
    const r = await env.cp.kubectl(['apply', '-f', 'examples/shop/broken/']);
    assert.notEqual(r.code, 0);
    // One object is rejected: the storefront Service, with the rule, the field and the fix.
    assert.equal(r.stderr.match(/denied the request/g)?.length, 1, r.stderr);
    assert.match(r.stderr, /denied the request: guard502 rejected Service shop\/storefront: 1 finding would cause HTTP 502s/);
    assert.match(r.stderr, /service-target-port-mismatch \[unreachable\] spec\.ports\[0\]\.targetPort\n.*port named "web"[\s\S]*fix:/);
    assert.doesNotMatch(r.stdout, /service\/storefront/);
    // Everything else is created, with warnings.
    for (const created of ['deployment.apps/checkout', 'service/checkout', 'deployment.apps/storefront', 'ingress.networking.k8s.io/storefront']) {
      assert.match(r.stdout, new RegExp(`^${created.replace('.', '\\.')} created$`, 'm'));
    }
    assert.match(r.stderr, /^Warning: guard502 probe-port-mismatch \[unreachable\] spec\.template\.spec\.containers\[0\]\.readinessProbe/m);
    assert.match(r.stderr, /^Warning: guard502 readiness-probe-slow \[too-slow\] Deployment shop\/checkout /m);
    assert.match(r.stderr, /^Warning: guard502 rollout-capacity-drop \[reset\] Deployment shop\/checkout /m);
    assert.match(r.stderr, /^Warning: guard502 rollout-recreate \[reset\] Deployment shop\/storefront /m);
    assert.match(r.stderr, /^Warning: guard502 ingress-backend-service-missing .*\(not blocking: Service shop\/storefront does not exist yet\) Ingress backend names Service storefront,/m);
    assert.match(r.stderr, /^Warning: guard502 ingress-backend-service-missing .*\(not blocking: Service shop\/checkout-api does not exist yet\) Ingress backend names Service checkout-api,/m);
    assert.match(r.stderr, /^Warning: guard502 proxy-timeout-unbounded /m);
    assert.match(r.stderr, /^Warning: guard502 proxy-retries-unbounded /m);
    // No Gateway API CRDs here: kubectl reports the HTTPRoute's kind as unknown.
    assert.match(r.stderr, /no matches for kind "HTTPRoute"/);

    // The fixed shop then goes in: nothing denied, one warning about the Ingress the next object fixes.
    const f = await env.cp.kubectl(['apply', '-f', 'examples/shop/fixed/']);
    assert.doesNotMatch(f.stderr, /denied/);
    assert.match(f.stdout, /^service\/storefront created$/m);
    assert.match(f.stdout, /^ingress\.networking\.k8s\.io\/storefront configured$/m);
    const findings = f.stderr.split('\n').filter((l) => l.startsWith('Warning: guard502 '));
    assert.equal(findings.length, 1, f.stderr);
    assert.match(findings[0]!, /ingress-backend-port-mismatch .*Ingress shop\/storefront .*\(not blocking: already failing before this change\)/);
    assert.match(f.stderr, /no matches for kind "GRPCRoute"/);
  });
});
