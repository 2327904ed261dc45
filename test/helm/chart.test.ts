// The Helm chart, rendered offline: lint, schema, labels, the webhook
// configuration that cannot hurt the cluster, certificates, the workload's own
// 502 hygiene, and the generated artefacts that must not drift.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { REPO, withKubeVersion } from '../../scripts/deploy/helm.ts';
import { CHART_CRD, SOURCE_CRD, renderManifests } from '../../scripts/deploy/manifests.ts';
import { leafPaths, parseValuesDocs, valuesTable, withValuesTable } from '../../scripts/deploy/values-doc.ts';
import { policyFromObject } from '../../src/policy/load.ts';
import { runCli } from '../support/cli.ts';
import { CHART, VARIANTS, find, helm, render, renderText, requireHelm, runHelm, type K8sObject } from './support.ts';
import { clusterRules, namespaceRules, reportRules } from '../../src/controller/rbac.ts';
import { parseServerFlags } from '../../src/cli/servers.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const RECOMMENDED_LABELS = ['app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/version', 'app.kubernetes.io/component', 'app.kubernetes.io/managed-by', 'helm.sh/chart'];

function webhooks(objects: K8sObject[]): Json[] {
  return objects.filter((o) => o.kind.endsWith('WebhookConfiguration')).flatMap((o) => (o as Json).webhooks as Json[]);
}

function container(objects: K8sObject[]): Json {
  return (find(objects, 'Deployment') as Json).spec.template.spec.containers[0];
}

/** The API budget of parsed server flags. */
function pick(f: ReturnType<typeof parseServerFlags>) {
  assert.notEqual(f, 'help');
  const { writeQps, writeBurst, eventQps, eventBurst } = f as Exclude<typeof f, 'help'>;
  return { writeQps, writeBurst, eventQps, eventBurst };
}

