import { defineRule } from '../engine/rule.ts';
import { isWorkload } from '../engine/model.ts';
import type { RuleHit } from '../engine/types.ts';
import { appYaml } from './lib/fixture-yaml.ts';
import { describeTargets, servedContainers } from './lib/serving.ts';
import { workloadName } from './lib/traffic.ts';
import { retimedProbe } from './lib/probe-suggestion.ts';
import { fixWithYaml } from './lib/yaml.ts';
import { SCALERS, SERVED } from './lib/reads.ts';

export default defineRule({
  id: 'readiness-probe-slow',
  title: 'Readiness probe takes too long to notice a dead pod',
  shape: 'too-slow',
  severity: 'warning',
  targets: ['workload'],
  reads: [...SERVED, ...SCALERS],
  params: {
    maxDetectionSeconds: {
      type: 'integer',
      default: 30,
      minimum: 1,
      unit: 'seconds',
      description: 'Longest acceptable periodSeconds × failureThreshold of a serving container',
    },
  },
  docs: {
    what:
      'Computes how long the readiness probe of a serving container takes to take a broken pod out of its Services: ' +
      '`periodSeconds × failureThreshold` (Kubernetes defaults: 10 × 3 = 30 s). Fires above `maxDetectionSeconds`.',
    why:
      'Until the probe has failed `failureThreshold` times in a row, the endpoint stays published: every request the ' +
      'gateway sends to a hung or crashed-but-not-restarted pod in that window times out or is refused, and comes back ' +
      'as a 502 or 504. A two-minute window on a busy service is thousands of failed requests.',
    fix: 'Probe more often, fail sooner — and keep the liveness probe more tolerant so that a slow moment takes the pod out of rotation without restarting it:\n\n```yaml\nreadinessProbe:\n  httpGet: {path: /ready, port: http}\n  periodSeconds: 5\n  failureThreshold: 3\n```',
    notes: 'Only serving containers are judged; the Kubernetes defaults (30 s) never fire with the default ceiling.',
  },
  evaluate(w, graph, params) {
    if (!isWorkload(w)) return [];
    const hits: RuleHit[] = [];
    for (const s of servedContainers(w, graph)) {
      const p = s.container.readinessProbe;
      if (!p || p.handler === 'none') continue;
      const seconds = p.periodSeconds * p.failureThreshold;
      if (seconds <= params.maxDetectionSeconds) continue;
      hits.push({
        path: p.path,
        message:
          `The readiness probe of container ${s.container.name} (${workloadName(w)}) needs ${seconds}s (periodSeconds ${p.periodSeconds} × ` +
          `failureThreshold ${p.failureThreshold}) to take a dead pod out of ${describeTargets(s)}; requests sent to it meanwhile fail (limit ${params.maxDetectionSeconds}s).`,
        fix: () => {
          const period = Math.max(1, Math.min(p.periodSeconds, 5));
          // The kubelet runs one check of a probe at a time: a check that hangs until its timeout
          // stretches the interval between failures to timeoutSeconds, so the threshold counts those.
          const interval = Math.max(period, p.timeoutSeconds);
          return fixWithYaml(`Detect within the limit: the readiness probe of container ${s.container.name}, probing more often and failing sooner:`, {
            readinessProbe: retimedProbe(p, period, Math.max(1, Math.floor(params.maxDetectionSeconds / interval))),
          });
        },
      });
    }
    return hits;
  },
  fixtures: {
    fire: [
      { name: '60 s to notice a dead pod', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {httpGet: {path: /ready, port: http}, periodSeconds: 20, failureThreshold: 3}}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0].readinessProbe', message: 'The readiness probe of container app (Deployment/web) needs 60s (periodSeconds 20 × failureThreshold 3) to take a dead pod out of Service web port http (80); requests sent to it meanwhile fail (limit 30s).', fix: 'Detect within the limit: the readiness probe of container app, probing more often and failing sooner:\nreadinessProbe:\n  httpGet:\n    path: /ready\n    port: http\n  periodSeconds: 5\n  failureThreshold: 6' }] },
      { name: 'slow checks with a long timeout: each hung check takes the timeout, so fewer failures fit the limit', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {exec: {command: [sh, -c, /health/ready.sh]}, periodSeconds: 15, timeoutSeconds: 15, failureThreshold: 5}}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0].readinessProbe', message: 'needs 75s (periodSeconds 15 × failureThreshold 5)', fix: 'readinessProbe:\n  exec:\n    command:\n      - sh\n      - "-c"\n      - /health/ready.sh\n  periodSeconds: 5\n  timeoutSeconds: 15\n  failureThreshold: 2' }] },
      { name: 'over a lowered ceiling', params: { maxDetectionSeconds: 10 }, yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {tcpSocket: {port: http}, periodSeconds: 5, failureThreshold: 3}}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0].readinessProbe', message: 'The readiness probe of container app (Deployment/web) needs 15s (periodSeconds 5 × failureThreshold 3) to take a dead pod out of Service web port http (80); requests sent to it meanwhile fail (limit 10s).', fix: 'Detect within the limit: the readiness probe of container app, probing more often and failing sooner:\nreadinessProbe:\n  tcpSocket:\n    port: http\n  periodSeconds: 5\n  failureThreshold: 2' }] },
    ],
    silent: [
      { name: 'Kubernetes defaults (10 s × 3)', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {httpGet: {path: /ready, port: http}}}\n' }) },
      { name: 'slow probe on a worker without a Service', yaml: appYaml({ servicePorts: false, containers: '        - {name: worker, image: w, readinessProbe: {exec: {command: [check]}, periodSeconds: 60, failureThreshold: 5}}\n' }) },
      { name: 'slow probe on a sidecar no Service uses', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {httpGet: {path: /ready, port: http}}}\n        - {name: sync, image: s, readinessProbe: {exec: {command: [check]}, periodSeconds: 60, failureThreshold: 5}}\n' }) },
    ],
  },
});
