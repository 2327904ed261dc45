// The exact permissions guard502 needs, derived from what it watches and what it
// annotates (src/cluster/resources.ts), so the two cannot drift apart. The Helm
// chart's RBAC is checked against this in the chart tests.

import { admittedBy, WATCHED, watchedFor } from '../cluster/resources.ts';
import { POLICY_GROUP, POLICY_PLURAL } from '../policy/crd.ts';
import { REPORT_FORMATS, REPORT_KINDS, type ReportFormat } from './reports.ts';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

const READ = ['get', 'list', 'watch'];

/** Cluster-wide rules. `writes`: the controller runs (the webhook alone only reads). */
export function clusterRules(writes: boolean): PolicyRule[] {
  const rules: Array<PolicyRule & { cls: string }> = [];
  // One rule per API group and purpose (read, or read and annotate), whether or not the verbs differ,
  // so that the rule list keeps its shape when the controller is off.
  const add = (group: string, resource: string, cls: string, verbs: string[]) => {
    const same = rules.find((r) => r.apiGroups[0] === group && r.cls === cls);
    if (same) same.resources.push(resource);
    else rules.push({ apiGroups: [group], resources: [resource], verbs, cls });
  };
  for (const w of WATCHED) {
    if (w.liveOnly && !writes) continue;
    add(w.group, w.plural, w.annotated ? 'annotate' : 'read', writes && w.annotated ? [...READ, 'patch'] : READ);
  }
  if (writes) {
    add(POLICY_GROUP, `${POLICY_PLURAL}/status`, 'status', ['get', 'patch']);
    add('', 'events', 'events', ['create', 'patch']);
  }
  return rules.map(({ cls: _cls, ...rule }) => rule);
}

/** What writing policy reports of `format` needs: the reports, in every namespace. */
export function reportRules(format: ReportFormat): PolicyRule[] {
  const k = REPORT_KINDS[format];
  return [{ apiGroups: [k.group], resources: [k.plural], verbs: ['get', 'create', 'patch'] }];
}

/** Rules in guard502's own namespace: the leader-election Lease. */
export function namespaceRules(): PolicyRule[] {
  return [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }];
}

/**
 * What `guard502 scan --cluster` needs: get and list, once, on what the controller watches (no watch,
 * no write). One rule per API group.
 */
export function scanRules(): PolicyRule[] {
  const rules: PolicyRule[] = [];
  for (const w of watchedFor('controller')) {
    const same = rules.find((r) => r.apiGroups[0] === w.group);
    if (same) same.resources.push(w.plural);
    else rules.push({ apiGroups: [w.group], resources: [w.plural], verbs: ['get', 'list'] });
  }
  return rules;
}

function yamlRules(rules: PolicyRule[]): string {
  const list = (xs: string[]) => `[${xs.map((x) => JSON.stringify(x)).join(', ')}]`;
  return rules.map((r) => `- apiGroups: ${list(r.apiGroups)}\n  resources: ${list(r.resources)}\n  verbs: ${list(r.verbs)}`).join('\n');
}

/** The chart's RBAC template, generated from the rules above (`npm run generate`). */
export function chartRbacTemplate(): string {
  return [
    '{{- /*',
    'Generated from src/controller/rbac.ts by `npm run generate`; do not edit.',
    'The permissions guard502 needs (least privilege): read every kind the rules judge or read,',
    'with the controller on also patch annotations on the kinds it judges, read EndpointSlices',
    '(live rules), write Events and the Guard502Policy status, and hold a Lease in its own namespace;',
    'with controller.policyReports set, also create and patch the policy reports of that format.',
    'The webhook alone (controller.enabled=false) only reads.',
    '*/ -}}',
    '{{- define "guard502.clusterRules" -}}',
    '{{- if .Values.controller.enabled }}',
    yamlRules(clusterRules(true)),
    ...REPORT_FORMATS.flatMap((f) => [`{{- if eq (toString .Values.controller.policyReports) ${JSON.stringify(f)} }}`, yamlRules(reportRules(f)), '{{- end }}']),
    '{{- else }}',
    yamlRules(clusterRules(false)),
    '{{- end }}',
    '{{- end }}',
    '',
    '{{- define "guard502.namespaceRules" -}}',
    yamlRules(namespaceRules()),
    '{{- end }}',
    '',
  ].join('\n');
}

/** The webhook's admission rules in the chart, one per API group: the kinds guard502 judges at admission. */
export function chartWebhookRulesTemplate(): string {
  const byGroup = new Map<string, { versions: Set<string>; resources: string[] }>();
  for (const a of admittedBy()) {
    let g = byGroup.get(a.group);
    if (!g) byGroup.set(a.group, (g = { versions: new Set(), resources: [] }));
    for (const v of a.versions) g.versions.add(v);
    g.resources.push(a.plural);
  }
  const list = (xs: Iterable<string>) => `[${[...xs].map((x) => JSON.stringify(x)).join(', ')}]`;
  return [
    '{{- /*',
    'Generated from the rule catalogue (src/cluster/resources.ts) by `npm run generate`; do not edit.',
    'The kinds guard502 judges at admission, with the versions its engine reads.',
    '*/ -}}',
    '{{- define "guard502.webhookRules" -}}',
    ...[...byGroup].map(([group, g]) =>
      [`- apiGroups: ${list([group])}`, `  apiVersions: ${list(g.versions)}`, `  resources: ${list(g.resources)}`, '  operations: ["CREATE", "UPDATE"]', '  scope: Namespaced'].join('\n'),
    ),
    '{{- end }}',
    '',
  ].join('\n');
}
