// Kubernetes Events for findings, recorded the way client-go's EventRecorder
// does it: one Event per object, reason and message, whose `count` and
// `lastTimestamp` go up when it happens again instead of a new Event each time
// (EventCorrelator's aggregation); a token bucket per object (its spam filter:
// a burst of 25, then one per 5 minutes; Events beyond it are dropped and
// counted) and one for the whole controller (the Event QPS) so that a first pass
// over a large cluster cannot flood the API server: Events wait for it, and one
// whose finding is gone by then is not written. At most 1,000 wait (client-go's
// broadcaster queue): beyond that they are dropped and counted, so that a first
// pass over a large cluster, whose findings far outrun the Event budget, holds
// neither their messages nor the objects they name in memory (the annotations
// carry every finding).
// A finding must also live through a short settle period first, and its
// namespace be quiet that long: one that comes and goes while an apply is still
// creating objects (an Ingress seen before its Service, a Service before its
// workload) says nothing, however long the apply takes (up to a minute).

import { hostname } from 'node:os';
import { ApiError, collectionPath, objectPath, type KubeClient } from '../cluster/client.ts';
import type { Model } from '../engine/model.ts';
import type { JsonObject } from '../engine/types.ts';
import type { Logger } from '../server/log.ts';
import { DEFAULT_EVENT_BURST, DEFAULT_EVENT_QPS } from './budget.ts';
import { TokenBucket } from './writer.ts';

/** `ServiceTargetPortMismatch` from `service-target-port-mismatch`: the Event reason. */
export function eventReason(rule: string): string {
  return rule.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());
}

export interface EventRecorderOptions {
  client: KubeClient;
  log: Logger;
  /** Events written per second across the controller (creates and count updates). */
  qps?: number;
  burst?: number;
  /** Per object: client-go's spam filter defaults (a burst of 25, then one per 300 s). */
  perObjectBurst?: number;
  perObjectQps?: number;
  /** A finding is announced only when it is still there after this long, with its namespace unchanged that long. */
  settleMs?: number;
  /** A busy namespace delays an Event at most this long. */
  maxSettleMs?: number;
  /** Whether the finding is still current (the controller's record); asked when the settle period ends. */
  stillCurrent: (objectKey: string, rule: string) => boolean;
  /** Each outcome: `created`, `counted` (an existing Event's count went up), `dropped` (over the per-object
   * limit, or with `maxWaiting` Events already waiting for the budget), `withdrawn` (the finding was gone when its
   * turn came), `failed`. */
  onOutcome?: (rule: string, outcome: EventOutcome) => void;
  identity?: string;
  /** How many distinct Events are remembered for aggregation (client-go: 4096). */
  cacheSize?: number;
  /** How many Events may wait for the overall budget; more are dropped (client-go's queue: 1000). */
  maxWaiting?: number;
}

export type EventOutcome = 'created' | 'counted' | 'dropped' | 'withdrawn' | 'failed';

/** What an Event names of its object: a few strings, not the object (which a newer version replaces). */
interface Subject {
  key: string;
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
}

function subjectOf(object: Model): Subject {
  const uid = (object.raw.metadata as { uid?: string } | undefined)?.uid ?? '';
  return { key: object.key, apiVersion: object.ref.apiVersion, kind: object.kind, namespace: object.namespace, name: object.name, uid };
}

export const DEFAULT_EVENT_SETTLE_MS = 5_000;
export const DEFAULT_EVENT_MAX_SETTLE_MS = 60_000;

/** Non-blocking: refills like TokenBucket but answers at once whether a token was there. */
class SpamFilter {
  private readonly buckets = new Map<string, { tokens: number; last: number }>();
  private readonly burst: number;
  private readonly qps: number;
  constructor(burst: number, qps: number) {
    this.burst = burst;
    this.qps = qps;
  }

  allow(key: string, now = Date.now()): boolean {
    const b = this.buckets.get(key) ?? { tokens: this.burst, last: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.last) / 1000) * this.qps);
    b.last = now;
    // A full bucket carries no information: forget it (memory stays bounded by the objects with recent Events).
    if (b.tokens < 1) {
      this.buckets.set(key, b);
      return false;
    }
    b.tokens -= 1;
    this.buckets.set(key, b);
    if (this.buckets.size > 10_000) for (const [k, v] of this.buckets) if (v.tokens + ((now - v.last) / 1000) * this.qps >= this.burst) this.buckets.delete(k);
    return true;
  }
}

interface Pending {
  object: Subject;
  rule: string;
  message: string;
  since: number;
  timer: NodeJS.Timeout;
}

const timestamp = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

export class EventRecorder {
  private readonly o: EventRecorderOptions;
  private readonly limiter: TokenBucket;
  private readonly spam: SpamFilter;
  private readonly instance: string;
  /** Announced Events, for aggregation: key → the Event object's name and count (least recently used first). */
  private readonly seen = new Map<string, { namespace: string; name: string; count: number }>();
  private readonly pending = new Map<string, Pending>();
  /** When each namespace last changed (changes other than guard502's own writes). */
  private readonly changed = new Map<string, number>();
  /** Events waiting for the overall budget. */
  private waiting = 0;
  private stopped = false;

