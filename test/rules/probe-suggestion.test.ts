// The readiness probe a fix proposes, chosen by what the port speaks: HTTP GET with the
// path marked as a placeholder only where HTTP is declared (or a gateway sends HTTP), gRPC
// health on gRPC ports, HTTPS on TLS ports, the product's own client for databases whose
// image says which product, and a TCP check where nothing says more.
import assert from 'node:assert/strict';
import { readinessProbeFix, retimedProbe } from '../../src/rules/lib/probe-suggestion.ts';
import { servedContainers } from '../../src/rules/lib/serving.ts';
import { appYaml } from '../../src/rules/lib/fixture-yaml.ts';
import { isWorkload } from '../../src/engine/model.ts';
import { graphOf } from '../support/scan.ts';

function fix(image: string, ports: string | undefined, servicePorts: string, ingress = false): string {
  const containers = `        - {name: app, image: ${image}${ports ? `, ports: ${ports}` : ''}}\n`;
  const g = graphOf(appYaml({ containers, servicePorts, ingress }));
  const w = [...g.all()].find((o) => o.kind === 'Deployment');
  assert.ok(w && isWorkload(w));
  const [s] = servedContainers(w, g);
  assert.ok(s, 'a served container');
  return readinessProbeFix(s, g, 'Add a probe', { periodSeconds: 5 });
}

const HTTP = (port: string | number) =>
  `Add a probe (fill in your app's readiness path):\nreadinessProbe:\n  httpGet:\n    path: /ready  # placeholder: the path of your app's readiness endpoint\n    port: ${port}\n  periodSeconds: 5`;
const TCP = (why: string, port: string | number) =>
  `Add a probe (${why}: a TCP check, better than none; if the app has a readiness endpoint or command, probe that instead):\nreadinessProbe:\n  tcpSocket:\n    port: ${port}\n  periodSeconds: 5`;

describe('the readiness probe a fix proposes', () => {
  it('proposes an HTTP GET, its path marked as a placeholder, where a port name, appProtocol or gateway says HTTP', () => {
    assert.equal(fix('web', '[{name: http, containerPort: 8080}]', '[{port: 80, targetPort: 8080}]'), HTTP('http'));
    assert.equal(fix('web', '[{name: web-api, containerPort: 8080}]', '[{port: 80, targetPort: 8080}]'), HTTP('web-api'));
    assert.equal(fix('web', '[{name: api-http, containerPort: 8080}]', '[{port: 80, targetPort: 8080}]'), HTTP('api-http'));
    assert.equal(fix('web', '[{containerPort: 8080}]', '[{name: http-main, port: 80, targetPort: 8080}]'), HTTP(8080));
    assert.equal(fix('api', '[{containerPort: 9000}]', '[{port: 80, targetPort: 9000, appProtocol: http}]'), HTTP(9000));
    assert.equal(fix('api', '[{containerPort: 9000}]', '[{port: 80, targetPort: 9000, appProtocol: kubernetes.io/h2c}]'), HTTP(9000));
    assert.equal(fix('api', '[{containerPort: 9000}]', '[{port: 80, targetPort: 9000}]', true), HTTP(9000), 'an Ingress sends HTTP to it');
  });

  it('proposes gRPC health on gRPC ports and HTTPS on TLS ports', () => {
    assert.equal(
      fix('api', '[{containerPort: 9090}]', '[{port: 9090, targetPort: 9090, appProtocol: grpc}]'),
      'Add a probe (gRPC port: the app must serve the standard gRPC health service, grpc.health.v1):\nreadinessProbe:\n  grpc:\n    port: 9090\n  periodSeconds: 5',
    );
    assert.equal(
      fix('api', '[{name: grpc, containerPort: 9090}]', '[{port: 9090, targetPort: grpc}]'),
      'Add a probe (gRPC port: the app must serve the standard gRPC health service, grpc.health.v1):\nreadinessProbe:\n  grpc:\n    port: 9090\n  periodSeconds: 5',
      'by number, even when the port has a name',
    );
    assert.equal(
      fix('api', '[{containerPort: 8443}]', '[{port: 443, targetPort: 8443, appProtocol: https}]'),
      "Add a probe (TLS port: the probe speaks HTTPS; fill in your app's readiness path):\nreadinessProbe:\n  httpGet:\n    path: /ready  # placeholder: the path of your app's readiness endpoint\n    port: 8443\n    scheme: HTTPS\n  periodSeconds: 5",
    );
  });

  it("asks a database with its own client when the image names the product, else checks TCP", () => {
    assert.equal(
      fix('postgres:16', '[{containerPort: 5433}]', '[{port: 5432, targetPort: 5433}]'),
      'Add a probe (PostgreSQL: ask the server with its own client):\nreadinessProbe:\n  exec:\n    command:\n      - pg_isready\n      - "-h"\n      - "127.0.0.1"\n      - "-p"\n      - "5433"\n  periodSeconds: 5',
    );
    assert.equal(
      fix('bitnami/redis:7', '[{name: redis, containerPort: 6379}]', '[{port: 6379, targetPort: redis}]'),
      'Add a probe (Redis: ask the server with its own client):\nreadinessProbe:\n  exec:\n    command:\n      - redis-cli\n      - "-p"\n      - "6379"\n      - ping\n  periodSeconds: 5',
    );
    assert.equal(fix('cache', '[{containerPort: 6379}]', '[{name: redis, port: 6379, targetPort: 6379}]'), TCP('Redis port', 6379), 'the Service port name says Redis');
    assert.equal(fix('cache', '[{name: tcp-redis, containerPort: 7000}]', '[{port: 6379, targetPort: 7000}]'), TCP('Redis port', 'tcp-redis'), 'the container port name says Redis');
    assert.equal(fix('db', '[{containerPort: 5432}]', '[{port: 5432, targetPort: 5432}]'), TCP('PostgreSQL port', 5432), 'the port number says PostgreSQL');
    assert.equal(fix('mongo:7', '[{containerPort: 27017}]', '[{port: 27017, targetPort: 27017}]'), TCP('MongoDB port', 27017), 'no client command for MongoDB');
    assert.equal(fix('api', '[{containerPort: 9000}]', '[{port: 9000, targetPort: 9000}]'), TCP('no protocol is declared for this port', 9000));
    assert.equal(fix('api', undefined, '[{port: 80, targetPort: 3000}]'), TCP('no protocol is declared for this port', 3000), 'an undeclared target port');
  });

  it('rewrites a probe with new timing, keeping its handler, initial delay and timeout', () => {
    const g = graphOf(appYaml({ containers: `        - name: app\n          image: web\n          readinessProbe: {httpGet: {path: /r, port: 8080}, initialDelaySeconds: 5, timeoutSeconds: 3, periodSeconds: 30}\n          livenessProbe: {tcpSocket: {port: 8080}}\n` }));
    const w = [...g.all()].find((o) => o.kind === 'Deployment');
    assert.ok(w && isWorkload(w) && w.template);
    const c = w.template.containers[0];
    assert.ok(c?.readinessProbe && c.livenessProbe);
    assert.deepEqual(retimedProbe(c.readinessProbe, 5, 2), { httpGet: { path: '/r', port: 8080 }, initialDelaySeconds: 5, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 2 });
    assert.deepEqual(retimedProbe(c.livenessProbe, 10, 6), { tcpSocket: { port: 8080 }, periodSeconds: 10, failureThreshold: 6 });
  });
});
