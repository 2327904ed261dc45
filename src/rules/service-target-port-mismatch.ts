import { defineRule } from '../engine/rule.ts';
import { isServiceModel, findContainerPort, type ContainerPort, type Service, type Workload } from '../engine/model.ts';
import type { ResourceGraph } from '../engine/graph.ts';
import { extraPodTemplates, POD_TEMPLATE_READS } from './lib/pod-sources.ts';
import type { RuleHit } from '../engine/types.ts';
import { servicePortLabel, workloadName } from './lib/traffic.ts';
import { fixWithYaml } from './lib/yaml.ts';
import type { Container } from '../engine/model.ts';
import { dig, hasOwner, isObject } from '../engine/fields.ts';
import type { Json, JsonObject } from '../engine/types.ts';
import { NEIGHBOUR_FIELDS } from './lib/reads.ts';

/**
 * A numeric targetPort that no container declares is often served anyway: the
 * kubelet does not need declarations, and real images listen on ports their
 * manifests never list (Jaeger's collector, test servers configured by args).
 * Judge it only on evidence that the declarations are complete and disagree:
 * every container declares ports, the number appears nowhere in their command,
 * args or env, and either a container port carries the Service port's name with
 * another number (drift) or the pod declares exactly one TCP port (a one-port app).
 */
function undeclaredNumberIsSuspect(port: number, servicePortName: string | undefined, containers: readonly Container[]): boolean {
  if (containers.some((c) => c.ports.length === 0)) return false;
  const mentioned = new RegExp(`(^|[^0-9])${port}([^0-9]|$)`);
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  const words = containers.flatMap((c) => [
    ...list(c.raw.command),
    ...list(c.raw.args),
    ...list(c.raw.env).map((e) => (isObject(e as Json) ? (e as JsonObject).value : undefined)),
  ]);
  if (words.some((w) => mentioned.test(String(w)))) return false;
  const declared = containers.flatMap((c) => c.ports);
  if (servicePortName && declared.some((p) => p.name === servicePortName)) return true;
  return declared.filter((p) => p.protocol === 'TCP').length === 1;
}

