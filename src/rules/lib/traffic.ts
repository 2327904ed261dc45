// Shared questions rules ask about who receives traffic. Kept here once so that
// every rule judges "the serving container" and "behind a gateway" the same way.

import type { ResourceGraph } from '../../engine/graph.ts';
import { findContainerPort, type Backend, type Container, type ContainerPort, type Service, type ServicePort, type Workload } from '../../engine/model.ts';

export interface TrafficTarget {
  service: Service;
  servicePort: ServicePort;
  /** The container the Service port lands on, when it can be told. */
  container?: Container;
  containerPort?: ContainerPort;
}

export function workloadName(w: { kind: string; name: string }): string {
  return `${w.kind}/${w.name}`;
}

export function servicePortLabel(p: ServicePort): string {
  return p.name ? `${p.name} (${p.port})` : String(p.port);
}

/**
 * Where each port of each Service selecting `w` lands. A named targetPort lands on
 * the container declaring that name; a numeric one on the container declaring that
 * number, or — when nobody declares it — on the only non-sidecar container.
 */
export function trafficTargets(w: Workload, graph: ResourceGraph): TrafficTarget[] {
  const template = graph.templateOf(w);
  if (!template) return [];
  const out: TrafficTarget[] = [];
  const apps = template.containers.filter((c) => !c.sidecar);
  for (const service of graph.servicesSelecting(w)) {
    for (const servicePort of service.ports) {
      let hit: { container: Container; containerPort?: ContainerPort } | undefined;
      for (const c of template.containers) {
        const cp = findContainerPort(c, servicePort.targetPort);
        if (cp) {
          hit = { container: c, containerPort: cp };
          break;
        }
      }
      if (!hit && typeof servicePort.targetPort === 'number' && apps.length === 1) hit = { container: apps[0] as Container };
      out.push({ service, servicePort, ...(hit ?? {}) });
    }
  }
  return out;
}

/** Containers that receive Service traffic (deduplicated, in template order). */
export function servingContainers(w: Workload, graph: ResourceGraph): Container[] {
  const set = new Set(trafficTargets(w, graph).flatMap((t) => (t.container ? [t.container] : [])));
  return (graph.templateOf(w)?.containers ?? []).filter((c) => set.has(c));
}

/** Gateway edges (Ingress, HTTPRoute, GRPCRoute) that reach the workload through its Services. */
export function gatewaysReaching(w: Workload, graph: ResourceGraph): Backend[] {
  return graph.backendsToWorkload(w).map((x) => x.backend);
}

/** Whether a workload is switched off on purpose (replicas: 0) or only a template (Argo workloadRef). */
export function isDormant(w: Workload, graph: ResourceGraph): boolean {
  return w.replicas === 0 || graph.isTemplateOnly(w);
}