describe('Helm chart: lint and values schema', function () {
  this.timeout(60_000);
  before(function () {
    requireHelm(this);
  });

  for (const v of VARIANTS) {
    it(`helm lint --strict passes: ${v.name}`, () => {
      const r = runHelm(helm as string, ['lint', '--strict', CHART, ...withKubeVersion(v.args)]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
      assert.doesNotMatch(r.stdout, /\[(WARNING|ERROR)\]/);
    });
  }

  const bad: [string, RegExp][] = [
    ['webhok.enabled=true', /additional properties 'webhok' not allowed/],
    ['webhook.failurePolicy=fail', /failurePolicy.*must be one of 'Ignore', 'Fail'/],
    ['webhook.timeoutSeconds=60', /timeoutSeconds.*maximum/],
    ['webhook.failurPolicy=Fail', /additional properties 'failurPolicy' not allowed/],
    ['replicaCount=0', /replicaCount.*minimum/],
    ['certManager.issuerRef.kind=Issuers', /kind.*must be one of 'Issuer', 'ClusterIssuer'/],
    ['podDisruptionBudget.maxUnavailable=one', /maxUnavailable/],
    ['controller.policyReports=policyreport', /policyReports.*must be one of/],
  ];
  for (const [set, message] of bad) {
    it(`rejects --set ${set} with a message naming the value`, () => {
      const r = runHelm(helm as string, ['template', 'g5', CHART, '--set', set, ...withKubeVersion([])]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, message);
    });
  }

  it('explains the values it cannot accept together', () => {
    const both = runHelm(helm as string, ['template', 'g5', CHART, '--set', 'webhook.enabled=false', '--set', 'controller.enabled=false', ...withKubeVersion([])]);
    assert.notEqual(both.code, 0);
    assert.match(both.stderr, /both false: guard502 would do nothing/);
    const noCa = runHelm(helm as string, ['template', 'g5', CHART, '--set', 'tls.existingSecret=mine', ...withKubeVersion([])]);
    assert.notEqual(noCa.code, 0);
    assert.match(noCa.stderr, /tls\.caBundle .* is required with tls\.existingSecret/);
  });
});

describe('Helm chart: rendered objects', function () {
  this.timeout(60_000);
  before(function () {
    requireHelm(this);
  });

  it('labels every object with the recommended app.kubernetes.io labels and helm.sh/chart', () => {
    for (const v of VARIANTS) {
      for (const o of render(v.args)) {
        for (const l of RECOMMENDED_LABELS) assert.ok(o.metadata.labels?.[l], `${v.name}: ${o.kind}/${o.metadata.name} lacks ${l}`);
        assert.equal(o.metadata.labels?.['app.kubernetes.io/managed-by'], 'Helm');
        assert.equal(o.metadata.labels?.['app.kubernetes.io/instance'], 'g5');
      }
    }
  });

  it('puts namespaced objects in the release namespace', () => {
    const clusterScoped = new Set(['ClusterRole', 'ClusterRoleBinding', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'Guard502Policy']);
    for (const o of render(['--set', 'mutating.enabled=true'], 'g5', 'ops')) {
      if (clusterScoped.has(o.kind)) assert.equal(o.metadata.namespace, undefined, `${o.kind} is cluster-scoped`);
      else assert.equal(o.metadata.namespace, 'ops', `${o.kind}/${o.metadata.name}`);
    }
  });

  it('registers a validating webhook that cannot hurt the cluster', () => {
    const objects = render();
    const [w, ...rest] = webhooks(objects);
    assert.ok(w);
    assert.equal(rest.length, 0, 'no mutating webhook by default');
    assert.equal(w.name, 'validate.guard502.dev');
    assert.equal(w.failurePolicy, 'Ignore', 'documented default');
    assert.equal(w.timeoutSeconds, 5);
    assert.equal(w.sideEffects, 'None');
    assert.deepEqual(w.admissionReviewVersions, ['v1']);
    assert.deepEqual(w.clientConfig.service, { name: 'g5-guard502', namespace: 'guard502', path: '/validate', port: 443 });
    // Only CREATE and UPDATE of whole objects: no DELETE, no subresources, no wildcards.
    for (const r of w.rules as Json[]) {
      assert.deepEqual(r.operations, ['CREATE', 'UPDATE']);
      assert.equal(r.scope, 'Namespaced');
      for (const res of r.resources as string[]) assert.match(res, /^[a-z]+$/, `resource ${res}`);
      for (const f of ['apiGroups', 'apiVersions'] as const) assert.ok(!(r[f] as string[]).includes('*'), `${f} wildcard`);
    }
    // Namespaces: kube-system, the release namespace and opted-out ones are never sent.
    assert.deepEqual(w.namespaceSelector.matchExpressions, [
      { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'guard502'] },
      { key: 'guard502.dev/ignore', operator: 'NotIn', values: ['true'] },
    ]);
    const conditions = (w.matchConditions as Json[]).map((c) => c.expression as string).join('\n');
    assert.match(conditions, /system:serviceaccount:guard502:g5-guard502/, "guard502's own writes are skipped");
    assert.match(conditions, /startsWith\('system:serviceaccount:kube-system:'\)/);
    assert.match(conditions, /ownerReferences/);
  });

  it('adds excluded namespaces and users, and follows failurePolicy and timeoutSeconds', () => {
    const [w] = webhooks(render(['--set', 'webhook.failurePolicy=Fail', '--set', 'webhook.timeoutSeconds=3', '--set-json', 'webhook.excludedNamespaces=["monitoring","kube-system"]', '--set-json', 'webhook.excludedUsers=["system:serviceaccount:argocd:argocd-application-controller"]']));
    assert.ok(w);
    assert.equal(w.failurePolicy, 'Fail');
    assert.equal(w.timeoutSeconds, 3);
    assert.deepEqual(w.namespaceSelector.matchExpressions[0].values, ['kube-system', 'guard502', 'monitoring']);
    assert.match(JSON.stringify(w.matchConditions), /argocd-application-controller/);
  });

  it('registers the mutating webhook only when asked, with its own failurePolicy', () => {
    const objects = render(['--set', 'mutating.enabled=true', '--set', 'webhook.failurePolicy=Fail']);
    const mutating = webhooks(objects).find((w) => w.name === 'mutate.guard502.dev');
    assert.ok(mutating);
    assert.equal(mutating.clientConfig.service.path, '/mutate');
    assert.equal(mutating.failurePolicy, 'Ignore', 'annotations only: never blocks');
    assert.equal(mutating.reinvocationPolicy, 'Never');
    assert.equal(mutating.sideEffects, 'None');
    assert.equal(webhooks(render(['--set', 'webhook.enabled=false'])).length, 0);
  });

  it('generates a CA and a serving certificate for the Service, and trusts exactly that CA', () => {
    const objects = render();
    const secret = find(objects, 'Secret') as Json;
    assert.equal(secret.type, 'kubernetes.io/tls');
    const [w] = webhooks(objects);
    assert.equal(w?.clientConfig.caBundle, secret.data['ca.crt'], 'caBundle is the Secret’s CA');
    const pem = (k: string): string => Buffer.from(secret.data[k], 'base64').toString();
    const ca = new X509Certificate(pem('ca.crt'));
    const cert = new X509Certificate(pem('tls.crt'));
    assert.ok(ca.ca);
    assert.ok(cert.verify(ca.publicKey), 'signed by the CA');
    assert.ok(cert.checkHost('g5-guard502.guard502.svc'), 'the name the API server dials');
    assert.match(cert.subjectAltName ?? '', /DNS:g5-guard502\.guard502\.svc\.cluster\.local/);
    assert.equal(createPublicKey(createPrivateKey(pem('tls.key'))).export({ format: 'pem', type: 'spki' }), cert.publicKey.export({ format: 'pem', type: 'spki' }));
    for (const key of [ca.publicKey, cert.publicKey]) assert.deepEqual([key.asymmetricKeyType, key.asymmetricKeyDetails?.namedCurve], ['ec', 'prime256v1'], 'ECDSA P-256, as cert-manager issues');
    const days = (Date.parse(cert.validTo) - Date.now()) / 86_400_000;
    assert.ok(days > 3640 && days <= 3650, `valid ${days} days`);
    const volume = (find(objects, 'Deployment') as Json).spec.template.spec.volumes.find((v: Json) => v.name === 'tls');
    assert.equal(volume.secret.secretName, secret.metadata.name);
  });

  it('hands certificates to cert-manager when certManager.enabled', () => {
    const objects = render(['--set', 'certManager.enabled=true']);
    assert.ok(!objects.some((o) => o.kind === 'Secret'), 'cert-manager writes the Secret');
    const serving = find(objects, 'Certificate', 'g5-guard502') as Json;
    for (const o of objects.filter((x) => x.kind.endsWith('WebhookConfiguration'))) {
      assert.equal(o.metadata.annotations?.['cert-manager.io/inject-ca-from'], 'guard502/g5-guard502');
    }
    for (const w of webhooks(objects)) assert.equal(w.clientConfig.caBundle, undefined, 'cainjector fills it');
    assert.ok((serving.spec.dnsNames as string[]).includes('g5-guard502.guard502.svc'));
    const volume = (find(objects, 'Deployment') as Json).spec.template.spec.volumes.find((v: Json) => v.name === 'tls');
    assert.equal(volume.secret.secretName, serving.spec.secretName);
    // Default: the chart's own CA chain (self-signed Issuer → CA Certificate → CA Issuer).
    assert.deepEqual(serving.spec.issuerRef, { name: 'g5-guard502-ca', kind: 'Issuer', group: 'cert-manager.io' });
    const caIssuer = find(objects, 'Issuer', 'g5-guard502-ca') as Json;
    assert.equal(caIssuer.spec.ca.secretName, (find(objects, 'Certificate', 'g5-guard502-ca') as Json).spec.secretName);
    // An existing issuer replaces the chain.
    const own = render(['--set', 'certManager.enabled=true', '--set', 'certManager.issuerRef.name=corp-ca', '--set', 'certManager.issuerRef.kind=ClusterIssuer']);
    assert.ok(!own.some((o) => o.kind === 'Issuer'));
    assert.deepEqual((find(own, 'Certificate') as Json).spec.issuerRef, { name: 'corp-ca', kind: 'ClusterIssuer' });
  });

  it('uses an existing Secret and the given CA bundle with tls.existingSecret', () => {
    const bundle = Buffer.from('-----BEGIN CERTIFICATE-----\n').toString('base64');
    const objects = render(['--set', 'tls.existingSecret=my-tls', '--set', `tls.caBundle=${bundle}`]);
    assert.ok(!objects.some((o) => o.kind === 'Secret'));
    assert.equal(webhooks(objects)[0]?.clientConfig.caBundle, bundle);
    const volume = (find(objects, 'Deployment') as Json).spec.template.spec.volumes.find((v: Json) => v.name === 'tls');
    assert.equal(volume.secret.secretName, 'my-tls');
  });

  it('runs its own workload the way guard502 asks everyone to', () => {
    const objects = render();
    const deployment = find(objects, 'Deployment') as Json;
    const pod = deployment.spec.template.spec;
    const c = container(objects);
    assert.equal(deployment.spec.replicas, 2);
    assert.deepEqual(deployment.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    assert.ok(deployment.spec.minReadySeconds > 0);
    // Readiness on the port the Service sends the API server's calls to; liveness more tolerant.
    const service = find(objects, 'Service') as Json;
    const https = (service.spec.ports as Json[]).find((p) => p.port === 443);
    assert.equal(https?.targetPort, 'https');
    assert.ok((c.ports as Json[]).some((p) => p.name === 'https'));
    assert.deepEqual(c.readinessProbe.httpGet, { path: '/readyz', port: 'https', scheme: 'HTTPS' });
    assert.deepEqual(c.livenessProbe.httpGet, { path: '/healthz', port: 'https', scheme: 'HTTPS' });
    const tolerance = (p: Json): number => p.periodSeconds * p.failureThreshold;
    assert.ok(tolerance(c.livenessProbe) > tolerance(c.readinessProbe));
    // Drain, and enough grace for it plus an in-flight admission call.
    assert.equal(c.lifecycle.preStop.sleep.seconds, 5);
    assert.ok(pod.terminationGracePeriodSeconds >= 5 + 5 + 5);
    assert.ok(c.resources.limits.memory);
    // Restricted Pod Security Standard.
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
    assert.equal(pod.automountServiceAccountToken, true);
    // PDB over the same pods; soft spreading only.
    const pdb = find(objects, 'PodDisruptionBudget') as Json;
    assert.deepEqual(pdb.spec.selector.matchLabels, deployment.spec.selector.matchLabels);
    assert.deepEqual(service.spec.selector, deployment.spec.selector.matchLabels);
    for (const t of pod.topologySpreadConstraints as Json[]) assert.equal(t.whenUnsatisfiable, 'ScheduleAnyway');
  });

  it('drains with exec sleep on clusters older than 1.30 (no native sleep action)', () => {
    const c = container(render(['--kube-version', '1.28.0']));
    assert.deepEqual(c.lifecycle.preStop, { exec: { command: ['sleep', '5'] } });
  });

  it('runs `serve` with leader election, or `webhook` alone with read-only RBAC', () => {
    const both = render();
    assert.equal(container(both).args[0], 'serve');
    assert.ok((container(both).args as string[]).includes('--leader-elect=true'));
    assert.ok(both.some((o) => o.kind === 'Role'), 'Leases in its namespace');
    const alone = render(['--set', 'controller.enabled=false']);
    assert.equal(container(alone).args[0], 'webhook');
    assert.ok(!alone.some((o) => o.kind === 'Role'));
    const verbs = ((find(alone, 'ClusterRole') as Json).rules as Json[]).flatMap((r) => r.verbs as string[]);
    assert.deepEqual([...new Set(verbs)].sort(), ['get', 'list', 'watch']);
  });

  it('passes the server only flags it understands', () => {
    for (const v of VARIANTS) {
      const args = container(render(v.args)).args as string[];
      const [command, ...flags] = args;
      assert.ok(['serve', 'webhook'].includes(command as string), `${v.name}: ${command}`);
      const parsed = parseServerFlags(flags);
      assert.notEqual(parsed, 'help');
      assert.equal((parsed as { tlsCert: string }).tlsCert, '/etc/guard502/tls/tls.crt', v.name);
    }
  });

  it('passes the API budget to the controller: defaults as controller-runtime, values as set', () => {
    const flags = (args: string[]) => parseServerFlags((container(render(args)).args as string[]).slice(1));
    assert.deepEqual(pick(flags([])), { writeQps: 20, writeBurst: 30, eventQps: 5, eventBurst: 25 });
    const set = ['--set', 'controller.writeQps=50', '--set', 'controller.writeBurst=80', '--set-json', 'controller.eventQps=2.5', '--set', 'controller.eventBurst=10'];
    assert.deepEqual(pick(flags(set)), { writeQps: 50, writeBurst: 80, eventQps: 2.5, eventBurst: 10 });
  });

  it('grants exactly the permissions the code needs (src/controller/rbac.ts), no more', () => {
    for (const writes of [true, false]) {
      const objects = render(writes ? [] : ['--set', 'controller.enabled=false']);
      assert.deepEqual((find(objects, 'ClusterRole') as Json).rules, clusterRules(writes));
      if (writes) assert.deepEqual((find(objects, 'Role') as Json).rules, namespaceRules());
    }
  });

  it('writes policy reports only when controller.policyReports names a format: the flag and exactly their permissions', () => {
    for (const format of ['openreports', 'wgpolicyk8s'] as const) {
      const objects = render(['--set', `controller.policyReports=${format}`]);
      const parsed = parseServerFlags((container(objects).args as string[]).slice(1));
      assert.equal((parsed as { reports?: string }).reports, format);
      assert.deepEqual((find(objects, 'ClusterRole') as Json).rules, [...clusterRules(true), ...reportRules(format)]);
    }
    assert.equal((parseServerFlags((container(render()).args as string[]).slice(1)) as { reports?: string }).reports, undefined);
    // With the controller off there is nobody to write them.
    const alone = render(['--set', 'controller.enabled=false', '--set', 'controller.policyReports=openreports']);
    assert.ok(!(container(alone).args as string[]).some((a) => a.startsWith('--policy-reports')));
    assert.deepEqual((find(alone, 'ClusterRole') as Json).rules, clusterRules(false));
  });

  it('ships a default Guard502Policy that the CRD schema accepts, onError following failurePolicy', () => {
    for (const [args, onError] of [[[], 'allow'], [['--set', 'webhook.failurePolicy=Fail'], 'deny'], [['--set', 'policy.spec.onError=deny'], 'deny']] as const) {
      const policy = find(render([...args]), 'Guard502Policy');
      const loaded = policyFromObject(policy);
      assert.deepEqual(loaded.errors, []);
      assert.equal(loaded.policy?.onError, onError);
    }
    assert.ok(!render(['--set', 'policy.create=false']).some((o) => o.kind === 'Guard502Policy'));
  });
});

describe('Helm chart: guard502 scans its own chart clean', function () {
  this.timeout(60_000);
  before(function () {
    requireHelm(this);
  });

  it('helm template | guard502 scan - --fail-on info: no finding at all (the real pipeline)', () => {
    const r = spawnSync(process.execPath, [join(REPO, 'bin/guard502.js'), 'scan', '-', '--fail-on', 'info', '-f', 'json'], { input: renderText(), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.findings, []);
    assert.deepEqual(out.errors, []);
    for (const s of out.suppressed as Json[]) assert.ok(s.reason, `suppressed ${s.rule} carries its reason`);
  });

  for (const v of VARIANTS) {
    it(`no finding of any severity: ${v.name}`, async () => {
      const r = await runCli(['scan', '-', '--fail-on', 'info', '-f', 'json'], renderText(v.args));
      const out = JSON.parse(r.stdout);
      assert.deepEqual(out.findings.map((f: Json) => `${f.severity} ${f.rule} ${f.resource.kind}/${f.resource.name}: ${f.message}`), []);
      assert.equal(r.code, 0);
    });
  }
});

describe('Helm chart: generated artefacts are in sync', function () {
  this.timeout(60_000);

  it("the chart's CRD is crds/guard502policy.yaml, byte for byte", () => {
    assert.equal(readFileSync(CHART_CRD, 'utf8'), readFileSync(SOURCE_CRD, 'utf8'), 'deploy/helm/guard502/crds/ is stale: run node scripts/render-manifests.ts');
  });

  it('documents every value in values.yaml, and the table in docs/install.md is current', () => {
    const text = readFileSync(join(CHART, 'values.yaml'), 'utf8');
    const documented = parseValuesDocs(text).map((d) => d.key);
    for (const leaf of leafPaths(yaml.load(text))) {
      assert.ok(documented.some((d) => leaf === d || leaf.startsWith(`${d}.`)), `values.yaml: ${leaf} has no "# --" comment`);
    }
    const doc = readFileSync(join(REPO, 'docs/install.md'), 'utf8');
    assert.equal(doc, withValuesTable(doc, valuesTable(text)), 'docs/install.md: run node scripts/render-manifests.ts');
  });

  it('values.schema.json describes exactly the keys of values.yaml', () => {
    const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as Json;
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    assert.equal(schema.additionalProperties, false);
    const values = yaml.load(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Json;
    const walk = (v: Json, s: Json, path: string): void => {
      if (s.type !== 'object' || !s.properties || Object.keys(v).length === 0) return;
      for (const k of Object.keys(v)) assert.ok(s.properties[k], `schema lacks ${path}${k}`);
      for (const k of Object.keys(s.properties)) if (k !== 'global') assert.ok(k in v, `schema has ${path}${k}, values.yaml does not`);
      for (const [k, child] of Object.entries(v)) if (child && typeof child === 'object' && !Array.isArray(child)) walk(child as Json, s.properties[k] as Json, `${path}${k}.`);
    };
    walk(values, schema, '');
  });

  it('deploy/manifests/ is rendered from the current chart', function () {
    requireHelm(this);
    for (const [path, content] of renderManifests(helm as string)) {
      assert.equal(readFileSync(join(REPO, path), 'utf8'), content, `${path} is stale: run node scripts/render-manifests.ts`);
    }
  });
});
