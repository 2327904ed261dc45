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

function lines(v: Value): string[] {
  if (isScalar(v)) return [scalar(v)];
  if (Array.isArray(v)) {
    if (v.length === 0) return ['[]'];
    return v.flatMap((item) => {
      const [first, ...rest] = lines(item);
      return [`- ${first as string}`, ...rest.map((l) => `  ${l}`)];
    });
  }
  const entries = Object.entries(v).filter(([, x]) => x !== undefined);
  if (entries.length === 0) return ['{}'];
  return entries.flatMap(([k, x]) => {
    const key = scalar(k);
    if (isScalar(x)) return [`${key}: ${scalar(x)}`];
    const inner = lines(x);
    if (inner.length === 1 && (inner[0] === '[]' || inner[0] === '{}')) return [`${key}: ${inner[0]}`];
    return [`${key}:`, ...inner.map((l) => `  ${l}`)];
  });
}

export function toYaml(value: unknown): string {
  return lines(value as Value).join('\n');
}

/** `fix` text: a sentence, then the YAML to apply, indented for a terminal. */
export function fixWithYaml(sentence: string, value: unknown): string {
  return `${sentence}\n${toYaml(value)}`;
}
