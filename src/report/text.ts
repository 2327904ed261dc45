// Human output, grouped by file and object, most severe first within each object.
// Colour only on a TTY (NO_COLOR and FORCE_COLOR respected); plain text reads
// well in a CI log.
import { util } from '../builtins.ts';
import type { Severity } from '../engine/types.ts';
import type { CheckedFinding } from '../engine/run.ts';
import type { ScanResult } from '../scan.ts';
import { resourceLabel, summarize } from './summary.ts';

const { styleText } = util;

type Style = Parameters<typeof styleText>[0];

const MARK: Record<Severity, { label: string; style: Style }> = {
  error: { label: 'error  ', style: ['red', 'bold'] },
  warning: { label: 'warning', style: ['yellow', 'bold'] },
  info: { label: 'info   ', style: 'cyan' },
};

export function renderText(result: ScanResult, opts: { color: boolean }): string {
  const paint = (style: Style, s: string) => (opts.color ? styleText(style, s, { validateStream: false }) : s);
  const lines: string[] = [];
  const byFile = new Map<string, Map<string, CheckedFinding[]>>();
  for (const f of result.findings) {
    const file = f.source?.template ? `${f.source.file} (${f.source.template})` : (f.source?.file ?? '(cluster)');
    const objects = byFile.get(file) ?? new Map<string, CheckedFinding[]>();
    const key = `${resourceLabel(f.resource)}\u0000${f.source?.line ?? ''}`;
    objects.set(key, [...(objects.get(key) ?? []), f]);
    byFile.set(file, objects);
  }
  for (const [file, objects] of byFile) {
    lines.push(paint('underline', file));
    for (const [key, findings] of objects) {
      const [label, line] = key.split('\u0000');
      lines.push(`  ${paint('bold', label as string)}${line ? paint('dim', `  line ${line}`) : ''}`);
      for (const f of findings) {
        const m = MARK[f.severity];
        lines.push(`    ${paint(m.style, m.label)} ${paint('bold', f.rule)} ${paint('dim', `[${f.shape}] ${f.path}`)}`);
        lines.push(`      ${f.message}`);
        const [first, ...rest] = f.fix.split('\n');
        lines.push(`      ${paint('green', 'fix:')} ${first}`);
        for (const r of rest) lines.push(`        ${r}`);
      }
    }
    lines.push('');
  }
  const s = summarize(result.findings, result.resources);
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  const parts = [plural(s.resources, 'resource'), plural(s.errors, 'error'), plural(s.warnings, 'warning'), `${s.infos} info`];
  if (result.suppressed.length > 0) parts.push(`${result.suppressed.length} suppressed`);
  if (result.errors.length > 0) parts.push(plural(result.errors.length, 'input error'));
  lines.push(result.findings.length === 0 ? `No 502 risks found: ${parts.join(', ')}.` : parts.join(', '));
  return `${lines.join('\n')}\n`;
}
