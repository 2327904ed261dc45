import { defineRule } from '../engine/rule.ts';
import { isWorkload } from '../engine/model.ts';
import type { RuleHit } from '../engine/types.ts';
import { appYaml } from './lib/fixture-yaml.ts';
import { describeTargets, servedContainers, suggestedProbePort } from './lib/serving.ts';
import { workloadName } from './lib/traffic.ts';
import { fixWithYaml } from './lib/yaml.ts';

export default defineRule({
  id: 'readiness-probe-missing',
  title: 'Serving container has no readiness probe',
  shape: 'unreachable',
  severity: 'warning',
  targets: ['workload'],
  params: {},
  docs: {
    what:
      'Finds containers that receive Service traffic — the container a Service port actually lands on, not any ' +
      'container of the pod — and have no `readinessProbe`.',
    why:
      'Without a readiness probe a pod is ready the moment its containers start: the endpoint is published before the ' +
      'app listens, and stays published when the app hangs or is overloaded. The gateway sends requests to a port ' +
      'that refuses or never answers, and returns 502 (or 504) until the pod dies.',
    fix: 'Add a readiness probe that asks the app itself, on the port the Service uses:\n\n```yaml\nreadinessProbe:\n  httpGet: {path: /ready, port: http}\n  periodSeconds: 5\n  failureThreshold: 3\n```',
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
        fix: fixWithYaml(`Add to container ${s.container.name}:`, {
          readinessProbe: { httpGet: { path: '/ready', port: suggestedProbePort(s) }, periodSeconds: 5, failureThreshold: 3 },
        }),
      });
    }
    return hits;
  },
  fixtures: {
    fire: [
      { name: 'serving container without a readiness probe', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}]}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0]', message: 'Container app of Deployment/web receives traffic from Service web port http (80) but has no readinessProbe: its pods get requests before the app listens and keep getting them when it hangs.' }] },
      { name: 'the app has none while its sidecar has one', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}]}\n        - {name: proxy, image: envoy, ports: [{name: admin, containerPort: 9901}], readinessProbe: {httpGet: {path: /ready, port: admin}}}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0]', message: 'Container app of Deployment/web receives traffic from Service web port http (80) but has no readinessProbe: its pods get requests before the app listens and keep getting them when it hangs.' }] },
      { name: 'a startupProbe alone', yaml: appYaml({ kind: 'StatefulSet', containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], startupProbe: {httpGet: {path: /, port: http}}}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0]', message: 'Container app of StatefulSet/web receives traffic from Service web port http (80) but has no readinessProbe: its pods get requests before the app listens and keep getting them when it hangs.' }] },
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
