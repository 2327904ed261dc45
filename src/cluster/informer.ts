// List + watch for one resource, the way client-go's reflector does it: a paged
// list, then a watch from the list's resourceVersion (with bookmarks), resumed
// from the last seen version when the stream ends, a fresh list when the version
// is too old (410 Gone), and exponential backoff with jitter on errors. Relists
// report objects that disappeared meanwhile as deletions, so a consumer never
// keeps a ghost.

import { collectionPath, type KubeClient, type WatchHandle } from './client.ts';
import { kept, type WatchedResource } from './resources.ts';
import type { JsonObject } from '../engine/types.ts';

export type InformerEvent = 'added' | 'modified' | 'deleted';
/** `fromWrite`: the version came back from our own write (observe), not from the watch. */
export type InformerHandler = (event: InformerEvent, object: JsonObject, previous: JsonObject | undefined, fromWrite?: boolean) => void;

export interface InformerOptions {
  /** Called with a short description when list/watch fails (it retries by itself). */
  onError?: (message: string) => void;
  /** Server-side watch timeout; the stream is then resumed from the last version. */
  watchTimeoutSeconds?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

function keyOf(o: JsonObject): string {
  const m = (o.metadata ?? {}) as { namespace?: string; name?: string };
  return `${m.namespace ?? ''}/${m.name ?? ''}`;
}

function versionOf(o: JsonObject): string {
  return String((o.metadata as { resourceVersion?: string } | undefined)?.resourceVersion ?? '');
}

/**
 * Whether `a` is a later version than `b`. resourceVersions are opaque to clients, but the
 * etcd-backed API server's are revision numbers; anything else is never taken as newer.
 */
function newer(a: JsonObject, b: JsonObject): boolean {
  const [va, vb] = [versionOf(a), versionOf(b)];
  return /^\d+$/.test(va) && /^\d+$/.test(vb) && BigInt(va) > BigInt(vb);
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (!sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  return true;
}

/**
 * The new version of an object takes the parts that did not change from the previous one (the spec
 * when only annotations or the status changed, labels when only annotations did, …), so that an update
 * leaves behind only what it changed: the just-parsed copies die young, and the cache does not grow by
 * a whole object per update. Objects in the cache are never modified in place, so sharing is safe.
 */
function share(o: JsonObject, prev: JsonObject): JsonObject {
  for (const k of Object.keys(o)) {
    if (k === 'metadata') continue;
    if (sameJson(o[k], prev[k])) o[k] = prev[k] as JsonObject[string];
  }
  const meta = o.metadata as JsonObject | undefined;
  const prevMeta = prev.metadata as JsonObject | undefined;
  if (meta && prevMeta) for (const k of Object.keys(meta)) if (typeof meta[k] === 'object' && sameJson(meta[k], prevMeta[k])) meta[k] = prevMeta[k] as JsonObject[string];
  return o;
}

/**
 * What no rule reads is not kept: managedFields are a large share of every object, and the status of
 * most kinds (rules declare the kinds whose status they read, see WatchedResource.keepStatus).
 * The object is copied without them rather than `delete`d from: V8 turns an object that loses a
 * property into a dictionary, a hash table several times its size, for as long as it lives.
 */
export function slim(o: JsonObject, keepStatus = true): JsonObject {
  let out = o;
  if (!keepStatus && 'status' in o) {
    const { status: _status, ...rest } = o;
    out = rest;
  }
  const meta = out.metadata as JsonObject | undefined;
  if (meta && 'managedFields' in meta) {
    const { managedFields: _managedFields, ...rest } = meta;
    out = { ...out, metadata: rest };
  }
  return out;
}

export class Informer {
  readonly resource: WatchedResource;
  private readonly slim = (o: JsonObject): JsonObject => slim(o, this.resource.keepStatus);
  private readonly client: KubeClient;
  private readonly handler: InformerHandler;
  private readonly options: Required<InformerOptions>;
  private readonly store = new Map<string, JsonObject>();
  private resourceVersion = '';
  private abort: WatchHandle | undefined;
  private stopped = false;
  private backoffMs = 0;
  private syncedOnce = false;
  private resolveSynced!: () => void;
  /** Resolves after the first complete list has been delivered. */
  readonly synced: Promise<void>;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(client: KubeClient, resource: WatchedResource, handler: InformerHandler, options: InformerOptions = {}) {
    this.client = client;
    this.resource = resource;
    this.handler = handler;
    this.options = {
      onError: options.onError ?? (() => {}),
      watchTimeoutSeconds: options.watchTimeoutSeconds ?? 300,
      minBackoffMs: options.minBackoffMs ?? 250,
      maxBackoffMs: options.maxBackoffMs ?? 30_000,
    };
    this.synced = new Promise((resolve) => (this.resolveSynced = resolve));
  }

  get hasSynced(): boolean {
    return this.syncedOnce;
  }

  get size(): number {
    return this.store.size;
  }

  get(namespace: string, name: string): JsonObject | undefined {
    return this.store.get(`${namespace}/${name}`);
  }

  list(): IterableIterator<JsonObject> {
    return this.store.values();
  }

  /**
   * Takes in a version of an object that a write returned, before its watch event
   * arrives, so that a re-check right after the write sees what was written —
   * unless the watch already delivered a newer version (someone else's change
   * right after ours): the cache never goes back in time.
   */
  observe(object: JsonObject): void {
    const o = this.slim(object);
    const key = keyOf(o);
    const prev = this.store.get(key);
    if (!prev || !newer(o, prev)) return;
    this.store.set(key, share(o, prev));
    this.handler('modified', o, prev, true);
  }

  start(): void {
    this.stopped = false;
    void this.relist();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.abort?.abort();
    this.abort = undefined;
  }

  private get path(): string {
    const { group, version, plural } = this.resource;
    return collectionPath(group, version, plural);
  }

  private async relist(): Promise<void> {
    if (this.stopped) return;
    let listed;
    try {
      listed = await this.client.list(this.path, 500, this.slim);
    } catch (err) {
      return this.retry(`list ${this.resource.plural}: ${(err as Error).message}`, () => this.relist());
    }
    if (this.stopped) return;
    const seen = new Set<string>();
    for (const item of listed.items) {
      const o = this.slim(item);
      // Not kept: left out of the store, so that a kept version seen before is reported deleted below.
      if (!kept(this.resource, o)) continue;
      const key = keyOf(o);
      seen.add(key);
      const prev = this.store.get(key);
      if (prev && versionOf(prev) === versionOf(o)) continue;
      this.store.set(key, prev ? share(o, prev) : o);
      this.handler(prev ? 'modified' : 'added', o, prev);
    }
    for (const [key, prev] of this.store) {
      if (seen.has(key)) continue;
      this.store.delete(key);
      this.handler('deleted', prev, prev);
    }
    this.resourceVersion = listed.resourceVersion;
    this.backoffMs = 0;
    if (!this.syncedOnce) {
      this.syncedOnce = true;
      this.resolveSynced();
    }
    void this.watch();
  }

  private async watch(): Promise<void> {
    if (this.stopped) return;
    let gone = false;
    const onEvent = (type: string, obj: JsonObject) => {
      if (type === 'ERROR') {
        if ((obj as { code?: number }).code === 410) gone = true;
        return;
      }
      if (type === 'BOOKMARK') {
        this.resourceVersion = versionOf(obj) || this.resourceVersion;
        return;
      }
      const o = this.slim(obj);
      const key = keyOf(o);
      const prev = this.store.get(key);
      this.resourceVersion = versionOf(o) || this.resourceVersion;
      if (type === 'DELETED' || ((type === 'ADDED' || type === 'MODIFIED') && !kept(this.resource, o))) {
        // An object that stopped being one to keep (a Pod that gained an owner) is gone for the consumer.
        if (type !== 'DELETED' && !prev) return;
        this.store.delete(key);
        this.handler('deleted', o, prev);
      } else if (type === 'ADDED' || type === 'MODIFIED') {
        // Already known at this version or a later one (our own write, seen through `observe`).
        if (prev && (versionOf(prev) === versionOf(o) || newer(prev, o))) return;
        this.store.set(key, prev ? share(o, prev) : o);
        this.handler(prev ? 'modified' : 'added', o, prev);
      }
      this.backoffMs = 0;
    };
    const onDone = (err: unknown) => {
      this.abort = undefined;
      if (this.stopped) return;
      const status = (err as { statusCode?: number; code?: number } | null)?.statusCode ?? (err as { code?: number } | null)?.code;
      if (gone || status === 410) {
        this.resourceVersion = '';
        void this.relist();
      } else if (err && (err as Error).name !== 'TimeoutError' && (err as Error).name !== 'AbortError') {
        this.retry(`watch ${this.resource.plural}: ${(err as Error).message ?? String(err)}`, () => this.watch());
      } else {
        void this.watch();
      }
    };
    try {
      this.abort = await this.client.watch(
        this.path,
        { resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds: this.options.watchTimeoutSeconds },
        onEvent,
        onDone,
      );
      if (this.stopped) this.abort.abort();
    } catch (err) {
      this.retry(`watch ${this.resource.plural}: ${(err as Error).message}`, () => this.watch());
    }
  }

  private retry(message: string, again: () => Promise<void>): void {
    if (this.stopped) return;
    this.backoffMs = Math.min(this.backoffMs ? this.backoffMs * 2 : this.options.minBackoffMs, this.options.maxBackoffMs);
    const delay = this.backoffMs * (0.5 + Math.random() / 2);
    this.options.onError(`${message} (retrying in ${Math.round(delay)} ms)`);
    this.retryTimer = setTimeout(() => void again(), delay);
    this.retryTimer.unref();
  }
}
