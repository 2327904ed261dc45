import { defineRule } from '../engine/rule.ts';
import { isWorkload, resolvePortNumber, findContainerPort, type Container } from '../engine/model.ts';
import type { RuleHit } from '../engine/types.ts';
import { appYaml } from './lib/fixture-yaml.ts';
import { describeTargets, servedContainers, servedPortNumbers, suggestedProbePort } from './lib/serving.ts';
import { workloadName } from './lib/traffic.ts';
import { retimedProbe } from './lib/probe-suggestion.ts';
import { fixWithYaml } from './lib/yaml.ts';
import { SCALERS, SERVED } from './lib/reads.ts';

/** The container, other than `own`, that declares the port a probe checks (by number or name). */
function ownerElsewhere(containers: readonly Container[], own: Container, port: number | string): Container | undefined {
  if (findContainerPort(own, port)) return undefined;
  return containers.find((c) => c !== own && findContainerPort(c, port));
}

export default defineRule({
  id: 'readiness-probe-wrong-port',
  title: 'Readiness probe checks another port than the one serving traffic',
  shape: 'unreachable',
  severity: 'warning',
  targets: ['workload'],
  reads: [...SERVED, ...SCALERS],
  params: {},
  docs: {
    what:
      'Compares the port the readiness probe of a serving container checks with the ports its Services send traffic ' +
      'to. It fires when the probe checks a port that another container of the pod declares — a sidecar — so that the ' +
      "app's readiness is really the sidecar's.",
    why:
      'Readiness decides whether the gateway may send requests to the pod. A probe answered by a sidecar (a proxy, an ' +
      'exporter) passes while the app behind the Service port is still starting, hung or crashed: the pod stays in ' +
      'rotation and the gateway gets refused connections — 502s that every health dashboard calls healthy.',
    fix: 'Point the probe at the port the Service uses, on the container that serves it:\n\n```yaml\nreadinessProbe:\n  httpGet: {path: /ready, port: http}\n```',
    notes:
      'A dedicated health or management port of the app container itself (Spring Boot actuator, an admin listener) is ' +
      'a deliberate and common pattern and stays silent, as does any probe whose port or served port cannot be resolved.',
  },
  evaluate(w, graph, params) {
    if (!isWorkload(w)) return [];
    void params;
    const containers = graph.templateOf(w)?.containers ?? [];
    const hits: RuleHit[] = [];
    for (const s of servedContainers(w, graph)) {
      const p = s.container.readinessProbe;
      if (!p || p.port === undefined || p.portPath === undefined) continue;
      const served = servedPortNumbers(s);
      const probed = resolvePortNumber(s.container, p.port) ?? (typeof p.port === 'string' ? undefined : p.port);
      if (probed !== undefined && served.has(probed)) continue;
      const sidecar = ownerElsewhere(containers, s.container, p.port);
      if (!sidecar) continue;
      hits.push({
        path: p.portPath,
        message:
          `The readiness probe of container ${s.container.name} (${workloadName(w)}) checks port ${JSON.stringify(p.port)} of container ${sidecar.name}, ` +
          `not the app's own port that ${describeTargets(s)} sends traffic to: the pod looks ready while the app is not.`,
        fix: () => {
          // The same probe, on the served port: a gRPC probe takes a port number only.
          const port = p.handler === 'grpc' ? (resolvePortNumber(s.container, suggestedProbePort(s)) ?? [...servedPortNumbers(s)][0]) : suggestedProbePort(s);
          return fixWithYaml(`Probe the port container ${s.container.name} serves:`, {
            readinessProbe: retimedProbe({ ...p, handlerSpec: { ...p.handlerSpec, port: port ?? suggestedProbePort(s) } }, p.periodSeconds, p.failureThreshold),
          });
        },
      });
    }
    return hits;
  },
  fixtures: {
    fire: [
      { name: 'probe answered by the sidecar', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {httpGet: {path: /ready, port: admin}}}\n        - {name: envoy, image: envoy, ports: [{name: admin, containerPort: 9901}]}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0].readinessProbe.httpGet.port', message: 'The readiness probe of container app (Deployment/web) checks port "admin" of container envoy, not the app\'s own port that Service web port http (80) sends traffic to: the pod looks ready while the app is not.', fix: 'Probe the port container app serves:\nreadinessProbe:\n  httpGet:\n    path: /ready\n    port: http' }] },
      { name: 'tcpSocket probe of the sidecar port by number', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {tcpSocket: {port: 9901}, periodSeconds: 5}}\n        - {name: envoy, image: envoy, ports: [{name: admin, containerPort: 9901}]}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0].readinessProbe.tcpSocket.port', message: 'checks port 9901 of container envoy', fix: 'Probe the port container app serves:\nreadinessProbe:\n  tcpSocket:\n    port: http\n  periodSeconds: 5\n  failureThreshold: 3' }] },
      { name: 'gRPC probe of the sidecar: the fix names the served port by number', yaml: appYaml({ servicePorts: '[{name: grpc, port: 9090, targetPort: grpc}]', containers: '        - {name: app, image: app, ports: [{name: grpc, containerPort: 9090}], readinessProbe: {grpc: {port: 9901, service: ready}}}\n        - {name: envoy, image: envoy, ports: [{name: admin, containerPort: 9901}]}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0].readinessProbe.grpc.port', message: 'checks port 9901 of container envoy', fix: 'readinessProbe:\n  grpc:\n    port: 9090\n    service: ready\n  periodSeconds: 10\n  failureThreshold: 3' }] },
      { name: 'the sidecar that declares the port is named, not the first other container', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {httpGet: {path: /ready, port: 9901}}}\n        - {name: logger, image: fluent-bit}\n        - {name: envoy, image: envoy, ports: [{name: admin, containerPort: 9901}]}\n' }), expect: [{ severity: 'warning', path: 'spec.template.spec.containers[0].readinessProbe.httpGet.port', message: 'The readiness probe of container app (Deployment/web) checks port 9901 of container envoy, not the app\'s own port that Service web port http (80) sends traffic to: the pod looks ready while the app is not.', fix: 'Probe the port container app serves:\nreadinessProbe:\n  httpGet:\n    path: /ready\n    port: http' }] },
    ],
    silent: [
      { name: 'a numeric management port the app declares itself, which a sidecar declares too', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}, {containerPort: 8081}], readinessProbe: {httpGet: {path: /health, port: 8081}}}\n        - {name: envoy, image: envoy, ports: [{name: admin, containerPort: 8081}]}\n' }) },
      { name: 'the sidecar port is also the served port', yaml: appYaml({ servicePorts: '[{name: admin, port: 80, targetPort: 9901}]', containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {httpGet: {path: /ready, port: 9901}}}\n        - {name: envoy, image: envoy, ports: [{name: admin, containerPort: 9901}]}\n' }) },
      { name: 'probe on the serving port', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {httpGet: {path: /ready, port: http}}}\n' }) },
      { name: 'dedicated management port of the app itself', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}, {name: management, containerPort: 8081}], readinessProbe: {httpGet: {path: /actuator/health/readiness, port: management}}}\n' }) },
      { name: 'undeclared probe port (cannot be judged)', yaml: appYaml({ containers: '        - {name: app, image: app, ports: [{name: http, containerPort: 8080}], readinessProbe: {httpGet: {path: /ready, port: 9000}}}\n' }) },
    ],
  },
});
