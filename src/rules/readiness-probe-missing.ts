import { defineRule } from '../engine/rule.ts';
import { isWorkload } from '../engine/model.ts';
import type { RuleHit } from '../engine/types.ts';
import { appYaml } from './lib/fixture-yaml.ts';
import { readinessProbeFix } from './lib/probe-suggestion.ts';
import { describeTargets, servedContainers } from './lib/serving.ts';
import { workloadName } from './lib/traffic.ts';
import { SCALERS, SERVED } from './lib/reads.ts';

export default defineRule({
  id: 'readiness-probe-missing',
  title: 'Serving container has no readiness probe',
  shape: 'unreachable',
  severity: 'warning',
  targets: ['workload'],
  reads: [...SERVED, ...SCALERS],
  params: {},
  docs: {
    what:
      'Finds containers that receive Service traffic — the container a Service port actually lands on, not any ' +
      'container of the pod — and have no `readinessProbe`.',
    why:
      'Without a readiness probe a pod is ready the moment its containers start: the endpoint is published before the ' +
      'app listens, and stays published when the app hangs or is overloaded. The gateway sends requests to a port ' +
      'that refuses or never answers, and returns 502 (or 504) until the pod dies.',
    fix:
      'Add a readiness probe that asks the app itself, on the port the Service uses, in the protocol that port speaks. ' +
      'For HTTP, the path of the app\'s readiness endpoint:\n\n```yaml\nreadinessProbe:\n  httpGet: {path: /ready, port: http}   # your app\'s readiness path\n  periodSeconds: 5\n  failureThreshold: 3\n```\n\n' +
      'For gRPC, the standard health service (`grpc: {port: 9090}`); for TLS, `scheme: HTTPS`; for a database or queue, its ' +
      'own client (`exec: {command: [pg_isready, -h, 127.0.0.1]}`, `redis-cli ping`, `mysqladmin ping`), or a `tcpSocket` ' +
      'check where no client is at hand. The fix of each finding proposes the probe for the port it found. An HTTP probe ' +
      'of a port that does not speak HTTP keeps the pod unready forever.',
    notes:
      'Silent for workers that no Service selects, for sidecars no Service port lands on, for Services used only by ' +
      'metrics scrapers, and for workloads scaled to zero. A startupProbe does not replace a readiness probe: it only ' +
      'gates the start.',
  },
  evaluate(w, graph, params) {
    if (!isWorkload(w)) return [];
    void params;
    const hits: RuleHit[] = [];
    for (const s of servedContainers(w, graph)) {
      if (s.container.readinessProbe) continue;
      hits.push({
        path: s.container.path,
        message:
          `Container ${s.container.name} of ${workloadName(w)} receives traffic from ${describeTargets(s)} but has no readinessProbe: ` +
          'its pods get requests before the app listens and keep getting them when it hangs.',
        fix: readinessProbeFix(s, graph, `Add to container ${s.container.name}`, { periodSeconds: 5, failureThreshold: 3 }),
      });
    }
    return hits;
  },
  fixtures: {
    fire: [
      { name: 'serving container without a readiness probe', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}]}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0]', message: 'Container app of Deployment/web receives traffic from Service web port http (80) but has no readinessProbe: its pods get requests before the app listens and keep getting them when it hangs.', fix: 'Add to container app (fill in your app\'s readiness path):\nreadinessProbe:\n  httpGet:\n    path: /ready  # placeholder: the path of your app\'s readiness endpoint\n    port: http\n  periodSeconds: 5\n  failureThreshold: 3' }] },
      { name: 'the app has none while its sidecar has one', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}]}\n        - {name: proxy, image: envoy, ports: [{name: admin, containerPort: 9901}], readinessProbe: {httpGet: {path: /ready, port: admin}}}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0]', message: 'Container app of Deployment/web receives traffic from Service web port http (80) but has no readinessProbe: its pods get requests before the app listens and keep getting them when it hangs.', fix: 'Add to container app (fill in your app\'s readiness path):\nreadinessProbe:\n  httpGet:\n    path: /ready  # placeholder: the path of your app\'s readiness endpoint\n    port: http\n  periodSeconds: 5\n  failureThreshold: 3' }] },
      { name: 'a startupProbe alone', yaml: appYaml({ kind: 'StatefulSet', containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], startupProbe: {httpGet: {path: /, port: http}}}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0]', message: 'Container app of StatefulSet/web receives traffic from Service web port http (80) but has no readinessProbe: its pods get requests before the app listens and keep getting them when it hangs.', fix: 'Add to container app (fill in your app\'s readiness path):\nreadinessProbe:\n  httpGet:\n    path: /ready  # placeholder: the path of your app\'s readiness endpoint\n    port: http\n  periodSeconds: 5\n  failureThreshold: 3' }] },
      { name: 'HTTP port: an httpGet with the path marked to fill in', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}]}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0]', message: 'Container app of Deployment/web receives traffic from Service web port http (80) but has no readinessProbe: its pods get requests before the app listens and keep getting them when it hangs.', fix: 'Add to container app (fill in your app\'s readiness path):\nreadinessProbe:\n  httpGet:\n    path: /ready  # placeholder: the path of your app\'s readiness endpoint\n    port: http\n  periodSeconds: 5\n  failureThreshold: 3' }] },
      { name: 'PostgreSQL port: the server\'s own client', yaml: appYaml({ servicePorts: '[{name: postgres, port: 5432, targetPort: pg}]', containers: '        - {name: db, image: "postgres:16", ports: [{name: pg, containerPort: 5432}]}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0]', message: 'Container db of Deployment/web receives traffic from Service web port postgres (5432) but has no readinessProbe: its pods get requests before the app listens and keep getting them when it hangs.', fix: 'Add to container db (PostgreSQL: ask the server with its own client):\nreadinessProbe:\n  exec:\n    command:\n      - pg_isready\n      - "-h"\n      - "127.0.0.1"\n      - "-p"\n      - "5432"\n  periodSeconds: 5\n  failureThreshold: 3' }] },
      { name: 'Redis port: redis-cli ping', yaml: appYaml({ kind: 'StatefulSet', servicePorts: '[{name: redis, port: 6379, targetPort: 6379}]', containers: '        - {name: redis, image: "docker.io/library/redis:7", ports: [{containerPort: 6379}]}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0]', message: 'Container redis of StatefulSet/web receives traffic from Service web port redis (6379) but has no readinessProbe: its pods get requests before the app listens and keep getting them when it hangs.', fix: 'Add to container redis (Redis: ask the server with its own client):\nreadinessProbe:\n  exec:\n    command:\n      - redis-cli\n      - "-p"\n      - "6379"\n      - ping\n  periodSeconds: 5\n  failureThreshold: 3' }] },
      { name: 'gRPC port: the gRPC health service', yaml: appYaml({ servicePorts: '[{name: grpc, port: 9090, targetPort: grpc, appProtocol: grpc}]', containers: '        - {name: app, image: app, ports: [{name: grpc, containerPort: 9090}]}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0]', message: 'Container app of Deployment/web receives traffic from Service web port grpc (9090) but has no readinessProbe: its pods get requests before the app listens and keep getting them when it hangs.', fix: 'Add to container app (gRPC port: the app must serve the standard gRPC health service, grpc.health.v1):\nreadinessProbe:\n  grpc:\n    port: 9090\n  periodSeconds: 5\n  failureThreshold: 3' }] },
      { name: 'TLS port: HTTPS', yaml: appYaml({ servicePorts: '[{name: https, port: 443, targetPort: https, appProtocol: https}]', containers: '        - {name: app, image: app, ports: [{name: https, containerPort: 8443}]}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0]', message: 'Container app of Deployment/web receives traffic from Service web port https (443) but has no readinessProbe: its pods get requests before the app listens and keep getting them when it hangs.', fix: 'Add to container app (TLS port: the probe speaks HTTPS; fill in your app\'s readiness path):\nreadinessProbe:\n  httpGet:\n    path: /ready  # placeholder: the path of your app\'s readiness endpoint\n    port: https\n    scheme: HTTPS\n  periodSeconds: 5\n  failureThreshold: 3' }] },
      { name: 'Kafka port without a known client in the image: a TCP check', yaml: appYaml({ kind: 'StatefulSet', servicePorts: '[{name: kafka, port: 9092, targetPort: 9092}]', containers: '        - {name: broker, image: example/broker, ports: [{containerPort: 9092}]}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0]', message: 'Container broker of StatefulSet/web receives traffic from Service web port kafka (9092) but has no readinessProbe: its pods get requests before the app listens and keep getting them when it hangs.', fix: 'Add to container broker (Kafka port: a TCP check, better than none; if the app has a readiness endpoint or command, probe that instead):\nreadinessProbe:\n  tcpSocket:\n    port: 9092\n  periodSeconds: 5\n  failureThreshold: 3' }] },
      { name: 'a Service named like a monitoring UI is still judged by its port names', yaml: appYaml({ servicePorts: '[{port: 9090, targetPort: 9090}]', containers: '        - {name: prometheus, image: prom/prometheus, ports: [{containerPort: 9090}]}\n' }).replace('kind: Service\nmetadata: {name: web}', 'kind: Service\nmetadata: {name: prometheus}'), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0]', message: 'Container prometheus of Deployment/web receives traffic from Service prometheus port 9090 but has no readinessProbe: its pods get requests before the app listens and keep getting them when it hangs.', fix: 'Add to container prometheus (no protocol is declared for this port: a TCP check, better than none; if the app has a readiness endpoint or command, probe that instead):\nreadinessProbe:\n  tcpSocket:\n    port: 9090\n  periodSeconds: 5\n  failureThreshold: 3' }] },
    ],
    silent: [
      { name: 'serving container with a readiness probe', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {httpGet: {path: /ready, port: http}}}\n' }) },
      { name: 'worker without a Service', yaml: appYaml({ servicePorts: false, containers: '        - {name: worker, image: worker}\n' }) },
      { name: 'sidecar that no Service port lands on', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {httpGet: {path: /ready, port: http}}}\n        - {name: log-shipper, image: fluent-bit}\n' }) },
      { name: 'scaled to zero on purpose', yaml: appYaml({ replicas: 0, containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}]}\n' }) },
      { name: 'selected only by a metrics Service', yaml: appYaml({ servicePorts: '[{name: metrics, port: 9102, targetPort: metrics}]', containers: '        - {name: app, image: app, ports: [{name: metrics, containerPort: 9102}]}\n' }) },
    ],
  },
});
