// The webhook over real HTTPS with real AdmissionReview v1 payloads: decisions,
// the cluster as context, ratchet and rollback, and every kind of bad input.
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { defineRule } from '../../src/engine/rule.ts';
import { defaultPolicy } from '../../src/policy/policy.ts';
import { RULES } from '../../src/rules/index.ts';
import type { JsonObject } from '../../src/engine/types.ts';
import { contextOf, issueServing, review, startTestWebhook, type TestWebhook } from '../support/webhook.ts';

const SERVICE = `
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
`;

// A Deployment that is clean for the rules that warn or deny.
const deployment = (opts: { port?: string; replicas?: number; image?: string; probe?: boolean; strategy?: string } = {}) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default, uid: 0d1f0c1e-0000-4000-8000-000000000001}
spec:
  replicas: ${opts.replicas ?? 3}
  minReadySeconds: 10
  selector: {matchLabels: {app: web}}
  strategy: ${opts.strategy ?? '{type: RollingUpdate, rollingUpdate: {maxUnavailable: 0, maxSurge: 1}}'}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 30
      containers:
        - name: app
          image: ${opts.image ?? 'example/web:1'}
          ports: [{name: ${opts.port ?? 'http'}, containerPort: 8080}]
${opts.probe === false ? '' : `          readinessProbe: {httpGet: {path: /ready, port: ${opts.port ?? 'http'}}, periodSeconds: 5}\n`}          lifecycle: {preStop: {sleep: {seconds: 5}}}
          resources: {limits: {memory: 256Mi}}
`;

const INGRESS = (service: string, port = 80) => `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: default}
spec:
  ingressClassName: nginx
  rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: ${service}, port: {number: ${port}}}}}]}}]
