// Validates a Guard502Policy against the CRD's own openAPIV3Schema (crds/) with
// ajv and converts it into a Policy. Unknown fields are rejected, as
// `kubectl apply` (strict field validation) does, and every error names its field.

import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import yaml from 'js-yaml';
import { FieldReader, isObject } from '../engine/fields.ts';
import { parseLabelSelector } from '../engine/selectors.ts';
import type { Json, JsonObject, Severity } from '../engine/types.ts';
import { POLICY_GROUP, POLICY_KIND } from './crd.ts';
import { defaultPolicy, type Action, type Exemption, type Policy, type RulePolicy } from './policy.ts';

export const CRD_PATH = new URL('../../crds/guard502policy.yaml', import.meta.url);

/** Makes a structural Kubernetes schema strict for ajv: objects with `properties` reject unknown keys. */
function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict);
  if (!isObject(schema as Json)) return schema;
  const s = Object.fromEntries(Object.entries(schema as JsonObject).map(([k, v]) => [k, k === 'enum' || k === 'required' ? v : strict(v)]));
  if (s.type === 'object' && isObject(s.properties as Json) && s.additionalProperties === undefined && !s['x-kubernetes-preserve-unknown-fields']) {
    s.additionalProperties = false;
  }
  return s;
}

let validator: ValidateFunction | undefined;

export function loadPolicySchema(): JsonObject {
  const crd = yaml.load(readFileSync(CRD_PATH, 'utf8')) as JsonObject;
  const versions = (crd.spec as JsonObject).versions as JsonObject[];
  return ((versions[0] as JsonObject).schema as JsonObject).openAPIV3Schema as JsonObject;
}

function getValidator(): ValidateFunction {
  if (validator) return validator;
  const ajv = new Ajv({ allErrors: true, strict: true });
  // Kubernetes schema extensions are annotations to ajv; int32/int64/date-time are formats it should not police.
  for (const k of ['x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-int-or-string', 'x-kubernetes-embedded-resource', 'x-kubernetes-map-type', 'x-kubernetes-validations']) {
    ajv.addKeyword({ keyword: k, schemaType: ['string', 'boolean', 'array', 'object'] });
  }
  for (const f of ['int32', 'int64', 'date-time', 'double', 'float', 'byte']) ajv.addFormat(f, true);
  validator = ajv.compile(strict(loadPolicySchema()) as object);
  return validator;
}

function fieldOf(e: ErrorObject): string {
  const base = e.instancePath.replace(/^\//, '').split('/').filter(Boolean).map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');
  if (e.keyword === 'additionalProperties') return `${base ? `${base}.` : ''}${String((e.params as { additionalProperty: string }).additionalProperty)}`;
  if (e.keyword === 'required') return `${base ? `${base}.` : ''}${String((e.params as { missingProperty: string }).missingProperty)}`;
  return base || '(root)';
}

function describeError(e: ErrorObject): string {
  const field = fieldOf(e);
  switch (e.keyword) {
    case 'additionalProperties':
      return field.startsWith('spec.rules.') && field.split('.').length === 3 ? `${field}: unknown rule ID` : `${field}: unknown field`;
    case 'required':
      return `${field}: required`;
    case 'enum':
      return `${field}: must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues).map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return `${field}: ${e.message ?? 'invalid'}`;
  }
}

export interface PolicyLoadResult {
  policy?: Policy;
  errors: string[];
}

/** Converts a (decoded) Guard502Policy object into a Policy, or explains why it is invalid. */
export function policyFromObject(obj: unknown): PolicyLoadResult {
  if (!isObject(obj as Json)) return { errors: ['(root): expected a Guard502Policy object'] };
  const o = obj as JsonObject;
  const errors: string[] = [];
  if (typeof o.apiVersion !== 'string' || !o.apiVersion.startsWith(`${POLICY_GROUP}/`)) errors.push(`apiVersion: must be ${POLICY_GROUP}/v1alpha1`);
  if (o.kind !== POLICY_KIND) errors.push(`kind: must be ${POLICY_KIND}`);
  const validate = getValidator();
  if (!validate(o)) errors.push(...(validate.errors ?? []).map(describeError));
  if (errors.length > 0) return { errors: [...new Set(errors)] };

  const r = new FieldReader();
  const spec = (o.spec ?? {}) as JsonObject;
  const meta = (o.metadata ?? {}) as JsonObject;
  const policy = defaultPolicy();
  policy.name = typeof meta.name === 'string' ? meta.name : '(unnamed)';
  policy.generation = typeof meta.generation === 'number' ? meta.generation : 0;
  const actions = (spec.actions ?? {}) as Partial<Record<Severity, Action>>;
  policy.actions = { ...policy.actions, ...actions };
  for (const [id, rp] of Object.entries((spec.rules ?? {}) as Record<string, JsonObject>)) {
    const entry: RulePolicy = {};
    if (rp.action) entry.action = rp.action as Action;
    if (rp.severity) entry.severity = rp.severity as Severity;
    if (rp.parameters) entry.parameters = rp.parameters as Record<string, number | boolean | string>;
    policy.rules[id] = entry;
  }
  const selector = parseLabelSelector(spec.namespaceSelector, 'spec.namespaceSelector', r);
  if (selector) policy.namespaceSelector = selector;
  policy.excludedNamespaces = (spec.excludedNamespaces ?? []) as string[];
  policy.exemptions = ((spec.exemptions ?? []) as JsonObject[]).map((e) => {
    const x: Exemption = { rules: (e.rules ?? []) as string[], reason: e.reason as string };
    if (typeof e.namespace === 'string') x.namespace = e.namespace;
    if (typeof e.kind === 'string') x.kind = e.kind;
    if (typeof e.name === 'string') x.name = e.name;
    return x;
  });
  if (typeof spec.allowIgnoreAnnotations === 'boolean') policy.allowIgnoreAnnotations = spec.allowIgnoreAnnotations;
  if (spec.onError === 'allow' || spec.onError === 'deny') policy.onError = spec.onError;
  if (r.problems.length > 0) return { errors: r.problems.map((p) => p.message) };
  return { policy, errors: [] };
}

/** Reads `--policy FILE`: exactly one Guard502Policy document. Errors name the file and field. */
export function policyFromFile(text: string, file: string): PolicyLoadResult {
  let docs: unknown[];
  try {
    docs = yaml.loadAll(text).filter((d) => d !== null && d !== undefined);
  } catch (err) {
    const e = err as { reason?: string; mark?: { line?: number } };
    return { errors: [`${file}${e.mark?.line !== undefined ? `:${e.mark.line + 1}` : ''}: invalid YAML: ${e.reason ?? String(err)}`] };
  }
  if (docs.length !== 1) return { errors: [`${file}: expected exactly one Guard502Policy document, found ${docs.length}`] };
  const result = policyFromObject(docs[0]);
  return { ...result, errors: result.errors.map((e) => `${file}: ${e}`) };
}
