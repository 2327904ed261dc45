import { defineRule } from '../engine/rule.ts';
import { findContainerPort, isWorkload, type Container, type Probe } from '../engine/model.ts';
import type { RuleHit, Severity } from '../engine/types.ts';
import { appYaml } from './lib/fixture-yaml.ts';
import { trafficTargets, workloadName } from './lib/traffic.ts';
import { fixWithYaml } from './lib/yaml.ts';

type ProbeKind = 'readinessProbe' | 'livenessProbe' | 'startupProbe';
const KINDS: readonly ProbeKind[] = ['readinessProbe', 'livenessProbe', 'startupProbe'];

const UNSERVED_READINESS = 'the pod never becomes ready and its rollout stalls';

const EFFECT: Record<ProbeKind, string> = {
  readinessProbe: 'the pod never becomes ready, so its Services have no endpoint in it and the gateway answers 502/503',
  livenessProbe: 'the kubelet restarts the container over and over, resetting the connections in flight each time',
  startupProbe: 'the container never counts as started: the kubelet kills and restarts it over and over, and it never serves',
};

function declared(c: Container): string {
  return c.ports.map((p) => (p.name ? `${p.name}:${p.containerPort}` : String(p.containerPort))).join(', ') || 'none';
}

/** Declares the named port on the container; a number nothing in the manifest gives is marked as the one to fill in. */
function declarePortFix(c: Container, name: string, known: number | undefined): string {
  if (known !== undefined) return fixWithYaml(`Declare the port on container ${c.name}:`, { ports: [{ name, containerPort: known }] });
  const fix = fixWithYaml(`Declare the port on container ${c.name} (fill in the port the app listens on):`, { ports: [{ name, containerPort: PLACEHOLDER_PORT }] });
  return `${fix}  # placeholder: the port the app listens on`;
}

const PLACEHOLDER_PORT = 8080;

/** A probe port for the fix: gRPC probes take a number only. */
function portValue(p: Probe, port: { name?: string; containerPort: number }): string | number {
  return p.handler === 'grpc' ? port.containerPort : (port.name ?? port.containerPort);
}

/**
 * The probe's handler as written (path, scheme, headers, gRPC service) with only its port changed: pasted in
 * place of the old handler it keeps checking what it checked, on a port that is there.
 */
function handlerWithPort(kind: ProbeKind, p: Probe, port: string | number): Record<string, unknown> {
  return { [kind]: { [p.handler]: { ...p.handlerSpec, port } } };
}

