// A finding is announced as an Event only once it has lasted a while. `kubectl apply -f` of one
// application lands object by object: a Service checked before its Deployment arrives has, for a
// moment, a finding that the rest of the file removes. Annotations follow every state; an Event,
// which outlives the moment and is what people are paged on, waits for the state to settle.

export class Settle {
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly delayMs: number;

  constructor(delayMs: number) {
    this.delayMs = delayMs;
  }

  /**
   * Calls `announce` after the settle period if `stillTrue()` then holds. One pending announcement
   * per `id`: asking again while one waits does not restart the wait.
   */
  after(id: string, stillTrue: () => boolean, announce: () => Promise<void>): void {
    if (this.pending.has(id)) return;
    const timer = setTimeout(() => {
      this.pending.delete(id);
      if (stillTrue()) void announce();
    }, this.delayMs);
    timer.unref();
    this.pending.set(id, timer);
  }

  /** Drops every pending announcement (the replica stopped leading). */
  clear(): void {
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
  }
}
