import { defineRule, type ExpectedFinding } from '../engine/rule.ts';
import { dig, isObject } from '../engine/fields.ts';
import type { ResourceGraph } from '../engine/graph.ts';
import { isIngressResource, isWorkload, type Resource, type Service, type Workload } from '../engine/model.ts';
import type { Json, RuleHit } from '../engine/types.ts';
import { exposures, gatewayLabel, isGatewayFacing, isSwitchedOff, replicaCount, serviceCapacity } from './lib/rollout-math.ts';
import { appYaml, WEB_BEHIND_INGRESS } from './lib/fixture-yaml.ts';
import { workloadName } from './lib/traffic.ts';
import { fixWithYaml } from './lib/yaml.ts';
import { INGRESSES, SCALERS, SERVED } from './lib/reads.ts';

const NGINX_CANARY = 'nginx.ingress.kubernetes.io/canary';
const ALB_ACTION = 'alb.ingress.kubernetes.io/actions.';

function list(v: Json | undefined): Json[] {
  return Array.isArray(v) ? v : [];
}

/** Hosts an Ingress serves ('' for rules without a host and for a default backend). */
function ingressHosts(ing: Resource): Set<string> {
  const hosts = new Set<string>();
  const rules = list(dig(ing.raw, 'spec', 'rules'));
  for (const r of rules) hosts.add(isObject(r) && typeof r.host === 'string' ? r.host : '');
  if (dig(ing.raw, 'spec', 'defaultBackend') !== undefined || dig(ing.raw, 'spec', 'backend') !== undefined || rules.length === 0) hosts.add('');
  return hosts;
}

/** `web`, `web.shop`, `web.shop.svc.cluster.local` → the Service name and namespace it designates. */
function hostService(host: unknown, namespace: string): { name: string; namespace: string } | undefined {
  if (typeof host !== 'string' || host === '') return undefined;
  const [name, ns] = host.split('.');
  return { name: name!, namespace: ns && ns !== 'svc' ? ns : namespace };
}

/** The path matches of a route rule (`PathPrefix:/` when it has none) and whether it matches on headers or query parameters. */
function ruleMatches(rule: Json | undefined): { paths: Set<string>; byRequest: boolean } {
  const matches = list(isObject(rule) ? rule.matches : undefined).filter(isObject);
  if (matches.length === 0) return { paths: new Set(['PathPrefix:/']), byRequest: false };
  const paths = new Set(matches.map((m) => `${String(dig(m, 'path', 'type') ?? 'PathPrefix')}:${String(dig(m, 'path', 'value') ?? '/')}`));
  const byRequest = matches.some((m) => list(m.headers).length > 0 || list(m.queryParams).length > 0);
  return { paths, byRequest };
}

/** Two rules of one route that serve the same paths, told apart by headers or query parameters. */
function sameTrafficSplitByRequest(a: Json | undefined, b: Json | undefined): boolean {
  const x = ruleMatches(a);
  const y = ruleMatches(b);
  return (x.byRequest || y.byRequest) && [...x.paths].some((p) => y.paths.has(p));
}

/** What the Ingresses of a namespace say about canaries, computed once per namespace. */
function ingressFacts(graph: ResourceGraph, ns: string): { ingresses: Resource[]; canaries: Resource[]; albWeighted: Set<string> } {
  const ingresses = graph.list('Ingress', undefined, ns).filter(isIngressResource);
  const canaries = ingresses.filter((i) => i.annotations[NGINX_CANARY] === 'true');
  // Services that an AWS Load Balancer Controller weighted forward action splits traffic over.
  const albWeighted = new Set<string>();
  for (const i of ingresses) {
    for (const [k, v] of Object.entries(i.annotations)) {
      if (!k.startsWith(ALB_ACTION)) continue;
      let action: Json;
      try {
        action = JSON.parse(v) as Json;
      } catch {
        continue;
      }
      const groups = list(dig(action, 'forwardConfig', 'targetGroups'));
      if (groups.length < 2) continue;
      for (const g of groups) if (isObject(g) && typeof g.serviceName === 'string') albWeighted.add(g.serviceName);
    }
  }
  return { ingresses, canaries, albWeighted };
}

