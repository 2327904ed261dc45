// Which controller implements an Ingress. Behaviour that the Ingress API leaves
// to the implementation (how a backend port is matched, which protocol the proxy
// speaks upstream) differs between controllers, so rules that judge it must know
// whose rules apply — and stay careful when nothing says.

import { dig } from '../../engine/fields.ts';
import type { ResourceGraph } from '../../engine/graph.ts';
import type { Resource } from '../../engine/model.ts';

export type IngressFamily =
  | 'ingress-nginx'
  | 'nginx-inc'
  | 'traefik'
  | 'alb'
  | 'gce'
  | 'haproxy'
  | 'contour'
  | 'kong'
  | 'istio'
  | 'agic'
  | 'unknown';

export interface IngressController {
  family: IngressFamily;
  /** What identified it, for messages: `ingressClassName: nginx`, `annotation alb.ingress.kubernetes.io/…`. */
  how: string;
}

/** IngressClass `spec.controller` values of the common controllers. */
const BY_CONTROLLER: Array<[RegExp, IngressFamily]> = [
  [/^k8s\.io\/ingress-nginx/, 'ingress-nginx'],
  [/^approuting\.kubernetes\.azure\.com/, 'ingress-nginx'],
  [/^nginx\.org\//, 'nginx-inc'],
  [/^traefik\.io\//, 'traefik'],
  [/^ingress\.k8s\.aws\/alb/, 'alb'],
  [/haproxy/, 'haproxy'],
  [/^projectcontour\.io\//, 'contour'],
  [/konghq\.com/, 'kong'],
  [/^istio\.io\//, 'istio'],
  [/^azure\/application-gateway/, 'agic'],
];

/** Conventional class names (used when no IngressClass object is at hand). */
const BY_CLASS: Array<[RegExp, IngressFamily]> = [
  [/^webapprouting\.kubernetes\.azure\.com$/, 'ingress-nginx'],
  [/nginx/, 'ingress-nginx'],
  [/traefik/, 'traefik'],
  [/^alb$/, 'alb'],
  [/^gce(-internal|-regional-external)?$/, 'gce'],
  [/haproxy/, 'haproxy'],
  [/contour/, 'contour'],
  [/kong/, 'kong'],
  [/^istio$/, 'istio'],
  [/^azure[/-]application-gateway$/, 'agic'],
];

/** Annotation prefixes only one controller reads, in the order they are trusted. */
const BY_ANNOTATION: Array<[string, IngressFamily]> = [
  ['nginx.ingress.kubernetes.io/', 'ingress-nginx'],
  ['nginx.org/', 'nginx-inc'],
  ['alb.ingress.kubernetes.io/', 'alb'],
  ['traefik.ingress.kubernetes.io/', 'traefik'],
  ['haproxy.org/', 'haproxy'],
  ['projectcontour.io/', 'contour'],
  ['konghq.com/', 'kong'],
  ['appgw.ingress.kubernetes.io/', 'agic'],
  ['kubernetes.io/ingress.global-static-ip-name', 'gce'],
  ['kubernetes.io/ingress.allow-http', 'gce'],
  ['ingress.gcp.kubernetes.io/', 'gce'],
  ['networking.gke.io/', 'gce'],
];

export function ingressClassName(ing: Resource): string | undefined {
  const spec = dig(ing.raw, 'spec', 'ingressClassName');
  if (typeof spec === 'string' && spec !== '') return spec;
  const ann = ing.annotations['kubernetes.io/ingress.class'];
  return ann && ann !== '' ? ann : undefined;
}

export function ingressController(ing: Resource, graph: ResourceGraph): IngressController {
  const cls = ingressClassName(ing);
  const spec = dig(ing.raw, 'spec', 'ingressClassName');
  const field = typeof spec === 'string' && spec !== '' ? 'ingressClassName' : 'kubernetes.io/ingress.class';
  if (cls) {
    const ic = graph.find('networking.k8s.io', 'IngressClass', '', cls);
    const controller = ic ? dig(ic.raw, 'spec', 'controller') : undefined;
    if (typeof controller === 'string') {
      const hit = BY_CONTROLLER.find(([re]) => re.test(controller));
      return { family: hit ? hit[1] : 'unknown', how: `IngressClass ${cls} (controller ${controller})` };
    }
    const hit = BY_CLASS.find(([re]) => re.test(cls));
    if (hit) {
      // NGINX Inc's controller also answers to `nginx`; its own annotations tell it apart.
      const family = hit[1] === 'ingress-nginx' && hasPrefix(ing, 'nginx.org/') && !hasPrefix(ing, 'nginx.ingress.kubernetes.io/') ? 'nginx-inc' : hit[1];
      return { family, how: `${field}: ${cls}` };
    }
  }
  for (const [prefix, family] of BY_ANNOTATION) {
    const key = Object.keys(ing.annotations).find((k) => k.startsWith(prefix));
    if (key) return { family, how: `annotation ${key}` };
  }
  return { family: 'unknown', how: cls ? `${field}: ${cls}` : 'no ingress class' };
}

function hasPrefix(r: Resource, prefix: string): boolean {
  return Object.keys(r.annotations).some((k) => k.startsWith(prefix));
}

export const FAMILY_LABEL: Record<IngressFamily, string> = {
  'ingress-nginx': 'ingress-nginx',
  'nginx-inc': 'the NGINX Ingress Controller',
  traefik: 'Traefik',
  alb: 'the AWS Load Balancer Controller',
  gce: 'GKE Ingress',
  haproxy: 'HAProxy Ingress',
  contour: 'Contour',
  kong: 'Kong',
  istio: 'Istio',
  agic: 'Azure Application Gateway',
  unknown: 'the ingress controller',
};
