// `guard502 scan --cluster`: one read of the live objects, judged like files.
// Every kind the controller watches is listed once (no watch, no write) into the
// graph the offline scan builds from files, and checked with every rule, the live
// ones included, under the policy that governs each namespace: the cluster's own
// Guard502Policies, or the one given with --policy. The controller reaches the
// same findings on the same objects; it writes them, this prints them.

import { ResourceGraph } from '../engine/graph.ts';
import { normalize } from '../engine/model.ts';
import { sortFindings } from '../engine/run.ts';
import type { JsonObject } from '../engine/types.ts';
import type { InputError } from '../loader/documents.ts';
import { policyFromObject } from '../policy/load.ts';
import type { Policy } from '../policy/policy.ts';
import { checkUnderPolicies } from '../policy/select.ts';
import { RULES } from '../rules/index.ts';
import type { ScanResult } from '../scan.ts';
import { ApiError, collectionPath, objectPath, type KubeClient } from './client.ts';
import { slim } from './informer.ts';
import { podModels, workloadsWantingOwnPods } from './own-pods.ts';
import { apiVersionOf, kept, resourceFor, watchedFor, type WatchedResource } from './resources.ts';

export interface ClusterScanOptions {
  /** Only this namespace (with cluster-scoped objects: its Namespace, the policies); all namespaces when absent. */
  namespace?: string;
  /** Judge under this policy instead of the cluster's Guard502Policies. */
  policy?: Policy;
  /** The inputs are not the whole application: do not report references to absent objects. */
  partial?: boolean;
}

/** A refusal of the API server, told with what to grant. */
export class ClusterReadError extends Error {}

const resourceName = (w: WatchedResource) => (w.group ? `${w.plural}.${w.group}` : w.plural);

async function read(client: KubeClient, w: WatchedResource, namespace: string | undefined): Promise<JsonObject[]> {
  const stamp = (o: JsonObject): JsonObject => {
    // Items of a list carry neither (the list does); managedFields are bookkeeping no rule reads.
    o.apiVersion ??= apiVersionOf(w);
    o.kind ??= w.kind;
    return slim(o);
  };
  try {
    // The namespace scanned is read by name (its labels select policies); other namespaces are not needed.
    if (w.kind === 'Namespace' && namespace) return [stamp(await client.request(objectPath(w.group, w.version, w.plural, '', namespace)))];
    return (await client.list(collectionPath(w.group, w.version, w.plural, w.namespaced ? namespace : undefined), 500, stamp)).items;
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    if (err.status === 404 && w.kind === 'Namespace') throw new ClusterReadError(`namespace ${namespace} not found`);
    if (err.status === 401 || err.status === 403) {
      const where = w.namespaced && namespace ? ` in namespace ${namespace}` : '';
      throw new ClusterReadError(`cannot read ${resourceName(w)}${where}: ${err.message} (scan --cluster needs get and list on every kind it reads: see docs/scan-cluster.md)`);
    }
    throw err;
  }
}

export async function scanCluster(client: KubeClient, options: ClusterScanOptions = {}): Promise<ScanResult> {
  const wanted = watchedFor('controller');
  // Discovery first: a kind whose CRD is not installed has nothing to read.
  const served = await Promise.all(wanted.map(async (w) => !w.optional || (await client.serves(w.group, w.version, w.plural))));
  const kinds = wanted.filter((_, i) => served[i]);
  const lists = await Promise.all(kinds.map((w) => read(client, w, options.namespace)));

  const graph = new ResourceGraph();
  const errors: InputError[] = [];
  const clusterPolicies: Policy[] = [];
  // Pods made by a workload, by namespace: not judged, but what a stuck rollout's pods say.
  const ownedPods = new Map<string, JsonObject[]>();
  kinds.forEach((w, i) => {
    for (const raw of lists[i] ?? []) {
      // Pods made by a workload are judged through it, as in the controller's cache.
      if (!kept(w, raw)) {
        const ns = (raw.metadata as { namespace?: string } | undefined)?.namespace ?? '';
        if (w.kind === 'Pod' && w.group === '') {
          const pods = ownedPods.get(ns);
          if (pods) pods.push(raw);
          else ownedPods.set(ns, [raw]);
        }
        continue;
      }
      const n = normalize(raw, '', undefined);
      const meta = (raw.metadata ?? {}) as { namespace?: string; name?: string };
      const label = `${w.kind} ${meta.namespace ? `${meta.namespace}/` : ''}${meta.name ?? '(no name)'}`;
      if (!n.resource) {
        errors.push({ file: label, message: n.error ?? 'not a Kubernetes object' });
        continue;
      }
      for (const p of n.problems) errors.push({ file: label, field: p.path, message: p.message });
      graph.upsert(n.resource);
      if (w.kind === 'Guard502Policy' && !options.policy) {
        const loaded = policyFromObject(raw);
        if (loaded.policy) clusterPolicies.push(loaded.policy);
        else errors.push({ file: label, message: `invalid policy: ${loaded.errors.join('; ')}` });
      }
    }
  });

  const policies = options.policy ? [options.policy] : clusterPolicies;
  // Judged: what the controller judges (and annotates); the rest (ReplicaSets, EndpointSlices, Namespaces) is context.
  const objects = [...graph.all()].filter((o) => resourceFor(o.group, o.kind)?.annotated);
  let result = checkUnderPolicies(graph, objects, policies, { rules: RULES, live: true });
  // Stuck rollouts say why their pods wait: their pods, listed above, are handed to the graph as the controller
  // hands over those it reads, and all is judged again (rare: a healthy cluster is judged once).
  const stuck = workloadsWantingOwnPods(objects, result.findings);
  if (stuck.length > 0) {
    for (const w of stuck) graph.setPodsOf(w.key, podModels(ownedPods.get(w.namespace) ?? [], w.namespace));
    result = checkUnderPolicies(graph, objects, policies, { rules: RULES, live: true });
  }
  const findings = options.partial ? result.findings.filter((f) => !f.missingReference) : result.findings;
  return {
    findings: sortFindings(findings),
    suppressed: result.suppressed,
    failures: result.failures,
    errors,
    resources: objects.length,
    objects: objects.map((o) => o.ref),
    files: 0,
    // An API server holds each object once: nothing given twice to note.
    notes: [],
  };
}
