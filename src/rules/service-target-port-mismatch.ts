import { defineRule } from '../engine/rule.ts';
import { isServiceModel, findContainerPort } from '../engine/model.ts';
import type { RuleHit } from '../engine/types.ts';
import { servicePortLabel, workloadName } from './lib/traffic.ts';
import { fixWithYaml } from './lib/yaml.ts';

export default defineRule({
  id: 'service-target-port-mismatch',
  title: 'Service targetPort matches no container port',
  shape: 'unreachable',
  severity: 'error',
  targets: ['Service'],
  params: {},
  docs: {
    what:
      'Checks every port of a Service with a selector against the pods it selects. A named `targetPort` must be ' +
      'the name of a container port; a numeric one must be declared by some container — judged only when every ' +
      'container of the pod declares its ports, because the kubelet happily serves undeclared ports.',
    why:
      'A named targetPort that no container declares gives the Service no endpoint port at all: the Service has ' +
      'addresses but nowhere to send them, and the gateway gets connection refused or no upstream — a 502. A numeric ' +
      'targetPort nobody listens on is refused the same way, on every request.',
    fix: 'Point `targetPort` at a port the container declares, preferably by name, so the two cannot drift apart:\n\n```yaml\n# Service\nports:\n  - name: http\n    port: 80\n    targetPort: http\n# Deployment container\nports:\n  - name: http\n    containerPort: 8080\n```',
    notes: 'Silent for Services without a selector (manual endpoints), for Services that select nothing (see `service-selects-nothing`), and for numeric targetPorts when some container declares no ports.',
  },
  evaluate(svc, graph) {
    if (!isServiceModel(svc) || !svc.selector) return [];
    const hits: RuleHit[] = [];
    for (const w of graph.workloadsSelectedBy(svc)) {
      const containers = graph.templateOf(w)?.containers ?? [];
      if (containers.length === 0) continue;
      for (const sp of svc.ports) {
        const ref = sp.targetPort;
        const numeric = typeof ref === 'number' || /^\d+$/.test(ref);
        if (containers.some((c) => findContainerPort(c, ref))) continue;
        // An undeclared numeric port may well be served: judge only when every container declares its ports.
        if (numeric && containers.some((c) => c.ports.length === 0)) continue;
        const declared = containers.flatMap((c) => c.ports.map((p) => (p.name ? `${p.name}:${p.containerPort}` : String(p.containerPort))));
        const suggestion = containers.flatMap((c) => c.ports)[0];
        hits.push({
          path: `${sp.path}.targetPort`,
          message:
            `Service port ${servicePortLabel(sp)} sends traffic to ${numeric ? 'port' : 'the port named'} ${JSON.stringify(ref)}, ` +
            `but no container of ${workloadName(w)} declares it (declared: ${declared.join(', ') || 'none'}): connections are refused.`,
          fix: suggestion
            ? fixWithYaml(`Set targetPort to a port ${workloadName(w)} declares:`, { ports: [{ ...(sp.name ? { name: sp.name } : {}), port: sp.port, targetPort: suggestion.name ?? suggestion.containerPort }] })
            : fixWithYaml(`Declare the port on the serving container of ${workloadName(w)}:`, { ports: [{ name: numeric ? 'http' : ref, containerPort: numeric ? Number(ref) : 8080 }] }),
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
        hits: 1,
      },
      {
        name: 'numeric targetPort while every container declares other ports',
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
      },
    ],
    silent: [
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