  constructor(options: EventRecorderOptions) {
    this.o = options;
    this.limiter = new TokenBucket(options.qps ?? DEFAULT_EVENT_QPS, options.burst ?? DEFAULT_EVENT_BURST);
    this.spam = new SpamFilter(options.perObjectBurst ?? 25, options.perObjectQps ?? 1 / 300);
    this.instance = options.identity ?? hostname();
  }

  /** A finding appeared on `object`: a Warning Event, once it has lived through the settle period. */
  warn(object: Model, rule: string, message: string): void {
    if (this.stopped) return;
    const key = `${object.key}\u0000${rule}`;
    const pending = this.pending.get(key);
    if (pending) {
      pending.object = subjectOf(object);
      pending.message = message;
      return;
    }
    const p: Pending = { object: subjectOf(object), rule, message, since: Date.now(), timer: undefined as unknown as NodeJS.Timeout };
    this.pending.set(key, p);
    this.settle(key, p, this.o.settleMs ?? DEFAULT_EVENT_SETTLE_MS);
  }

  /** Something in `namespace` changed (not guard502's own write): its findings may still be settling. */
  noteChange(namespace: string): void {
    if (this.pending.size > 0) this.changed.set(namespace, Date.now());
    else this.changed.clear(); // nothing waits on it: no need to remember
  }

  private settle(key: string, p: Pending, delayMs: number): void {
    p.timer = setTimeout(() => {
      if (this.stopped || this.pending.get(key) !== p) return;
      if (!this.o.stillCurrent(p.object.key, p.rule)) {
        this.pending.delete(key);
        return;
      }
      const settleMs = this.o.settleMs ?? DEFAULT_EVENT_SETTLE_MS;
      const now = Date.now();
      const quietSince = this.changed.get(p.object.namespace) ?? 0;
      // The namespace is still changing (an apply under way): wait until it has been quiet for the settle period.
      if (now - quietSince < settleMs && now - p.since < (this.o.maxSettleMs ?? DEFAULT_EVENT_MAX_SETTLE_MS)) {
        this.settle(key, p, quietSince + settleMs - now);
        return;
      }
      this.pending.delete(key);
      if (this.waiting >= (this.o.maxWaiting ?? 1000)) {
        this.o.onOutcome?.(p.rule, 'dropped');
        return;
      }
      void this.emit(p.object, p.rule, p.message);
    }, Math.max(1, delayMs));
    p.timer.unref();
  }

  /** Findings waiting for their settle period to end. */
  get settling(): number {
    return this.pending.size;
  }

  /** Writes the Event now (after the rate limits): a new one, or the same one counted once more. */
  async emit(object: Model | Subject, rule: string, message: string): Promise<EventOutcome> {
    const outcome = await this.write('raw' in object ? subjectOf(object) : object, rule, message);
    this.o.onOutcome?.(rule, outcome);
    return outcome;
  }

  private async write(object: Subject, rule: string, message: string): Promise<EventOutcome> {
    if (!this.spam.allow(`${object.key}\u0000${object.uid}`)) return 'dropped';
    this.waiting++;
    try {
      await this.limiter.take();
    } finally {
      this.waiting--;
    }
    // Waiting for the overall budget can take a while in a large first pass: the finding may be gone.
    if (this.stopped || !this.o.stillCurrent(object.key, rule)) return 'withdrawn';
    const reason = eventReason(rule);
    const text = message.length > 1000 ? `${message.slice(0, 999)}…` : message;
    const key = JSON.stringify([object.key, object.uid, reason, text]);
    const known = this.seen.get(key);
    try {
      if (known) {
        this.seen.delete(key);
        this.seen.set(key, known); // most recently used
        try {
          await this.o.client.mergePatch(objectPath('', 'v1', 'events', known.namespace, known.name), { count: known.count + 1, lastTimestamp: timestamp() });
          known.count++;
          return 'counted';
        } catch (err) {
          if (!(err instanceof ApiError && err.status === 404)) throw err;
          this.seen.delete(key); // the Event expired (the API server keeps them an hour): a new one
        }
      }
      const created = await this.create(object, reason, text);
      const meta = created.metadata as { name?: string; namespace?: string } | undefined;
      if (meta?.name) {
        this.seen.set(key, { namespace: meta.namespace ?? '', name: meta.name, count: 1 });
        const max = this.o.cacheSize ?? 4096;
        if (this.seen.size > max) this.seen.delete(this.seen.keys().next().value as string);
      }
      return 'created';
    } catch (err) {
      this.o.log.warn({ kind: object.kind, namespace: object.namespace, name: object.name, rule, error: (err as Error).message }, 'could not write Event');
      return 'failed';
    }
  }

  private create(object: Subject, reason: string, message: string): Promise<JsonObject> {
    const now = timestamp();
    const namespace = object.namespace || 'default';
    return this.o.client.create(collectionPath('', 'v1', 'events', namespace), {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { generateName: `${object.name}.guard502-`, namespace },
      involvedObject: { apiVersion: object.apiVersion, kind: object.kind, name: object.name, namespace: object.namespace || undefined, ...(object.uid ? { uid: object.uid } : {}) },
      type: 'Warning',
      reason,
      message,
      source: { component: 'guard502' },
      reportingComponent: 'guard502.dev/controller',
      reportingInstance: this.instance,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    });
  }

  /** Drops what is settling or waiting (shutdown, or this replica stopped leading). */
  stop(): void {
    this.stopped = true;
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
  }

  /** Records again after stop() (this replica leads again). */
  resume(): void {
    this.stopped = false;
  }
}
