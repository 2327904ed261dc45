// Plain manifests for `kubectl apply -f` users, rendered from the chart.
//
// Plain manifests cannot generate a certificate at apply time, and a key
// committed to a repository is no secret, so they use cert-manager (the chart's
// certManager.enabled mode). The CRD is a file of its own: kubectl cannot create
// a Guard502Policy in the same apply that creates its CRD.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { CHART, REPO, template } from './helm.ts';

/** The Kubernetes version the plain manifests are rendered for (the chart renders version-dependent fields). */
export const MANIFEST_KUBE_VERSION = '1.30.0';
export const MANIFEST_NAMESPACE = 'guard502';
export const MANIFEST_RELEASE = 'guard502';
export const MANIFEST_SET = ['certManager.enabled=true'];

export const CHART_CRD = join(CHART, 'crds/guard502policy.yaml');
export const SOURCE_CRD = join(REPO, 'crds/guard502policy.yaml');

export function renderManifests(helm: string): Map<string, string> {
  const chart = readChartYaml();
  const rendered = template(helm, [...MANIFEST_SET.flatMap((s) => ['--set', s]), '--kube-version', MANIFEST_KUBE_VERSION], MANIFEST_RELEASE, MANIFEST_NAMESPACE);
  const header = (what: string): string =>
    [
      `# guard502 ${chart.appVersion}: ${what}`,
      `# Rendered from deploy/helm/guard502 (chart ${chart.version}) by \`node scripts/render-manifests.ts\`; do not edit.`,
    ].join('\n');
  const files = new Map<string, string>();
  files.set('deploy/manifests/crds.yaml', `${header('the Guard502Policy CustomResourceDefinition. Apply it first.')}\n${readFileSync(SOURCE_CRD, 'utf8').replace(/^# Generated[^\n]*\n/, '')}`);
  files.set(
    'deploy/manifests/guard502.yaml',
    [
      header(`everything else, in namespace ${MANIFEST_NAMESPACE}, with certManager.enabled=true (cert-manager must be installed).`),
      `# Kubernetes ${MANIFEST_KUBE_VERSION.replace(/\.0$/, '')} or newer. See docs/install.md.`,
      '---',
      'apiVersion: v1',
      'kind: Namespace',
      'metadata:',
      `  name: ${MANIFEST_NAMESPACE}`,
      '  labels:',
      '    app.kubernetes.io/name: guard502',
      '    app.kubernetes.io/part-of: guard502',
      '    # The restricted Pod Security Standard: guard502 runs under it.',
      '    pod-security.kubernetes.io/enforce: restricted',
      rendered.replace(/^\n+/, '').trimEnd(),
      '',
    ].join('\n'),
  );
  return files;
}

function readChartYaml(): { version: string; appVersion: string } {
  return yaml.load(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as { version: string; appVersion: string };
}