/** Fixture: one Service `shop` in front of Deployments `shop-<part>`, each with the container ports given (flow YAML). */
function shopOf(servicePorts: string, parts: Record<string, string>): string {
  const deployment = (part: string, ports: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: shop-${part}}
spec:
  selector: {matchLabels: {app: shop, part: ${part}}}
  template:
    metadata: {labels: {app: shop, part: ${part}}}
    spec:
      containers:
        - {name: app, image: ${part}, ports: ${ports}}
`;
  return `
apiVersion: v1
kind: Service
metadata: {name: shop}
spec:
  selector: {app: shop}
  ports: ${servicePorts}
---
${Object.entries(parts).map(([part, ports]) => deployment(part, ports)).join('---\n')}`;
}

/** Fixture: Service `shop` in front of the Deployments shop-web and shop-api. */
function shopYaml(servicePorts: string, webPorts: string, apiPorts: string): string {
  return shopOf(servicePorts, { web: webPorts, api: apiPorts });
}

/** A selected pod source that serves a Service port, and the container port number it serves it on. */
interface Server {
  name: string;
  port: number;
}

/**
 * The fix for one workload that misses a port other selected pods serve. Changing the Service's targetPort
 * would break those: either the workload declares the port as they do, or the selector stops choosing it.
 */
function alignWithServers(svc: string, w: Workload, ref: string | number, numeric: boolean, first: Server, portName: string | undefined): string {
  const narrow = `or narrow the selector of Service ${svc} to the pods that serve it`;
  if (numeric) {
    return fixWithYaml(`Make the container of ${workloadName(w)} listen on ${first.port} and declare it, as ${first.name} does, ${narrow}:`, { ports: [{ ...(portName ? { name: portName } : {}), containerPort: first.port }] });
  }
  // A server declares the name (that is what makes it one): its number is a placeholder for this app's own.
  return fixWithYaml(
    `Declare port ${JSON.stringify(ref)} on the container of ${workloadName(w)} (${first.port} is the number ${first.name} uses: put the port this app listens on), ${narrow}:`,
    { ports: [{ name: String(ref), containerPort: first.port }] },
  );
}

/**
 * Pods the Service selects from kinds the model does not judge (a ReplicationController, a ReplicaSet, a Job)
 * whose containers declare the port: they are endpoints of it as much as a Deployment's pods are. Not those of
 * an owned object (a Deployment's ReplicaSets, a CronJob's Jobs: an old revision's port is not served by the
 * new one, and the owner is judged itself), of one scaled to zero, or of a PodTemplate, which runs no pod.
 */
function templateServers(svc: Service, graph: ResourceGraph, ref: string | number, numeric: boolean): Server[] {
  const selector = Object.entries(svc.selector ?? {});
  return extraPodTemplates(graph, svc.namespace).flatMap((t) => {
    if (t.resource.kind === 'PodTemplate' || hasOwner(t.resource.raw) || dig(t.resource.raw, 'spec', 'replicas') === 0) return [];
    if (!selector.every(([k, v]) => t.labels[k] === v)) return [];
    const p = t.ports.find((x) => (numeric ? x.containerPort === Number(ref) : x.name === ref));
    return p ? [{ name: workloadName(t.resource), port: p.containerPort }] : [];
  });
}

export default defineRule({
  id: 'service-target-port-mismatch',
  title: 'Service targetPort matches no container port',
  shape: 'unreachable',
  severity: 'error',
  targets: ['Service'],
  reads: [{ group: '*', kind: 'workload', fields: NEIGHBOUR_FIELDS }, ...POD_TEMPLATE_READS],
  params: {},
  docs: {
    what:
      'Checks every port of a Service with a selector against the pods it selects. A named `targetPort` must be ' +
      'the name of a container port. A numeric one is judged only on evidence, because the kubelet happily serves ' +
      'undeclared ports and real images listen on ports their manifests never list: every container declares its ' +
      'ports, the number is not mentioned in their command, args or env, and either a container port carries the ' +
      "Service port's name with another number, or the pod declares exactly one TCP port.",
    why:
      'A named targetPort that no container declares gives the Service no endpoint port at all: the Service has ' +
      'addresses but nowhere to send them, and the gateway gets connection refused or no upstream — a 502. A numeric ' +
      'targetPort nobody listens on is refused the same way, on every request.',
    fix: 'Point `targetPort` at a port the container declares, preferably by name, so the two cannot drift apart:\n\n```yaml\n# Service\nports:\n  - name: http\n    port: 80\n    targetPort: http\n# Deployment container\nports:\n  - name: http\n    containerPort: 8080\n```',
    notes:
      'The Service is judged as a whole: when another selected workload (or the pods of a ReplicationController, ' +
      'ReplicaSet or Job it selects) serves the port, the port still has ' +
      'endpoints, and the finding is a warning naming the workload whose pods miss it (named targetPort: they get no ' +
      'traffic from that port; numeric: the connections that land on them are refused). ' +
      'Silent for Services without a selector (manual endpoints), for Services that select nothing (see ' +
      '`service-selects-nothing`), and for numeric targetPorts without the evidence above — a multi-port server that ' +
      'declares only some of its ports is common and legal.',
  },
  evaluate(svc, graph) {
    if (!isServiceModel(svc) || !svc.selector) return [];
    const hits: RuleHit[] = [];
    const workloads = graph.workloadsSelectedBy(svc).flatMap((w) => {
      const containers = graph.templateOf(w)?.containers ?? [];
      return containers.length > 0 ? [{ w, containers }] : [];
    });
    for (const sp of svc.ports) {
      const ref = sp.targetPort;
      const numeric = typeof ref === 'number' || /^\d+$/.test(ref);
      const misses = workloads.filter(({ containers }) =>
        !containers.some((c) => findContainerPort(c, ref)) && (!numeric || undeclaredNumberIsSuspect(Number(ref), sp.name, containers)),
      );
      // The Service is judged as a whole: while one selected workload serves the port, the port has
      // endpoints, and only the pods that miss it are a problem (two Deployments behind one Service).
      const servers: Server[] = [
        ...workloads.filter((x) => !misses.includes(x)).map(({ w, containers }) => ({
          name: workloadName(w),
          port: numeric ? Number(ref) : (containers.flatMap((c) => findContainerPort(c, ref) ?? [])[0] as ContainerPort).containerPort,
        })),
        ...(misses.length > 0 ? templateServers(svc, graph, ref, numeric) : []),
      ];
      for (const { w, containers } of misses) {
        const declaredPorts = containers.flatMap((c) => c.ports);
        const declared = declaredPorts.map((p) => (p.name ? `${p.name}:${p.containerPort}` : String(p.containerPort)));
        const sameName = sp.name ? declaredPorts.find((p) => p.name === sp.name) : undefined;
        const suggestion = sameName ?? declaredPorts[0];
        const names = servers.map((x) => x.name);
        const served = names.length > 0 ? `; ${names.join(', ')} ${names.length === 1 ? 'serves' : 'serve'} it` : '';
        hits.push({
          path: `${sp.path}.targetPort`,
          ...(servers.length > 0 ? { severity: 'warning' as const } : {}),
          message: numeric
            ? `Service port ${servicePortLabel(sp)} sends traffic to port ${ref}, but ${workloadName(w)} ${sameName ? `declares its ${sp.name} port as ${sameName.containerPort}` : `only serves ${declared.join(', ')}`}: ` +
              (servers.length > 0 ? `the connections that land on its pods are refused${served}.` : 'connections are refused.')
            : `Service port ${servicePortLabel(sp)} sends traffic to the port named ${JSON.stringify(ref)}, but no container of ${workloadName(w)} declares it (declared: ${declared.join(', ') || 'none'}): ` +
              (servers.length > 0 ? `the pods of ${workloadName(w)} get no traffic from this port${served}.` : 'this Service port gets no endpoints.'),
          // While other workloads serve the port, changing the Service's targetPort would break them: fix the workload that misses it.
          fix: servers.length > 0
            ? alignWithServers(svc.name, w, ref, numeric, servers[0] as Server, sp.name)
            : suggestion
            ? fixWithYaml(`Set targetPort to a port ${workloadName(w)} declares:`, { ports: [{ ...(sp.name ? { name: sp.name } : {}), port: sp.port, targetPort: suggestion.name ?? suggestion.containerPort }] })
            : `${fixWithYaml(`Declare the port on the container of ${workloadName(w)} that serves it (fill in the port the app listens on):`, { ports: [{ name: ref, containerPort: 8080 }] })}  # placeholder: the port the app listens on`,
        });
      }
    }
    return hits;
  },
  fixtures: {
    fire: [
      {
        name: 'named targetPort that no container declares',
        yaml: `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: web}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: app
          image: nginx
          ports: [{name: http, containerPort: 8080}]
`,
        expect: [{ severity: 'error', path: 'spec.ports[0].targetPort', message: 'Service port http (80) sends traffic to the port named "web", but no container of Deployment/web declares it (declared: http:8080): this Service port gets no endpoints.', fix: 'Set targetPort to a port Deployment/web declares:\nports:\n  - name: http\n    port: 80\n    targetPort: http' }],
      },
      {
        name: 'numeric targetPort while the one declared port is another',
        yaml: `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 9090}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - {name: app, image: nginx, ports: [{containerPort: 8080}]}
`,
        expect: [{ severity: 'error', path: 'spec.ports[0].targetPort', message: 'Service port 80 sends traffic to port 9090, but Deployment/web only serves 8080: connections are refused.', fix: 'Set targetPort to a port Deployment/web declares:\nports:\n  - port: 80\n    targetPort: 8080' }],
      },
      {
        name: 'targetPort defaults to port when absent',
        yaml: `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - {name: app, image: nginx, ports: [{containerPort: 8080}]}
`,
        expect: [{ severity: 'error', path: 'spec.ports[0].targetPort', message: 'Service port 80 sends traffic to port 80, but StatefulSet/web only serves 8080: connections are refused.', fix: 'Set targetPort to a port StatefulSet/web declares:\nports:\n  - port: 80\n    targetPort: 8080' }],
      },
      {
        name: 'numeric targetPort while the container port of the same name has another number',
        yaml: `
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports: [{name: http, port: 80, targetPort: 8080}, {name: metrics, port: 9090, targetPort: metrics}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: app
          image: api
          ports: [{name: http, containerPort: 3000}, {name: metrics, containerPort: 9090}]
`,
        expect: [{ severity: 'error', path: 'spec.ports[0].targetPort', message: 'Service port http (80) sends traffic to port 8080, but Deployment/api declares its http port as 3000: connections are refused.', fix: 'Set targetPort to a port Deployment/api declares:\nports:\n  - name: http\n    port: 80\n    targetPort: http' }],
      },
      {
        name: 'two workloads behind one Service, one of them without the named port: a warning, the port has endpoints',
        yaml: shopYaml('[{name: http, port: 80, targetPort: http}]', '[{name: http, containerPort: 8080}]', '[{name: grpc, containerPort: 9090}]'),
        expect: [{ severity: 'warning', path: 'spec.ports[0].targetPort', message: 'Service port http (80) sends traffic to the port named "http", but no container of Deployment/shop-api declares it (declared: grpc:9090): the pods of Deployment/shop-api get no traffic from this port; Deployment/shop-web serves it.', fix: 'Declare port "http" on the container of Deployment/shop-api (8080 is the number Deployment/shop-web uses: put the port this app listens on), or narrow the selector of Service shop to the pods that serve it:\nports:\n  - name: http\n    containerPort: 8080' }],
      },
      {
        name: 'two workloads behind one Service, neither with the named port: an error for each',
        yaml: shopYaml('[{name: http, port: 80, targetPort: http}]', '[{name: web, containerPort: 8080}]', '[{name: grpc, containerPort: 9090}]'),
        expect: [{ severity: 'error', path: 'spec.ports[0].targetPort', message: 'Service port http (80) sends traffic to the port named "http", but no container of Deployment/shop-web declares it (declared: web:8080): this Service port gets no endpoints.', fix: 'Set targetPort to a port Deployment/shop-web declares:\nports:\n  - name: http\n    port: 80\n    targetPort: web' }, { severity: 'error', path: 'spec.ports[0].targetPort', message: 'Service port http (80) sends traffic to the port named "http", but no container of Deployment/shop-api declares it (declared: grpc:9090): this Service port gets no endpoints.', fix: 'Set targetPort to a port Deployment/shop-api declares:\nports:\n  - name: http\n    port: 80\n    targetPort: grpc' }],
      },
      {
        name: 'two workloads behind one Service, one serving the numeric port and one serving another',
        yaml: shopYaml('[{port: 80, targetPort: 8080}]', '[{containerPort: 8080}]', '[{containerPort: 9090}]'),
        expect: [{ severity: 'warning', path: 'spec.ports[0].targetPort', message: 'Service port 80 sends traffic to port 8080, but Deployment/shop-api only serves 9090: the connections that land on its pods are refused; Deployment/shop-web serves it.', fix: 'Make the container of Deployment/shop-api listen on 8080 and declare it, as Deployment/shop-web does, or narrow the selector of Service shop to the pods that serve it:\nports:\n  - containerPort: 8080' }],
      },
      {
        name: 'a ReplicationController behind the Service serves the named port a Deployment misses: a warning, the port has endpoints',
        yaml: `${shopOf('[{port: 3000, targetPort: http-server}]', { web: '[{containerPort: 80}]' })}---
apiVersion: v1
kind: ReplicationController
metadata: {name: shop-legacy}
spec:
  selector: {app: shop, part: legacy}
  template:
    metadata: {labels: {app: shop, part: legacy}}
    spec:
      containers:
        - {name: app, image: legacy, ports: [{name: http-server, containerPort: 3000}]}
`,
        expect: [{ severity: 'warning', path: 'spec.ports[0].targetPort', message: 'Service port 3000 sends traffic to the port named "http-server", but no container of Deployment/shop-web declares it (declared: 80): the pods of Deployment/shop-web get no traffic from this port; ReplicationController/shop-legacy serves it.', fix: 'Declare port "http-server" on the container of Deployment/shop-web (3000 is the number ReplicationController/shop-legacy uses: put the port this app listens on), or narrow the selector of Service shop to the pods that serve it:\nports:\n  - name: http-server\n    containerPort: 3000' }],
      },
      {
        // In a cluster: the Deployment's old ReplicaSet still declares the port its new pods dropped.
        name: "the port is declared only by the Deployment's own old ReplicaSet and by a ReplicationController scaled to 0: nothing serves it, an error",
        yaml: `${shopOf('[{port: 3000, targetPort: http-server}]', { web: '[{containerPort: 80}]' })}---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: shop-web-6d4
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: shop-web, uid: u1, controller: true}]
spec:
  replicas: 0
  selector: {matchLabels: {app: shop, part: web, pod-template-hash: 6d4}}
  template:
    metadata: {labels: {app: shop, part: web, pod-template-hash: 6d4}}
    spec:
      containers:
        - {name: app, image: web, ports: [{name: http-server, containerPort: 3000}]}
---
apiVersion: v1
kind: ReplicationController
metadata: {name: shop-legacy}
spec:
  replicas: 0
  selector: {app: shop, part: legacy}
  template:
    metadata: {labels: {app: shop, part: legacy}}
    spec:
      containers:
        - {name: app, image: legacy, ports: [{name: http-server, containerPort: 3000}]}
`,
        expect: [{ severity: 'error', path: 'spec.ports[0].targetPort', message: 'Service port 3000 sends traffic to the port named "http-server", but no container of Deployment/shop-web declares it (declared: 80)' }],
      },
      {
        name: 'named targetPort on a container that declares no ports: the port to declare is a placeholder',
        yaml: `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: web}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: nginx}]
`,
        expect: [{ severity: 'error', path: 'spec.ports[0].targetPort', message: 'Service port http (80) sends traffic to the port named "web", but no container of Deployment/web declares it (declared: none): this Service port gets no endpoints.', fix: 'Declare the port on the container of Deployment/web that serves it (fill in the port the app listens on):\nports:\n  - name: web\n    containerPort: 8080  # placeholder: the port the app listens on' }],
      },
      {
        name: 'three workloads behind one Service, one naming its ports otherwise: the fix leaves the Service to the two that serve it',
        yaml: shopOf('[{name: http, port: 80, targetPort: http}, {name: metrics, port: 9100, targetPort: 9100}]', {
          a: '[{name: http, containerPort: 8080}, {name: metrics, containerPort: 9100}]',
          b: '[{name: http, containerPort: 8080}, {name: metrics, containerPort: 9100}]',
          c: '[{name: web, containerPort: 8080}, {name: metrics, containerPort: 9102}]',
        }),
        expect: [
          { severity: 'warning', path: 'spec.ports[0].targetPort', message: 'Service port http (80) sends traffic to the port named "http", but no container of Deployment/shop-c declares it (declared: web:8080, metrics:9102): the pods of Deployment/shop-c get no traffic from this port; Deployment/shop-a, Deployment/shop-b serve it.', fix: 'Declare port "http" on the container of Deployment/shop-c (8080 is the number Deployment/shop-a uses: put the port this app listens on), or narrow the selector of Service shop to the pods that serve it:\nports:\n  - name: http\n    containerPort: 8080' },
          { severity: 'warning', path: 'spec.ports[1].targetPort', message: 'Service port metrics (9100) sends traffic to port 9100, but Deployment/shop-c declares its metrics port as 9102: the connections that land on its pods are refused; Deployment/shop-a, Deployment/shop-b serve it.', fix: 'Make the container of Deployment/shop-c listen on 9100 and declare it, as Deployment/shop-a does, or narrow the selector of Service shop to the pods that serve it:\nports:\n  - name: metrics\n    containerPort: 9100' },
        ],
      },
    ],
    silent: [
      {
        name: 'numeric targetPort of a multi-port server that declares only some ports (Jaeger all-in-one)',
        yaml: `
apiVersion: v1
kind: Service
metadata: {name: jaeger-collector}
spec:
  selector: {app: jaeger}
  ports: [{name: collector-http, port: 14268, targetPort: 14268}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: jaeger}
spec:
  selector: {matchLabels: {app: jaeger}}
  template:
    metadata: {labels: {app: jaeger}}
    spec:
      containers:
        - name: jaeger
          image: jaegertracing/all-in-one
          ports: [{containerPort: 16686}, {containerPort: 9411}, {containerPort: 6831, protocol: UDP}]
`,
      },
      {
        name: 'numeric targetPort configured through args but not declared',
        yaml: `
apiVersion: v1
kind: Service
metadata: {name: echo}
spec:
  selector: {app: echo}
  ports: [{name: http, port: 80, targetPort: 18080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: echo}
spec:
  selector: {matchLabels: {app: echo}}
  template:
    metadata: {labels: {app: echo}}
    spec:
      containers:
        - name: app
          image: echo
          args: [--port, "18080", --port, "8080"]
          ports: [{containerPort: 8080}]
`,
      },
      {
        name: 'named targetPort declared by the container',
        yaml: `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - {name: app, image: nginx, ports: [{name: http, containerPort: 8080}]}
`,
      },
      {
        name: 'numeric targetPort while a container declares no ports (cannot be judged)',
        yaml: `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - {name: app, image: app}
        - {name: metrics, image: exporter, ports: [{name: metrics, containerPort: 9102}]}
`,
      },
      {
        name: 'port declared by a sidecar container',
        yaml: `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 443, targetPort: https}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - {name: app, image: app, ports: [{name: http, containerPort: 8080}]}
        - {name: tls-proxy, image: envoy, ports: [{name: https, containerPort: 8443}]}
`,
      },
      {
        name: 'Service without a selector (manual endpoints)',
        yaml: `
apiVersion: v1
kind: Service
metadata: {name: external-db}
spec:
  ports: [{port: 5432, targetPort: pg}]
`,
      },
    ],
  },
});
