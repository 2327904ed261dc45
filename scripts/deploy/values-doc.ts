// The chart's configuration table, generated from the comments in values.yaml:
// a comment block that starts with "# --" documents the key that follows it
// (helm-docs' convention). The default is read from the parsed YAML, so the
// table cannot disagree with the chart.

import yaml from 'js-yaml';

export interface ValueDoc {
  /** Dotted path, e.g. `webhook.failurePolicy`. */
  key: string;
  description: string;
  default: unknown;
  line: number;
}

const KEY = /^(\s*)([A-Za-z_][\w.-]*|"[^"]+"):(\s|$)/;

/** Documented keys of a values.yaml, in file order. */
export function parseValuesDocs(text: string): ValueDoc[] {
  const values = (yaml.load(text) ?? {}) as Record<string, unknown>;
  const docs: ValueDoc[] = [];
  // Open keys by indentation; a `- ` list item opens an entry that hides the keys inside it.
  const stack: { indent: number; key: string; list?: boolean }[] = [];
  const pop = (indent: number): void => {
    while (stack.length > 0 && (stack[stack.length - 1]?.indent ?? 0) >= indent) stack.pop();
  };
  let pending: string[] | undefined;
  for (const [i, line] of text.split('\n').entries()) {
    const comment = /^\s*#\s?(.*)$/.exec(line);
    if (comment) {
      const body = comment[1] ?? '';
      if (body.startsWith('-- ')) pending = [body.slice(3).trim()];
      else if (pending && body.trim() !== '') pending.push(body.trim());
      continue;
    }
    if (line.trim() === '') continue;
    const item = /^(\s*)- /.exec(line);
    if (item) {
      const indent = (item[1] ?? '').length;
      pop(indent);
      stack.push({ indent, key: '[]', list: true });
      continue;
    }
    const m = KEY.exec(line);
    if (!m) continue;
    const indent = (m[1] ?? '').length;
    const key = (m[2] ?? '').replace(/^"|"$/g, '');
    pop(indent);
    if (stack.some((s) => s.list)) continue;
    const path = [...stack.map((s) => s.key), key];
    stack.push({ indent, key });
    if (pending) {
      docs.push({ key: path.join('.'), description: pending.join(' '), default: valueAt(values, path), line: i + 1 });
      pending = undefined;
    }
  }
  return docs;
}

function valueAt(values: unknown, path: string[]): unknown {
  let v: unknown = values;
  for (const p of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
  return v;
}

/** Every leaf path of the values (lists and empty objects are leaves). */
export function leafPaths(values: unknown, prefix: string[] = []): string[] {
  if (values && typeof values === 'object' && !Array.isArray(values) && Object.keys(values).length > 0) {
    return Object.entries(values as Record<string, unknown>).flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
  }
  return [prefix.join('.')];
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function renderDefault(v: unknown): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v === '' ? '`""`' : `\`${v}\``;
  const compact = JSON.stringify(v);
  if (compact.length <= 60) return `\`${compact}\``;
  // Long structures: YAML flow style, on one line.
  return `\`${yaml.dump(v, { flowLevel: 0, lineWidth: -1 }).trim()}\``;
}

export function valuesTable(text: string): string {
  const docs = parseValuesDocs(text);
  // A documented group whose keys have rows of their own shows no default of its own.
  const isGroup = (d: ValueDoc): boolean => docs.some((o) => o.key.startsWith(`${d.key}.`));
  const rows = docs.map((d) => `| \`${d.key}\` | ${isGroup(d) ? '' : cell(renderDefault(d.default))} | ${cell(d.description)} |`);
  return ['| Key | Default | Description |', '|---|---|---|', ...rows].join('\n');
}

export const TABLE_START = '<!-- values-table:start (generated from deploy/helm/guard502/values.yaml by `node scripts/render-manifests.ts`) -->';
export const TABLE_END = '<!-- values-table:end -->';

/** Replaces the table between the markers of a markdown document. */
export function withValuesTable(markdown: string, table: string): string {
  const start = markdown.indexOf(TABLE_START);
  const end = markdown.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error('docs/install.md: values table markers not found');
  return `${markdown.slice(0, start + TABLE_START.length)}\n${table}\n${markdown.slice(end)}`;
}
