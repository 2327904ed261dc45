// SARIF 2.1.0 for GitHub code scanning and other viewers: one reportingDescriptor
// per rule of the catalogue, one result per finding with a physical location
// (file and line) and a logical one (the Kubernetes object).
import type { Rule } from '../engine/rule.ts';
import type { Severity } from '../engine/types.ts';
import type { ScanResult } from '../scan.ts';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };
const DOCS = 'https://github.com/guard502/guard502/blob/main/docs/rules';

function artifactUri(file: string): string {
  if (file === '<stdin>') return 'stdin';
  return file.replace(/\\/g, '/').replace(/^\.\//, '');
}

export function renderSarif(result: ScanResult, rules: readonly Rule[], version: string): string {
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'guard502',
            version,
            semanticVersion: version,
            informationUri: 'https://github.com/guard502/guard502',
            rules: rules.map((r) => ({
              id: r.id,
              name: r.id.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase()),
              shortDescription: { text: r.title },
              fullDescription: { text: r.docs.what || r.title },
              help: { text: `${r.docs.why}\n\n${r.docs.fix}`, markdown: `${r.docs.why}\n\n${r.docs.fix}` },
              helpUri: `${DOCS}/${r.id}.md`,
              defaultConfiguration: { level: LEVEL[r.severity] },
              properties: { tags: ['kubernetes', '502', r.shape], shape: r.shape },
            })),
          },
        },
        results: result.findings.map((f) => ({
          ruleId: f.rule,
          ...(index.has(f.rule) ? { ruleIndex: index.get(f.rule) } : {}),
          level: LEVEL[f.severity],
          message: { text: `${f.message}\nFix: ${f.fix}` },
          locations: [
            {
              // An object read from a cluster has no file: it is located by name alone.
              ...(f.source
                ? {
                    physicalLocation: {
                      artifactLocation: { uri: artifactUri(f.source.template ?? f.source.file) },
                      region: { startLine: f.source.template ? 1 : f.source.line },
                    },
                  }
                : {}),
              logicalLocations: [{ fullyQualifiedName: `${f.resource.namespace}/${f.resource.kind}/${f.resource.name}/${f.path}`, kind: 'member' }],
            },
          ],
          partialFingerprints: { 'guard502/v1': `${f.rule}|${f.resource.kind}|${f.resource.namespace}|${f.resource.name}|${f.path}` },
          properties: { shape: f.shape, path: f.path, resource: f.resource },
        })),
        invocations: [
          {
            executionSuccessful: result.errors.length === 0 && result.failures.length === 0,
            toolExecutionNotifications: result.errors.map((e) => ({
              level: 'error',
              message: { text: e.message },
              locations: [{ physicalLocation: { artifactLocation: { uri: artifactUri(e.file) }, ...(e.line ? { region: { startLine: e.line } } : {}) } }],
            })),
          },
        ],
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
