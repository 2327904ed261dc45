// The exact permissions guard502 needs, derived from what it watches and what it
// annotates (src/cluster/resources.ts), so the two cannot drift apart. The Helm
// chart's RBAC is checked against this in the chart tests.

import { WATCHED, watchedFor } from '../cluster/resources.ts';
import { POLICY_GROUP, POLICY_PLURAL } from '../policy/crd.ts';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

const READ = ['get', 'list', 'watch'];

/** Cluster-wide rules. `writes`: the controller runs (the webhook alone only reads). */
export function clusterRules(writes: boolean): PolicyRule[] {
  const rules: Array<PolicyRule & { cls: string }> = [];
  // One rule per API group and purpose (read, or read and annotate), whether or not the verbs differ,
  // so that the rule list keeps its shape when the controller is off.
  const add = (group: string, resource: string, cls: string, verbs: string[]) => {
    const same = rules.find((r) => r.apiGroups[0] === group && r.cls === cls);
    if (same) same.resources.push(resource);
    else rules.push({ apiGroups: [group], resources: [resource], verbs, cls });
  };
  for (const w of WATCHED) {
    if (w.liveOnly && !writes) continue;
    add(w.group, w.plural, w.annotated ? 'annotate' : 'read', writes && w.annotated ? [...READ, 'patch'] : READ);
  }
  if (writes) {
    add(POLICY_GROUP, `${POLICY_PLURAL}/status`, 'status', ['get', 'patch']);
    add('', 'events', 'events', ['create', 'patch']);
  }
  return rules.map(({ cls: _cls, ...rule }) => rule);
}

/** Rules in guard502's own namespace: the leader-election Lease. */
export function namespaceRules(): PolicyRule[] {
  return [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }];
}

/**
 * What `guard502 scan --cluster` needs: get and list, once, on what the controller watches (no watch,
 * no write). One rule per API group.
 */
export function scanRules(): PolicyRule[] {
  const rules: PolicyRule[] = [];
  for (const w of watchedFor('controller')) {
    const same = rules.find((r) => r.apiGroups[0] === w.group);
    if (same) same.resources.push(w.plural);
    else rules.push({ apiGroups: [w.group], resources: [w.plural], verbs: ['get', 'list'] });
  }
  return rules;
}
