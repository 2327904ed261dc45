// Questions the reference rules ask about a name that points at a Service: is the
// target really absent, or only placed elsewhere by the way the files are applied,
// made at run time by a controller, or not a Service at all (an AWS load balancer
// action)? And which existing name did the author probably mean?

import { isObject } from '../../engine/fields.ts';
import type { ResourceGraph } from '../../engine/graph.ts';
import type { Backend, Resource, Service } from '../../engine/model.ts';
import { opaquePodCreators } from './pod-sources.ts';

/** Whether the manifest wrote `metadata.namespace` (otherwise the scan, or `kubectl -n`, chose it). */
export function namespaceWritten(r: Resource): boolean {
  const meta = r.raw.metadata;
  return isObject(meta) && typeof meta.namespace === 'string' && meta.namespace !== '';
}

/**
 * A Service of that name in another namespace, when the manifests leave it open
 * where one of the two lands: the referring object or that Service has no
 * `metadata.namespace`, so `kubectl apply -n NS` would put both in the same one.
 */
export function sameNameElsewhere(graph: ResourceGraph, from: Resource, namespace: string, name: string): Service | undefined {
  return graph
    .services()
    .find((s) => s.name === name && s.namespace !== namespace && (!namespaceWritten(s) || (!namespaceWritten(from) && namespace === from.namespace)));
}

/**
 * AWS Load Balancer Controller actions: a backend whose port is `use-annotation`
 * names an `alb.ingress.kubernetes.io/actions.<name>` annotation (redirect,
 * fixed response, weighted forward), not a Service.
 */
export function isAlbAction(b: Backend): boolean {
  if (b.proxy !== 'ingress') return false;
  return b.port?.name === 'use-annotation' || b.from.annotations[`alb.ingress.kubernetes.io/actions.${b.serviceName}`] !== undefined;
}

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] as number;
      prev[j] = Math.min(up + 1, (prev[j - 1] as number) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length] as number;
}

/** The candidate closest to `name` (a typo, a prefix or suffix added or dropped), if any is close enough. */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const c of candidates) {
    if (c === name) continue;
    const related = c.startsWith(name) || name.startsWith(c) || c.endsWith(name) || name.endsWith(c);
    const d = distance(name, c);
    const limit = related ? Math.max(name.length, c.length) : Math.max(2, Math.floor(Math.max(name.length, c.length) / 3));
    if (d <= limit && (!best || d < best.d)) best = { name: c, d };
  }
  return best?.name;
}

/** `name (port)` or `port` of a Service port, for messages. */
export function portList(s: Service): string {
  return s.ports.map((p) => (p.name ? `${p.name} (${p.port})` : String(p.port))).join(', ') || 'none';
}

/** Services operators create under fixed names. */
const OPERATOR_SERVICES: Record<string, string> = {
  'prometheus-operated': 'monitoring.coreos.com',
  'alertmanager-operated': 'monitoring.coreos.com',
  'thanos-ruler-operated': 'monitoring.coreos.com',
};

/**
 * A custom resource of the namespace whose operator likely creates the Service at
 * run time: the Service is named after it (`<name>`, `<name>-http`, `<name>-es-http`…),
 * or is one of the fixed names the Prometheus operator uses.
 */
export function operatorMadeService(graph: ResourceGraph, namespace: string, name: string): Resource | undefined {
  return opaquePodCreators(graph, namespace).find(
    (r) => r.group !== '' && (name === r.name || name.startsWith(`${r.name}-`) || OPERATOR_SERVICES[name] === r.group),
  );
}
