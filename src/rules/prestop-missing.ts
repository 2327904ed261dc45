import { defineRule } from '../engine/rule.ts';
import { isWorkload, type PodTemplate } from '../engine/model.ts';
import type { RuleHit } from '../engine/types.ts';
import { appYaml } from './lib/fixture-yaml.ts';
import { describeTargets, servedContainers } from './lib/serving.ts';
import { workloadName } from './lib/traffic.ts';
import { fixWithYaml } from './lib/yaml.ts';
import { servesHttp } from './lib/rollout-math.ts';
import { SCALERS, SERVED } from './lib/reads.ts';

/** Seconds the app keeps after the sleep, when the fix has to raise the grace period for it. */
const SHUTDOWN_SECONDS = 5;

/**
 * A preStop sleep that pastes: the native action (Kubernetes 1.30+) with its exec form for older
 * clusters, or the exec form where the hook already uses exec; and, when the pod's grace period would
 * not hold the sleep (the API server rejects a native sleep longer than it), the grace period it needs.
 */
function drainFix(container: string, exec: boolean, seconds: number, template: PodTemplate | undefined): string {
  const grace = template?.terminationGracePeriodSeconds ?? 30;
  const raise = grace < seconds + SHUTDOWN_SECONDS ? `, and raise terminationGracePeriodSeconds${template?.specPath ? ` in ${template.specPath}` : ''} to ${seconds + SHUTDOWN_SECONDS} so that the sleep fits` : '';
  const lead = exec
    ? `Add to container ${container}${raise}:`
    : `Add to container ${container}${raise} (the sleep action needs Kubernetes 1.30 or later; on older clusters use exec: {command: [sleep, "${seconds}"]}, which needs a sleep binary in the image):`;
  return fixWithYaml(lead, { lifecycle: { preStop: exec ? { exec: { command: ['sleep', String(seconds)] } } : { sleep: { seconds } } } });
}