export default defineRule({
  id: 'probe-port-mismatch',
  title: 'Probe checks a port the container does not declare',
  shape: 'unreachable',
  severity: 'error',
  targets: ['workload'],
  reads: [{ group: '', kind: 'Service' }],
  params: {},
  docs: {
    what:
      'Checks the port of every readiness, liveness and startup probe (httpGet, tcpSocket, grpc) of every container ' +
      'and native sidecar. A port given by name must be the name of one of that container\'s own ports (error). A ' +
      'port given by number is judged in one clear case only (warning): the container declares its ports, none of ' +
      'the pod declares that number, and it is the `port` of a Service that maps it to another port of the container ' +
      '— the Service port was written where the container port belongs.',
    why:
      'The kubelet resolves a named probe port against the probe\'s own container only; when the name is not there ' +
      'the probe fails every time. A failing readiness probe keeps the pod out of its Services — the gateway has no ' +
      'upstream and answers 502/503; a failing liveness or startup probe restarts the container in a loop, resetting ' +
      'the connections in flight (the reset shape of 502). A numeric port nobody listens on fails the same way.',
    fix:
      'Probe a port the container declares, by name so the two cannot drift apart:\n\n```yaml\ncontainers:\n  - name: app\n    ' +
      'ports:\n      - name: http\n        containerPort: 8080\n    readinessProbe:\n      httpGet:\n        path: /ready\n        ' +
      'port: http\n```',
    notes:
      'Numeric ports are otherwise left alone: the kubelet probes undeclared ports fine, and health ports the manifest ' +
      'never lists are common (ingress-nginx probes 10254, the AWS Load Balancer Controller 61779). A number another ' +
      'container of the pod declares is reached too (all containers share the pod\'s network). ' +
      'A named port declared only by another container is still an error: names do not resolve across containers. ' +
      'A readiness probe of a workload no Service selects is reported as a warning (no traffic depends on it). ' +
      'Silent for probes with an explicit `host` (they check another address), workloads scaled to 0, and Argo ' +
      'Rollouts using `workloadRef` (the referenced Deployment, which holds the template, is checked instead).',
  },
  evaluate(w, graph) {
    if (!isWorkload(w) || !w.template) return [];
    // The template of an Argo Rollout's workloadRef runs under the Rollout, whatever its own replicas say.
    const runner = graph.rolloutReferencing(w) ?? w;
    if (runner.replicas === 0) return [];
    const containers = w.template.containers;
    const served = graph.servicesSelecting(runner).length > 0;
    const hits: RuleHit[] = [];
    for (const c of containers) {
      for (const kind of KINDS) {
        const probe = c[kind];
        if (!probe || probe.port === undefined || !probe.portPath) continue;
        const ref = probe.port;
        const numeric = typeof ref === 'number' || /^\d+$/.test(ref);
        if (findContainerPort(c, ref)) continue;
        const label = kind.replace('Probe', ' probe');
        const effect = kind === 'readinessProbe' && !served ? UNSERVED_READINESS : EFFECT[kind];
        if (!numeric) {
          const elsewhere = containers.find((o) => o !== c && o.ports.some((p) => p.name === ref));
          const severity: Severity = kind === 'readinessProbe' && !served ? 'warning' : 'error';
          const suggestion = c.ports.length === 1 ? c.ports[0] : c.ports.find((p) => p.name && /http|web|health|admin|mgmt|management/.test(p.name));
          hits.push({
            path: probe.portPath,
            message:
              `The ${label} of container ${c.name} in ${workloadName(w)} checks the port named ${JSON.stringify(ref)}, which the container does not declare ` +
              `(its ports: ${declared(c)}${elsewhere ? `; container ${elsewhere.name} declares it, but probe port names resolve only against their own container` : ''}): ` +
              `the probe fails every time and ${effect}.`,
            fix: suggestion
              ? fixWithYaml(`Probe a port container ${c.name} declares:`, handlerWithPort(kind, probe, portValue(probe, suggestion)))
              : declarePortFix(c, ref, elsewhere?.ports.find((p) => p.name === ref)?.containerPort),
            ...(severity !== 'error' ? { severity } : {}),
          });
          continue;
        }
        // Numeric: the kubelet probes undeclared ports fine, and undeclared health ports are common (ingress-nginx
        // probes 10254, which it never lists). Judge only the one clear slip: the probe uses the *Service* port of
        // a Service that maps it to another port this container declares — the app listens there, not here.
        if (c.ports.length === 0) continue;
        const host = probe.handlerSpec.host;
        if (typeof host === 'string' && host !== '') continue;
        const n = Number(ref);
        if (containers.some((o) => findContainerPort(o, n))) continue;
        const slip = trafficTargets(runner, graph).find(
          (t) => t.servicePort.port === n && t.container === c && t.containerPort !== undefined && t.containerPort.containerPort !== n,
        );
        if (!slip?.containerPort) continue;
        const target = slip.containerPort;
        hits.push({
          path: probe.portPath,
          message:
            `The ${label} of container ${c.name} in ${workloadName(w)} checks port ${n}, the port of Service ${slip.service.name}, ` +
            `which sends that port to container port ${target.name ? `${target.name} (${target.containerPort})` : target.containerPort}; no container ` +
            `declares ${n}: probes go to the pod directly, so unless the app also listens on ${n} the probe fails every time and ${effect}.`,
          fix: fixWithYaml(`Probe the container port${target.name && probe.handler !== 'grpc' ? ' by name' : ''}:`, handlerWithPort(kind, probe, portValue(probe, target))),
          severity: 'warning',
        });
      }
    }
    return hits;
  },
  fixtures: {
    fire: [
      {
        name: 'readiness probe names a port the container does not declare',
        yaml: `
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
          image: web
          ports: [{name: http, containerPort: 8080}]
          readinessProbe:
            httpGet: {path: /ready, port: web}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
`,
        expect: [{ severity: 'error', path: 'spec.template.spec.containers[0].readinessProbe.httpGet.port', message: 'The readiness probe of container app in Deployment/web checks the port named "web", which the container does not declare (its ports: http:8080): the probe fails every time and the pod never becomes ready, so its Services have no endpoint in it and the gateway answers 502/503.', fix: 'Probe a port container app declares:\nreadinessProbe:\n  httpGet:\n    path: /ready\n    port: http' }],
      },
      {
        name: 'liveness probe names a port declared only by the sidecar',
        yaml: `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
        - name: db
          image: db
          ports: [{name: sql, containerPort: 5432}]
          livenessProbe:
            tcpSocket: {port: metrics}
        - name: exporter
          image: exporter
          ports: [{name: metrics, containerPort: 9187}]
`,
        expect: [{ severity: 'error', path: 'spec.template.spec.containers[0].livenessProbe.tcpSocket.port', message: 'The liveness probe of container db in StatefulSet/db checks the port named "metrics", which the container does not declare (its ports: sql:5432; container exporter declares it, but probe port names resolve only against their own container): the probe fails every time and the kubelet restarts the container over and over, resetting the connections in flight each time.', fix: 'Probe a port container db declares:\nlivenessProbe:\n  tcpSocket:\n    port: sql' }],
      },
      {
        name: 'numeric probes on the Service ports instead of the container ports',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: api
          ports: [{name: http, containerPort: 8080}, {name: grpc, containerPort: 9090}]
          readinessProbe:
            httpGet: {path: /ready, port: 80}
          startupProbe:
            grpc: {port: 9000, service: api.v1}
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports: [{name: http, port: 80, targetPort: http}, {name: grpc, port: 9000, targetPort: 9090}]
`,
        expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0].readinessProbe.httpGet.port', message: 'The readiness probe of container api in Deployment/api checks port 80, the port of Service api, which sends that port to container port http (8080); no container declares 80: probes go to the pod directly, so unless the app also listens on 80 the probe fails every time and the pod never becomes ready, so its Services have no endpoint in it and the gateway answers 502/503.', fix: 'Probe the container port by name:\nreadinessProbe:\n  httpGet:\n    path: /ready\n    port: http' }, { severity: 'warning', path: 'spec.template.spec.containers[0].startupProbe.grpc.port', message: 'The startup probe of container api in Deployment/api checks port 9000, the port of Service api, which sends that port to container port grpc (9090); no container declares 9000: probes go to the pod directly, so unless the app also listens on 9000 the probe fails every time and the container never counts as started: the kubelet kills and restarts it over and over, and it never serves.', fix: 'Probe the container port:\nstartupProbe:\n  grpc:\n    port: 9090\n    service: api.v1' }],
      },
      {
        name: 'Deployment used as the template of an Argo Rollout (replicas 0) with a wrong port name',
        yaml: `
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: web-template}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-template}
spec:
  replicas: 0
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: app
          image: web
          ports: [{name: http, containerPort: 8080}]
          readinessProbe: {httpGet: {path: /, port: https}}
`,
        expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0].readinessProbe.httpGet.port', message: 'The readiness probe of container app in Deployment/web-template checks the port named "https", which the container does not declare (its ports: http:8080): the probe fails every time and the pod never becomes ready and its rollout stalls.', fix: 'Probe a port container app declares:\nreadinessProbe:\n  httpGet:\n    path: /\n    port: http' }],
      },
      {
        name: 'native sidecar probe with a wrong port name',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      initContainers:
        - name: proxy
          image: envoy
          restartPolicy: Always
          ports: [{name: admin, containerPort: 9901}]
          readinessProbe:
            httpGet: {path: /ready, port: envoy-admin, scheme: HTTPS, httpHeaders: [{name: Host, value: admin.local}]}
      containers:
        - {name: app, image: web, ports: [{name: http, containerPort: 8080}]}
`,
        expect: [{ severity: 'warning', path: 'spec.template.spec.initContainers[0].readinessProbe.httpGet.port', message: 'The readiness probe of container proxy in Deployment/web checks the port named "envoy-admin", which the container does not declare (its ports: admin:9901): the probe fails every time and the pod never becomes ready and its rollout stalls.', fix: 'Probe a port container proxy declares:\nreadinessProbe:\n  httpGet:\n    path: /ready\n    port: admin\n    scheme: HTTPS\n    httpHeaders:\n      - name: Host\n        value: admin.local' }],
      },
      {
        name: 'named startup probe port on a container that declares no ports (the number to declare is a placeholder)',
        yaml: appYaml({ servicePorts: '[{port: 80, targetPort: 8080}]', containers: '        - {name: app, image: web, startupProbe: {httpGet: {path: /started, port: http}}}\n' }),
        expect: [{ severity: 'error', path: 'spec.template.spec.containers[0].startupProbe.httpGet.port', message: 'The startup probe of container app in Deployment/web checks the port named "http", which the container does not declare (its ports: none): the probe fails every time and the container never counts as started: the kubelet kills and restarts it over and over, and it never serves.', fix: 'Declare the port on container app (fill in the port the app listens on):\nports:\n  - name: http\n    containerPort: 8080  # placeholder: the port the app listens on' }],
      },
      {
        name: 'unserved worker: a wrong readiness port name is a warning, a wrong liveness port name still an error; the fix picks the health-like port',
        yaml: appYaml({
          servicePorts: false,
          containers: '        - name: app\n          image: worker\n          ports: [{name: grpc, containerPort: 9090}, {containerPort: 7000}, {name: health, containerPort: 8086}]\n' +
            '          readinessProbe: {httpGet: {path: /ready, port: ready}}\n          livenessProbe: {tcpSocket: {port: healthz}}\n',
        }),
        expect: [
          { severity: 'warning', path: 'spec.template.spec.containers[0].readinessProbe.httpGet.port', message: 'The readiness probe of container app in Deployment/web checks the port named "ready", which the container does not declare (its ports: grpc:9090, 7000, health:8086): the probe fails every time and the pod never becomes ready and its rollout stalls.', fix: 'Probe a port container app declares:\nreadinessProbe:\n  httpGet:\n    path: /ready\n    port: health' },
          { severity: 'error', path: 'spec.template.spec.containers[0].livenessProbe.tcpSocket.port', message: 'The liveness probe of container app in Deployment/web checks the port named "healthz", which the container does not declare (its ports: grpc:9090, 7000, health:8086): the probe fails every time and the kubelet restarts the container over and over, resetting the connections in flight each time.', fix: 'Probe a port container app declares:\nlivenessProbe:\n  tcpSocket:\n    port: health' },
        ],
      },
      {
        name: 'port name declared by the sidecar, no health-like port of its own: the fix declares the number the sidecar gives',
        yaml: appYaml({
          servicePorts: '[{name: sql, port: 5432, targetPort: sql}]',
          containers: '        - {name: db, image: db, ports: [{name: sql, containerPort: 5432}, {name: repl, containerPort: 5433}], readinessProbe: {tcpSocket: {port: metrics}}}\n' +
            '        - {name: exporter, image: exporter, ports: [{name: web, containerPort: 9188}, {name: metrics, containerPort: 9187}]}\n',
        }),
        expect: [{ severity: 'error', path: 'spec.template.spec.containers[0].readinessProbe.tcpSocket.port', message: 'The readiness probe of container db in Deployment/web checks the port named "metrics", which the container does not declare (its ports: sql:5432, repl:5433; container exporter declares it, but probe port names resolve only against their own container): the probe fails every time and the pod never becomes ready, so its Services have no endpoint in it and the gateway answers 502/503.', fix: 'Declare the port on container db:\nports:\n  - name: metrics\n    containerPort: 9187' }],
      },
      {
        name: 'numeric probes on the Service port, the container port unnamed and the probe port written as a string',
        yaml: appYaml({
          servicePorts: '[{port: 80, targetPort: 8080}]',
          containers: '        - name: app\n          image: web\n          ports: [{containerPort: 8080}]\n          livenessProbe: {tcpSocket: {port: "80"}, periodSeconds: 5}\n',
        }),
        expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0].livenessProbe.tcpSocket.port', message: 'The liveness probe of container app in Deployment/web checks port 80, the port of Service web, which sends that port to container port 8080; no container declares 80: probes go to the pod directly, so unless the app also listens on 80 the probe fails every time and the kubelet restarts the container over and over, resetting the connections in flight each time.', fix: 'Probe the container port:\nlivenessProbe:\n  tcpSocket:\n    port: 8080' }],
      },
      {
        name: 'an empty probe host is the pod itself: the Service port slip is judged',
        yaml: appYaml({ containers: '        - {name: app, image: web, ports: [{name: http, containerPort: 8080}], readinessProbe: {httpGet: {host: "", path: /, port: 80}}}\n' }),
        expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0].readinessProbe.httpGet.port', message: 'checks port 80, the port of Service web, which sends that port to container port http (8080)', fix: 'Probe the container port by name:\nreadinessProbe:\n  httpGet:\n    host: ""\n    path: /\n    port: http' }],
      },
    ],
    silent: [
      {
        name: "a sidecar probing the Service port that the Service sends to the app container (not the sidecar's own slip)",
        yaml: appYaml({
          servicePorts: '[{port: 9000, targetPort: http}]',
          containers: '        - {name: app, image: web, ports: [{name: http, containerPort: 8080}]}\n' +
            '        - {name: proxy, image: envoy, ports: [{name: admin, containerPort: 9901}], readinessProbe: {httpGet: {path: /ready, port: 9000}}}\n',
        }),
      },
      {
        name: 'probes use declared ports, by name and by number',
        yaml: `
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
          image: web
          ports: [{name: http, containerPort: 8080}, {name: admin, containerPort: 9000}]
          readinessProbe: {httpGet: {path: /ready, port: http}}
          livenessProbe: {tcpSocket: {port: 9000}}
          startupProbe: {grpc: {port: 8080}}
`,
      },
      {
        name: 'numeric probe port while the container declares no ports',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker}
spec:
  selector: {matchLabels: {app: worker}}
  template:
    metadata: {labels: {app: worker}}
    spec:
      containers:
        - name: worker
          image: worker
          livenessProbe: {httpGet: {path: /healthz, port: 8081}}
`,
      },
      {
        name: 'numeric health port the container does not list (ingress-nginx 10254)',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ingress-nginx-controller}
spec:
  selector: {matchLabels: {app: ingress-nginx}}
  template:
    metadata: {labels: {app: ingress-nginx}}
    spec:
      containers:
        - name: controller
          image: ingress-nginx/controller
          ports: [{name: http, containerPort: 80}, {name: https, containerPort: 443}]
          readinessProbe: {httpGet: {path: /healthz, port: 10254}}
          livenessProbe: {httpGet: {path: /healthz, port: 10254}}
---
apiVersion: v1
kind: Service
metadata: {name: ingress-nginx-controller}
spec:
  type: LoadBalancer
  selector: {app: ingress-nginx}
  ports: [{name: http, port: 80, targetPort: http}, {name: https, port: 443, targetPort: https}]
`,
      },
      {
        name: 'numeric probe on a port that is both Service port and container port',
        yaml: `
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
          image: web
          ports: [{containerPort: 8080}]
          readinessProbe: {httpGet: {path: /, port: 8080}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 8080}]
`,
      },
      {
        name: 'numeric probe port declared by another container of the pod (shared network)',
        yaml: `
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
          image: web
          ports: [{name: http, containerPort: 8080}]
          readinessProbe: {httpGet: {path: /ready, port: 15021}}
        - name: proxy
          image: envoy
          ports: [{name: status, containerPort: 15021}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 15021, targetPort: http}]
`,
      },
      {
        name: 'probe with an explicit host checks another address',
        yaml: `
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
          image: web
          ports: [{name: http, containerPort: 8080}]
          livenessProbe: {httpGet: {host: 127.0.0.1, path: /healthz, port: 9999}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 9999, targetPort: http}]
`,
      },
      {
        name: 'exec probes of a served workload have no port to check',
        yaml: appYaml({ containers: '        - {name: app, image: web, ports: [{name: http, containerPort: 8080}], readinessProbe: {exec: {command: [cat, /tmp/ready]}}, livenessProbe: {exec: {command: [cat, /tmp/healthy]}}}\n' }),
      },
      {
        name: 'exec probe and a workload scaled to 0',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: paused}
spec:
  replicas: 0
  selector: {matchLabels: {app: paused}}
  template:
    metadata: {labels: {app: paused}}
    spec:
      containers:
        - name: app
          image: app
          ports: [{name: http, containerPort: 8080}]
          readinessProbe: {httpGet: {path: /, port: web}}
          livenessProbe: {exec: {command: [cat, /tmp/healthy]}}
`,
      },
      {
        name: 'Argo Rollout with workloadRef (the Deployment holding the template is judged)',
        yaml: `
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: web}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 0
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: app
          image: web
          ports: [{name: http, containerPort: 8080}]
          readinessProbe: {httpGet: {path: /, port: http}}
`,
      },
    ],
  },
});
