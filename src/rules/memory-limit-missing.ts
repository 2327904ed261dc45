import { defineRule } from '../engine/rule.ts';
import { isWorkload } from '../engine/model.ts';
import type { RuleHit } from '../engine/types.ts';
import { appYaml } from './lib/fixture-yaml.ts';
import { describeTargets, servedContainers } from './lib/serving.ts';
import { workloadName } from './lib/traffic.ts';
import { fixWithYaml } from './lib/yaml.ts';

export default defineRule({
  id: 'memory-limit-missing',
  title: 'Serving container has no memory limit',
  shape: 'reset',
  severity: 'info',
  targets: ['workload'],
  params: {},
  docs: {
    what: 'Finds containers that receive Service traffic and set no `resources.limits.memory`.',
    why:
      'A container without a memory limit can grow until the node runs short; the kernel then OOM-kills whatever it ' +
      'picks — this pod or a neighbour — and every connection the killed process held is reset mid-request. The ' +
      'gateway reports those as 502s. A limit makes the failure local, predictable and visible (OOMKilled).',
    fix: 'Set a memory limit sized from observed usage (and a request):\n\n```yaml\nresources:\n  requests: {memory: 256Mi}\n  limits: {memory: 512Mi}\n```',
    notes: 'Only serving containers are judged; sidecars and workers without a Service are left alone. Namespace LimitRanges that default a limit are not visible offline.',
  },
  evaluate(w, graph, params) {
    if (!isWorkload(w)) return [];
    void params;
    const hits: RuleHit[] = [];
    for (const s of servedContainers(w, graph)) {
      if (s.container.memoryLimit !== undefined) continue;
      hits.push({
        path: `${s.container.path}.resources.limits`,
        message:
          `Container ${s.container.name} of ${workloadName(w)} serves ${describeTargets(s)} with no memory limit: ` +
          'under memory pressure the node OOM-kills processes and their open connections are reset.',
        fix: fixWithYaml(`Add to container ${s.container.name} (size it from observed usage):`, { resources: { requests: { memory: '256Mi' }, limits: { memory: '512Mi' } } }),
      });
    }
    return hits;
  },
  fixtures: {
    fire: [
      { name: 'serving container without limits', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], resources: {requests: {cpu: 100m}}}\n' }), expect: [{ severity: 'info', path: 'spec.template.spec.containers[0].resources.limits', message: 'Container app of Deployment/web serves Service web port http (80) with no memory limit: under memory pressure the node OOM-kills processes and their open connections are reset.' }] },
    ],
    silent: [
      { name: 'serving container with a memory limit', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], resources: {limits: {memory: 512Mi}}}\n' }) },
      { name: 'worker without a Service', yaml: appYaml({ servicePorts: false, containers: '        - {name: worker, image: w}\n' }) },
      { name: 'sidecar without limits next to a limited app', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], resources: {limits: {memory: 1Gi}}}\n        - {name: log-shipper, image: fluent-bit}\n' }) },
    ],
  },
});
