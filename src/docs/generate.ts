// Documentation and schema derived from rule metadata, so neither can drift
// from the code: one page per rule, the catalogue index, and the policy CRD.

import yaml from 'js-yaml';
import { chartRbacTemplate, chartWebhookRulesTemplate } from '../controller/rbac.ts';
import type { Rule } from '../engine/rule.ts';
import { policyCrd, POLICY_API_VERSION, POLICY_KIND } from '../policy/crd.ts';
import { RULES } from '../rules/index.ts';
import { scanRules } from '../controller/rbac.ts';

const SHAPE_TEXT: Record<string, string> = {
  unreachable: 'unreachable — the gateway cannot connect (refused, no endpoints, wrong port)',
  'too-slow': 'too slow — the gateway gives up waiting (timeout)',
  reset: 'reset — the connection dies mid-request (crash, OOM kill, pod killed during a rollout)',
  garbage: 'garbage — the upstream answers in a protocol the gateway does not expect (TLS, gRPC)',
};

export function rulePage(rule: Rule): string {
  const params = Object.entries(rule.params);
  const example = rule.fixtures.fire[0];
  const paramsYaml = params.length > 0 ? `\n    parameters:\n${params.map(([k, p]) => `      ${k}: ${String(p.default)}`).join('\n')}` : '';
  return [
    `# ${rule.id}`,
    '',
    `**${rule.title}**`,
    '',
    `| | |`,
    `|---|---|`,
    `| Shape | ${SHAPE_TEXT[rule.shape] ?? rule.shape} |`,
    `| Default severity | ${rule.severity} |`,
    `| Checks | ${rule.targets.join(', ')} |`,
    ...(rule.live ? ['| Runs in | the controller only (needs live cluster state) |'] : []),
    '',
    '## What it checks',
    '',
    rule.docs.what,
    '',
    '## Why it ends in a 502',
    '',
    rule.docs.why,
    '',
    '## How to fix it',
    '',
    rule.docs.fix,
    '',
    ...(rule.docs.notes ? ['## Notes', '', rule.docs.notes, ''] : []),
    '## Parameters',
    '',
    ...(params.length === 0
      ? ['None.', '']
      : ['| Name | Type | Default | Meaning |', '|---|---|---|---|', ...params.map(([k, p]) => `| \`${k}\` | ${p.type} | ${String(p.default)}${p.unit ? ` ${p.unit}` : ''} | ${p.description} |`), '']),
    '## How to silence it',
    '',
    'On one object, with a reason that stays visible in reports:',
    '',
    '```yaml',
    'metadata:',
    '  annotations:',
    `    guard502.dev/ignore: ${rule.id}`,
    '    guard502.dev/ignore-reason: "why this is safe here"',
    '```',
    '',
    `For the whole cluster or for some objects, in the ${POLICY_KIND} (or the \`--policy\` file of \`guard502 scan\`):`,
    '',
    '```yaml',
    `apiVersion: ${POLICY_API_VERSION}`,
    `kind: ${POLICY_KIND}`,
    'metadata:',
    '  name: default',
    'spec:',
    '  rules:',
    `    ${rule.id}:`,
    `      action: warn        # deny | warn | audit | off${paramsYaml}`,
    '  exemptions:',
    `    - rules: [${rule.id}]`,
    '      namespace: legacy',
    '      name: old-app        # exact names only',
    '      reason: "scheduled for rewrite"',
    '```',
    '',
    ...(example ? ['## Example that fires', '', `${example.name}:`, '', '```yaml', example.yaml.trim(), '```', ''] : []),
  ].join('\n');
}

export function catalogueIndex(rules: readonly Rule[]): string {
  return [
    '# Rule catalogue',
    '',
    'Generated from the rule metadata (`npm run generate`). Rule IDs are stable: use them in policies and ignore annotations.',
    '',
    '| Rule | Shape | Severity | Title |',
    '|---|---|---|---|',
    ...rules.map((r) => `| [\`${r.id}\`](${r.id}.md) | ${r.shape} | ${r.severity} | ${r.title}${r.live ? ' (live, controller only)' : ''} |`),
    '',
  ].join('\n');
}

export const SCAN_READER_PATH = 'deploy/scan-reader.yaml';

/** The ClusterRole `guard502 scan --cluster` needs, from the kinds the controller watches. */
export function scanReaderRole(): string {
  const role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'guard502-scan-reader' },
    rules: scanRules(),
  };
  return `# Generated from the kinds guard502 reads by \`npm run generate\`; do not edit.
# Read-only access for \`guard502 scan --cluster\` (get and list, no watch, no write).
# Bind it to whoever runs the scan, e.g.:
#   kubectl create clusterrolebinding guard502-scan --clusterrole=guard502-scan-reader --user=alice
#   kubectl create rolebinding guard502-scan -n shop --clusterrole=guard502-scan-reader --user=alice   # -n shop only
${yaml.dump(role, { lineWidth: -1, noRefs: true })}`;
}

export function generatedFiles(rules: readonly Rule[] = RULES): Map<string, string> {
  const files = new Map<string, string>();
  const crd = `# Generated from the rule catalogue by \`npm run generate\`; do not edit.\n${yaml.dump(policyCrd(rules), { lineWidth: -1, noRefs: true })}`;
  files.set('crds/guard502policy.yaml', crd);
  // Helm installs CRDs from the chart's own crds/ folder: the same bytes, generated together.
  files.set('deploy/helm/guard502/crds/guard502policy.yaml', crd);
  // The chart's RBAC follows what the rules read (src/controller/rbac.ts).
  files.set('deploy/helm/guard502/templates/_rbac.tpl', chartRbacTemplate());
  // And so do the kinds its webhook is sent.
  files.set('deploy/helm/guard502/templates/_webhook_rules.tpl', chartWebhookRulesTemplate());
  files.set('docs/rules/README.md', catalogueIndex(rules));
  for (const r of rules) files.set(`docs/rules/${r.id}.md`, rulePage(r));
  files.set(SCAN_READER_PATH, scanReaderRole());
  return files;
}