/** Why the workload's rollouts are already progressive, or undefined. */
function coveredBy(w: Workload, services: Service[], graph: ResourceGraph): string | undefined {
  const names = new Set(services.map((s) => s.name));
  const ns = w.namespace;

  if (graph.canariesFor(w).length > 0) return 'Flagger Canary';

  // OpenKruise Rollout (rollouts.kruise.io) pointing at the workload.
  for (const r of graph.list('Rollout', 'rollouts.kruise.io', ns)) {
    const ref = dig(r.raw, 'spec', 'workloadRef') ?? dig(r.raw, 'spec', 'objectRef', 'workloadRef');
    if (isObject(ref) && ref.name === w.name && (ref.kind ?? 'Deployment') === w.kind) return 'OpenKruise Rollout';
  }

  // Stable/canary pair: a Service that also selects another running workload splits traffic by replicas.
  for (const s of services) if (serviceCapacity(s, graph).serving.some((x) => x.key !== w.key)) return 'shared Service';

  // Gateway API: a route rule with two or more backends, one of them a Service of this workload;
  // or another rule of the same route that sends the same paths to another Service when a header
  // or query parameter says so (a header-routed canary).
  for (const s of services) {
    for (const b of graph.backendsTo(s)) {
      if (b.proxy === 'ingress') continue;
      const m = /^spec\.rules\[(\d+)\]/.exec(b.path);
      if (!m) continue;
      const siblings = graph.backendsFrom(b.from);
      if (siblings.filter((x) => x.path.startsWith(`${m[0]}.`)).length >= 2) return 'weighted route';
      const rules = list(dig(b.from.raw, 'spec', 'rules'));
      const mine = rules[Number(m[1])];
      for (const [j, other] of rules.entries()) {
        if (j === Number(m[1])) continue;
        const elsewhere = siblings.some((x) => x.path.startsWith(`spec.rules[${j}].`) && !names.has(x.serviceName));
        if (elsewhere && sameTrafficSplitByRequest(mine, other)) return 'header-routed route';
      }
    }
  }

  // ingress-nginx canary: a canary Ingress to this workload, or one sharing a host with an Ingress reaching it.
  const { ingresses, canaries, albWeighted } = graph.memo(ns, 'canary-missing/ingresses', () => ingressFacts(graph, ns), INGRESSES);
  if (canaries.length > 0) {
    const reaching = ingresses.filter((i) => graph.backendsFrom(i).some((b) => names.has(b.serviceName)));
    if (reaching.some((i) => canaries.includes(i))) return 'canary Ingress';
    const hosts = new Set(reaching.flatMap((i) => [...ingressHosts(i)]));
    if (canaries.some((c) => [...ingressHosts(c)].some((h) => hosts.has(h)))) return 'canary Ingress';
  }

  // AWS Load Balancer Controller weighted forward action.
  if ([...names].some((n) => albWeighted.has(n))) return 'weighted ALB action';

  // SMI TrafficSplit.
  for (const t of graph.list('TrafficSplit', 'split.smi-spec.io', ns)) {
    const root = dig(t.raw, 'spec', 'service');
    const backends = list(dig(t.raw, 'spec', 'backends')).map((b) => (isObject(b) ? b.service : undefined));
    if ([root, ...backends].some((x) => typeof x === 'string' && names.has(x))) return 'TrafficSplit';
  }

  // Traefik weighted TraefikService.
  for (const t of [...graph.list('TraefikService', 'traefik.io', ns), ...graph.list('TraefikService', 'traefik.containo.us', ns)]) {
    const weighted = list(dig(t.raw, 'spec', 'weighted', 'services'));
    if (weighted.length >= 2 && weighted.some((x) => isObject(x) && typeof x.name === 'string' && names.has(x.name))) return 'weighted TraefikService';
  }

  // Istio VirtualService routing a share of the traffic (two destinations, possibly two subsets of one host).
  for (const vs of graph.list('VirtualService', 'networking.istio.io')) {
    for (const h of [...list(dig(vs.raw, 'spec', 'http')), ...list(dig(vs.raw, 'spec', 'tcp'))]) {
      const routes = list(isObject(h) ? h.route : undefined);
      if (routes.length < 2) continue;
      const hit = routes.some((r) => {
        const svc = hostService(dig(r, 'destination', 'host'), vs.namespace);
        return svc !== undefined && svc.namespace === ns && names.has(svc.name);
      });
      if (hit) return 'weighted VirtualService';
    }
  }
  return undefined;
}

/** The one finding of an uncovered Deployment web: reached by `reachedBy`, `replicas` in the Rollout its fix proposes. */
function uncovered(reachedBy: string, replicas = 3): ExpectedFinding[] {
  return [{
    severity: 'info',
    path: 'spec.strategy',
    message: `Deployment/web serves Service web (reached by ${reachedBy}) and no canary covers it: every rollout sends all users to the new version at once, so a bad release answers resets and 502s to everyone before anyone can stop it.`,
    fix: 'Let Argo Rollouts run it as a canary (the Deployment stays; the Rollout takes it over):\napiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: web\nspec:\n' +
      `  replicas: ${replicas}\n  workloadRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: web\n    scaleDown: progressively\n  strategy:\n    canary:\n      steps:\n` +
      '        - setWeight: 10\n        - pause:\n            duration: "5m"\n        - setWeight: 50\n        - pause:\n            duration: "5m"',
  }];
}

