// Defensive reading of decoded YAML. Manifests are user input: any field may have
// the wrong type. Readers return `undefined` for an absent field and record a
// FieldProblem (with its path) for a present field of the wrong type, so one bad
// field produces one clear message instead of a crash deep inside a rule.

import type { Json, JsonObject } from './types.ts';

export interface FieldProblem {
  path: string;
  message: string;
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `a ${typeof v} (${JSON.stringify(v)?.slice(0, 40)})`;
}

/** How many distinct paths `sharedPath` keeps; past it, a path is returned as it is. */
const SHARED_PATHS_MAX = 4096;
const sharedPaths = new Map<string, string>();

/**
 * One copy of a field path that models keep. Paths name positions, not objects
 * (`spec.template.spec.containers[0].readinessProbe` in every Deployment), so a cluster
 * of tens of thousands of objects has a few hundred of them; built by concatenation, each
 * would otherwise be a chain of string pieces per object, held for as long as the model.
 */
export function sharedPath(path: string): string {
  const known = sharedPaths.get(path);
  if (known !== undefined) return known;
  if (sharedPaths.size < SHARED_PATHS_MAX) sharedPaths.set(path, path);
  return path;
}

export class FieldReader {
  readonly problems: FieldProblem[] = [];

  private wrong(path: string, expected: string, v: unknown): undefined {
    this.problems.push({ path, message: `${path}: expected ${expected}, got ${typeName(v)}` });
    return undefined;
  }

  obj(v: Json | undefined, path: string): JsonObject | undefined {
    if (v === undefined || v === null) return undefined;
    return isObject(v) ? v : this.wrong(path, 'a mapping', v);
  }

  list(v: Json | undefined, path: string): Json[] | undefined {
    if (v === undefined || v === null) return undefined;
    return Array.isArray(v) ? v : this.wrong(path, 'a list', v);
  }

  /** A list whose items must be mappings; bad items are reported and skipped. */
  objList(v: Json | undefined, path: string): Array<{ item: JsonObject; path: string }> {
    const out: Array<{ item: JsonObject; path: string }> = [];
    (this.list(v, path) ?? []).forEach((item, i) => {
      const p = sharedPath(`${path}[${i}]`);
      const o = this.obj(item, p);
      if (o) out.push({ item: o, path: p });
    });
    return out;
  }

  str(v: Json | undefined, path: string): string | undefined {
    if (v === undefined || v === null) return undefined;
    return typeof v === 'string' ? v : this.wrong(path, 'a string', v);
  }

  int(v: Json | undefined, path: string): number | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    // YAML authors often quote numbers; the apiserver would reject them, so do we.
    return this.wrong(path, 'an integer', v);
  }

  bool(v: Json | undefined, path: string): boolean | undefined {
    if (v === undefined || v === null) return undefined;
    return typeof v === 'boolean' ? v : this.wrong(path, 'a boolean', v);
  }

  /** Kubernetes IntOrString (ports, maxUnavailable). */
  intOrString(v: Json | undefined, path: string): number | string | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v))) return v;
    return this.wrong(path, 'an integer or a string', v);
  }

  /** A map of string to string (labels, annotations, selectors). Non-string values are reported. */
  strMap(v: Json | undefined, path: string): Record<string, string> {
    const o = this.obj(v, path);
    const out: Record<string, string> = {};
    if (!o) return out;
    for (const [k, val] of Object.entries(o)) {
      // Numbers and booleans are what YAML makes of unquoted `version: 2` or `enabled: true`:
      // the apiserver would reject them, but their meaning is unambiguous, so keep reading.
      if (typeof val === 'string') out[k] = val;
      else if (typeof val === 'number' || typeof val === 'boolean') {
        this.problems.push({ path: `${path}.${k}`, message: `${path}.${k}: expected a string, got ${typeName(val)} (quote it)` });
        out[k] = String(val);
      } else this.wrong(`${path}.${k}`, 'a string', val);
    }
    return out;
  }
}

/** Whether an object names an owner in `metadata.ownerReferences`: a controller made it and answers for it. */
export function hasOwner(raw: Json | undefined): boolean {
  const owners = dig(raw, 'metadata', 'ownerReferences');
  return Array.isArray(owners) && owners.length > 0;
}

/** Reads a nested field without type checks, for optional lookups in rules. */
export function dig(root: Json | undefined, ...keys: Array<string | number>): Json | undefined {
  let cur: Json | undefined = root;
  for (const k of keys) {
    if (cur === undefined || cur === null) return undefined;
    if (typeof k === 'number') {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[k];
    } else {
      if (!isObject(cur)) return undefined;
      cur = cur[k];
    }
  }
  return cur;
}

/** Deep-freezes decoded input so that no rule can mutate the shared graph. */
export function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const child of Object.values(v as object)) deepFreeze(child);
  }
  return v;
}
