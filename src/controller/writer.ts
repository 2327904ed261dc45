// Writes to the cluster: guard502's annotations as JSON merge patches that name
// only guard502's keys (nothing else on the object is touched, no resourceVersion
// precondition needed), and a Warning Event when a finding appears. A token
// bucket keeps the write rate polite to the API server.

import { hostname } from 'node:os';
import { ApiError, collectionPath, objectPath, type KubeClient } from '../cluster/client.ts';
import { resourceFor } from '../cluster/resources.ts';
import type { Model } from '../engine/model.ts';
import type { JsonObject } from '../engine/types.ts';

export class TokenBucket {
  private tokens: number;
  private last = Date.now();
  private readonly qps: number;
  private readonly burst: number;
  constructor(qps: number, burst: number) {
    this.qps = qps;
    this.burst = burst;
    this.tokens = burst;
  }

  async take(): Promise<void> {
    for (;;) {
      const now = Date.now();
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await new Promise((r) => setTimeout(r, Math.ceil(((1 - this.tokens) / this.qps) * 1000)));
    }
  }
}

export type WriteResult = { status: 'ok'; object: JsonObject } | { status: 'gone' };

/** `ServiceTargetPortMismatch` from `service-target-port-mismatch`: the Event reason. */
export function eventReason(rule: string): string {
  return rule.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());
}

export class Writer {
  private readonly client: KubeClient;
  private readonly limiter: TokenBucket;
  private readonly instance: string;

  constructor(client: KubeClient, opts: { qps?: number; burst?: number; identity?: string } = {}) {
    this.client = client;
    this.limiter = new TokenBucket(opts.qps ?? 500, opts.burst ?? 1000);
    this.instance = opts.identity ?? hostname();
  }

  /** Merge-patches guard502's annotations; `gone` when the object was deleted meanwhile. */
  async annotate(object: Model, annotations: Record<string, string>): Promise<WriteResult> {
    const w = resourceFor(object.group, object.kind);
    if (!w) throw new Error(`no API resource known for ${object.kind}`);
    await this.limiter.take();
    try {
      // The version the object was read at: a CRD may serve another than the catalogue's first.
      const slash = object.ref.apiVersion.indexOf('/');
      const version = slash < 0 ? object.ref.apiVersion : object.ref.apiVersion.slice(slash + 1);
      const updated = await this.client.mergePatch(objectPath(w.group, version || w.version, w.plural, object.namespace, object.name), { metadata: { annotations } });
      return { status: 'ok', object: updated };
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return { status: 'gone' };
      throw err;
    }
  }

  /** A Warning Event on the object for a finding that just appeared. */
  async event(object: Model, rule: string, message: string): Promise<void> {
    await this.limiter.take();
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const uid = (object.raw.metadata as { uid?: string } | undefined)?.uid;
    const namespace = object.namespace || 'default';
    await this.client.create(collectionPath('', 'v1', 'events', namespace), {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { generateName: `${object.name}.guard502-`, namespace },
      involvedObject: { apiVersion: object.ref.apiVersion, kind: object.kind, name: object.name, namespace: object.namespace || undefined, ...(uid ? { uid } : {}) },
      type: 'Warning',
      reason: eventReason(rule),
      message: message.length > 1000 ? `${message.slice(0, 999)}…` : message,
      source: { component: 'guard502' },
      reportingComponent: 'guard502.dev/controller',
      reportingInstance: this.instance,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    });
  }
}