/** WEB_BEHIND_INGRESS and an HTTPRoute `web` with these rules (YAML list items, indented by 4). */
const besideRoute = (rules: string) => `${WEB_BEHIND_INGRESS}---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: web}\nspec:\n  rules:\n${rules}`;
/** WEB_BEHIND_INGRESS and another Ingress: its metadata fields and spec (YAML, indented by 2 below `metadata:`). */
const besideIngress = (rest: string) => `${WEB_BEHIND_INGRESS}---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n${rest}`;

export default defineRule({
  id: 'canary-missing',
  title: 'No canary covers a gateway-facing workload',
  shape: 'reset',
  severity: 'info',
  targets: ['workload'],
  reads: [
    ...SERVED,
    ...SCALERS,
    { group: 'flagger.app', kind: 'Canary' },
    // Istio hosts name Services of any namespace.
    { group: 'networking.istio.io', kind: 'VirtualService', anyNamespace: true },
    { group: 'rollouts.kruise.io', kind: 'Rollout' },
    { group: 'split.smi-spec.io', kind: 'TrafficSplit' },
    { group: 'traefik.io', kind: 'TraefikService' },
    { group: 'traefik.containo.us', kind: 'TraefikService' },
  ],
  params: {},
  docs: {
    what:
      'Checks Deployments that a gateway sends traffic to (through a Service that an Ingress or HTTPRoute/GRPCRoute ' +
      'references, or a `type: LoadBalancer` Service) and reports those whose rollouts nothing makes progressive: no ' +
      'Argo Rollout (canary or blueGreen) runs them, no Flagger Canary or OpenKruise Rollout targets them, no ' +
      'ingress-nginx canary Ingress (`nginx.ingress.kubernetes.io/canary: "true"`) serves their Service or shares a ' +
      'host with an Ingress that does, no Gateway API route rule splits traffic between their Service and another ' +
      'backend, and no other traffic splitter (weighted AWS ALB forward action, SMI TrafficSplit, weighted ' +
      'TraefikService, Istio VirtualService with several destinations) names their Service.',
    why:
      'A plain rolling update sends every user to the new version as soon as its pods pass readiness. A release that ' +
      'crashes under real traffic, leaks memory until it is OOM-killed, or breaks a dependency shows up as resets and ' +
      '502s for all users at once, and rolling back is another full rollout. A canary sends a small share of the ' +
      'traffic first and stops (or rolls back automatically on failing metrics) before the damage spreads.',
    fix:
      'Let Argo Rollouts (or Flagger) drive the Deployment with a canary. With `workloadRef` the Deployment stays as ' +
      'it is and Argo scales it down as the Rollout takes over:\n\n```yaml\napiVersion: argoproj.io/v1alpha1\nkind: ' +
      'Rollout\nmetadata:\n  name: web\nspec:\n  replicas: 3\n  workloadRef:\n    apiVersion: apps/v1\n    kind: ' +
      'Deployment\n    name: web\n    scaleDown: progressively\n  strategy:\n    canary:\n      steps:\n        - ' +
      'setWeight: 10\n        - pause: {duration: 5m}\n        - setWeight: 50\n        - pause: {duration: 5m}\n```\n\n' +
      'Or split at the gateway: a second Deployment and Service for the new version, and an HTTPRoute rule with ' +
      'weighted `backendRefs` (or an ingress-nginx canary Ingress with `canary-weight`).',
    notes:
      'Info: a hint for workloads users see, kept quiet wherever some progressive delivery is visible. A blueGreen ' +
      'Rollout counts as covered: it tests the new version on a preview Service before the switch and switches back ' +
      'at once, a different protection but a deliberate one. Two workloads behind one Service (a stable/canary pair ' +
      'split by replica count) count as covered. Silent for StatefulSets, DaemonSets and bare Pods (the canary ' +
      'tools above do not drive them; a StatefulSet can stage a rollout with `rollingUpdate.partition`), workloads ' +
      'no gateway reaches, workloads scaled to 0 and Deployments that are only the template of an Argo Rollout.',
  },
  evaluate(w, graph) {
    // An Argo Rollout is progressive by construction (canary or blueGreen).
    if (!isWorkload(w) || w.workloadKind !== 'Deployment' || isSwitchedOff(w, graph)) return [];
    const all = exposures(w, graph);
    const front = all.find(isGatewayFacing);
    if (!front) return [];
    if (coveredBy(w, all.map((e) => e.service), graph)) return [];
    const replicas = replicaCount(w, graph)?.count ?? 1;
    const hit: RuleHit = {
      path: w.strategy?.path ?? 'spec.strategy',
      message:
        `${workloadName(w)} serves Service ${front.service.name} (reached by ${gatewayLabel(front)}) and no canary covers it: ` +
        'every rollout sends all users to the new version at once, so a bad release answers resets and 502s to everyone ' +
        'before anyone can stop it.',
      // Rendered only when shown (this info finding is mostly audited), from values read now: the
      // graph may have moved on by then.
      fix: () =>
        fixWithYaml('Let Argo Rollouts run it as a canary (the Deployment stays; the Rollout takes it over):', {
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Rollout',
          metadata: { name: w.name },
          spec: {
            replicas,
            workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: w.name, scaleDown: 'progressively' },
            strategy: { canary: { steps: [{ setWeight: 10 }, { pause: { duration: '5m' } }, { setWeight: 50 }, { pause: { duration: '5m' } }] } },
          },
        }),
    };
    return [hit];
  },
  fixtures: {
    fire: [
      {
        name: 'plain Deployment behind an Ingress',
        yaml: WEB_BEHIND_INGRESS,
        expect: uncovered('Ingress/web'),
      },
      {
        name: 'route rule with a single backend; another rule of the same route splits other Services',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: web, ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: site}
spec:
  parentRefs: [{name: gw}]
  rules:
    - matches: [{path: {type: PathPrefix, value: /}}]
      backendRefs: [{name: web, port: 80}]
    - matches: [{path: {type: PathPrefix, value: /api}}]
      backendRefs: [{name: api-v1, port: 80, weight: 90}, {name: api-v2, port: 80, weight: 10}]
`,
        expect: uncovered('HTTPRoute/site', 2),
      },
      {
        name: 'a canary Ingress for another host does not cover it',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: web, ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop-canary
  annotations: {nginx.ingress.kubernetes.io/canary: "true", nginx.ingress.kubernetes.io/canary-weight: "10"}
spec:
  rules:
    - host: shop.example.com
      http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: shop-v2, port: {number: 80}}}}]
`,
        expect: uncovered('its cloud load balancer (type: LoadBalancer)', 2),
      },
      {
        name: 'a TrafficSplit in another namespace covers nothing here',
        yaml: `${WEB_BEHIND_INGRESS}---
apiVersion: split.smi-spec.io/v1alpha2
kind: TrafficSplit
metadata: {name: web, namespace: other}
spec:
  service: web-root
  backends: [{service: web, weight: 90}, {service: web-next, weight: 10}]
`,
        expect: uncovered('Ingress/web'),
      },
      {
        name: 'a VirtualService with one destination splits nothing',
        yaml: `${WEB_BEHIND_INGRESS}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web}
spec:
  hosts: [web.example.com]
  http:
    - route:
        - {destination: {host: web}}
`,
        expect: uncovered('Ingress/web'),
      },
      {
        name: 'a TraefikService weighting a single Service splits nothing',
        yaml: `${WEB_BEHIND_INGRESS}---
apiVersion: traefik.io/v1alpha1
kind: TraefikService
metadata: {name: web}
spec:
  weighted:
    services: [{name: web, port: 80, weight: 1}]
`,
        expect: uncovered('Ingress/web'),
      },
      {
        name: 'an OpenKruise Rollout of another Deployment',
        yaml: `${WEB_BEHIND_INGRESS}---
apiVersion: rollouts.kruise.io/v1beta1
kind: Rollout
metadata: {name: api}
spec:
  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: api}
`,
        expect: uncovered('Ingress/web'),
      },
      {
        name: 'an ingress-nginx canary Ingress for another host',
        yaml: besideIngress(`  name: other-canary
  annotations: {nginx.ingress.kubernetes.io/canary: "true", nginx.ingress.kubernetes.io/canary-weight: "10"}
spec:
  rules:
    - host: other.example.com
      http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: web-next, port: {number: 80}}}}]
`),
        expect: uncovered('Ingress/web'),
      },
      {
        name: 'an ALB forward action to a single target group',
        yaml: besideIngress(`  name: split
  annotations:
    alb.ingress.kubernetes.io/actions.split: '{"type": "forward", "forwardConfig": {"targetGroups": [{"serviceName": "web", "servicePort": "80"}]}}'
spec:
  ingressClassName: alb
  rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: split, port: {name: use-annotation}}}}]}}]
`),
        expect: uncovered('Ingress/web'),
      },
      {
        name: 'an HTTPRoute rule for another path, told apart by nothing',
        yaml: besideRoute(`    - backendRefs: [{name: web, port: 80}]
    - matches: [{path: {type: PathPrefix, value: /admin}}]
      backendRefs: [{name: web-next, port: 80}]
`),
        expect: uncovered('Ingress/web'),
      },
      {
        name: 'an Ingress on the same host whose canary annotation is not "true"',
        yaml: besideIngress(`  name: web-canary
  annotations: {nginx.ingress.kubernetes.io/canary: "false", nginx.ingress.kubernetes.io/canary-weight: "10"}
spec:
  rules: [{host: web.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web-next, port: {number: 80}}}}]}}]
`),
        expect: uncovered('Ingress/web'),
      },
      {
        name: 'a canary Ingress without a host, next to an Ingress that names one',
        yaml: besideIngress(`  name: web-canary
  annotations: {nginx.ingress.kubernetes.io/canary: "true"}
spec:
  rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web-next, port: {number: 80}}}}]}}]
`),
        expect: uncovered('Ingress/web'),
      },
      {
        name: 'HTTPRoute rules that are no header-routed canary: the same path told apart by nothing, headers and query parameters on other paths',
        yaml: besideRoute(`    - backendRefs: [{name: web, port: 80}]
    - backendRefs: [{name: web-next, port: 80}]
    - matches: [{path: {type: PathPrefix, value: /admin}, headers: [{name: x-canary, value: "1"}]}]
      backendRefs: [{name: web-next, port: 80}]
    - matches: [{path: {type: Exact, value: /}, queryParams: [{name: canary, value: "1"}]}]
      backendRefs: [{name: web-next, port: 80}]
`),
        expect: uncovered('Ingress/web'),
      },
      {
        name: 'an ALB action that cannot be read, and a weighted action over two other Services',
        yaml: besideIngress(`  name: split
  annotations:
    alb.ingress.kubernetes.io/actions.broken: '{"forwardConfig": {"targetGroups": [{"serviceName": "web"}, {"serviceName": "web-next"'
    alb.ingress.kubernetes.io/actions.other: '{"type": "forward", "forwardConfig": {"targetGroups": [{"serviceName": "api", "weight": 90}, {"serviceName": "api-next", "weight": 10}]}}'
spec:
  ingressClassName: alb
  rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: other, port: {name: use-annotation}}}}]}}]
`),
        expect: uncovered('Ingress/web'),
      },
      {
        name: 'a TraefikService weighting two other Services, a TrafficSplit of other Services, a Flagger Canary of another Deployment',
        yaml: `${WEB_BEHIND_INGRESS}---
apiVersion: traefik.io/v1alpha1
kind: TraefikService
metadata: {name: api}
spec:
  weighted:
    services: [{name: api, port: 80, weight: 9}, {name: api-next, port: 80, weight: 1}]
---
apiVersion: split.smi-spec.io/v1alpha2
kind: TrafficSplit
metadata: {name: api}
spec:
  service: api
  backends: [{service: api-v1, weight: 90}, {service: api-v2, weight: 10}]
---
apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {name: api}
spec:
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
  service: {port: 80}
`,
        expect: uncovered('Ingress/web'),
      },
      {
        name: 'a VirtualService splitting Services of another namespace named like this one',
        yaml: `${WEB_BEHIND_INGRESS}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: other}
spec:
  hosts: [web.example.com]
  http:
    - route:
        - {destination: {host: web}, weight: 90}
        - {destination: {host: web.other.svc.cluster.local, subset: next}, weight: 10}
`,
        expect: uncovered('Ingress/web'),
      },
      {
        name: 'an OpenKruise Rollout of a StatefulSet named like the Deployment',
        yaml: `${WEB_BEHIND_INGRESS}---
apiVersion: rollouts.kruise.io/v1beta1
kind: Rollout
metadata: {name: web}
spec:
  workloadRef: {apiVersion: apps/v1, kind: StatefulSet, name: web}
`,
        expect: uncovered('Ingress/web'),
      },
      {
        name: 'an Ingress rule with two paths to two Services is no traffic split',
        yaml: `${WEB_BEHIND_INGRESS.replace("paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]", "paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}, {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}]")}`,
        expect: uncovered('Ingress/web'),
      },
      {
        name: 'an HTTPRoute rule sending requests with a header to the same Service is no canary',
        yaml: besideRoute(`    - backendRefs: [{name: web, port: 80}]
    - matches: [{headers: [{name: x-debug, value: "1"}]}]
      backendRefs: [{name: web, port: 80}]
`),
        expect: uncovered('Ingress/web'),
      },
      {
        name: 'a weighted forward configuration in an annotation that is no ALB action',
        yaml: besideIngress(`  name: split
  annotations:
    example.com/actions.split: '{"type": "forward", "forwardConfig": {"targetGroups": [{"serviceName": "web", "weight": 90}, {"serviceName": "web-next", "weight": 10}]}}'
spec:
  ingressClassName: alb
  rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: other, port: {number: 80}}}}]}}]
`),
        expect: uncovered('Ingress/web'),
      },
    ],
    silent: [
      {
        name: 'an ingress-nginx canary on the host of an Ingress that also routes other paths to other Services',
        yaml: `${WEB_BEHIND_INGRESS.replace("paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]", "paths: [{path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}, {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]")}---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: other-canary
  annotations: {nginx.ingress.kubernetes.io/canary: "true"}
spec:
  rules: [{host: other.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: other-next, port: {number: 80}}}}]}}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web-canary
  annotations: {nginx.ingress.kubernetes.io/canary: "true"}
spec:
  rules: [{host: web.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web-next, port: {number: 80}}}}]}}]
`,
      },
      {
        name: 'an OpenKruise Rollout (v1alpha1 objectRef) takes the Deployment over',
        yaml: `${WEB_BEHIND_INGRESS}---
apiVersion: rollouts.kruise.io/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  objectRef: {workloadRef: {apiVersion: apps/v1, kind: Deployment, name: web}}
`,
      },
      {
        name: 'an OpenKruise Rollout whose workloadRef leaves the kind to its default, Deployment',
        yaml: `${WEB_BEHIND_INGRESS}---
apiVersion: rollouts.kruise.io/v1beta1
kind: Rollout
metadata: {name: web}
spec:
  workloadRef: {apiVersion: apps/v1, name: web}
`,
      },
      {
        name: 'an ingress-nginx canary Ingress for another host that serves the Service itself',
        yaml: besideIngress(`  name: web-canary
  annotations: {nginx.ingress.kubernetes.io/canary: "true"}
spec:
  rules: [{host: beta.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]
`),
      },
      {
        name: 'a canary Ingress whose default backend shares the host-less rules of the Ingress reaching the Service',
        yaml: `${appYaml({ containers: '        - {name: app, image: web, ports: [{name: http, containerPort: 8080}]}\n', ingress: true })}---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web-canary
  annotations: {nginx.ingress.kubernetes.io/canary: "true"}
spec:
  defaultBackend: {service: {name: web-next, port: {number: 80}}}
  rules: [{host: beta.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web-next, port: {number: 80}}}}]}}]
`,
      },
      {
        name: 'an HTTPRoute rule sending requests with a query parameter on the same path to another Service',
        yaml: besideRoute(`    - matches: [{path: {type: PathPrefix, value: /}}]
      backendRefs: [{name: web, port: 80}]
    - matches: [{path: {value: /}, queryParams: [{name: canary, value: "1"}]}]
      backendRefs: [{name: web-next, port: 80}]
`),
      },
      {
        name: 'an HTTPRoute rule sending requests with a header to the Service, all others elsewhere (the Service is the canary)',
        yaml: besideRoute(`    - backendRefs: [{name: web-stable, port: 80}]
    - matches: [{headers: [{name: x-canary, value: "1"}]}]
      backendRefs: [{name: web, port: 80}]
`),
      },
      {
        name: 'an SMI TrafficSplit rooted at the Service',
        yaml: `${WEB_BEHIND_INGRESS}---
apiVersion: split.smi-spec.io/v1alpha2
kind: TrafficSplit
metadata: {name: web}
spec:
  service: web
  backends: [{service: web-v1, weight: 90}, {service: web-v2, weight: 10}]
`,
      },
      {
        name: 'weighted by a TraefikService of the older traefik.containo.us group',
        yaml: `${WEB_BEHIND_INGRESS}---
apiVersion: traefik.containo.us/v1alpha1
kind: TraefikService
metadata: {name: web}
spec:
  weighted:
    services: [{name: web-next, port: 80, weight: 1}, {name: web, port: 80, weight: 9}]
`,
      },
      {
        name: 'an Istio VirtualService splitting TCP traffic (host web.default)',
        yaml: `${WEB_BEHIND_INGRESS}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: mesh}
spec:
  hosts: [web.example.com]
  tcp:
    - route:
        - {destination: {host: web-next.default}, weight: 10}
        - {destination: {host: web.default}, weight: 90}
`,
      },
      {
        name: 'an ingress-nginx canary Ingress for the same host',
        yaml: besideIngress(`  name: web-canary
  annotations: {nginx.ingress.kubernetes.io/canary: "true", nginx.ingress.kubernetes.io/canary-weight: "10"}
spec:
  rules:
    - host: web.example.com
      http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: web-next, port: {number: 80}}}}]
`),
      },
      {
        name: 'an ALB weighted forward action over the Service and another',
        yaml: besideIngress(`  name: split
  annotations:
    alb.ingress.kubernetes.io/actions.split: '{"type": "forward", "forwardConfig": {"targetGroups": [{"serviceName": "web", "servicePort": "80", "weight": 90}, {"serviceName": "web-next", "servicePort": "80", "weight": 10}]}}'
spec:
  ingressClassName: alb
  rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: split, port: {name: use-annotation}}}}]}}]
`),
      },
      {
        name: 'an HTTPRoute rule sending requests with a header to another Service',
        yaml: besideRoute(`    - backendRefs: [{name: web, port: 80}]
    - matches: [{path: {type: PathPrefix, value: /}, headers: [{name: x-canary, value: "1"}]}]
      backendRefs: [{name: web-next, port: 80}]
`),
      },
      {
        name: 'split by an SMI TrafficSplit',
        yaml: `${WEB_BEHIND_INGRESS}---
apiVersion: split.smi-spec.io/v1alpha2
kind: TrafficSplit
metadata: {name: web}
spec:
  service: web-root
  backends: [{service: web, weight: 90}, {service: web-next, weight: 10}]
`,
      },
      {
        name: 'weighted by a TraefikService',
        yaml: `${WEB_BEHIND_INGRESS}---
apiVersion: traefik.io/v1alpha1
kind: TraefikService
metadata: {name: web}
spec:
  weighted:
    services: [{name: web, port: 80, weight: 9}, {name: web-next, port: 80, weight: 1}]
`,
      },
      {
        name: 'weighted by an Istio VirtualService (host web.default.svc.cluster.local)',
        yaml: `${WEB_BEHIND_INGRESS}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: mesh}
spec:
  hosts: [web.example.com]
  http:
    - route:
        - {destination: {host: web.default.svc.cluster.local}, weight: 90}
        - {destination: {host: web-next.default.svc.cluster.local}, weight: 10}
`,
      },
      {
        name: 'an OpenKruise Rollout takes the Deployment over',
        yaml: `${WEB_BEHIND_INGRESS}---
apiVersion: rollouts.kruise.io/v1beta1
kind: Rollout
metadata: {name: web}
spec:
  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  strategy: {canary: {steps: [{traffic: 10%}]}}
`,
      },
      {
        name: 'Argo Rollouts: canary Rollout, blueGreen Rollout, and the template-only Deployment of a Rollout',
        yaml: `
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: a}
spec:
  replicas: 3
  strategy: {canary: {steps: [{setWeight: 20}, {pause: {}}]}}
  selector: {matchLabels: {app: a}}
  template:
    metadata: {labels: {app: a}}
    spec:
      containers: [{name: app, image: a, ports: [{containerPort: 8080}]}]
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: b}
spec:
  replicas: 3
  strategy: {blueGreen: {activeService: b, previewService: b-preview}}
  selector: {matchLabels: {app: b}}
  template:
    metadata: {labels: {app: b}}
    spec:
      containers: [{name: app, image: b, ports: [{containerPort: 8080}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: c}
spec:
  replicas: 3
  selector: {matchLabels: {app: c}}
  template:
    metadata: {labels: {app: c}}
    spec:
      containers: [{name: app, image: c, ports: [{containerPort: 8080}]}]
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: c}
spec:
  replicas: 3
  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: c}
  strategy: {canary: {}}
---
apiVersion: v1
kind: Service
metadata: {name: a}
spec: {type: LoadBalancer, selector: {app: a}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: b}
spec: {type: LoadBalancer, selector: {app: b}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: c}
spec: {type: LoadBalancer, selector: {app: c}, ports: [{port: 80, targetPort: 8080}]}
`,
      },
      {
        name: 'Flagger Canary targeting the Deployment',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: podinfo}
spec:
  replicas: 2
  selector: {matchLabels: {app: podinfo}}
  template:
    metadata: {labels: {app: podinfo}}
    spec:
      containers: [{name: podinfo, image: podinfo, ports: [{name: http, containerPort: 9898}]}]
---
apiVersion: v1
kind: Service
metadata: {name: podinfo-lb}
spec:
  type: LoadBalancer
  selector: {app: podinfo}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {name: podinfo}
spec:
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
  service: {port: 9898}
  analysis: {interval: 1m, threshold: 5, stepWeight: 10, maxWeight: 50}
`,
      },
      {
        name: 'ingress-nginx canary Ingress on the same host, pointing at a sibling Service',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web, track: stable}}
  template:
    metadata: {labels: {app: web, track: stable}}
    spec:
      containers: [{name: app, image: web:1, ports: [{containerPort: 8080}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-canary}
spec:
  replicas: 1
  selector: {matchLabels: {app: web, track: canary}}
  template:
    metadata: {labels: {app: web, track: canary}}
    spec:
      containers: [{name: app, image: web:2, ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web, track: stable}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: web-canary}
spec:
  selector: {app: web, track: canary}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
    - host: web.example.com
      http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web-canary
  annotations: {nginx.ingress.kubernetes.io/canary: "true", nginx.ingress.kubernetes.io/canary-weight: "10"}
spec:
  rules:
    - host: web.example.com
      http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: web-canary, port: {number: 80}}}}]
`,
      },
      {
        name: 'HTTPRoute rule splitting traffic between two versions by weight',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-v1}
spec:
  replicas: 3
  selector: {matchLabels: {app: web, version: v1}}
  template:
    metadata: {labels: {app: web, version: v1}}
    spec:
      containers: [{name: app, image: web:1, ports: [{containerPort: 8080}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-v2}
spec:
  replicas: 1
  selector: {matchLabels: {app: web, version: v2}}
  template:
    metadata: {labels: {app: web, version: v2}}
    spec:
      containers: [{name: app, image: web:2, ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web-v1}
spec:
  selector: {app: web, version: v1}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: web-v2}
spec:
  selector: {app: web, version: v2}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web}
spec:
  parentRefs: [{name: gw}]
  rules:
    - backendRefs: [{name: web-v1, port: 80, weight: 90}, {name: web-v2, port: 80, weight: 10}]
`,
      },
      {
        name: 'header-routed canary: another rule of the route sends the same path to a canary Service',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: bar}
spec:
  replicas: 2
  selector: {matchLabels: {app: bar}}
  template:
    metadata: {labels: {app: bar}}
    spec:
      containers: [{name: app, image: bar:1, ports: [{containerPort: 3000}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: bar-canary}
spec:
  replicas: 1
  selector: {matchLabels: {app: bar-canary}}
  template:
    metadata: {labels: {app: bar-canary}}
    spec:
      containers: [{name: app, image: bar:2, ports: [{containerPort: 3000}]}]
---
apiVersion: v1
kind: Service
metadata: {name: bar-svc}
spec:
  selector: {app: bar}
  ports: [{port: 8080, targetPort: 3000}]
---
apiVersion: v1
kind: Service
metadata: {name: bar-canary-svc}
spec:
  selector: {app: bar-canary}
  ports: [{port: 8080, targetPort: 3000}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: bar-route}
spec:
  parentRefs: [{name: gw}]
  hostnames: [bar.example.com]
  rules:
    - matches: [{headers: [{type: Exact, name: env, value: canary}]}]
      backendRefs: [{name: bar-canary-svc, port: 8080}]
    - backendRefs: [{name: bar-svc, port: 8080}]
`,
      },
      {
        name: 'stable/canary pair sharing one Service',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-stable}
spec:
  replicas: 3
  selector: {matchLabels: {app: web, track: stable}}
  template:
    metadata: {labels: {app: web, track: stable}}
    spec:
      containers: [{name: app, image: web:1, ports: [{containerPort: 8080}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-canary}
spec:
  replicas: 1
  selector: {matchLabels: {app: web, track: canary}}
  template:
    metadata: {labels: {app: web, track: canary}}
    spec:
      containers: [{name: app, image: web:2, ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`,
      },
      {
        name: 'Istio VirtualService splitting between subsets of the Service',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: reviews}
spec:
  replicas: 2
  selector: {matchLabels: {app: reviews}}
  template:
    metadata: {labels: {app: reviews}}
    spec:
      containers: [{name: app, image: reviews, ports: [{containerPort: 9080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: reviews}
spec:
  type: LoadBalancer
  selector: {app: reviews}
  ports: [{port: 9080}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
    - route:
        - {destination: {host: reviews, subset: v1}, weight: 90}
        - {destination: {host: reviews.default.svc.cluster.local, subset: v2}, weight: 10}
`,
      },
      {
        name: 'internal Service only, worker, StatefulSet and DaemonSet behind an Ingress',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: app, image: api, ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker}
spec:
  replicas: 2
  selector: {matchLabels: {app: worker}}
  template:
    metadata: {labels: {app: worker}}
    spec:
      containers: [{name: worker, image: worker}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 3
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: db, ports: [{containerPort: 8080}]}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: edge}
spec:
  selector: {matchLabels: {app: edge}}
  template:
    metadata: {labels: {app: edge}}
    spec:
      containers: [{name: proxy, image: envoy, ports: [{containerPort: 8081}]}]
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  selector: {app: db}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: edge}
spec:
  selector: {app: edge}
  ports: [{port: 80, targetPort: 8081}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: site}
spec:
  rules:
    - http:
        paths:
          - {path: /db, pathType: Prefix, backend: {service: {name: db, port: {number: 80}}}}
          - {path: /, pathType: Prefix, backend: {service: {name: edge, port: {number: 80}}}}
`,
      },
    ],
  },
});
