// From decoded documents to a graph: normalizes each object, reporting objects
// that cannot be identified and fields of the wrong type with file, document
// and field. Tests freeze the input (`freeze`) so that a rule that mutates it
// fails there; production skips the cost.

import { deepFreeze } from '../engine/fields.ts';
import { ResourceGraph } from '../engine/graph.ts';
import { normalize, type Model } from '../engine/model.ts';
import type { InputError, LoadedObject } from './documents.ts';

export function buildGraph(
  objects: readonly LoadedObject[],
  defaultNamespace: string,
  opts: { freeze?: boolean } = {},
): { graph: ResourceGraph; errors: InputError[] } {
  const { models, errors } = normalizeAll(objects, defaultNamespace, opts);
  return { graph: new ResourceGraph(models), errors };
}

/** Every object of the input as the engine sees it, in input order (duplicates included), and what was wrong. */
export function normalizeAll(
  objects: readonly LoadedObject[],
  defaultNamespace: string,
  opts: { freeze?: boolean } = {},
): { models: Model[]; errors: InputError[] } {
  const models: Model[] = [];
  const errors: InputError[] = [];
  for (const o of objects) {
    const { file, document, line } = o.source;
    const at = (field: string | undefined) => (o.listPath ? (field ? `${o.listPath}.${field}` : o.listPath) : field);
    const result = normalize(opts.freeze ? deepFreeze(o.raw) : o.raw, defaultNamespace, o.source);
    if (result.skipped) continue;
    if (result.error || !result.resource) {
      const field = at(undefined);
      errors.push({ file, document, line, ...(field ? { field } : {}), message: `${field ? `${field}: ` : ''}${result.error ?? 'not a Kubernetes object'}` });
      continue;
    }
    for (const p of result.problems) {
      const field = at(p.path) as string;
      errors.push({ file, document, line, field, message: `${result.resource.kind}/${result.resource.name}: ${o.listPath ? `${o.listPath}.` : ''}${p.message}` });
    }
    models.push(result.resource);
  }
  return { models, errors };
}
