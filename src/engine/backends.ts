// Edges from gateways to Services: every place an Ingress (v1 and the old
// v1beta1 shape) or a Gateway API route sends traffic to a Service port.

import { FieldReader } from './fields.ts';
import { GATEWAY_GROUP } from './kinds.ts';
import type { Backend, Resource } from './model.ts';
import type { JsonObject } from './types.ts';

export function backendsOf(res: Resource): Backend[] {
  if (res.kind === 'Ingress') return ingressBackends(res);
  if (res.group === GATEWAY_GROUP && (res.kind === 'HTTPRoute' || res.kind === 'GRPCRoute')) return routeBackends(res);
  return [];
}

function ingressBackends(ing: Resource): Backend[] {
  // Wrong types here are reported by the object's own normalization pass; stay quiet.
  const r = new FieldReader();
  const spec = r.obj(ing.raw.spec, 'spec') ?? {};
  const out: Backend[] = [];
  const add = (backend: JsonObject | undefined, path: string) => {
    if (!backend) return;
    const svc = r.obj(backend.service, `${path}.service`);
    if (svc) {
      const name = r.str(svc.name, `${path}.service.name`);
      if (!name) return;
      const port = r.obj(svc.port, `${path}.service.port`);
      const number = r.int(port?.number, `${path}.service.port.number`);
      const portName = r.str(port?.name, `${path}.service.port.name`);
      out.push({
        from: ing, proxy: 'ingress', path, serviceNamespace: ing.namespace, serviceName: name,
        ...(number !== undefined ? { port: { number } } : portName !== undefined ? { port: { name: portName } } : {}),
        portPath: `${path}.service.port.${number !== undefined ? 'number' : 'name'}`,
      });
      return;
    }
    // extensions/v1beta1 and networking.k8s.io/v1beta1: serviceName + servicePort (IntOrString).
    const serviceName = r.str(backend.serviceName, `${path}.serviceName`);
    if (!serviceName) return;
    const sp = r.intOrString(backend.servicePort, `${path}.servicePort`);
    const port = typeof sp === 'number' ? { number: sp } : sp !== undefined && /^\d+$/.test(sp) ? { number: Number(sp) } : sp !== undefined ? { name: sp } : undefined;
    out.push({ from: ing, proxy: 'ingress', path, serviceNamespace: ing.namespace, serviceName, ...(port ? { port } : {}), portPath: `${path}.servicePort` });
  };
  add(r.obj(spec.defaultBackend, 'spec.defaultBackend'), 'spec.defaultBackend');
  add(r.obj(spec.backend, 'spec.backend'), 'spec.backend');
  for (const { item: rule, path: rp } of r.objList(spec.rules, 'spec.rules')) {
    const http = r.obj(rule.http, `${rp}.http`);
    for (const { item: p, path: pp } of r.objList(http?.paths, `${rp}.http.paths`)) {
      add(r.obj(p.backend, `${pp}.backend`), `${pp}.backend`);
    }
  }
  return out;
}

function routeBackends(route: Resource): Backend[] {
  const r = new FieldReader();
  const spec = r.obj(route.raw.spec, 'spec') ?? {};
  const proxy = route.kind === 'GRPCRoute' ? 'grpcroute' : 'httproute';
  const out: Backend[] = [];
  for (const { item: rule, path: rp } of r.objList(spec.rules, 'spec.rules')) {
    for (const { item: ref, path } of r.objList(rule.backendRefs, `${rp}.backendRefs`)) {
      const group = r.str(ref.group, `${path}.group`) ?? '';
      const kind = r.str(ref.kind, `${path}.kind`) ?? 'Service';
      if (group !== '' || kind !== 'Service') continue; // ServiceImport and friends: not ours to judge
      const name = r.str(ref.name, `${path}.name`);
      if (!name) continue;
      const number = r.int(ref.port, `${path}.port`);
      const weight = r.int(ref.weight, `${path}.weight`);
      out.push({
        from: route, proxy, path,
        serviceNamespace: r.str(ref.namespace, `${path}.namespace`) ?? route.namespace,
        serviceName: name,
        ...(number !== undefined ? { port: { number } } : {}),
        portPath: `${path}.port`,
        ...(weight !== undefined ? { weight } : {}),
      });
    }
  }
  return out;
}
