// Writes to the cluster: guard502's annotations as JSON merge patches that name
// only guard502's keys (nothing else on the object is touched, no resourceVersion
// precondition needed). A token bucket keeps the write rate polite to the API
// server (controller-runtime's client defaults: 20 per second, bursts of 30).
// Events have their own recorder (events.ts).

import { ApiError, objectPath, type KubeClient } from '../cluster/client.ts';
import { resourceFor } from '../cluster/resources.ts';
import type { Model } from '../engine/model.ts';
import { DEFAULT_WRITE_BURST, DEFAULT_WRITE_QPS } from './budget.ts';
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

export class Writer {
  private readonly client: KubeClient;
  private readonly limiter: TokenBucket;

  constructor(client: KubeClient, opts: { qps?: number; burst?: number } = {}) {
    this.client = client;
    this.limiter = new TokenBucket(opts.qps ?? DEFAULT_WRITE_QPS, opts.burst ?? DEFAULT_WRITE_BURST);
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
}
