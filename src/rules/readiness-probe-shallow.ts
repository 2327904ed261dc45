import { defineRule } from '../engine/rule.ts';
import { isWorkload, resolvePortNumber, stableJson, type Probe } from '../engine/model.ts';
import type { RuleHit } from '../engine/types.ts';
import { appYaml } from './lib/fixture-yaml.ts';
import { servedContainers, suggestedProbePort, type ServedContainer } from './lib/serving.ts';
import { workloadName } from './lib/traffic.ts';
import { fixWithYaml } from './lib/yaml.ts';

// Commands that succeed whatever state the app is in.
const ALWAYS_TRUE = [/^(\/(usr\/)?bin\/)?true$/, /^exit 0$/, /^(\/(usr\/)?bin\/)?(cat|ls|echo|test -[efd]|\[ -[efd]) ?/];

function execIsAlwaysTrue(command: readonly string[]): boolean {
  // `sh -c "…"` runs its script; judge the script.
  const script = command.length >= 3 && /(^|\/)(ba|da)?sh$/.test(command[0] as string) && command[1] === '-c' ? (command[2] as string).trim() : command.join(' ').trim();
  if (/[|;&]|\$\(/.test(script)) return false;
  return ALWAYS_TRUE.some((re) => re.test(script));
}

/** The probe's port speaks HTTP to the Service: its Service port is named or declared as HTTP. */
function servedAsHttp(s: ServedContainer, probe: Probe): boolean {
  if (probe.port === undefined) return false;
  const n = resolvePortNumber(s.container, probe.port);
  return s.targets.some((t) => {
    const landsHere = t.containerPort ? t.containerPort.containerPort === n : t.servicePort.targetPort === n;
    const http = /^(http|web)([-_]|$)/i.test(t.servicePort.name ?? t.containerPort?.name ?? '') || /^(http|kubernetes\.io\/h2c)$/i.test(t.servicePort.appProtocol ?? '');
    return landsHere && (http || s.gatewayFacing);
  });
}

/**
 * Handler and timing alike. The model's fields derive from the raw probe, so a difference there is a
 * difference in the probe: most pairs part on those, before both are serialized.
 */
function sameAs(a: Probe, b: Probe | undefined): boolean {
  if (b === undefined) return false;
  if (a.handler !== b.handler || a.port !== b.port || a.httpPath !== b.httpPath || a.periodSeconds !== b.periodSeconds || a.failureThreshold !== b.failureThreshold) return false;
  return comparable(a) === comparable(b);
}

/** The handler's settings and the timing after defaults, serialized with sorted keys. */
function comparable(p: Probe): string {
  const { handler, handlerSpec, initialDelaySeconds, periodSeconds, timeoutSeconds, failureThreshold, successThreshold } = p;
  return stableJson({ handler, handlerSpec, timing: { initialDelaySeconds, periodSeconds, timeoutSeconds, failureThreshold, successThreshold } });
}

export default defineRule({
  id: 'readiness-probe-shallow',
  title: 'Readiness probe cannot tell a working app from an open socket',
  shape: 'unreachable',
  severity: 'warning',
  targets: ['workload'],
  params: {},
  docs: {
    what:
      'Judges the readiness probe of serving containers. It fires when the probe cannot fail while the app is broken: ' +
      'a `tcpSocket` check of a port served as HTTP (a Service port named or declared HTTP, or one a gateway reaches), ' +
      'an `exec` that is always true (`true`, `exit 0`, `cat`/`test -f` of a file, `ls`, `echo`), or a probe identical ' +
      'to the liveness probe in handler *and* timing.',
    why:
      'A TCP connect succeeds as soon as the process listens — also when its thread pool is exhausted, its database is ' +
      'gone or it answers every request with an error. The pod stays in the Service and the gateway keeps sending it ' +
      'requests that fail: the health check that lies. A readiness probe identical to the liveness probe restarts the ' +
      'container at the moment it should merely be taken out of rotation, resetting every request in flight.',
    fix: 'Probe an HTTP endpoint that checks what the app needs to serve, and keep liveness more tolerant than readiness:\n\n```yaml\nreadinessProbe:\n  httpGet: {path: /ready, port: http}\n  periodSeconds: 5\n  failureThreshold: 3\nlivenessProbe:\n  httpGet: {path: /healthz, port: http}\n  periodSeconds: 10\n  failureThreshold: 6\n```',
    notes:
      'Silent for tcpSocket probes of ports that are not served as HTTP (databases, caches, raw TCP), and for a liveness ' +
      'probe that uses the same handler with more tolerant timing — the recommended pattern.',
  },
  evaluate(w, graph, params) {
    if (!isWorkload(w)) return [];
    void params;
    const hits: RuleHit[] = [];
    for (const s of servedContainers(w, graph)) {
      const p = s.container.readinessProbe;
      if (!p) continue;
      const httpFix = () => fixWithYaml(`Probe the app over HTTP in container ${s.container.name}:`, { readinessProbe: { httpGet: { path: '/ready', port: suggestedProbePort(s) }, periodSeconds: 5 } });
      if (p.handler === 'tcpSocket' && servedAsHttp(s, p)) {
        hits.push({
          path: `${p.path}.tcpSocket`,
          message:
            `The readiness probe of container ${s.container.name} (${workloadName(w)}) only opens a TCP connection to a port served as HTTP: ` +
            'a hung or failing app still passes, and keeps receiving requests.',
          fix: httpFix,
        });
      } else if (p.handler === 'exec' && p.command && execIsAlwaysTrue(p.command)) {
        hits.push({
          path: `${p.path}.exec.command`,
          message: `The readiness probe of container ${s.container.name} (${workloadName(w)}) runs ${JSON.stringify(p.command.join(' '))}, which succeeds whatever the app does.`,
          fix: httpFix,
        });
      } else if (sameAs(p, s.container.livenessProbe)) {
        hits.push({
          path: p.path,
          message:
            `The readiness and liveness probes of container ${s.container.name} (${workloadName(w)}) are identical: a pod that should leave ` +
            'rotation for a moment is restarted instead, resetting the requests it was serving.',
          fix: fixWithYaml('Make liveness more tolerant than readiness:', { livenessProbe: { periodSeconds: Math.max(10, p.periodSeconds), failureThreshold: Math.max(6, p.failureThreshold * 2) } }),
        });
      }
    }
    return hits;
  },
  fixtures: {
    fire: [
      { name: 'tcpSocket readiness on the HTTP port', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {tcpSocket: {port: http}}}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0].readinessProbe.tcpSocket', message: 'The readiness probe of container app (Deployment/web) only opens a TCP connection to a port served as HTTP: a hung or failing app still passes, and keeps receiving requests.' }] },
      { name: 'tcpSocket readiness on a port an Ingress reaches', yaml: appYaml({ ingress: true, servicePorts: '[{name: api, port: 80, targetPort: 8080}]', containers: '        - {name: app, image: app, ports: [{containerPort: 8080}], readinessProbe: {tcpSocket: {port: 8080}}}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0].readinessProbe.tcpSocket', message: 'The readiness probe of container app (Deployment/web) only opens a TCP connection to a port served as HTTP: a hung or failing app still passes, and keeps receiving requests.' }] },
      { name: 'exec that is always true', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {exec: {command: [cat, /tmp/healthy]}}}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0].readinessProbe.exec.command', message: 'The readiness probe of container app (Deployment/web) runs "cat /tmp/healthy", which succeeds whatever the app does.' }] },
      { name: 'sh -c exit 0', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {exec: {command: [/bin/sh, -c, exit 0]}}}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0].readinessProbe.exec.command', message: 'The readiness probe of container app (Deployment/web) runs "/bin/sh -c exit 0", which succeeds whatever the app does.' }] },
      { name: 'readiness identical to liveness', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {httpGet: {path: /healthz, port: http}}, livenessProbe: {httpGet: {path: /healthz, port: http}}}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0].readinessProbe', message: 'The readiness and liveness probes of container app (Deployment/web) are identical: a pod that should leave rotation for a moment is restarted instead, resetting the requests it was serving.' }] },
      { name: 'readiness identical to liveness, one spelling out the defaults', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 10, timeoutSeconds: 1}, livenessProbe: {httpGet: {path: /healthz, port: http}}}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0].readinessProbe', message: 'The readiness and liveness probes of container app (Deployment/web) are identical: a pod that should leave rotation for a moment is restarted instead, resetting the requests it was serving.' }] },
    ],
    silent: [
      { name: 'HTTP readiness probe', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {httpGet: {path: /ready, port: http}}}\n' }) },
      { name: 'tcpSocket readiness of a database port', yaml: appYaml({ servicePorts: '[{name: postgres, port: 5432, targetPort: pg}]', containers: '        - {name: db, image: postgres, ports: [{name: pg, containerPort: 5432}], readinessProbe: {tcpSocket: {port: pg}}}\n' }) },
      { name: 'liveness with the same handler but more tolerant', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 5}, livenessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 10, failureThreshold: 6}}\n' }) },
      { name: 'liveness that waits longer for an answer', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {httpGet: {path: /healthz, port: http}}, livenessProbe: {httpGet: {path: /healthz, port: http}, timeoutSeconds: 5}}\n' }) },
      { name: 'liveness sending other headers', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {httpGet: {path: /healthz, port: http}}, livenessProbe: {httpGet: {path: /healthz, port: http, httpHeaders: [{name: X-Probe, value: live}]}}}\n' }) },
      { name: 'exec that really checks something', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {exec: {command: [sh, -c, "curl -fsS localhost:8080/ready | grep ok"]}}}\n' }) },
      { name: 'tcpSocket on a worker without a Service', yaml: appYaml({ servicePorts: false, containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {tcpSocket: {port: http}}}\n' }) },
    ],
  },
});
