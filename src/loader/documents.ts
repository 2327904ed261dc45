// Turns a YAML/JSON stream into decoded documents, one at a time, so that one
// bad document is reported (file, document number, line) and the rest are still
// read. js-yaml's loadAll would stop at the first error and lose the remainder.

import yaml from 'js-yaml';
import type { Json, JsonObject, SourceLocation } from '../engine/types.ts';
import { isObject } from '../engine/fields.ts';

export interface LoadedObject {
  raw: JsonObject;
  source: SourceLocation;
  /** Path of the object inside its document when it came from a `kind: List` (`items[3]`). */
  listPath?: string;
}

export interface InputError {
  file: string;
  document?: number;
  line?: number;
  field?: string;
  message: string;
}

export function formatInputError(e: InputError): string {
  const where = [e.file, e.line !== undefined ? `line ${e.line}` : undefined, e.document !== undefined ? `document ${e.document}` : undefined]
    .filter(Boolean)
    .join(', ');
  return `${where}: ${e.message}`;
}

// Kubernetes reads YAML as JSON-compatible data: no timestamps or binary, but
// merge keys (`<<: *defaults`) are understood by its decoder, so keep them.
// (`types` is exported at run time but missing from @types/js-yaml.)
const SCHEMA = yaml.CORE_SCHEMA.extend({ implicit: [(yaml as unknown as { types: { merge: yaml.Type } }).types.merge] });

interface RawDocument {
  text: string;
  /** 1-based line of the document's first line in the file. */
  line: number;
  template?: string;
}

const SEPARATOR = /^---(?:\s|$)/;
const END = /^\.\.\.\s*$/;
const HELM_SOURCE = /^#\s*Source:\s*(\S.*?)\s*$/;

export function splitDocuments(text: string): RawDocument[] {
  const lines = text.split(/\r?\n/);
  const docs: RawDocument[] = [];
  let start = 0;
  const flush = (end: number) => {
    const body = lines.slice(start, end);
    const template = body.map((l) => HELM_SOURCE.exec(l)?.[1]).find((s) => s !== undefined);
    docs.push({ text: body.join('\n'), line: start + 1, ...(template ? { template } : {}) });
  };
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] as string;
    if (SEPARATOR.test(l)) {
      flush(i);
      // Content after `---` on the same line (`--- !tag` or `--- {a: 1}`) belongs to the next document.
      lines[i] = l.replace(/^---/, '   ');
      start = i;
    } else if (END.test(l)) {
      flush(i);
      lines[i] = '';
      start = i + 1;
    }
  }
  flush(lines.length);
  return docs;
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  return `a ${typeof v}`;
}

/** Parses one file's content. `file` is what errors name ("-" for stdin is shown as "<stdin>"). */
export function parseStream(text: string, file: string): { objects: LoadedObject[]; errors: InputError[] } {
  const objects: LoadedObject[] = [];
  const errors: InputError[] = [];
  if (text.includes('\u0000')) {
    errors.push({ file, message: 'binary file: not YAML or JSON' });
    return { objects, errors };
  }
  const text0 = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let n = 0;
  for (const doc of splitDocuments(text0)) {
    let value: unknown;
    try {
      value = yaml.load(doc.text, { schema: SCHEMA, filename: file });
    } catch (err) {
      n++;
      const e = err as { reason?: string; mark?: { line?: number }; message?: string };
      errors.push({
        file,
        document: n,
        ...(e.mark?.line !== undefined ? { line: doc.line + e.mark.line } : { line: doc.line }),
        message: `invalid YAML: ${e.reason ?? String(e.message).split('\n')[0]}`,
      });
      continue;
    }
    if (value === null || value === undefined) continue; // empty document or comments only
    n++;
    const source: SourceLocation = { file, line: firstContentLine(doc), document: n, ...(doc.template ? { template: doc.template } : {}) };
    if (!isObject(value)) {
      errors.push({ file, document: n, line: source.line, message: `expected a Kubernetes object (a mapping), got ${describe(value)}` });
      continue;
    }
    collect(value as JsonObject, source, undefined, objects, errors);
  }
  return { objects, errors };
}

function firstContentLine(doc: RawDocument): number {
  const lines = doc.text.split('\n');
  const i = lines.findIndex((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  return doc.line + Math.max(0, i);
}

function collect(value: JsonObject, source: SourceLocation, listPath: string | undefined, objects: LoadedObject[], errors: InputError[]): void {
  const kind = value.kind;
  if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(value.items)) {
    value.items.forEach((item: Json, i: number) => {
      const path = `${listPath ? `${listPath}.` : ''}items[${i}]`;
      if (!isObject(item)) {
        errors.push({ file: source.file, document: source.document, line: source.line, field: path, message: `${path}: expected a Kubernetes object, got ${describe(item)}` });
        return;
      }
      collect(item, source, path, objects, errors);
    });
    return;
  }
  objects.push({ raw: value, source, ...(listPath ? { listPath } : {}) });
}
