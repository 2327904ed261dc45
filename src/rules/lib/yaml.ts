// Renders the YAML snippets that findings propose as fixes.
//
// Every finding carries one, so this runs thousands of times per scan; a general
// emitter (js-yaml's dump) costs ~15 µs a snippet and was the largest single cost
// of a large scan. Fix snippets are plain JSON-like data, which this small block
// emitter writes directly; any string that is not unmistakably a plain scalar is
// written as a JSON string, which YAML reads as a double-quoted scalar.

type Value = null | boolean | number | string | Value[] | { [key: string]: Value } | undefined;

const PLAIN = /^[A-Za-z_/.][A-Za-z0-9_/.=+@-]*(?:[ :][A-Za-z0-9_/.=+@-]+)*$/;
const RESERVED = /^(?:true|false|yes|no|on|off|y|n|null|~|\.inf|-\.inf|\.nan)$/i;

// Keys and common values repeat across thousands of snippets: remember how each string is written.
const written = new Map<string, string>();

/** Forgets how strings were written (tests: to see the emitter decide rather than remember). */
export function forgetWrittenScalars(): void {
  written.clear();
}

function scalar(v: null | boolean | number | string | undefined): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : JSON.stringify(String(v));
  let out = written.get(v);
  if (out !== undefined) return out;
  // `a: b` would start a mapping and a trailing `:` a key: quote those, and anything unusual.
  const plain = PLAIN.test(v) && !RESERVED.test(v) && !v.includes(': ') && !v.endsWith(':') && !/^[-+]?\.?\d/.test(v);
  out = plain ? v : JSON.stringify(v);
  if (written.size < 10_000) written.set(v, out);
  return out;
}

function isScalar(v: Value): v is null | boolean | number | string | undefined {
  return v === null || typeof v !== 'object';
}

function isEmpty(v: Value): boolean {
  if (Array.isArray(v)) return v.length === 0;
  for (const k in v as Record<string, Value>) if ((v as Record<string, Value>)[k] !== undefined) return false;
  return true;
}

/** Appends the lines of `v`, each prefixed with `pad`, to `out` (no intermediate arrays: this runs per finding). */
function emit(v: Value, pad: string, out: string[]): void {
  if (isScalar(v)) {
    out.push(pad + scalar(v));
    return;
  }
  if (Array.isArray(v)) {
    if (v.length === 0) {
      out.push(`${pad}[]`);
      return;
    }
    for (const item of v) {
      const first = out.length;
      emit(item, `${pad}  `, out);
      out[first] = `${pad}- ${(out[first] as string).slice(pad.length + 2)}`;
    }
    return;
  }
  let any = false;
  for (const k in v) {
    const x = v[k];
    if (x === undefined) continue;
    any = true;
    const key = scalar(k);
    if (isScalar(x)) out.push(`${pad}${key}: ${scalar(x)}`);
    else if (isEmpty(x)) out.push(`${pad}${key}: ${Array.isArray(x) ? '[]' : '{}'}`);
    else {
      out.push(`${pad}${key}:`);
      emit(x, `${pad}  `, out);
    }
  }
  if (!any) out.push(`${pad}{}`);
}

export function toYaml(value: unknown): string {
  const out: string[] = [];
  emit(value as Value, '', out);
  return out.join('\n');
}

/** `fix` text: a sentence, then the YAML to apply, indented for a terminal. */
export function fixWithYaml(sentence: string, value: unknown): string {
  return `${sentence}\n${toYaml(value)}`;
}
