// Shared by the chart suites: the helm binary (skip with one line when it is
// missing), rendering variants, and decoding the rendered documents.
import yaml from 'js-yaml';
import { findHelm, runHelm, template, CHART } from '../../scripts/deploy/helm.ts';

import { missingPrerequisite } from '../support/prerequisite.ts';

export { CHART, runHelm };

export const helm = findHelm();

/** A mocha `before` hook body: skips the suite when helm is not available (fails in CI), saying once how to get it. */
export function requireHelm(ctx: Mocha.Context): string {
  if (!helm) missingPrerequisite(ctx, 'helm not found: chart suites (npm run control-plane builds it from its Go module; or set HELM=/path/to/helm)');
  return helm as string;
}

export interface Variant {
  name: string;
  args: string[];
}

/** The value combinations the chart is linted, rendered and applied with. */
export const VARIANTS: Variant[] = [
  { name: 'default values', args: [] },
  { name: 'certManager.enabled', args: ['--set', 'certManager.enabled=true'] },
  { name: 'certManager with an existing ClusterIssuer', args: ['--set', 'certManager.enabled=true', '--set', 'certManager.issuerRef.name=corp-ca', '--set', 'certManager.issuerRef.kind=ClusterIssuer'] },
  { name: 'mutating.enabled', args: ['--set', 'mutating.enabled=true'] },
  { name: 'webhook.failurePolicy=Fail', args: ['--set', 'webhook.failurePolicy=Fail'] },
  { name: 'controller.enabled=false (webhook only)', args: ['--set', 'controller.enabled=false'] },
  { name: 'webhook.enabled=false (annotations only)', args: ['--set', 'webhook.enabled=false', '--set', 'mutating.enabled=false'] },
  { name: 'tls.existingSecret', args: ['--set', 'tls.existingSecret=my-tls', '--set', `tls.caBundle=${Buffer.from('-----BEGIN CERTIFICATE-----\n').toString('base64')}`] },
  { name: 'Kubernetes 1.28 (exec preStop)', args: ['--kube-version', '1.28.0'] },
];

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

export function decode(text: string): K8sObject[] {
  return yaml.loadAll(text).filter((d): d is K8sObject => d !== null && typeof d === 'object');
}

export function render(args: string[] = [], release = 'g5', namespace = 'guard502'): K8sObject[] {
  return decode(template(helm as string, args, release, namespace));
}

export function renderText(args: string[] = [], release = 'g5', namespace = 'guard502'): string {
  return template(helm as string, args, release, namespace);
}

export function find(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const o = objects.find((x) => x.kind === kind && (name === undefined || x.metadata.name === name));
  if (!o) throw new Error(`no ${kind}${name ? ` ${name}` : ''} in ${objects.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return o;
}
