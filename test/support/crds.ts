// Minimal structural CRDs for the custom kinds a set of manifests uses, so that a real API server
// accepts them: every version served, the first stored, any field kept. API facts come from the
// catalogue when it knows the kind.
import { isClusterScoped } from '../../src/engine/kinds.ts';
import { CATALOGUE } from '../../src/cluster/resources.ts';
import type { JsonObject } from '../../src/engine/types.ts';

/** Groups the API server serves itself; everything else needs a CRD. */
export function builtIn(group: string): boolean {
  if (group === '' || !group.includes('.')) return true;
  return group.endsWith('.k8s.io') && group !== 'gateway.networking.k8s.io' && !group.endsWith('.x-k8s.io');
}

function pluralOf(kind: string): string {
  const k = kind.toLowerCase();
  if (/(s|x|ch|sh)$/.test(k)) return `${k}es`;
  if (/[^aeiou]y$/.test(k)) return `${k.slice(0, -1)}ies`;
  return `${k}s`;
}

/** CRDs for every custom `apiVersion`/`kind` pair in `objects`. */
export function crdsFor(objects: Iterable<{ apiVersion: string; kind: string }>): JsonObject[] {
  const byKind = new Map<string, { group: string; kind: string; versions: Set<string> }>();
  for (const o of objects) {
    const slash = o.apiVersion.indexOf('/');
    if (slash < 0) continue;
    const [group, version] = [o.apiVersion.slice(0, slash), o.apiVersion.slice(slash + 1)];
    if (builtIn(group) || !/^[a-z0-9]+$/.test(version) || !/^[A-Z][A-Za-z0-9]*$/.test(o.kind)) continue;
    const key = `${group}/${o.kind}`;
    let entry = byKind.get(key);
    if (!entry) byKind.set(key, (entry = { group, kind: o.kind, versions: new Set() }));
    entry.versions.add(version);
  }
  return [...byKind.values()].map(({ group, kind, versions }) => {
    const known = CATALOGUE.find((a) => a.group === group && a.kind === kind);
    const all = [...new Set([...(known?.versions ?? []), ...versions])];
    const plural = known?.plural ?? pluralOf(kind);
    const namespaced = known?.namespaced ?? !isClusterScoped(kind);
    return {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: {
        name: `${plural}.${group}`,
        // Groups under k8s.io are protected: their CRDs name the approved API review (Gateway API's here).
        ...(/(^|\.)(k8s|kubernetes)\.io$/.test(group) ? { annotations: { 'api-approved.kubernetes.io': 'https://github.com/kubernetes-sigs/gateway-api/pull/1923' } } : {}),
      },
      spec: {
        group,
        names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
        scope: namespaced ? 'Namespaced' : 'Cluster',
        versions: all.map((name, i) => ({
          name,
          served: true,
          storage: i === 0,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        })),
      },
    };
  });
}
