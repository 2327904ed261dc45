// The cluster as a ResourceGraph: informers feed every watched object into the
// same graph the CLI builds from files, so the webhook and the controller ask
// the same questions of the cluster that the scan asks of a directory. Listeners
// hear each change with the previous version (the controller re-checks what it
// affects). Guard502Policies are kept parsed, so a policy change applies at once.

import { ResourceGraph } from '../engine/graph.ts';
import { normalize, resourceKey, type Model } from '../engine/model.ts';
import type { JsonObject } from '../engine/types.ts';
import { policyFromObject } from '../policy/load.ts';
import type { Policy } from '../policy/policy.ts';
import type { Logger } from '../server/log.ts';
import type { KubeClient } from './client.ts';
import { Informer, type InformerEvent } from './informer.ts';
import { apiVersionOf, watchedFor, type WatchedResource } from './resources.ts';

export interface CacheChange {
  event: InformerEvent;
  resource: WatchedResource;
  /** The object now (absent after a delete). */
  current: Model | undefined;
  previous: Model | undefined;
  /** The new version is what our own write returned (the controller already knows it). */
  fromWrite: boolean;
}

export type CacheListener = (change: CacheChange) => void;

export interface ClusterCacheOptions {
  face: 'webhook' | 'controller';
  log: Logger;
  /** How often absent optional kinds (CRDs) are looked for again. */
  discoveryIntervalMs?: number;
  /** Restrict to these kinds (tests, benchmarks). */
  kinds?: readonly string[];
}

/** Informers are kept by group and kind: two groups serve a `Rollout`, a `Middleware`, a `Route`. */
function keyOf(w: Pick<WatchedResource, 'group' | 'kind'>): string {
  return w.group === '' ? w.kind : `${w.group}/${w.kind}`;
}

export class ClusterCache {
  readonly graph = new ResourceGraph();
  private readonly client: KubeClient;
  private readonly options: ClusterCacheOptions;
  private readonly informers = new Map<string, Informer>();
  private readonly absent = new Set<WatchedResource>();
  private readonly listeners: CacheListener[] = [];
  private readonly parsedPolicies = new Map<string, Policy>();
  private readonly reportedUnreadable = new Set<string>();
  private discoveryTimer: NodeJS.Timeout | undefined;
  private started = false;
  private stopped = false;

  constructor(client: KubeClient, options: ClusterCacheOptions) {
    this.client = client;
    this.options = options;
  }

  onChange(listener: CacheListener): void {
    this.listeners.push(listener);
  }

  /** Discovers which optional kinds are served and starts an informer for each served kind. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const wanted = watchedFor(this.options.face).filter((w) => !this.options.kinds || this.options.kinds.includes(w.kind));
    for (const w of wanted) {
      const served = w.optional ? await this.servedWithRetry(w) : w;
      if (!served) {
        this.absent.add(w);
        const versions = w.versions.map((v) => apiVersionOf({ group: w.group, version: v })).join(', ');
        this.options.log.info({ kind: w.kind, apiVersion: versions }, `${w.kind} (${versions}) is not served: skipped until its CRD is installed`);
        continue;
      }
      this.startInformer(served);
    }
    this.scheduleDiscovery();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.discoveryTimer);
    for (const i of this.informers.values()) i.stop();
  }

  /** True once every served kind has been listed completely. */
  get synced(): boolean {
    return this.started && [...this.informers.values()].every((i) => i.hasSynced);
  }

