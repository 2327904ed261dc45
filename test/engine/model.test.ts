import assert from 'node:assert/strict';
import { isWorkload, type Probe } from '../../src/engine/model.ts';
import { appYaml } from '../../src/rules/lib/fixture-yaml.ts';
import { graphOf } from '../support/scan.ts';
import { hiddenClasses } from '../support/v8.ts';

const DEPLOYMENT = appYaml({
  servicePorts: false,
  containers: `        - name: http
          image: web
          readinessProbe: {httpGet: {path: /ready, port: 8080}, periodSeconds: 5}
          livenessProbe: {tcpSocket: {port: 8080}}
          startupProbe: {exec: {command: [cat, /tmp/started]}}
        - name: grpc
          image: api
          readinessProbe: {grpc: {port: 9090}}
`,
});

describe('model: probes', () => {
  const workload = [...graphOf(DEPLOYMENT).all()].find(isWorkload)!;
  const [http, grpc] = workload.template!.containers;
  const probes = [http!.readinessProbe, http!.livenessProbe, http!.startupProbe, grpc!.readinessProbe] as Probe[];

  it('reads each handler with its port, path and defaults', () => {
    assert.deepEqual(
      probes.map((p) => [p.handler, p.port, p.portPath, p.httpPath, p.command, p.periodSeconds, p.timeoutSeconds]),
      [
        ['httpGet', 8080, 'spec.template.spec.containers[0].readinessProbe.httpGet.port', '/ready', undefined, 5, 1],
        ['tcpSocket', 8080, 'spec.template.spec.containers[0].livenessProbe.tcpSocket.port', undefined, undefined, 10, 1],
        ['exec', undefined, undefined, undefined, ['cat', '/tmp/started'], 10, 1],
        ['grpc', 9090, 'spec.template.spec.containers[1].readinessProbe.grpc.port', undefined, undefined, 10, 1],
      ],
    );
  });

  it('gives every probe one shape, with plain fields only', () => {
    // V8 allocates an object whose hidden class is its own (a getter per object, fields that depend
    // on the handler) in the old generation: each admission would leave old garbage behind.
    const layout = (o: object) => JSON.stringify(Object.getOwnPropertyNames(o).map((k) => [k, 'value' in Object.getOwnPropertyDescriptor(o, k)!]));
    for (const p of probes) assert.equal(layout(p), layout(probes[0]!));
    assert.equal(hiddenClasses(probes), 1);
  });
});