`;

function response(r: { json: JsonObject }): { uid: string; allowed: boolean; warnings?: string[]; status?: { code: number; message: string }; patch?: string; patchType?: string } {
  return r.json.response as never;
}

describe('webhook: admission decisions over HTTPS', function () {
  this.timeout(20_000);
  let hook: TestWebhook;
  afterEach(async () => hook?.close());

  it('denies a contradiction with an existing object, with every blocking finding, its fix and the uid', async () => {
    // The only Deployment behind a working Service renames the port the Service sends to.
    hook = await startTestWebhook(contextOf(SERVICE + '---' + deployment()));
    const renamed = deployment({ port: 'web' });
    const r = await hook.post('/validate', review('UPDATE', renamed, { oldObject: deployment(), uid: 'uid-deny-1' }));
    assert.equal(r.status, 200);
    const res = response(r);
    assert.equal(res.uid, 'uid-deny-1');
    assert.equal(res.allowed, false);
    assert.equal(res.status?.code, 403);
    assert.match(res.status!.message, /guard502 rejected Deployment default\/web\b/);
    assert.match(res.status!.message, /request uid uid-deny-1/);
    assert.match(res.status!.message, /service-target-port-mismatch \[unreachable\] Service default\/web spec\.ports\[0\]\.targetPort/);
    assert.match(res.status!.message, /fix:/);
  });

  it('admits a second workload that misses the port of a Service another one serves, with a warning naming it', async () => {
    // The Service keeps its endpoints: only the newcomer's pods get no traffic from that port.
    hook = await startTestWebhook(contextOf(SERVICE + '---' + deployment()));
    const canary = deployment({ port: 'web' }).replace('name: web,', 'name: web-canary,');
    const res = response(await hook.post('/validate', review('CREATE', canary)));
    assert.equal(res.allowed, true);
    assert.ok(res.warnings?.some((w) => w.startsWith('guard502 service-target-port-mismatch [unreachable] Service default/web spec.ports[0].targetPort: ')), JSON.stringify(res.warnings));
  });

  it('only warns about a neighbour that was not working before the change (it may be the first half of its fix)', async () => {
    hook = await startTestWebhook(contextOf(SERVICE));
    const res = response(await hook.post('/validate', review('CREATE', deployment({ port: 'web' }))));
    assert.equal(res.allowed, true);
    assert.ok(res.warnings?.some((w) => w.includes('service-target-port-mismatch') && w.includes('already failing before this change')), res.warnings?.join('\n'));
  });

  it('rejects a Deployment whose port moved under the Service that selects it (cross-object)', async () => {
    hook = await startTestWebhook(contextOf(SERVICE + '---' + deployment()));
    const ok = response(await hook.post('/validate', review('UPDATE', deployment({ image: 'example/web:2' }), { oldObject: deployment() })));
    assert.equal(ok.allowed, true);
    assert.equal(ok.warnings, undefined, 'a clean update passes silently');
    const moved = response(await hook.post('/validate', review('UPDATE', deployment({ port: 'web' }), { oldObject: deployment() })));
    assert.equal(moved.allowed, false);
    assert.match(moved.status!.message, /Service default\/web/);
  });

  it('admits a risky object with one warning line per finding, naming rule and field', async () => {
    hook = await startTestWebhook(contextOf(SERVICE));
    const res = response(await hook.post('/validate', review('CREATE', deployment({ probe: false }))));
    assert.equal(res.allowed, true);
    assert.ok(res.warnings && res.warnings.length >= 2);
    const line = res.warnings.find((w) => w.includes('readiness-probe-missing'));
    assert.ok(line, res.warnings.join('\n'));
    assert.match(line, /^guard502 readiness-probe-missing \[unreachable\] spec\.template\.spec\.containers\[0\]/);
    for (const w of res.warnings) {
      assert.ok(!w.includes('\n'), w);
      // Aimed at 120 characters; a long rule, field and path keep at least 80 characters of the message.
      const message = w.slice(w.indexOf(': ') + 2);
      assert.ok(w.length <= 120 || message.length <= 80, w);
      if (w.endsWith('…')) assert.match(w, /\w…$/, 'cut at a word, not inside one');
    }
    assert.match(res.warnings.at(-1)!, /^guard502: the fix( of each rule)?: guard502 explain [a-zA-Z-]+, or docs\/rules\/[a-zA-Z-]+\.md$/);
  });

  it('names the rule and its docs page when one rule is behind the warnings', async () => {
    hook = await startTestWebhook(contextOf(SERVICE));
    const res = response(await hook.post('/validate', review('CREATE', deployment().replace('lifecycle: {preStop: {sleep: {seconds: 5}}}', 'lifecycle: {}'))));
    assert.equal(res.allowed, true);
    assert.deepEqual(res.warnings?.filter((w) => w.startsWith('guard502 ')).map((w) => w.split(' ')[1]), ['prestop-missing']);
    assert.equal(res.warnings?.at(-1), 'guard502: the fix: guard502 explain prestop-missing, or docs/rules/prestop-missing.md');
  });

  it('admits a clean object silently', async () => {
    hook = await startTestWebhook(contextOf(SERVICE));
    const res = response(await hook.post('/validate', review('CREATE', deployment())));
    assert.deepEqual(res, { uid: res.uid, allowed: true });
  });

  it('only warns about a reference to an object that does not exist yet', async () => {
    hook = await startTestWebhook(contextOf());
    const res = response(await hook.post('/validate', review('CREATE', INGRESS('not-yet'))));
    assert.equal(res.allowed, true);
    assert.ok(res.warnings?.some((w) => w.includes('ingress-backend-service-missing') && w.includes('not blocking: Service default/not-yet does not exist yet')), res.warnings?.join('\n'));
  });

  it('denies an Ingress to a port its existing Service lacks', async () => {
    hook = await startTestWebhook(contextOf(SERVICE + '---' + deployment()));
    const res = response(await hook.post('/validate', review('CREATE', INGRESS('web', 8080))));
    assert.equal(res.allowed, false);
    assert.match(res.status!.message, /ingress-backend-port-mismatch/);
  });

  it('ratchets: on UPDATE, findings the old object already had warn but do not deny', async () => {
    const broken = deployment({ strategy: '{type: Recreate}' });
    hook = await startTestWebhook(contextOf(SERVICE + '---' + INGRESS('web') + '---' + broken));
    const created = response(await hook.post('/validate', review('CREATE', broken)));
    assert.equal(created.allowed, false, 'a new Recreate Deployment behind a Service is denied');
    const scaled = response(await hook.post('/validate', review('UPDATE', broken.replace('replicas: 3', 'replicas: 5'), { oldObject: broken })));
    assert.equal(scaled.allowed, true);
    assert.ok(scaled.warnings?.some((w) => w.includes('rollout-recreate') && w.includes('there before this change')), scaled.warnings?.join('\n'));
  });

  it('admits a rollback to a template the Deployment already ran, with warnings', async () => {
    // The old ReplicaSet ran a template whose probe port is wrong; rolling back to it must not be blocked.
    const bad = deployment({ image: 'example/web:1' }).replace('port: http}, periodSeconds', 'port: health}, periodSeconds');
    const good = deployment({ image: 'example/web:2' });
    const template = (JSON.parse(JSON.stringify((await import('js-yaml')).load(bad))) as { spec: { template: JsonObject } }).spec.template;
    const labels = (template.metadata as { labels: Record<string, string> }).labels;
    labels['pod-template-hash'] = '5d8f7c';
    const rs = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web-5d8f7c', namespace: 'default', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: '0d1f0c1e-0000-4000-8000-000000000001', controller: true }] },
      spec: { replicas: 0, selector: { matchLabels: { app: 'web' } }, template },
    };
    const { dump } = await import('js-yaml');
    hook = await startTestWebhook(contextOf(SERVICE + '---' + good + '---\n' + dump(rs)));
    const fresh = response(await hook.post('/validate', review('UPDATE', bad.replace('example/web:1', 'example/web:3'), { oldObject: good })));
    assert.equal(fresh.allowed, false, 'the same mistake in a new template is denied');
    const undo = response(await hook.post('/validate', review('UPDATE', bad, { oldObject: good })));
    assert.equal(undo.allowed, true);
    assert.match(undo.warnings?.[0] ?? '', /rollback to ReplicaSet web-5d8f7c admitted/);
    assert.ok(undo.warnings?.some((w) => w.includes('probe-port-mismatch')));
  });

  it('never blocks DELETE, status or scale, and answers dryRun the same way', async () => {
    hook = await startTestWebhook(contextOf(SERVICE + '---' + deployment()));
    const broken = deployment({ port: 'web' });
    assert.equal(response(await hook.post('/validate', review('DELETE', undefined, { oldObject: broken }))).allowed, true);
    assert.equal(response(await hook.post('/validate', review('UPDATE', broken, { oldObject: broken, subResource: 'status' }))).allowed, true);
    assert.equal(response(await hook.post('/validate', review('UPDATE', broken, { oldObject: broken, subResource: 'scale' }))).allowed, true);
    const dry = response(await hook.post('/validate', review('UPDATE', broken, { oldObject: deployment(), dryRun: true })));
    assert.equal(dry.allowed, false);
  });

  it('follows the policy: actions, namespace exclusions and the ignore annotation', async () => {
    const ctx = contextOf(SERVICE);
    hook = await startTestWebhook(ctx);
    const strict = defaultPolicy();
    strict.name = 'strict';
    strict.generation = 2;
    strict.actions.warning = 'deny';
    ctx.policyList = [strict];
    assert.equal(response(await hook.post('/validate', review('CREATE', deployment({ probe: false })))).allowed, false, 'policy change applies without restart');
    strict.excludedNamespaces = ['default'];
    assert.deepEqual(Object.keys(response(await hook.post('/validate', review('CREATE', deployment({ port: 'web' }))))).sort(), ['allowed', 'uid']);
    strict.excludedNamespaces = [];
    const ignored = deployment({ probe: false }).replace('uid: 0d1f', 'annotations: {guard502.dev/ignore: "readiness-probe-missing,prestop-missing"}, uid: 0d1f');
    const res = response(await hook.post('/validate', review('CREATE', ignored)));
    assert.ok(!res.warnings?.some((w) => w.includes('readiness-probe-missing')));
  });

  it('applies onError when a rule fails: deny by default, allow with a warning when the policy says so', async () => {
    const broken = defineRule({
      ...RULES[0]!,
      id: 'always-throws',
      evaluate: () => {
        throw new Error('boom');
      },
    } as never);
    const ctx = contextOf(SERVICE);
    hook = await startTestWebhook(ctx, { rules: [broken] });
    const denied = response(await hook.post('/validate', review('CREATE', SERVICE)));
    assert.equal(denied.allowed, false);
    assert.match(denied.status!.message, /could not check .*onError: deny.*always-throws failed.*boom/);
    const lenient = defaultPolicy();
    lenient.onError = 'allow';
    ctx.policyList = [lenient];
    const allowed = response(await hook.post('/validate', review('CREATE', SERVICE)));
    assert.equal(allowed.allowed, true);
    assert.ok(allowed.warnings?.some((w) => /admitted it unchecked \(policy onError: allow\)/.test(w)));
  });

  it('does not admit silently while the cluster cache has not synced', async () => {
    const ctx = contextOf(SERVICE);
    ctx.synced = false;
    hook = await startTestWebhook(ctx);
    const res = response(await hook.post('/validate', review('CREATE', deployment())));
    assert.equal(res.allowed, false);
    assert.match(res.status!.message, /not synced/);
    const ready = await hook.get('/readyz');
    assert.equal(ready.status, 503);
    ctx.synced = true;
    assert.equal((await hook.get('/readyz')).status, 200);
  });

  it('/mutate writes guard502 annotations as a JSONPatch, and nothing for dryRun', async () => {
    hook = await startTestWebhook(contextOf(SERVICE));
    const res = response(await hook.post('/mutate', review('CREATE', deployment({ probe: false }))));
    assert.equal(res.allowed, true);
    assert.equal(res.patchType, 'JSONPatch');
    const patch = JSON.parse(Buffer.from(res.patch!, 'base64').toString()) as Array<{ op: string; path: string; value: Record<string, string> }>;
    assert.equal(patch[0]?.path, '/metadata/annotations');
    assert.equal(patch[0]?.value['guard502.dev/risk'], 'medium');
    assert.match(patch[0]?.value['guard502.dev/findings'] ?? '', /readiness-probe-missing/);
    const dry = response(await hook.post('/mutate', review('CREATE', deployment({ probe: false }), { dryRun: true })));
    assert.equal(dry.patch, undefined);
  });
});

describe('webhook: bad input never crashes or hangs the server', function () {
  this.timeout(20_000);
  let hook: TestWebhook;
  before(async () => (hook = await startTestWebhook(contextOf(SERVICE))));
  after(async () => hook.close());

  const cases: Array<[string, unknown, boolean, number, RegExp]> = [
    ['malformed JSON', '{"apiVersion": "admission.k8s.io/v1", ', true, 400, /malformed JSON/],
    ['a JSON array', '[1,2]', true, 400, /expected an AdmissionReview/],
    ['the wrong apiVersion', { apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request: {} }, false, 400, /apiVersion: expected admission\.k8s\.io\/v1/],
    ['the wrong kind', { apiVersion: 'admission.k8s.io/v1', kind: 'Pod' }, false, 400, /kind: expected AdmissionReview/],
    ['a missing request', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, false, 400, /request: missing/],
    ['a request without uid', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { kind: { group: '', version: 'v1', kind: 'Service' } } }, false, 400, /request\.uid/],
    ['an object that is a string', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u', operation: 'CREATE', kind: { group: '', version: 'v1', kind: 'Service' }, object: 'x' } }, false, 400, /request\.object: expected an object/],
    ['an unknown operation', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u', operation: 'PATCH', kind: { group: '', version: 'v1', kind: 'Service' }, object: {} } }, false, 400, /request\.operation/],
    ['an empty body', '', true, 400, /AdmissionReview/],
  ];
  for (const [what, body, raw, status, message] of cases) {
    it(`answers ${status} to ${what}`, async () => {
      const r = await hook.post('/validate', body, { raw });
      assert.equal(r.status, status, r.body);
      assert.match(String(r.json.error), message);
    });
  }

  it('answers 413 to a body over the limit', async () => {
    const huge = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { pad: 'x'.repeat(9 * 1024 * 1024) } });
    const r = await hook.post('/validate', huge, { raw: true });
    assert.equal(r.status, 413);
    assert.match(String(r.json.error), /larger than/);
  });

  it('admits an object of a kind it does not check, saying so', async () => {
    const res = response(await hook.post('/validate', review('CREATE', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: default}\n')));
    assert.equal(res.allowed, true);
    assert.match(res.warnings?.[0] ?? '', /does not check ConfigMap/);
  });

  it('reports a malformed object of a known kind through onError, never a 500', async () => {
    const res = response(await hook.post('/validate', review('CREATE', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { namespace: 'default' }, spec: 'x' } as never)));
    assert.equal(res.allowed, false);
    assert.match(res.status!.message, /could not check/);
  });

  it('serves only TLS 1.2 and newer', async () => {
    await assert.rejects(
      new Promise((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port: hook.server.port, maxVersion: 'TLSv1.1', minVersion: 'TLSv1', rejectUnauthorized: false }, () => resolve(s));
        s.on('error', reject);
      }),
    );
  });

  it('keeps serving after all of the above, and counts them in /metrics', async () => {
    assert.equal((await hook.get('/healthz')).status, 200);
    const metrics = await hook.get('/metrics');
    assert.match(metrics.body, /guard502_admission_requests_total\{endpoint="validate",decision="bad-request"\} \d+/);
    assert.match(metrics.body, /guard502_admission_duration_seconds_bucket/);
  });
});

describe('webhook: certificate rotation and shutdown', function () {
  this.timeout(20_000);

  function peerFingerprint(port: number, ca: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
        resolve(s.getPeerCertificate().fingerprint256);
        s.end();
      });
      s.on('error', reject);
    });
  }

  it('reloads a rotated certificate without restart', async () => {
    const hook = await startTestWebhook(contextOf(), { certReloadIntervalMs: 50 });
    try {
      const first = await peerFingerprint(hook.server.port, hook.ca.cert);
      const next = issueServing(hook.ca);
      writeFileSync(join(hook.dir, 'tls.key'), next.key);
      writeFileSync(join(hook.dir, 'tls.crt'), next.cert);
      const deadline = Date.now() + 5000;
      let now = first;
      while (now === first && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        now = await peerFingerprint(hook.server.port, hook.ca.cert);
      }
      assert.notEqual(now, first);
      assert.equal(hook.server.certs.reloads, 1);
    } finally {
      await hook.close();
    }
  });

  it('finishes in-flight requests on close and then refuses new ones', async () => {
    const hook = await startTestWebhook(contextOf(SERVICE));
    const body = JSON.stringify(review('CREATE', deployment()));
    // A request whose body arrives slowly is in flight when close() is called.
    const inflight = new Promise<number>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: hook.server.port, path: '/validate', method: 'POST', ca: hook.ca.cert, servername: 'localhost', headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 10));
      setTimeout(() => req.end(body.slice(10)), 300);
    });
    await new Promise((r) => setTimeout(r, 100));
    const closed = hook.close();
    assert.equal(await inflight, 200);
    await closed;
    await assert.rejects(hook.get('/healthz'));
  });
});
