// Which containers serve requests: the ones a Service's port lands on, for
// Services that carry request traffic (metrics-only Services are left out unless
// a gateway reaches them), on workloads that actually run. Shared by the
// probe, preStop and memory rules so that all of them judge the same container —
// never "some probe somewhere in the pod", which lets sidecars hide a missing one.

import type { ResourceGraph } from '../../engine/graph.ts';
import type { Container, Workload } from '../../engine/model.ts';
import { exposures, isGatewayFacing, isSwitchedOff } from './rollout-math.ts';
import { servicePortLabel, trafficTargets, type TrafficTarget } from './traffic.ts';

export interface ServedContainer {
  container: Container;
  /** The Service ports that land on it. */
  targets: TrafficTarget[];
  /** A gateway (Ingress, route, HTTP load balancer) reaches one of those Services. */
  gatewayFacing: boolean;
}

export function servedContainers(w: Workload, graph: ResourceGraph): ServedContainer[] {
  // Six rules ask this of every workload: compute it once per workload and graph state.
  return graph.memoOf(w, 'served-containers', () => computeServed(w, graph));
}

function computeServed(w: Workload, graph: ResourceGraph): ServedContainer[] {
  if (isSwitchedOff(w, graph)) return [];
  const exposed = new Map(exposures(w, graph).map((e) => [e.service.key, e]));
  const byContainer = new Map<Container, ServedContainer>();
  for (const t of trafficTargets(w, graph)) {
    const e = exposed.get(t.service.key);
    if (!t.container || !e) continue;
    const entry = byContainer.get(t.container) ?? { container: t.container, targets: [], gatewayFacing: false };
    entry.targets.push(t);
    entry.gatewayFacing ||= isGatewayFacing(e);
    byContainer.set(t.container, entry);
  }
  return [...byContainer.values()];
}

/** `Service web port http (80)`, for messages. */
export function describeTargets(s: ServedContainer): string {
  const t = s.targets[0] as TrafficTarget;
  const more = s.targets.length > 1 ? ` and ${s.targets.length - 1} more` : '';
  return `Service ${t.service.name} port ${servicePortLabel(t.servicePort)}${more}`;
}

/** The container port numbers Service traffic lands on, where they can be told. */
export function servedPortNumbers(s: ServedContainer): Set<number> {
  const out = new Set<number>();
  for (const t of s.targets) {
    if (t.containerPort) out.add(t.containerPort.containerPort);
    else if (typeof t.servicePort.targetPort === 'number') out.add(t.servicePort.targetPort);
  }
  return out;
}

/** A port reference for a suggested probe: the served container port's name, else its number. */
export function suggestedProbePort(s: ServedContainer): string | number {
  const t = s.targets.find((x) => x.containerPort) ?? s.targets[0];
  return t?.containerPort?.name ?? t?.containerPort?.containerPort ?? (t?.servicePort.targetPort as number | string) ?? 8080;
}
