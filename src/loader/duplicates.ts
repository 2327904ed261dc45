// The same object (kind, namespace, name) more than once in one input: a directory
// with a broken and a fixed copy, a base and its overlays. A graph holds one copy
// per name, so merging them would judge only the last and hide the others. Every
// copy is judged instead, each in a view of the input where the references of its
// file resolve to the nearest copy: the one in the same file, else in the same
// directory, else the last one applied (what the cluster would keep).

import { dirname } from 'node:path';
import type { Model } from '../engine/model.ts';

export interface Duplicate {
  key: string;
  /** `Kind namespace/name`, for the note. */
  name: string;
  copies: Model[];
}

/** The objects whose key appears more than once, each with its copies in input order. */
export function findDuplicates(objects: readonly Model[]): Duplicate[] {
  const byKey = new Map<string, Model[]>();
  for (const o of objects) {
    const list = byKey.get(o.key);
    if (list) list.push(o);
    else byKey.set(o.key, [o]);
  }
  const out: Duplicate[] = [];
  for (const copies of byKey.values()) {
    if (copies.length < 2) continue;
    const first = copies[0] as Model;
    out.push({ key: first.key, name: `${first.kind} ${first.namespace ? `${first.namespace}/` : ''}${first.name}`, copies });
  }
  return out;
}

/** Index of the copy nearest to `file`: the last in the same file, else the last in its directory, else the last. */
function nearest(copies: readonly Model[], file: string | undefined): number {
  const dir = file === undefined ? undefined : dirname(file);
  let sameFile = -1;
  let sameDir = -1;
  copies.forEach((c, i) => {
    const f = c.source?.file;
    if (f === undefined || file === undefined) return;
    if (f === file) sameFile = i;
    else if (dirname(f) === dir) sameDir = i;
  });
  return sameFile >= 0 ? sameFile : sameDir >= 0 ? sameDir : copies.length - 1;
}

export interface View {
  /** The objects the view's graph holds: one copy of each duplicated object. */
  members: Model[];
  /** The objects judged in this view. */
  checked: Model[];
}

/**
 * Splits the input into views, one per distinct choice of copies: every object is checked in
 * exactly one view, one that holds the object itself and, of every other duplicated object, the
 * copy nearest to its file. Without duplicates this is one view of everything.
 */
export function viewsOf(objects: readonly Model[], duplicates: readonly Duplicate[]): View[] {
  if (duplicates.length === 0) return [{ members: [...objects], checked: [...objects] }];
  const duplicated = new Map(duplicates.map((d, i) => [d.key, i]));
  const unique = objects.filter((o) => !duplicated.has(o.key));
  const byFile = new Map<string | undefined, number[]>();
  const views = new Map<string, { choice: number[]; checked: Model[] }>();
  for (const o of objects) {
    const file = o.source?.file;
    let choice = byFile.get(file);
    if (!choice) byFile.set(file, (choice = duplicates.map((d) => nearest(d.copies, file))));
    const own = duplicated.get(o.key);
    if (own !== undefined) {
      choice = [...choice];
      choice[own] = (duplicates[own] as Duplicate).copies.indexOf(o);
    }
    const id = choice.join(',');
    const view = views.get(id);
    if (view) view.checked.push(o);
    else views.set(id, { choice, checked: [o] });
  }
  return [...views.values()].map(({ choice, checked }) => ({
    members: [...unique, ...duplicates.map((d, i) => d.copies[choice[i] as number] as Model)],
    checked,
  }));
}

/** One line for stderr naming the duplicated objects (the first few) and where their copies are. */
export function duplicatesNote(duplicates: readonly Duplicate[], shown = 5): string | undefined {
  if (duplicates.length === 0) return undefined;
  const where = (m: Model) => (m.source ? `${m.source.file}:${m.source.line}` : '?');
  const listed = duplicates.slice(0, shown).map((d) => `${d.name} (${d.copies.map(where).join(', ')})`);
  const more = duplicates.length > shown ? `, and ${duplicates.length - shown} more` : '';
  return (
    `note: ${duplicates.length} object${duplicates.length === 1 ? ' appears' : 's appear'} more than once in the input: ${listed.join('; ')}${more}. ` +
    'Each copy is checked; references resolve to the copy in the same file, else in the same directory, else the last one.'
  );
}