export default defineRule({
  id: 'prestop-missing',
  title: 'No preStop drain on a serving container',
  shape: 'reset',
  severity: 'warning',
  targets: ['workload'],
  reads: [...SERVED, ...SCALERS],
  params: {
    minSleepSeconds: {
      type: 'integer',
      default: 5,
      minimum: 1,
      unit: 'seconds',
      description: 'Shortest preStop sleep that lets gateways and kube-proxy stop sending new requests',
    },
  },
  docs: {
    what:
      'Finds serving containers (the ones a Service port lands on) without a preStop hook that waits: the native ' +
      '`lifecycle.preStop.sleep` action or an exec `sleep N`, for at least `minSleepSeconds`.',
    why:
      'When a pod is deleted (rollout, scale-down, node drain), SIGTERM and the removal of its endpoint happen at the ' +
      'same time. Ingress controllers, cloud load balancers and kube-proxy learn about the removal seconds later and ' +
      'keep sending new requests to a process that is already shutting down: connections are refused or reset, and the ' +
      'gateway answers 502 — on every rollout. A short sleep before SIGTERM lets them catch up.',
    fix: 'Wait before the container is told to stop (Kubernetes 1.30+ has a native action; older clusters use `exec sleep`), and keep terminationGracePeriodSeconds above the sleep:\n\n```yaml\nlifecycle:\n  preStop:\n    sleep: {seconds: 10}\n# before 1.30: exec: {command: [sleep, "10"]}\n```',
    notes:
      'A preStop hook that does something else (an HTTP call to a drain endpoint, `nginx -s quit`) may drain on its own: ' +
      'it is left alone. Silent for workers without a Service, sidecars, metrics-only Services, workloads scaled to zero, ' +
      'and Services that carry no HTTP (databases, queues): no gateway stands between them and their clients.',
  },
  evaluate(w, graph, params) {
    if (!isWorkload(w)) return [];
    const hits: RuleHit[] = [];
    // Only request traffic (HTTP and gRPC through gateways or HTTP Services) turns a shutdown race into 502s.
    for (const s of servedContainers(w, graph).filter((x) => x.gatewayFacing || x.targets.some((t) => servesHttp(t.service)))) {
      const hook = s.container.preStop;
      const fix = () => drainFix(s.container.name, hook?.handler === 'exec', Math.max(params.minSleepSeconds, 10), w.template);
      if (!hook) {
        hits.push({
          path: s.container.path,
          message:
            `Container ${s.container.name} of ${workloadName(w)} serves ${describeTargets(s)} with no preStop drain: on every rollout ` +
            'it is stopped while gateways still send it requests, which are refused or reset.',
          fix,
        });
      } else if (hook.sleepSeconds !== undefined && hook.sleepSeconds < params.minSleepSeconds) {
        hits.push({
          path: hook.path,
          message:
            `The preStop hook of container ${s.container.name} (${workloadName(w)}) waits only ${hook.sleepSeconds}s: gateways may still ` +
            `send it requests after it stops (at least ${params.minSleepSeconds}s).`,
          fix,
        });
      }
    }
    return hits;
  },
  fixtures: {
    fire: [
      { name: 'serving container without preStop', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}]}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0]', message: 'Container app of Deployment/web serves Service web port http (80) with no preStop drain: on every rollout it is stopped while gateways still send it requests, which are refused or reset.', fix: 'Add to container app (the sleep action needs Kubernetes 1.30 or later; on older clusters use exec: {command: [sleep, "10"]}, which needs a sleep binary in the image):\nlifecycle:\n  preStop:\n    sleep:\n      seconds: 10' }] },
      { name: 'a 1 second sleep is too short to drain', yaml: appYaml({ kind: 'DaemonSet', containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], lifecycle: {preStop: {exec: {command: [sh, -c, sleep 1]}}}}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0].lifecycle.preStop', message: 'The preStop hook of container app (DaemonSet/web) waits only 1s: gateways may still send it requests after it stops (at least 5s).', fix: 'Add to container app:\nlifecycle:\n  preStop:\n    exec:\n      command:\n        - sleep\n        - "10"' }] },
      { name: 'a grace period too short for the sleep the fix proposes', yaml: appYaml({ podSpec: '      terminationGracePeriodSeconds: 5\n', containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}]}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0]', message: 'Container app of Deployment/web serves Service web port http (80) with no preStop drain: on every rollout it is stopped while gateways still send it requests, which are refused or reset.', fix: 'Add to container app, and raise terminationGracePeriodSeconds in spec.template.spec to 15 so that the sleep fits (the sleep action needs Kubernetes 1.30 or later; on older clusters use exec: {command: [sleep, "10"]}, which needs a sleep binary in the image):\nlifecycle:\n  preStop:\n    sleep:\n      seconds: 10' }] },
      { name: 'a 4 second sleep, one under the 5s minimum; a grace period of exactly sleep plus shutdown is kept', yaml: appYaml({ podSpec: '      terminationGracePeriodSeconds: 15\n', containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], lifecycle: {preStop: {sleep: {seconds: 4}}}}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0].lifecycle.preStop', message: 'The preStop hook of container app (Deployment/web) waits only 4s: gateways may still send it requests after it stops (at least 5s).', fix: 'Add to container app (the sleep action needs Kubernetes 1.30 or later; on older clusters use exec: {command: [sleep, "10"]}, which needs a sleep binary in the image):\nlifecycle:\n  preStop:\n    sleep:\n      seconds: 10' }] },
      { name: 'a grace period one second short of sleep plus shutdown', yaml: appYaml({ podSpec: '      terminationGracePeriodSeconds: 14\n', containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}]}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0]', message: 'with no preStop drain', fix: 'Add to container app, and raise terminationGracePeriodSeconds in spec.template.spec to 15 so that the sleep fits (the sleep action' }] },
    ],
    silent: [
      { name: 'a sleep of exactly the 5s minimum', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], lifecycle: {preStop: {sleep: {seconds: 5}}}}\n' }) },
      { name: 'database behind an internal Service (no HTTP, no gateway)', yaml: appYaml({ kind: 'StatefulSet', servicePorts: '[{name: postgres, port: 5432, targetPort: pg}]', containers: '        - {name: db, image: postgres, ports: [{name: pg, containerPort: 5432}]}\n' }) },
      { name: 'native sleep action', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], lifecycle: {preStop: {sleep: {seconds: 10}}}}\n' }) },
      { name: 'exec sleep', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], lifecycle: {preStop: {exec: {command: [/bin/sh, -c, sleep 15 && nginx -s quit]}}}}\n' }) },
      { name: 'a drain endpoint instead of a sleep', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], lifecycle: {preStop: {httpGet: {path: /drain, port: http}}}}\n' }) },
      { name: 'worker without a Service', yaml: appYaml({ servicePorts: false, containers: '        - {name: worker, image: w}\n' }) },
      { name: 'sidecar without preStop next to a draining app', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], lifecycle: {preStop: {sleep: {seconds: 10}}}}\n        - {name: log-shipper, image: fluent-bit}\n' }) },
    ],
  },
});
