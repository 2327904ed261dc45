// The chart against a real kube-apiserver: every variant's manifests are accepted
// by server-side dry run; helm install creates everything, helm upgrade keeps the
// CA (in-flight admissions keep trusting the server), helm uninstall leaves no
// webhook configuration behind.
import assert from 'node:assert/strict';
import { CHART, runHelm } from '../../scripts/deploy/helm.ts';
import { useControlPlane, type ControlPlane } from '../support/control-plane.ts';
import { helm, VARIANTS } from '../helm/support.ts';
import { missingPrerequisite } from '../support/prerequisite.ts';

// Just enough of cert-manager's API for the apiserver to accept the chart's Issuer and Certificate.
const CERT_MANAGER_CRDS = ['issuers', 'certificates']
  .map(
    (plural) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: ${plural}.cert-manager.io}
spec:
  group: cert-manager.io
  scope: Namespaced
  names: {plural: ${plural}, singular: ${plural.slice(0, -1)}, kind: ${plural === 'issuers' ? 'Issuer' : 'Certificate'}}
  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}]
`,
  )
  .join('---\n');

function helmRun(cp: ControlPlane, args: string[]) {
  return runHelm(helm as string, args, { kubeconfig: cp.kubeconfigPath, timeoutMs: 180_000 });
}

async function caBundle(cp: ControlPlane): Promise<string> {
  const r = await cp.kubectl(['get', 'validatingwebhookconfigurations', '-o', 'jsonpath={.items[*].webhooks[0].clientConfig.caBundle}']);
  return r.stdout.trim();
}

describe('e2e: the Helm chart on a real apiserver', function () {
  this.timeout(300_000);
  const env = useControlPlane();

  before(async function () {
    if (!helm) missingPrerequisite(this, 'helm not found: chart end-to-end suite (npm run control-plane builds it)');
    assert.equal((await env.cp.kubectl(['apply', '-f', 'crds/guard502policy.yaml'])).code, 0);
    assert.equal((await env.cp.kubectl(['apply', '-f', '-'], { input: CERT_MANAGER_CRDS })).code, 0);
    assert.equal((await env.cp.kubectl(['create', 'namespace', 'guard502'])).code, 0);
    await env.cp.kubectl(['wait', '--for=condition=Established', 'crd/guard502policies.guard502.dev', 'crd/issuers.cert-manager.io', 'crd/certificates.cert-manager.io', '--timeout=60s']);
  });

  for (const v of VARIANTS) {
    it(`accepts every rendered object (kubectl apply --dry-run=server): ${v.name}`, async () => {
      const rendered = helmRun(env.cp, ['template', 'g5', CHART, '--namespace', 'guard502', ...(v.args.includes('--kube-version') ? [] : ['--kube-version', '1.37.2']), ...v.args]);
      assert.equal(rendered.code, 0, rendered.stderr);
      const r = await env.cp.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: rendered.stdout });
      assert.equal(r.code, 0, r.stderr);
    });
  }

  it('installs, upgrades keeping the CA, and uninstalls without leaving a webhook configuration', async () => {
    const cp = env.cp;
    const install = helmRun(cp, ['install', 'g5', CHART, '--namespace', 'guard502']);
    assert.equal(install.code, 0, install.stderr);
    for (const [kind, name] of [
      ['deployment', 'g5-guard502'],
      ['service', 'g5-guard502'],
      ['serviceaccount', 'g5-guard502'],
      ['poddisruptionbudget', 'g5-guard502'],
      ['role', 'g5-guard502'],
    ]) {
      const r = await cp.kubectl(['get', kind as string, name as string, '-n', 'guard502', '-o', 'name']);
      assert.equal(r.code, 0, `${kind}/${name}: ${r.stderr}`);
    }
    assert.equal((await cp.kubectl(['get', 'clusterrole', 'g5-guard502', '-o', 'name'])).code, 0);
    assert.equal((await cp.kubectl(['get', 'guard502policies', '-o', 'name'])).stdout.trim().split('\n').filter(Boolean).length >= 1, true);
    const ca = await caBundle(cp);
    assert.ok(ca.length > 100, 'the webhook configuration trusts a CA');

    const upgrade = helmRun(cp, ['upgrade', 'g5', CHART, '--namespace', 'guard502', '--set', 'replicaCount=3']);
    assert.equal(upgrade.code, 0, upgrade.stderr);
    assert.equal(await caBundle(cp), ca, 'helm upgrade keeps the CA');
    assert.equal((await cp.kubectl(['get', 'deployment', 'g5-guard502', '-n', 'guard502', '-o', 'jsonpath={.spec.replicas}'])).stdout, '3');

    const uninstall = helmRun(cp, ['uninstall', 'g5', '--namespace', 'guard502']);
    assert.equal(uninstall.code, 0, uninstall.stderr);
    const left = await cp.kubectl(['get', 'validatingwebhookconfigurations,mutatingwebhookconfigurations', '-o', 'name']);
    assert.doesNotMatch(left.stdout, /guard502/);
    assert.equal((await cp.kubectl(['get', 'deployment', '-n', 'guard502', '-o', 'name'])).stdout.trim(), '');
  });
});
