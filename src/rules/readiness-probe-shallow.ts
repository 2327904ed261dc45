import { defineRule } from '../engine/rule.ts';
import { isWorkload, resolvePortNumber, stableJson, type Probe } from '../engine/model.ts';
import type { RuleHit } from '../engine/types.ts';
import { appYaml, HEALTH_CHECKS, kongPolicyOn } from './lib/fixture-yaml.ts';
import { readinessProbeFix, retimedProbe } from './lib/probe-suggestion.ts';
import { servedContainers, type ServedContainer } from './lib/serving.ts';
import { workloadName } from './lib/traffic.ts';
import { fixWithYaml } from './lib/yaml.ts';
import { SCALERS, SERVED } from './lib/reads.ts';
import { HEALTH_CHECK_DOCS, HEALTH_CHECK_READS, healthCheckMitigation } from './lib/health-checks.ts';

// Commands that succeed whatever state the app is in.
const ALWAYS_TRUE = [/^(\/(usr\/)?bin\/)?true$/, /^exit 0$/, /^(\/(usr\/)?bin\/)?(cat|ls|echo|test -[efd]|\[ -[efd])( |$)/];

export function execIsAlwaysTrue(command: readonly string[]): boolean {
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

/** The check a probe makes, without what does not change its verdict: HTTP headers. */
function checkOf(p: Probe): string {
  const spec = p.handlerSpec;
  const { httpHeaders, ...rest } = spec;
  void httpHeaders;
  return stableJson({ handler: p.handler, spec: p.handler === 'httpGet' ? rest : spec });
}

/**
 * The same probe: the same check with the same steady-state timing. The initial delay only shifts
 * the first check: after it, the two probes pass and fail together.
 */
function sameProbe(a: Probe, b: Probe): boolean {
  return a.periodSeconds === b.periodSeconds && a.failureThreshold === b.failureThreshold && a.timeoutSeconds === b.timeoutSeconds && checkOf(a) === checkOf(b);
}

/** Seconds of failing checks after which a probe gives up on the container (steady state). */
function givesUpAfter(p: Probe): number {
  return p.periodSeconds * p.failureThreshold;
}

/** A readiness probe that asks the metrics endpoint: it answers while the process serves HTTP at all. */
const METRICS_PATH = /^(.*\/)?(metrics|stats|prometheus)\/?(\?.*)?$/i;

/** The liveness probe as written, with timing that gives up well after readiness has drained the pod. */
function tolerantLiveness(live: Probe, ready: Probe): Record<string, unknown> {
  const period = Math.max(live.periodSeconds, ready.periodSeconds);
  return { livenessProbe: retimedProbe(live, period, Math.max(live.failureThreshold, Math.ceil((2 * givesUpAfter(ready)) / period))) };
}

export default defineRule({
  id: 'readiness-probe-shallow',
  title: 'Readiness probe cannot tell a working app from an open socket',
  shape: 'unreachable',
  severity: 'warning',
  targets: ['workload'],
  reads: [...SERVED, ...SCALERS, ...HEALTH_CHECK_READS],
  params: {},
  docs: {
    what:
      'Judges the readiness probe of serving containers. It fires when the probe cannot fail while the app is broken: ' +
      'a `tcpSocket` check of a port served as HTTP (a Service port named or declared HTTP, or one a gateway reaches), ' +
      'an `exec` that is always true (`true`, `exit 0`, `cat`/`test -f` of a file, `ls`, `echo`), or an `httpGet` of a ' +
      'metrics endpoint (`/metrics`, `/stats`, `/prometheus`). It also judges the liveness probe against it: the same ' +
      'check with the same timing (HTTP headers and `initialDelaySeconds` aside, they pass and fail together), or a ' +
      'liveness probe that gives up (periodSeconds × failureThreshold) sooner than the readiness probe — a restart ' +
      'before the drain.',
    why:
      'A TCP connect succeeds as soon as the process listens — also when its thread pool is exhausted, its database is ' +
      'gone or it answers every request with an error. The pod stays in the Service and the gateway keeps sending it ' +
      'requests that fail: the health check that lies. A metrics endpoint answers as long as the process serves HTTP, ' +
      'whatever state the app is in. A liveness probe that fails with the readiness probe, or before it, restarts the ' +
      'container at the moment it should merely be taken out of rotation: the Service still sends it requests, and ' +
      'every request in flight is reset (the liveness findings are reset-shaped 502s).',
    fix: 'Probe an HTTP endpoint that checks what the app needs to serve, and keep liveness more tolerant than readiness:\n\n```yaml\nreadinessProbe:\n  httpGet: {path: /ready, port: http}\n  periodSeconds: 5\n  failureThreshold: 3\nlivenessProbe:\n  httpGet: {path: /healthz, port: http}\n  periodSeconds: 10\n  failureThreshold: 6\n```',
    notes:
      'Silent for tcpSocket probes of ports that are not served as HTTP (databases, caches, raw TCP), for a liveness ' +
      'probe that uses the same handler with more tolerant timing — the recommended pattern — and for a liveness probe ' +
      'of another check that gives up no sooner than readiness. The fix proposes a probe for the protocol of the port ' +
      '(HTTP with the readiness path to fill in, gRPC health, HTTPS, a database client or a TCP check).' +
      '\n\n' +
      HEALTH_CHECK_DOCS,
  },
  evaluate(w, graph, params) {
    if (!isWorkload(w)) return [];
    void params;
    const hits: RuleHit[] = [];
    for (const s of servedContainers(w, graph)) {
      const p = s.container.readinessProbe;
      if (!p) continue;
      const where = `container ${s.container.name} (${workloadName(w)})`;
      // A proxy's own active check of the app bounds what a probe that cannot fail lets through (not the liveness findings).
      const mitigation = () => healthCheckMitigation(s.targets.map((t) => t.service), graph);
      const lying = (hit: RuleHit): RuleHit => {
        const m = mitigation();
        return m ? { ...hit, message: hit.message + m.sentence } : hit;
      };
      const probeFix = () => readinessProbeFix(s, graph, `Replace the readiness probe of container ${s.container.name} with one that asks the app`, { periodSeconds: 5, failureThreshold: 3 });
      if (p.handler === 'tcpSocket' && servedAsHttp(s, p)) {
        hits.push(lying({
          path: `${p.path}.tcpSocket`,
          message:
            `The readiness probe of ${where} only opens a TCP connection to a port served as HTTP: ` +
            'a hung or failing app still passes, and keeps receiving requests.',
          fix: probeFix,
        }));
      } else if (p.handler === 'exec' && p.command && execIsAlwaysTrue(p.command)) {
        hits.push(lying({
          path: `${p.path}.exec.command`,
          message: `The readiness probe of ${where} runs ${JSON.stringify(p.command.join(' '))}, which succeeds whatever the app does.`,
          fix: probeFix,
        }));
      } else if (p.handler === 'httpGet' && p.httpPath !== undefined && METRICS_PATH.test(p.httpPath)) {
        hits.push(lying({
          path: `${p.path}.httpGet.path`,
          message:
            `The readiness probe of ${where} asks the metrics endpoint ${p.httpPath}, which answers as long as the process serves ` +
            'HTTP at all: an app that cannot serve requests still passes, and keeps receiving them.',
          fix: probeFix,
        }));
      }
      const live = s.container.livenessProbe;
      if (!live) continue;
      if (sameProbe(p, live)) {
        const except = p.initialDelaySeconds !== live.initialDelaySeconds ? ' (they differ only in initialDelaySeconds)' : '';
        hits.push({
          path: p.path,
          message:
            `The readiness and liveness probes of ${where} make the same check with the same timing${except}: a pod that should leave ` +
            'rotation for a moment is restarted instead, resetting the requests it was serving.',
          fix: () => fixWithYaml(`Give container ${s.container.name} a liveness probe that gives up well after readiness:`, tolerantLiveness(live, p)),
        });
      } else if (givesUpAfter(live) < givesUpAfter(p)) {
        hits.push({
          path: live.path,
          message:
            `The liveness probe of ${where} gives up after ${givesUpAfter(live)}s of failures (${live.periodSeconds}s × ${live.failureThreshold}), ` +
            `before its readiness probe takes the pod out of rotation (${givesUpAfter(p)}s): a hung container is restarted while ` +
            'the Service still sends it requests, and those are reset.',
          fix: () => fixWithYaml(`Give container ${s.container.name} a liveness probe that gives up well after readiness:`, tolerantLiveness(live, p)),
        });
      }
    }
    return hits;
  },
  fixtures: {
    fire: [
      { name: 'tcpSocket readiness on the HTTP port', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {tcpSocket: {port: http}}}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0].readinessProbe.tcpSocket', message: 'The readiness probe of container app (Deployment/web) only opens a TCP connection to a port served as HTTP: a hung or failing app still passes, and keeps receiving requests.', fix: 'Replace the readiness probe of container app with one that asks the app (fill in your app\'s readiness path):\nreadinessProbe:\n  httpGet:\n    path: /ready  # placeholder: the path of your app\'s readiness endpoint\n    port: http\n  periodSeconds: 5\n  failureThreshold: 3' }] },
      { name: 'tcpSocket readiness behind Envoy Gateway\'s active HTTP health check (documented example): still a warning, the check named', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {tcpSocket: {port: http}}}\n' }) + '---' + HEALTH_CHECKS.envoyGatewayActiveHttp, expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0].readinessProbe.tcpSocket', message: 'The readiness probe of container app (Deployment/web) only opens a TCP connection to a port served as HTTP: a hung or failing app still passes, and keeps receiving requests. Envoy Gateway checks the pods itself (BackendTrafficPolicy health-check spec.healthCheck.active: HTTP GET /healthz every 3s, out after 3 failures) and takes a failing one out of its rotation within 9s' }] },
      { name: 'tcpSocket readiness behind Istio outlier detection and Kong passive checks: still a warning', yaml: kongPolicyOn(appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {tcpSocket: {port: http}}}\n' }), 'demo-health-checking') + '---' + HEALTH_CHECKS.istioOutlierDetection + '---' + HEALTH_CHECKS.kongPassive, expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0].readinessProbe.tcpSocket', message: 'The readiness probe of container app (Deployment/web) only opens a TCP connection to a port served as HTTP: a hung or failing app still passes, and keeps receiving requests. Istio\'s passive health check (DestinationRule web spec.trafficPolicy.outlierDetection) bounds the 502s without preventing them: it ejects a pod after 1 failed request in a row, and with maxEjectionPercent 100 may eject every pod: when all fail together, as in a bad rollout, every request gets a 503 for 180s (3m).' }] },
      { name: 'the same probe twice behind an active health check: the liveness finding keeps its severity', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {httpGet: {path: /ready, port: http}}, livenessProbe: {httpGet: {path: /ready, port: http}}}\n' }) + '---' + HEALTH_CHECKS.envoyGatewayActiveHttp, expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0].readinessProbe', message: 'make the same check with the same timing' }] },
      { name: 'tcpSocket readiness on a port an Ingress reaches', yaml: appYaml({ ingress: true, servicePorts: '[{name: api, port: 80, targetPort: 8080}]', containers: '        - {name: app, image: app, ports: [{containerPort: 8080}], readinessProbe: {tcpSocket: {port: 8080}}}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0].readinessProbe.tcpSocket', message: 'The readiness probe of container app (Deployment/web) only opens a TCP connection to a port served as HTTP: a hung or failing app still passes, and keeps receiving requests.', fix: 'Replace the readiness probe of container app with one that asks the app (fill in your app\'s readiness path):\nreadinessProbe:\n  httpGet:\n    path: /ready  # placeholder: the path of your app\'s readiness endpoint\n    port: 8080\n  periodSeconds: 5\n  failureThreshold: 3' }] },
      { name: 'exec that is always true', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {exec: {command: [cat, /tmp/healthy]}}}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0].readinessProbe.exec.command', message: 'The readiness probe of container app (Deployment/web) runs "cat /tmp/healthy", which succeeds whatever the app does.', fix: 'Replace the readiness probe of container app with one that asks the app (fill in your app\'s readiness path):\nreadinessProbe:\n  httpGet:\n    path: /ready  # placeholder: the path of your app\'s readiness endpoint\n    port: http\n  periodSeconds: 5\n  failureThreshold: 3' }] },
      { name: 'sh -c exit 0', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {exec: {command: [/bin/sh, -c, exit 0]}}}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0].readinessProbe.exec.command', message: 'The readiness probe of container app (Deployment/web) runs "/bin/sh -c exit 0", which succeeds whatever the app does.', fix: 'Replace the readiness probe of container app with one that asks the app (fill in your app\'s readiness path):\nreadinessProbe:\n  httpGet:\n    path: /ready  # placeholder: the path of your app\'s readiness endpoint\n    port: http\n  periodSeconds: 5\n  failureThreshold: 3' }] },
      { name: 'readiness identical to liveness', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {httpGet: {path: /healthz, port: http}}, livenessProbe: {httpGet: {path: /healthz, port: http}}}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0].readinessProbe', message: 'The readiness and liveness probes of container app (Deployment/web) make the same check with the same timing: a pod that should leave rotation for a moment is restarted instead, resetting the requests it was serving.', fix: 'Give container app a liveness probe that gives up well after readiness:\nlivenessProbe:\n  httpGet:\n    path: /healthz\n    port: http\n  periodSeconds: 10\n  failureThreshold: 6' }] },
      { name: 'readiness identical to liveness, one spelling out the defaults', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 10, timeoutSeconds: 1}, livenessProbe: {httpGet: {path: /healthz, port: http}}}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0].readinessProbe', message: 'The readiness and liveness probes of container app (Deployment/web) make the same check with the same timing: a pod that should leave rotation for a moment is restarted instead, resetting the requests it was serving.', fix: 'Give container app a liveness probe that gives up well after readiness:\nlivenessProbe:\n  httpGet:\n    path: /healthz\n    port: http\n  periodSeconds: 10\n  failureThreshold: 6' }] },
      { name: 'readiness and liveness differing only in a header', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {httpGet: {path: /healthz, port: http}}, livenessProbe: {httpGet: {path: /healthz, port: http, httpHeaders: [{name: X-Probe, value: live}]}}}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0].readinessProbe', message: 'The readiness and liveness probes of container app (Deployment/web) make the same check with the same timing: a pod that should leave rotation for a moment is restarted instead, resetting the requests it was serving.', fix: 'Give container app a liveness probe that gives up well after readiness:\nlivenessProbe:\n  httpGet:\n    path: /healthz\n    port: http\n    httpHeaders:\n      - name: X-Probe\n        value: live\n  periodSeconds: 10\n  failureThreshold: 6' }] },
      { name: 'readiness and liveness differing only in initialDelaySeconds', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {httpGet: {path: /healthz, port: http}, initialDelaySeconds: 5}, livenessProbe: {httpGet: {path: /healthz, port: http}, initialDelaySeconds: 30}}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0].readinessProbe', message: 'The readiness and liveness probes of container app (Deployment/web) make the same check with the same timing (they differ only in initialDelaySeconds): a pod that should leave rotation for a moment is restarted instead, resetting the requests it was serving.', fix: 'Give container app a liveness probe that gives up well after readiness:\nlivenessProbe:\n  httpGet:\n    path: /healthz\n    port: http\n  initialDelaySeconds: 30\n  periodSeconds: 10\n  failureThreshold: 6' }] },
      { name: 'liveness that gives up before readiness drains the pod', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {httpGet: {path: /ready, port: http}, periodSeconds: 10, failureThreshold: 3}, livenessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 5, failureThreshold: 2}}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0].livenessProbe', message: 'The liveness probe of container app (Deployment/web) gives up after 10s of failures (5s × 2), before its readiness probe takes the pod out of rotation (30s): a hung container is restarted while the Service still sends it requests, and those are reset.', fix: 'Give container app a liveness probe that gives up well after readiness:\nlivenessProbe:\n  httpGet:\n    path: /healthz\n    port: http\n  periodSeconds: 10\n  failureThreshold: 6' }] },
      { name: 'readiness probe on the metrics endpoint', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {httpGet: {path: /metrics, port: http}}}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0].readinessProbe.httpGet.path', message: 'The readiness probe of container app (Deployment/web) asks the metrics endpoint /metrics, which answers as long as the process serves HTTP at all: an app that cannot serve requests still passes, and keeps receiving them.', fix: 'Replace the readiness probe of container app with one that asks the app (fill in your app\'s readiness path):\nreadinessProbe:\n  httpGet:\n    path: /ready  # placeholder: the path of your app\'s readiness endpoint\n    port: http\n  periodSeconds: 5\n  failureThreshold: 3' }] },
      { name: 'readiness probe on Envoy-style stats', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {httpGet: {path: /stats/prometheus, port: http}}}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0].readinessProbe.httpGet.path', message: 'The readiness probe of container app (Deployment/web) asks the metrics endpoint /stats/prometheus, which answers as long as the process serves HTTP at all: an app that cannot serve requests still passes, and keeps receiving them.', fix: 'Replace the readiness probe of container app with one that asks the app (fill in your app\'s readiness path):\nreadinessProbe:\n  httpGet:\n    path: /ready  # placeholder: the path of your app\'s readiness endpoint\n    port: http\n  periodSeconds: 5\n  failureThreshold: 3' }] },
      { name: 'tcpSocket readiness on the HTTP port, with a liveness probe that gives up first', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {tcpSocket: {port: http}}, livenessProbe: {tcpSocket: {port: http}, failureThreshold: 1}}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0].readinessProbe.tcpSocket', message: 'The readiness probe of container app (Deployment/web) only opens a TCP connection to a port served as HTTP: a hung or failing app still passes, and keeps receiving requests.', fix: 'Replace the readiness probe of container app with one that asks the app (fill in your app\'s readiness path):\nreadinessProbe:\n  httpGet:\n    path: /ready  # placeholder: the path of your app\'s readiness endpoint\n    port: http\n  periodSeconds: 5\n  failureThreshold: 3' }, { severity: 'warning', path: 'spec.template.spec.containers[0].livenessProbe', message: 'The liveness probe of container app (Deployment/web) gives up after 10s of failures (10s × 1), before its readiness probe takes the pod out of rotation (30s): a hung container is restarted while the Service still sends it requests, and those are reset.', fix: 'Give container app a liveness probe that gives up well after readiness:\nlivenessProbe:\n  tcpSocket:\n    port: http\n  periodSeconds: 10\n  failureThreshold: 6' }] },
      { name: 'a TCP probe on an undeclared target port of a Service port named http', yaml: appYaml({ servicePorts: '[{name: http, port: 80, targetPort: 8080}]', containers: '        - {name: app, image: web, readinessProbe: {tcpSocket: {port: 8080}}}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0].readinessProbe.tcpSocket', message: 'The readiness probe of container app (Deployment/web) only opens a TCP connection to a port served as HTTP: a hung or failing app still passes, and keeps receiving requests.', fix: 'Replace the readiness probe of container app with one that asks the app (fill in your app\'s readiness path):\nreadinessProbe:\n  httpGet:\n    path: /ready  # placeholder: the path of your app\'s readiness endpoint\n    port: 8080\n  periodSeconds: 5\n  failureThreshold: 3' }] },
      { name: 'a TCP probe on a port whose appProtocol is kubernetes.io/h2c', yaml: appYaml({ servicePorts: '[{port: 80, targetPort: 8080, appProtocol: kubernetes.io/h2c}]', containers: '        - {name: app, image: web, ports: [{containerPort: 8080}], readinessProbe: {tcpSocket: {port: 8080}}}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0].readinessProbe.tcpSocket', message: 'The readiness probe of container app (Deployment/web) only opens a TCP connection to a port served as HTTP: a hung or failing app still passes, and keeps receiving requests.', fix: 'Replace the readiness probe of container app with one that asks the app (fill in your app\'s readiness path):\nreadinessProbe:\n  httpGet:\n    path: /ready  # placeholder: the path of your app\'s readiness endpoint\n    port: 8080\n  periodSeconds: 5\n  failureThreshold: 3' }] },
    ],
    silent: [
      { name: 'a TCP probe on the database port of a container that also serves HTTP on another port', yaml: appYaml({ servicePorts: '[{name: web-main, port: 80, targetPort: 8080}, {name: db, port: 5432, targetPort: 5432}]', containers: '        - {name: app, image: web, ports: [{containerPort: 8080}, {containerPort: 5432}], readinessProbe: {tcpSocket: {port: 5432}}}\n' }) },
      { name: 'HTTP readiness probe', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {httpGet: {path: /ready, port: http}}}\n' }) },
      { name: 'tcpSocket readiness of a database port', yaml: appYaml({ servicePorts: '[{name: postgres, port: 5432, targetPort: pg}]', containers: '        - {name: db, image: postgres, ports: [{name: pg, containerPort: 5432}], readinessProbe: {tcpSocket: {port: pg}}}\n' }) },
      { name: 'liveness with the same handler but more tolerant', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 5}, livenessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 10, failureThreshold: 6}}\n' }) },
      { name: 'liveness that waits longer for an answer', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {httpGet: {path: /healthz, port: http}}, livenessProbe: {httpGet: {path: /healthz, port: http}, timeoutSeconds: 5}}\n' }) },
      { name: 'exec that really checks something', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {exec: {command: [sh, -c, "curl -fsS localhost:8080/ready | grep ok"]}}}\n' }) },
      { name: 'tcpSocket on a worker without a Service', yaml: appYaml({ servicePorts: false, containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {tcpSocket: {port: http}}}\n' }) },
      { name: 'liveness of another endpoint that gives up at the same time as readiness', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {httpGet: {path: /ready, port: http}}, livenessProbe: {httpGet: {path: /healthz, port: http}}}\n' }) },
      { name: 'readiness on a path that merely contains metrics', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {httpGet: {path: /metrics-ready/check, port: http}}}\n' }) },
    ],
  },
});
