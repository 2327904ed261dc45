// Leader election on a coordination.k8s.io/v1 Lease, with client-go's rules: a
// lease held by someone else is taken only after it went unrenewed for its whole
// duration (measured on our own clock from when we last saw it change, so clock
// skew between replicas does not matter); the leader renews every retry period
// and steps down when it could not renew within the renew deadline; a graceful
// stop releases the lease so that another replica takes over at once.
// Updates carry the resourceVersion read, so two candidates never both win.

import { ApiError, objectPath, type KubeClient } from '../cluster/client.ts';
import type { JsonObject } from '../engine/types.ts';
import type { Logger } from '../server/log.ts';

export interface LeaderOptions {
  client: KubeClient;
  namespace: string;
  name: string;
  identity: string;
  log: Logger;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaderElector {
  private readonly o: Required<Omit<LeaderOptions, 'onStartedLeading' | 'onStoppedLeading'>> & Pick<LeaderOptions, 'onStartedLeading' | 'onStoppedLeading'>;
  private leadingNow = false;
  private observed = '';
  private observedAt = 0;
  private lastRenew = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Steps down when the lease was not renewed within the renew deadline, even while a request hangs. */
  private deadline: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;

  constructor(options: LeaderOptions) {
    this.o = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, ...options };
  }

  get leading(): boolean {
    return this.leadingNow;
  }

  private get path(): string {
    return objectPath('coordination.k8s.io', 'v1', 'leases', this.o.namespace, this.o.name);
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops campaigning; a leader releases its lease unless `release` is false (a crash, in tests). */
  async stop(release = true): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.deadline);
    await this.running;
    if (this.leadingNow) {
      this.leadingNow = false;
      this.o.onStoppedLeading();
      if (release) await this.release();
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    // Jitter, so that candidates do not retry in lockstep.
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => (this.running = undefined));
    }, delayMs * (1 + Math.random() * 0.2));
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    let ok = false;
    const sent = Date.now();
    try {
      ok = await this.tryAcquireOrRenew();
    } catch (err) {
      this.o.log.warn({ lease: this.o.name, error: (err as Error).message }, 'lease update failed');
    }
    if (this.stopped) return;
    if (ok) {
      // The lease is ours from when the request was sent: the others count its duration from no earlier.
      this.lastRenew = sent;
      clearTimeout(this.deadline);
      this.deadline = setTimeout(() => this.stepDown(), Math.max(0, sent + this.o.renewDeadlineMs - Date.now()));
      this.deadline.unref();
      if (!this.leadingNow) {
        this.leadingNow = true;
        this.o.log.info({ lease: `${this.o.namespace}/${this.o.name}`, identity: this.o.identity }, 'became the leader');
        this.o.onStartedLeading();
      }
    } else if (this.leadingNow && Date.now() - this.lastRenew > this.o.renewDeadlineMs) {
      this.stepDown();
    }
    this.schedule(this.o.retryPeriodMs);
  }

  private stepDown(): void {
    if (!this.leadingNow || this.stopped) return;
    this.leadingNow = false;
    clearTimeout(this.deadline);
    this.o.log.warn({ lease: `${this.o.namespace}/${this.o.name}` }, 'could not renew the lease in time: stepping down');
    this.o.onStoppedLeading();
  }

  /** A leader's request may not outlive its renew deadline; a candidate's waits a little longer. */
  private requestTimeoutMs(): number {
    const budget = this.leadingNow ? this.lastRenew + this.o.renewDeadlineMs - Date.now() : this.o.retryPeriodMs * 2;
    return Math.max(100, Math.min(this.o.retryPeriodMs * 2, budget));
  }

  private record(spec: LeaseSpec, now: Date, previous?: LeaseSpec): LeaseSpec {
    const mine = previous?.holderIdentity === this.o.identity;
    return {
      holderIdentity: this.o.identity,
      leaseDurationSeconds: Math.max(1, Math.ceil(this.o.leaseDurationMs / 1000)),
      acquireTime: mine && previous?.acquireTime ? previous.acquireTime : microTime(now),
      renewTime: microTime(now),
      leaseTransitions: (previous?.leaseTransitions ?? 0) + (previous && !mine ? 1 : 0),
      ...spec,
    };
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = new Date();
    let lease: JsonObject;
    try {
      lease = await this.o.client.request(this.path, { timeoutMs: this.requestTimeoutMs() });
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) throw err;
      try {
        await this.o.client.create(objectPath('coordination.k8s.io', 'v1', 'leases', this.o.namespace, '').replace(/\/$/, ''), {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.o.name, namespace: this.o.namespace },
          spec: this.record({}, now),
        });
        return true;
      } catch (e) {
        if (e instanceof ApiError && e.status === 409) return false;
        throw e;
      }
    }
    const spec = (lease.spec ?? {}) as LeaseSpec;
    const fingerprint = JSON.stringify(spec);
    if (fingerprint !== this.observed) {
      this.observed = fingerprint;
      this.observedAt = Date.now();
    }
    const holder = spec.holderIdentity ?? '';
    const duration = (spec.leaseDurationSeconds ?? Math.ceil(this.o.leaseDurationMs / 1000)) * 1000;
    if (holder !== '' && holder !== this.o.identity && this.observedAt + duration > Date.now()) return false;
    const metadata = lease.metadata as JsonObject;
    try {
      const body = { ...lease, metadata: { ...metadata }, spec: this.record({}, now, spec) };
      await this.o.client.request(this.path, { method: 'PUT', body, timeoutMs: this.requestTimeoutMs() });
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) return false;
      throw err;
    }
  }

  private async release(): Promise<void> {
    try {
      const lease = await this.o.client.request(this.path);
      const spec = (lease.spec ?? {}) as LeaseSpec;
      if (spec.holderIdentity !== this.o.identity) return;
      await this.o.client.replace(this.path, { ...lease, spec: { ...spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(new Date()) } });
      this.o.log.info({ lease: `${this.o.namespace}/${this.o.name}` }, 'released the lease');
    } catch (err) {
      this.o.log.warn({ lease: this.o.name, error: (err as Error).message }, 'could not release the lease');
    }
  }
}
