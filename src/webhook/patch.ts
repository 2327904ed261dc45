// The mutating face: the same findings, written as guard502's annotations at
// admission time (a JSONPatch that touches only guard502's keys).

import { desiredAnnotations } from '../report/annotations.ts';
import type { JsonObject } from '../engine/types.ts';
import { isObject } from '../engine/fields.ts';
import type { Judgement } from './decide.ts';

type PatchOp = { op: 'add' | 'replace'; path: string; value: unknown };

/** RFC 6901: `~` and `/` in a key. */
function pointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function annotationPatch(j: Judgement, object: JsonObject, now: Date): PatchOp[] {
  if (!j.object || (j.decision !== 'allowed' && j.decision !== 'warned')) return [];
  const own = [...j.findings, ...j.audited].filter((f) => !f.neighbour);
  const meta = isObject(object.metadata) ? object.metadata : {};
  const current = isObject(meta.annotations) ? (meta.annotations as Record<string, string>) : undefined;
  const desired = desiredAnnotations(own, j.policy?.generation ?? 0, current ?? {}, now);
  if (!desired) return [];
  if (!current) return [{ op: 'add', path: '/metadata/annotations', value: desired }];
  return Object.entries(desired).map(([k, v]) => ({ op: k in current ? 'replace' : 'add', path: `/metadata/annotations/${pointer(k)}`, value: v }));
}
