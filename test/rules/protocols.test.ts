// What a Service port serves, read from its declarations one by one: every
// appProtocol and port name the rules know, where the declaration sits, and the
// cases that give no verdict (disagreement, an "https" name in front of port 80).
import assert from 'node:assert/strict';
import { servedBy } from '../../src/rules/lib/protocols.ts';
import { graphOf } from '../support/scan.ts';

function served(ports: string, containerPorts = '[{containerPort: 8443}]', portIndex = 0) {
  const g = graphOf(`
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec:
  selector: {app: api}
  ports: ${ports}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template: {metadata: {labels: {app: api}}, spec: {containers: [{name: api, image: api:1, ports: ${containerPorts}}]}}
`);
  const svc = g.service('shop', 'api');
  assert.ok(svc);
  const sp = svc.ports[portIndex];
  assert.ok(sp);
  return servedBy(svc, sp, g);
}

describe('what a Service port serves', () => {
  it('reads every appProtocol it knows, case-insensitively, as strong evidence', () => {
    const cases: Array<[string, string | undefined]> = [
      ['http', 'http'], ['https', 'tls'], ['tls', 'tls'], ['grpc', 'grpc'], ['h2c', 'h2c'], ['kubernetes.io/h2c', 'h2c'],
      ['kubernetes.io/ws', 'http'], ['kubernetes.io/wss', 'tls'], ['HTTPS', 'tls'], ['GRPC', 'grpc'], ['example.com/custom', undefined],
    ];
    for (const [appProtocol, expected] of cases) {
      const got = served(`[{port: 443, targetPort: 8443, appProtocol: ${JSON.stringify(appProtocol)}}]`);
      assert.deepEqual(got, expected ? { served: expected, because: [`the Service port has appProtocol: ${appProtocol}`], strong: true } : undefined, appProtocol);
    }
  });

  it('reads every port name it knows, exactly, as weak evidence', () => {
    const cases: Array<[string, string | undefined]> = [['http', 'http'], ['https', 'tls'], ['tls', 'tls'], ['grpc', 'grpc'], ['h2c', 'h2c'], ['HTTP', undefined], ['web', undefined], ['http-api', undefined]];
    for (const [name, expected] of cases) {
      const got = served(`[{name: ${name}, port: 443, targetPort: 8443}]`);
      assert.deepEqual(got, expected ? { served: expected, because: [`the Service port is named "${name}"`], strong: false } : undefined, name);
    }
  });

  it('reads a named targetPort and the container port it lands on as strong evidence', () => {
    assert.deepEqual(served('[{port: 443, targetPort: https}]', '[{name: https, containerPort: 8443}]'), {
      served: 'tls', because: ['its targetPort is "https"', 'container api names the port "https"'], strong: true,
    });
    assert.deepEqual(served('[{port: 80, targetPort: 8080}]', '[{name: grpc, containerPort: 8080}]'), {
      served: 'grpc', because: ['container api names the port "grpc"'], strong: true,
    });
    assert.equal(served('[{port: 80, targetPort: 8080}]', '[{name: grpc, containerPort: 9090}]'), undefined);
    assert.equal(served('[{port: 80, targetPort: "8080"}]', '[{containerPort: 8080}]'), undefined);
  });

  it('counts the other Service ports aimed at the same container port', () => {
    assert.deepEqual(served('[{name: web, port: 80, targetPort: 8080}, {name: h2c, port: 81, targetPort: 8080}, {name: https, port: 443, targetPort: 9443}]', '[{containerPort: 8080}]'), {
      served: 'h2c', because: ['Service port h2c (same target) is named "h2c"'], strong: false,
    });
    assert.deepEqual(served('[{port: 80, targetPort: 8080}, {port: 81, targetPort: 8080, appProtocol: http}]', '[{containerPort: 8080}]'), {
      served: 'http', because: ['Service port 81 (same target) has appProtocol: http'], strong: true,
    });
  });

  it('takes gRPC and h2c as one answer, and gives none when declarations disagree', () => {
    assert.deepEqual(served('[{name: grpc, port: 80, targetPort: 8080, appProtocol: kubernetes.io/h2c}]', '[{containerPort: 8080}]'), {
      served: 'grpc', because: ['the Service port is named "grpc"', 'the Service port has appProtocol: kubernetes.io/h2c'], strong: true,
    });
    assert.equal(served('[{name: http, port: 443, targetPort: 8443, appProtocol: https}]'), undefined);
    assert.equal(served('[{port: 80, targetPort: 8080}, {name: https, port: 443, targetPort: 8080}, {name: http, port: 81, targetPort: 8080}]', '[{containerPort: 8080}]'), undefined);
  });

  it('does not take a bare "https" Service port name in front of port 80 or 8080 as what the container serves', () => {
    assert.equal(served('[{name: https, port: 443, targetPort: 8080}]', '[{containerPort: 8080}]'), undefined);
    assert.equal(served('[{name: https, port: 443, targetPort: 80}]', '[{containerPort: 80}]'), undefined);
    assert.equal(served('[{name: https, port: 443, targetPort: web}]', '[{name: web, containerPort: 8080}]'), undefined);
    assert.deepEqual(served('[{name: https, port: 443, targetPort: 8081}]', '[{containerPort: 8081}]'), { served: 'tls', because: ['the Service port is named "https"'], strong: false });
    assert.deepEqual(served('[{name: https, port: 443, targetPort: 8080, appProtocol: https}]', '[{containerPort: 8080}]'), {
      served: 'tls', because: ['the Service port has appProtocol: https', 'the Service port is named "https"'], strong: true,
    });
    assert.deepEqual(served('[{name: tls, port: 443, targetPort: 8080}]', '[{containerPort: 8080}]'), undefined);
  });
});