  async waitForSync(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.synced));
  }

  /** Kinds currently watched, and kinds skipped because no CRD serves them (`group/Kind`, `Kind` for the core group). */
  status(): { watched: string[]; absent: string[] } {
    return { watched: [...this.informers.keys()], absent: [...this.absent].map(keyOf) };
  }

  /** Whether `kind` (of `group`, or of any group) is watched. */
  watches(kind: string, group?: string): boolean {
    return [...this.informers.values()].some((i) => i.resource.kind === kind && (group === undefined || i.resource.group === group));
  }

  policies(): Policy[] {
    return [...this.parsedPolicies.values()];
  }

  /** The object as the API server last sent it (managedFields removed). */
  raw(resource: WatchedResource, namespace: string, name: string): JsonObject | undefined {
    return this.informers.get(keyOf(resource))?.get(namespace, name);
  }

  /** A version of an object returned by a write (see Informer.observe). */
  observe(resource: WatchedResource, object: JsonObject): void {
    this.informers.get(keyOf(resource))?.observe(object);
  }

  private startInformer(w: WatchedResource): void {
    // One string for every object of the kind (items of a list carry no apiVersion of their own).
    const apiVersion = apiVersionOf(w);
    const informer = new Informer(this.client, w, (event, obj, _prev, fromWrite) => this.apply(w, apiVersion, event, obj, fromWrite ?? false), {
      onError: (message) => this.options.log.warn({ kind: w.kind }, message),
    });
    this.informers.set(keyOf(w), informer);
    informer.start();
  }

  private apply(w: WatchedResource, apiVersion: string, event: InformerEvent, obj: JsonObject, fromWrite: boolean): void {
    let current: Model | undefined;
    let previous: Model | undefined;
    if (event === 'deleted') {
      const meta = (obj.metadata ?? {}) as { namespace?: string; name?: string };
      previous = this.graph.remove(resourceKey(w.group, w.kind, meta.namespace ?? '', meta.name ?? ''));
    } else {
      if (obj.apiVersion === undefined) obj.apiVersion = apiVersion;
      if (obj.kind === undefined) obj.kind = w.kind;
      const n = normalize(obj, '', undefined);
      if (!n.resource) {
        this.unreadable(w, obj, n.error ?? n.skipped ?? 'not readable');
        return;
      }
      current = n.resource;
      previous = this.graph.upsert(current);
    }
    if (w.kind === 'Guard502Policy') this.applyPolicy(current, previous);
    const change: CacheChange = { event, resource: w, current, previous, fromWrite };
    for (const l of this.listeners) l(change);
  }

  /** An object the rules cannot read is skipped, and said so once (not at every resync). */
  private unreadable(w: WatchedResource, obj: JsonObject, why: string): void {
    const meta = (obj.metadata ?? {}) as { namespace?: string; name?: string };
    const key = `${keyOf(w)}/${meta.namespace ?? ''}/${meta.name ?? ''}`;
    if (this.reportedUnreadable.has(key)) return;
    this.reportedUnreadable.add(key);
    this.options.log.warn({ kind: w.kind, namespace: meta.namespace, name: meta.name }, `${w.kind} ${meta.namespace ? `${meta.namespace}/` : ''}${meta.name ?? '(no name)'} skipped: ${why}`);
  }

  private applyPolicy(current: Model | undefined, previous: Model | undefined): void {
    const name = (current ?? previous)?.name ?? '';
    if (!current) {
      this.parsedPolicies.delete(name);
      return;
    }
    const loaded = policyFromObject(current.raw);
    if (loaded.policy) {
      this.parsedPolicies.set(name, loaded.policy);
    } else {
      // The CRD schema makes this rare; keep the last valid version rather than fall back to nothing.
      this.options.log.error({ policy: name, errors: loaded.errors }, `Guard502Policy ${name} is invalid; its last valid version stays in force`);
    }
  }

  /** The resource at the first of its versions the API server serves; undefined when none is (a CRD absent, or served at another version). */
  private async served(w: WatchedResource): Promise<WatchedResource | undefined> {
    for (const version of w.versions) if (await this.client.serves(w.group, version, w.plural)) return { ...w, version };
    return undefined;
  }

  private async servedWithRetry(w: WatchedResource): Promise<WatchedResource | undefined> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.served(w);
      } catch (err) {
        if (this.stopped || attempt >= 5) {
          this.options.log.warn({ kind: w.kind }, `discovery of ${apiVersionOf(w)} failed: ${(err as Error).message}`);
          return undefined;
        }
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      }
    }
  }

  private scheduleDiscovery(): void {
    if (this.stopped || this.absent.size === 0) return;
    this.discoveryTimer = setTimeout(() => void this.rediscover(), this.options.discoveryIntervalMs ?? 30_000);
    this.discoveryTimer.unref();
  }

  private async rediscover(): Promise<void> {
    for (const w of [...this.absent]) {
      let served: WatchedResource | undefined;
      try {
        served = await this.served(w);
      } catch {
        served = undefined;
      }
      if (served && !this.stopped) {
        this.absent.delete(w);
        this.options.log.info({ kind: w.kind, apiVersion: apiVersionOf(served) }, `${w.kind} (${apiVersionOf(served)}) is now served: watching it`);
        this.startInformer(served);
      }
    }
    this.scheduleDiscovery();
  }
}
