// Timeouts of the meshes and Gateway API implementations, value by value: Istio
// DestinationRule and VirtualService, Envoy Gateway BackendTrafficPolicy, GKE
// GCPBackendPolicy, Kong and Linkerd annotations — what disables, what is no setting.
import assert from 'node:assert/strict';
import { timeoutsOf } from '../../src/rules/lib/proxy-timeouts.ts';
import { graphOf } from '../support/scan.ts';

/** `path written seconds kind proxy fix90 default scope` for every timeout the only object of `yaml` holds. */
function read(yaml: string): string[] {
  const g = graphOf(yaml);
  const r = [...g.all()][0];
  assert.ok(r);
  return timeoutsOf(r, g).map((t) => [t.path, JSON.stringify(t.written), t.seconds, t.kind, t.proxy, t.write(90), t.defaultSeconds ?? '-', t.scope ?? '-'].join(' '));
}

describe('mesh and gateway timeout settings', () => {
  it('reads Istio DestinationRule idle and connect timeouts, rule-wide and per port: 0s idle is no limit, 0 or negative connect is no setting', () => {
    assert.deepEqual(read(`
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: web}
spec:
  host: web
  trafficPolicy:
    connectionPool: {tcp: {connectTimeout: 0s}, http: {idleTimeout: 0s}}
    portLevelSettings:
      - {port: {number: 80}, connectionPool: {tcp: {connectTimeout: 3s}, http: {idleTimeout: 90s}}}
      - {port: {number: 81}, connectionPool: {tcp: {connectTimeout: -1s}, http: {idleTimeout: -5s}}}
      - {port: {number: 82}, connectionPool: {http: {idleTimeout: 1d}}}
`), [
      'spec.trafficPolicy.connectionPool.http.idleTimeout "0s" Infinity keepalive Istio 90s 3600 -',
      'spec.trafficPolicy.portLevelSettings[0].connectionPool.http.idleTimeout "90s" 90 keepalive Istio 90s 3600 spec.trafficPolicy.portLevelSettings[0]',
      'spec.trafficPolicy.portLevelSettings[0].connectionPool.tcp.connectTimeout "3s" 3 connect Istio 90s 10 spec.trafficPolicy.portLevelSettings[0]',
    ]);
  });

  it('reads Envoy Gateway BackendTrafficPolicy timeouts: 0s disables the request timeout, unreadable values are skipped', () => {
    const policy = (timeout: string, retry: string) => `
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: p}
spec: {timeout: ${timeout}, retry: {perRetry: {timeout: ${retry}}}}
`;
    assert.deepEqual(read(policy('{http: {requestTimeout: 0s, connectionIdleTimeout: -1s}, tcp: {connectTimeout: 0s}}', '{nested: 1}')), [
      'spec.timeout.http.requestTimeout "0s" Infinity response Envoy Gateway 90s 15 -',
    ]);
    assert.deepEqual(read(policy('{http: {requestTimeout: 90s, connectionIdleTimeout: null}, tcp: {connectTimeout: 2s}}', '500ms')), [
      'spec.timeout.http.requestTimeout "90s" 90 response Envoy Gateway 90s 15 -',
      'spec.timeout.tcp.connectTimeout "2s" 2 connect Envoy Gateway 90s 10 -',
      'spec.retry.perRetry.timeout "500ms" 0.5 response Envoy Gateway 90s - -',
    ]);
  });

  it('reads Istio VirtualService route and per-try timeouts, per route', () => {
    assert.deepEqual(read(`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: v}
spec:
  http:
    - {timeout: 0s, retries: {perTryTimeout: 2s}}
    - {timeout: 30}
    - {timeout: 1m}
`), [
      'spec.http[0].timeout "0s" Infinity response Istio 90s - spec.http[0]',
      'spec.http[0].retries.perTryTimeout "2s" 2 response Istio 90s - spec.http[0]',
      'spec.http[2].timeout "1m" 60 response Istio 90s - spec.http[2]',
    ]);
  });

  it('reads the GKE GCPBackendPolicy timeoutSec as whole positive seconds', () => {
    const policy = (v: string) => `
apiVersion: networking.gke.io/v1
kind: GCPBackendPolicy
metadata: {name: g}
spec: {default: {timeoutSec: ${v}}}
`;
    assert.deepEqual(read(policy('45')), ['spec.default.timeoutSec "45" 45 response GKE Gateway 90 30 -']);
    for (const v of ['1.5', '0', '-3', '"45"']) assert.deepEqual(read(policy(v)), [], v);
  });

  it('reads Kong milliseconds and Linkerd durations on a Service: 0 and negative values are no setting', () => {
    assert.deepEqual(read(`
apiVersion: v1
kind: Service
metadata:
  name: s
  annotations: {konghq.com/read-timeout: " 90000 ", konghq.com/write-timeout: "0", konghq.com/connect-timeout: "2s", timeout.linkerd.io/request: " 10s ", timeout.linkerd.io/response: "0s", timeout.linkerd.io/idle: "-1s"}
spec: {ports: [{port: 80}]}
`), [
      'metadata.annotations["konghq.com/read-timeout"] " 90000 " 90 response Kong 90000 60 -',
      'metadata.annotations["timeout.linkerd.io/request"] " 10s " 10 response Linkerd 90s - -',
    ]);
  });
});
