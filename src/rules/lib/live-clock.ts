// Live rules judge how long a state has lasted: a rollout without progress, a
// Service behind a gateway without a ready endpoint. Objects carry few
// timestamps for that (a StatefulSet or an EndpointSlice none), so the process
// that evaluates them remembers since when it has seen each object in a state,
// and asks to be called back when a judgement would change with no object
// changing (a deadline passing). Only the controller evaluates live rules; after
// a restart it learns the states again from "now", which can only delay a
// finding, never invent one.

export class LiveClock {
  /** The time live rules judge against (tests move it). */
  now: () => number = () => Date.now();
  private readonly states = new Map<string, { state: string; since: number }>();
  private readonly rechecks = new Map<string, number>();

  /** Since when the object `key` has been in `state`: now, the first time it is seen in it. */
  since(key: string, state: string): number {
    const seen = this.states.get(key);
    if (seen && seen.state === state) return seen.since;
    const since = this.now();
    this.states.set(key, { state, since });
    return since;
  }

  /** The state last seen for `key`, if any. */
  stateOf(key: string): string | undefined {
    return this.states.get(key)?.state;
  }

  /** The object left every state worth timing (settled, or deleted). */
  forget(key: string): void {
    this.states.delete(key);
  }

  /** The object `key` was deleted: every state timed for it (`key#…`) goes. */
  forgetObject(key: string): void {
    for (const k of this.states.keys()) if (k.startsWith(`${key}#`)) this.states.delete(k);
    this.rechecks.delete(key);
  }

  /** Asks for the object `key` to be judged again at `atMs` (the earliest request wins). */
  recheckAt(key: string, atMs: number): void {
    const earlier = this.rechecks.get(key);
    if (earlier === undefined || atMs < earlier) this.rechecks.set(key, atMs);
  }

  /** The re-check asked for `key` during its last evaluation, if any (and forgets it). */
  takeRecheck(key: string): number | undefined {
    const at = this.rechecks.get(key);
    this.rechecks.delete(key);
    return at;
  }

  /** Forgets everything (tests). */
  reset(): void {
    this.states.clear();
    this.rechecks.clear();
  }
}

/** The one clock of the process: the controller reads the re-checks the rules ask for. */
export const liveClock = new LiveClock();

/** An RFC 3339 timestamp in milliseconds, or undefined. */
export function timeOf(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}
