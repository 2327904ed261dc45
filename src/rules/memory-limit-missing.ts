import { defineRule } from '../engine/rule.ts';
import { dig } from '../engine/fields.ts';
import { isWorkload, type Container } from '../engine/model.ts';
import type { RuleHit } from '../engine/types.ts';
import { appYaml } from './lib/fixture-yaml.ts';
import { describeTargets, servedContainers } from './lib/serving.ts';
import { workloadName } from './lib/traffic.ts';
import { fixWithYaml } from './lib/yaml.ts';
import { SCALERS, SERVED } from './lib/reads.ts';

/**
 * A limit that pastes: with a memory request already set, a limit of twice the request (the API server
 * rejects a limit below the request) and the request left alone; otherwise a request and a limit, both
 * marked as the placeholders they are.
 */
function memoryFix(c: Container): string {
  const request = dig(c.raw, 'resources', 'requests', 'memory');
  if (typeof request === 'string' || typeof request === 'number') {
    const doubled = doubleQuantity(String(request));
    return fixWithYaml(
      `Add to container ${c.name} a limit at or above its memory request of ${request} (twice the request here; size it from observed usage):`,
      { resources: { limits: { memory: doubled ?? String(request) } } },
    );
  }
  return fixWithYaml(`Add to container ${c.name} (placeholders: size both from observed usage):`, { resources: { requests: { memory: '256Mi' }, limits: { memory: '512Mi' } } });
}

/** Twice a quantity, in its own unit (`512Mi` → `1024Mi`); undefined when it cannot be read. */
function doubleQuantity(q: string): string | undefined {
  const m = /^(\d+(?:\.\d+)?)([A-Za-z]*)$/.exec(q.trim());
  if (!m) return undefined;
  // Twelve significant digits drop the binary noise of the doubling (0.1 + 0.1) without rounding a small value away.
  return `${Number((Number(m[1]) * 2).toPrecision(12))}${m[2]}`;
}

export default defineRule({
  id: 'memory-limit-missing',
  title: 'Serving container has no memory limit',
  shape: 'reset',
  severity: 'info',
  targets: ['workload'],
  reads: [...SERVED, ...SCALERS],
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
        fix: () => memoryFix(s.container),
      });
    }
    return hits;
  },
  fixtures: {
    fire: [
      { name: 'a memory request without a limit: the limit proposed is above the request', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], resources: {requests: {memory: 3Gi}}}\n' }), expect: [{ severity: 'info', path: 'spec.template.spec.containers[0].resources.limits', message: 'Container app of Deployment/web serves Service web port http (80) with no memory limit: under memory pressure the node OOM-kills processes and their open connections are reset.', fix: 'Add to container app a limit at or above its memory request of 3Gi (twice the request here; size it from observed usage):\nresources:\n  limits:\n    memory: "6Gi"' }] },
      { name: 'a fractional memory request', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], resources: {requests: {memory: 1.5Gi}}}\n' }), expect: [{ severity: 'info', path: 'spec.template.spec.containers[0].resources.limits', message: 'Container app of Deployment/web serves Service web port http (80) with no memory limit: under memory pressure the node OOM-kills processes and their open connections are reset.', fix: 'Add to container app a limit at or above its memory request of 1.5Gi (twice the request here; size it from observed usage):\nresources:\n  limits:\n    memory: "3Gi"' }] },
      { name: 'serving container without limits', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], resources: {requests: {cpu: 100m}}}\n' }), expect: [{ severity: 'info', path: 'spec.template.spec.containers[0].resources.limits', message: 'Container app of Deployment/web serves Service web port http (80) with no memory limit: under memory pressure the node OOM-kills processes and their open connections are reset.', fix: 'Add to container app (placeholders: size both from observed usage):\nresources:\n  requests:\n    memory: "256Mi"\n  limits:\n    memory: "512Mi"' }] },
      { name: 'fractional and tiny memory requests are doubled exactly', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], resources: {requests: {memory: 1.25Gi}}}\n        - {name: side, image: side, ports: [{name: admin, containerPort: 9000}], resources: {requests: {memory: 0.001Gi}}}\n', servicePorts: '[{name: http, port: 80, targetPort: http}, {name: admin, port: 9000, targetPort: admin}]' }), expect: [{ severity: 'info', path: 'spec.template.spec.containers[0].resources.limits', message: 'Container app of Deployment/web serves Service web port http (80) with no memory limit', fix: 'Add to container app a limit at or above its memory request of 1.25Gi (twice the request here; size it from observed usage):\nresources:\n  limits:\n    memory: "2.5Gi"' }, { severity: 'info', path: 'spec.template.spec.containers[1].resources.limits', message: 'Container side of Deployment/web serves Service web port admin (9000) with no memory limit', fix: 'Add to container side a limit at or above its memory request of 0.001Gi (twice the request here; size it from observed usage):\nresources:\n  limits:\n    memory: "0.002Gi"' }] },
      { name: 'a memory request in plain bytes', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], resources: {requests: {memory: 536870912}}}\n' }), expect: [{ severity: 'info', path: 'spec.template.spec.containers[0].resources.limits', message: 'Container app of Deployment/web serves Service web port http (80) with no memory limit', fix: 'Add to container app a limit at or above its memory request of 536870912 (twice the request here; size it from observed usage):\nresources:\n  limits:\n    memory: "1073741824"' }] },
    ],
    silent: [
      { name: 'serving container with a memory limit', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], resources: {limits: {memory: 512Mi}}}\n' }) },
      { name: 'worker without a Service', yaml: appYaml({ servicePorts: false, containers: '        - {name: worker, image: w}\n' }) },
      { name: 'sidecar without limits next to a limited app', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], resources: {limits: {memory: 1Gi}}}\n        - {name: log-shipper, image: fluent-bit}\n' }) },
    ],
  },
});
