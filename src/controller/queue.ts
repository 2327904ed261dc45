// A work queue in the manner of client-go's: a key is queued at most once however
// often it is added; a key being processed is not handed to a second worker, and
// if it is added meanwhile it is processed again afterwards; failed keys come back
// after a per-key exponential backoff. Many events about one object thus cost one
// reconcile, and a failing object cannot hog the workers.

export interface QueueOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private head = 0;
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  /** Added while being processed: queued again when done. */
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Keys to add at a time of their own (a deadline a rule waits for): the earliest time wins. */
  private readonly later = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly waiters: Array<(key: string | undefined) => void> = [];
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private shuttingDown = false;

  constructor(options: QueueOptions = {}) {
    this.baseDelayMs = options.baseDelayMs ?? 50;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
  }

  /** Keys waiting (not counting those being processed or waiting for a retry). */
  get length(): number {
    return this.queue.length - this.head;
  }

  get busy(): number {
    return this.processing.size;
  }

  add(key: string): void {
    if (this.shuttingDown) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    const waiter = this.waiters.shift();
    if (waiter) {
      this.queued.delete(key);
      this.processing.add(key);
      waiter(key);
      return;
    }
    this.queue.push(key);
  }

  /** Adds the key again after its backoff (doubling with each failure in a row). */
  retry(key: string): number {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    const delay = Math.min(this.baseDelayMs * 2 ** (n - 1), this.maxDelayMs);
    clearTimeout(this.timers.get(key));
    const t = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delay);
    t.unref();
    this.timers.set(key, t);
    return delay;
  }

  /** Adds the key after `delayMs` (controller-runtime's RequeueAfter); an earlier pending request wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    const at = Date.now() + Math.max(0, delayMs);
    const pending = this.later.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.later.delete(key);
      this.add(key);
    }, Math.max(0, delayMs));
    timer.unref();
    this.later.set(key, { at, timer });
  }

  /** The key succeeded: its backoff starts over. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Waits for the next key; undefined once the queue is shut down. */
  get(): Promise<string | undefined> {
    if (this.length > 0) {
      const key = this.queue[this.head++] as string;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      this.queued.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.delete(key)) this.add(key);
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const l of this.later.values()) clearTimeout(l.timer);
    this.later.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}
