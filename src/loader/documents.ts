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
  /** 1-based line of its first line that is neither blank nor a comment. */
  contentLine: number;
  template?: string;
}

const SEPARATOR = /^---(?:\s|$)/;
const END = /^\.\.\.\s*$/;
const HELM_SOURCE = /^#\s*Source:\s*(\S.*?)\s*$/;

/**
 * Splits a stream at `---` and `...` lines without copying it line by line
 * (manifest streams can be large): each document is one slice of the text,
 * with its 1-based start line, its first content line and any `# Source:` comment.
 */
export function splitDocuments(text: string): RawDocument[] {
  const docs: RawDocument[] = [];
  let docStart = 0; // offset of the current document's first character
  let docLine = 1;
  let prefix = ''; // content that followed `---` on the separator line
  let contentLine = 0;
  let template: string | undefined;
  const flush = (end: number) => {
    docs.push({ text: prefix + text.slice(docStart, end), line: docLine, contentLine: contentLine || docLine, ...(template ? { template } : {}) });
    contentLine = 0;
    template = undefined;
    prefix = '';
  };
  let line = 1;
  for (let pos = 0; pos <= text.length; line++) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    const c = text.charCodeAt(pos);
    if (c === 45 /* - */ || c === 46 /* . */) {
      const l = text.slice(pos, nl);
      if (SEPARATOR.test(l)) {
        flush(pos);
        // Content after `---` on the same line (`--- !tag` or `--- {a: 1}`) belongs to the next document.
        prefix = `   ${l.slice(3)}\n`;
        docStart = nl + 1;
        docLine = line;
        if (l.slice(3).trim() !== '' && !l.slice(3).trim().startsWith('#')) contentLine = line;
        pos = nl + 1;
        continue;
      }
      if (END.test(l)) {
        flush(pos);
        docStart = nl + 1;
        docLine = line + 1;
        pos = nl + 1;
        continue;
      }
    }
    if (c === 35 /* # */) {
      const m = HELM_SOURCE.exec(text.slice(pos, nl).trimEnd());
      if (m && template === undefined) template = m[1];
    } else if (contentLine === 0 && c !== 32 && c !== 10 && c !== 13 && c !== 9 && !Number.isNaN(c)) {
      contentLine = line;
    } else if (contentLine === 0 && (c === 32 || c === 9)) {
      const trimmed = text.slice(pos, nl).trim();
      if (trimmed !== '' && !trimmed.startsWith('#')) contentLine = line;
    }
    pos = nl + 1;
  }
  flush(text.length);
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
    const source: SourceLocation = { file, line: doc.contentLine, document: n, ...(doc.template ? { template: doc.template } : {}) };
    if (!isObject(value)) {
      errors.push({ file, document: n, line: source.line, message: `expected a Kubernetes object (a mapping), got ${describe(value)}` });
      continue;
    }
    collect(value as JsonObject, source, undefined, objects, errors);
  }
  return { objects, errors };
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
