// AdmissionReview admission.k8s.io/v1: reading a request that may be anything
// (the body is untrusted) and shaping the response the API server expects.

import { isObject } from '../engine/fields.ts';
import type { Json, JsonObject } from '../engine/types.ts';

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface AdmissionRequest {
  uid: string;
  kind: { group: string; version: string; kind: string };
  namespace: string;
  name: string;
  operation: Operation;
  subResource: string;
  dryRun: boolean;
  object: JsonObject | undefined;
  oldObject: JsonObject | undefined;
  user: string;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { code: number; reason?: string; message: string };
  warnings?: string[];
  patchType?: 'JSONPatch';
  patch?: string;
}

export class BadReview extends Error {
  /** The uid when it could be read: the API server then gets an AdmissionReview it can use. */
  readonly uid: string | undefined;
  constructor(message: string, uid?: string) {
    super(message);
    this.name = 'BadReview';
    this.uid = uid;
  }
}

const OPERATIONS = new Set(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']);

function str(v: Json | undefined): string {
  return typeof v === 'string' ? v : '';
}

/** Reads an AdmissionReview body; throws BadReview naming the field that is wrong. */
export function parseReview(body: unknown): AdmissionRequest {
  if (!isObject(body as Json)) throw new BadReview('body: expected an AdmissionReview JSON object');
  const review = body as JsonObject;
  if (Object.keys(review).length === 0) throw new BadReview('body: empty; expected an AdmissionReview JSON object');
  if (review.apiVersion !== ADMISSION_API_VERSION) {
    throw new BadReview(`apiVersion: expected ${ADMISSION_API_VERSION}, got ${JSON.stringify(review.apiVersion ?? null)}`);
  }
  if (review.kind !== 'AdmissionReview') throw new BadReview(`kind: expected AdmissionReview, got ${JSON.stringify(review.kind ?? null)}`);
  const req = review.request;
  if (!isObject(req)) throw new BadReview('request: missing (an AdmissionReview sent to a webhook must carry a request)');
  const uid = str(req.uid);
  if (!uid) throw new BadReview('request.uid: missing');
  const kind = isObject(req.kind) ? req.kind : undefined;
  if (!kind || typeof kind.kind !== 'string' || typeof kind.version !== 'string') throw new BadReview('request.kind: expected {group, version, kind}', uid);
  const operation = str(req.operation);
  if (!OPERATIONS.has(operation)) throw new BadReview(`request.operation: expected CREATE, UPDATE, DELETE or CONNECT, got ${JSON.stringify(req.operation ?? null)}`, uid);
  const object = req.object;
  const oldObject = req.oldObject;
  if (object !== undefined && object !== null && !isObject(object)) throw new BadReview('request.object: expected an object', uid);
  if (oldObject !== undefined && oldObject !== null && !isObject(oldObject)) throw new BadReview('request.oldObject: expected an object', uid);
  if ((operation === 'CREATE' || operation === 'UPDATE') && !isObject(object)) throw new BadReview(`request.object: missing for ${operation}`, uid);
  const userInfo = isObject(req.userInfo) ? req.userInfo : {};
  return {
    uid,
    kind: { group: str(kind.group), version: kind.version, kind: kind.kind },
    namespace: str(req.namespace),
    name: str(req.name),
    operation: operation as Operation,
    subResource: str(req.subResource),
    dryRun: req.dryRun === true,
    object: isObject(object) ? object : undefined,
    oldObject: isObject(oldObject) ? oldObject : undefined,
    user: str(userInfo.username),
  };
}

export function reviewResponse(response: AdmissionResponse): JsonObject {
  return { apiVersion: ADMISSION_API_VERSION, kind: 'AdmissionReview', response: response as unknown as JsonObject };
}
