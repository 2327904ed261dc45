// Inputs several rules share (see Read in engine/rule.ts): declared once, named after the question
// that reads them, so that a rule's `reads` says what it looks at.

import { GATEWAY_GROUP } from '../../engine/kinds.ts';
import type { Read } from '../../engine/rule.ts';
import { OPERATOR_RESOURCES } from './references.ts';

/** Ingresses of any group (networking.k8s.io/v1, extensions/v1beta1). */
export const INGRESSES: readonly Read[] = [{ group: '*', kind: 'Ingress' }];

/** What an Ingress's timeouts depend on: the Ingresses, and the IngressClass naming their controller. */
export const INGRESS_TIMEOUT_INPUTS: readonly Read[] = [...INGRESSES, { group: 'networking.k8s.io', kind: 'IngressClass' }];

/** The objects that send traffic to a Service: Ingresses (any group), HTTPRoutes and GRPCRoutes, and the grants letting routes cross namespaces. */
export const GATEWAYS: readonly Read[] = [
  ...INGRESSES,
  { group: GATEWAY_GROUP, kind: 'HTTPRoute' },
  { group: GATEWAY_GROUP, kind: 'GRPCRoute' },
  { group: GATEWAY_GROUP, kind: 'ReferenceGrant' },
];

/** Who serves a workload's containers (servedContainers, exposures): the Services selecting it and the gateways in front of them. */
export const SERVED: readonly Read[] = [{ group: '', kind: 'Service' }, ...GATEWAYS];

/** What owns a workload's replica count: an HPA or a KEDA ScaledObject. */
export const SCALERS: readonly Read[] = [
  { group: 'autoscaling', kind: 'HorizontalPodAutoscaler' },
  { group: 'keda.sh', kind: 'ScaledObject' },
];

/** Proxy settings that decide which controller serves an Ingress, and the timeouts of the proxies that name Services themselves. */
export const PROXY_SETTINGS: readonly Read[] = [
  { group: 'networking.k8s.io', kind: 'IngressClass' },
  { group: 'projectcontour.io', kind: 'HTTPProxy' },
  { group: 'route.openshift.io', kind: 'Route' },
  // Traefik's routes and transports name Services and transports of any namespace.
  { group: 'traefik.io', kind: 'IngressRoute', anyNamespace: true },
  { group: 'traefik.containo.us', kind: 'IngressRoute', anyNamespace: true },
  { group: 'traefik.io', kind: 'ServersTransport', anyNamespace: true },
  { group: 'traefik.containo.us', kind: 'ServersTransport', anyNamespace: true },
  { group: 'cloud.google.com', kind: 'BackendConfig' },
];

/**
 * What makes Services at run time that no manifest shows: Flagger Canaries (`<svc>-primary`, ...) and the
 * custom resources of known operators (references.ts). A reference to such a Service is not to a missing one.
 */
export const SERVICE_MAKERS: readonly Read[] = [{ group: 'flagger.app', kind: 'Canary' }, ...OPERATOR_RESOURCES];

/** Every object of the namespace, whatever its kind: custom resources of operators create pods and Services that no manifest shows. */
export const ANYTHING_IN_NAMESPACE: Read = { group: '*', kind: '*' };

/**
 * What the rules judging Services, Ingresses and routes read of a workload (paths into its model,
 * `[]` for every element of a list). The webhook compares these between two versions of a workload
 * to know whether its neighbours' findings can change (see webhook/neighbour-view.ts).
 */
export const NEIGHBOUR_FIELDS: readonly string[] = [
  'key',
  'group',
  'kind',
  'name',
  'namespace',
  'workloadKind',
  'workloadRef',
  // Argo Rollouts: canary and stable metadata labels decide which Service selects which pods.
  'raw.spec.strategy',
  'template.labels',
  'template.containers[].name',
  'template.containers[].ports',
  // Ports the app is told to listen on (`--port=8080`, `PORT=8080`).
  'template.containers[].raw.args',
  'template.containers[].raw.command',
  'template.containers[].raw.env',
];
