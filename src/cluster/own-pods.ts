// The pods a workload made, read when a rule that wants them fires on it.
// The cluster faces cache no owned pods: a cluster has many, and they change
// with every probe. A stuck rollout is rare; one list of its pods, by the
// workload's own selector, says why they wait (ImagePullBackOff, CrashLoopBackOff).
import { RULES } from '../rules/index.ts';
import type { ResourceGraph } from '../engine/graph.ts';
import { isWorkload, normalize, type Model, type Workload } from '../engine/model.ts';
import { describe as labelSelector } from '../engine/selectors.ts';
import type { Finding, JsonObject, ObjectRef } from '../engine/types.ts';
import { collectionPath, type KubeClient } from './client.ts';
import { slim } from './informer.ts';

const WANTING = new Set(RULES.filter((r) => r.readsOwnPods).map((r) => r.id));

/** Whether a finding about `object` comes from a rule that reads the workload's own pods. */
export function wantsOwnPods(object: Model, findings: readonly Pick<Finding, 'rule'>[]): object is Workload {
  return hasOwnPods(object) && findings.some((f) => WANTING.has(f.rule));
}

/** The workloads among `objects` that a finding of a rule reading own pods names. */
export function workloadsWantingOwnPods(objects: readonly Model[], findings: readonly Finding[]): Workload[] {
  const key = (r: ObjectRef) => `${r.apiVersion}|${r.kind}|${r.namespace}|${r.name}`;
  const named = new Set(findings.filter((f) => WANTING.has(f.rule)).map((f) => key(f.resource)));
  return named.size === 0 ? [] : objects.filter((o): o is Workload => hasOwnPods(o) && named.has(key(o.ref)));
}

function hasOwnPods(object: Model): object is Workload {
  return isWorkload(object) && object.workloadKind !== 'Pod' && object.selector !== undefined;
}

/** The workload's pods, as models (managedFields dropped), listed by its selector in its namespace. */
export async function readOwnPods(client: KubeClient, w: Workload): Promise<Model[]> {
  if (!w.selector) return [];
  const { items } = await client.list(collectionPath('', 'v1', 'pods', w.namespace), 500, (o: JsonObject) => slim(o), { labelSelector: labelSelector(w.selector) });
  return podModels(items, w.namespace);
}

/** Pods as read from the API server (list items carry no apiVersion or kind), as models. */
export function podModels(items: readonly JsonObject[], namespace: string): Model[] {
  const pods: Model[] = [];
  for (const raw of items) {
    const n = normalize({ apiVersion: 'v1', kind: 'Pod', ...raw }, namespace, undefined);
    if (n.resource) pods.push(n.resource);
  }
  return pods;
}

/**
 * The controller's reads of owned pods: at most one per workload per `maxAgeMs` (a stuck rollout's
 * pods change slowly, and its message need not follow every restart), forgotten when the finding goes.
 */
export class OwnPodsReader {
  private readonly readAt = new Map<string, number>();
  private readonly client: KubeClient;
  private readonly graph: ResourceGraph;
  private readonly maxAgeMs: number;

  constructor(client: KubeClient, graph: ResourceGraph, maxAgeMs = 60_000) {
    this.client = client;
    this.graph = graph;
    this.maxAgeMs = maxAgeMs;
  }

  /** Reads the workload's pods into the graph when they are missing or old: true when it did. */
  async refresh(w: Workload, now = Date.now()): Promise<boolean> {
    const at = this.readAt.get(w.key);
    if (at !== undefined && now - at < this.maxAgeMs) return false;
    this.graph.setPodsOf(w.key, await readOwnPods(this.client, w));
    this.readAt.set(w.key, now);
    return true;
  }

  forget(key: string): void {
    if (!this.readAt.delete(key)) return;
    this.graph.setPodsOf(key, undefined);
  }
}
