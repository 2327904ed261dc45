// Which container each Service port lands on, and which containers serve requests:
// the one answer every probe, preStop and memory rule shares.
import assert from 'node:assert/strict';
import { describeTargets, servedContainers, servedPortNumbers, suggestedProbePort } from '../../src/rules/lib/serving.ts';
import { isDormant, servicePortLabel, servingContainers, trafficTargets, workloadName } from '../../src/rules/lib/traffic.ts';
import { isWorkload, type Workload } from '../../src/engine/model.ts';
import { appYaml } from '../../src/rules/lib/fixture-yaml.ts';
import { graphOf } from '../support/scan.ts';
import type { ResourceGraph } from '../../src/engine/graph.ts';

function load(yaml: string): { g: ResourceGraph; w: Workload } {
  const g = graphOf(yaml);
  const w = [...g.all()].find((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
  assert.ok(w && isWorkload(w));
  return { g, w };
}

const APP = '        - {name: app, image: web, ports: [{name: http, containerPort: 8080}, {name: metrics, containerPort: 9090}]}\n';
const SIDECAR = '        - {name: proxy, image: envoy, ports: [{name: admin, containerPort: 9901}]}\n';

describe('traffic targets', () => {
  it('lands a named targetPort on the container declaring the name, a numeric one on the container declaring the number', () => {
    const { g, w } = load(appYaml({ containers: APP + SIDECAR, servicePorts: '[{name: http, port: 80, targetPort: http}, {name: admin, port: 9901, targetPort: 9901}, {port: 81, targetPort: 7000}, {port: 82, targetPort: nope}]' }));
    const got = trafficTargets(w, g).map((t) => `${servicePortLabel(t.servicePort)} -> ${t.container?.name ?? '-'}:${t.containerPort?.containerPort ?? '-'}`);
    assert.deepEqual(got, ['http (80) -> app:8080', 'admin (9901) -> proxy:9901', '81 -> -:-', '82 -> -:-'], 'two app containers: an undeclared number lands on neither');
    assert.deepEqual(servingContainers(w, g).map((c) => c.name), ['app', 'proxy']);
  });

  it('lands an undeclared number on the only app container, native sidecars aside', () => {
    const { g, w } = load(appYaml({
      containers: '        - {name: app, image: web}\n',
      podSpec: '      initContainers: [{name: proxy, image: envoy, restartPolicy: Always, ports: [{containerPort: 15001}]}, {name: init, image: busybox}]\n',
      servicePorts: '[{port: 80, targetPort: 8080}, {name: named, port: 81, targetPort: web}]',
    }));
    const got = trafficTargets(w, g).map((t) => `${servicePortLabel(t.servicePort)} -> ${t.container?.name ?? '-'}:${t.containerPort?.containerPort ?? '-'}`);
    assert.deepEqual(got, ['80 -> app:-', 'named (81) -> -:-'], 'a name nobody declares lands nowhere');
    assert.deepEqual(servingContainers(w, g).map((c) => c.name), ['app']);
  });

  it('has no targets without a Service', () => {
    const { g, w } = load(appYaml({ containers: APP, servicePorts: false }));
    assert.deepEqual(trafficTargets(w, g), []);
    assert.deepEqual(servedContainers(w, g), []);
  });

  it('names workloads and knows the dormant ones', () => {
    assert.equal(workloadName({ kind: 'Deployment', name: 'web' }), 'Deployment/web');
    const off = load(appYaml({ containers: APP, replicas: 0 }));
    assert.equal(isDormant(off.w, off.g), true);
    const { g, w } = load(appYaml({ containers: APP }));
    assert.equal(isDormant(w, g), false);
  });
});

describe('served containers', () => {
  it('groups the Service ports by the container they land on, and tells whether a gateway reaches them', () => {
    const { g, w } = load(appYaml({ containers: APP + SIDECAR, servicePorts: '[{name: http, port: 80, targetPort: http}, {name: alt, port: 8080, targetPort: 8080}, {name: admin, port: 9901, targetPort: admin}]', ingress: true }));
    const served = servedContainers(w, g);
    assert.deepEqual(served.map((s) => `${s.container.name} ${s.gatewayFacing} ${describeTargets(s)} ${[...servedPortNumbers(s)].join(',')} ${suggestedProbePort(s)}`), [
      'app true Service web port http (80) and 1 more 8080 http',
      'proxy true Service web port admin (9901) 9901 admin',
    ]);
  });

  it('leaves out metrics-only Services unless a gateway reaches them, and workloads switched off', () => {
    const metrics = '[{name: metrics, port: 9090, targetPort: metrics}]';
    const a = load(appYaml({ containers: APP, servicePorts: metrics }));
    assert.deepEqual(servedContainers(a.w, a.g), []);
    const b = load(appYaml({ containers: APP, servicePorts: '[{name: metrics, port: 80, targetPort: metrics}]', ingress: true }));
    assert.deepEqual(servedContainers(b.w, b.g).map((s) => `${s.container.name} ${s.gatewayFacing}`), ['app true']);
    const c = load(appYaml({ containers: APP, replicas: 0 }));
    assert.deepEqual(servedContainers(c.w, c.g), []);
    const d = load(appYaml({ containers: APP }));
    assert.deepEqual(servedContainers(d.w, d.g).map((s) => `${s.container.name} ${s.gatewayFacing}`), ['app false']);
  });

  it('suggests the probe port by name, else by number, else the Service targetPort', () => {
    const number = load(appYaml({ containers: '        - {name: app, image: web, ports: [{containerPort: 8080}]}\n', servicePorts: '[{port: 80, targetPort: 8080}]' }));
    const [s1] = servedContainers(number.w, number.g);
    assert.ok(s1);
    assert.equal(suggestedProbePort(s1), 8080);
    assert.deepEqual([...servedPortNumbers(s1)], [8080]);
    const undeclared = load(appYaml({ containers: '        - {name: app, image: web}\n', servicePorts: '[{port: 80, targetPort: 3000}]' }));
    const [s2] = servedContainers(undeclared.w, undeclared.g);
    assert.ok(s2);
    assert.equal(suggestedProbePort(s2), 3000);
    assert.deepEqual([...servedPortNumbers(s2)], [3000]);
  });
});
