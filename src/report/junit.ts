// JUnit XML for CI test tabs: one test case per checked object and rule that
// fired (a failure per finding), plus one passing case per clean object.
import type { ScanResult } from '../scan.ts';
import { resourceLabel } from './summary.ts';

function xml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string)
    // XML 1.0 forbids most control characters, even escaped.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

export function renderJunit(result: ScanResult, checkedObjects: ScanResult["objects"]): string {
  const cases: string[] = [];
  const failing = new Set<string>();
  for (const f of result.findings) {
    const label = resourceLabel(f.resource);
    failing.add(label);
    const where = f.source ? `${f.source.file}:${f.source.line}` : '';
    cases.push(
      `    <testcase classname="${xml(label)}" name="${xml(`${f.rule} ${f.path}`)}"${where ? ` file="${xml(f.source?.file ?? '')}"` : ''}>\n` +
        `      <failure type="${f.severity}" message="${xml(f.message)}">${xml(`${f.severity} ${f.rule} [${f.shape}] ${where}\n${f.message}\nfix: ${f.fix}`)}</failure>\n` +
        `    </testcase>`,
    );
  }
  for (const o of checkedObjects) {
    const label = resourceLabel(o);
    if (!failing.has(label)) cases.push(`    <testcase classname="${xml(label)}" name="no 502 risks"/>`);
  }
  const errors = result.errors.map((e) => `    <testcase classname="input" name="${xml(e.file)}">\n      <error message="${xml(e.message)}"/>\n    </testcase>`);
  const total = cases.length + errors.length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="guard502" tests="${total}" failures="${result.findings.length}" errors="${errors.length}">`,
    `  <testsuite name="guard502 scan" tests="${total}" failures="${result.findings.length}" errors="${errors.length}">`,
    ...cases,
    ...errors,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
