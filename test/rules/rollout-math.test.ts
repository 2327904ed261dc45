// The rollout arithmetic, edge case by edge case: how maxUnavailable and maxSurge
// percentages round, what an autoscaler's minimum replaces, and zero replicas.
import assert from 'node:assert/strict';
import { daemonSetShare, exposures, gatewayLabel, isMetricsOnly, isSwitchedOff, mountsClaim, replicaCount, resolveFenceposts, rolloutBudget, serviceCapacity, servesHttp } from '../../src/rules/lib/rollout-math.ts';
import { isWorkload } from '../../src/engine/model.ts';
import { graphOf } from '../support/scan.ts';

describe('rollout arithmetic', () => {
  it('resolves fenceposts as the Deployment controller does: surge rounds up, unavailable down, both 0 means 1 unavailable', () => {
    const cases: Array<[number | string | undefined, number | string | undefined, number, { unavailable: number; surge: number; forcedOne: boolean }]> = [
      ['25%', '25%', 4, { unavailable: 1, surge: 1, forcedOne: false }],
      ['25%', '25%', 3, { unavailable: 0, surge: 1, forcedOne: false }],
      ['25%', '25%', 5, { unavailable: 1, surge: 2, forcedOne: false }],
      ['50%', '10%', 3, { unavailable: 1, surge: 1, forcedOne: false }],
      ['99%', 0, 10, { unavailable: 9, surge: 0, forcedOne: false }],
      ['10%', '0%', 5, { unavailable: 1, surge: 0, forcedOne: true }],
      [0, 0, 3, { unavailable: 1, surge: 0, forcedOne: true }],
      [undefined, undefined, 3, { unavailable: 1, surge: 0, forcedOne: true }],
      [0, 1, 3, { unavailable: 0, surge: 1, forcedOne: false }],
      [2, 0, 3, { unavailable: 2, surge: 0, forcedOne: false }],
      ['2', '0', 3, { unavailable: 2, surge: 0, forcedOne: false }],
      [' 100% ', '0', 3, { unavailable: 3, surge: 0, forcedOne: false }],
      ['x', '1%', 3, { unavailable: 0, surge: 1, forcedOne: false }],
      ['25%', '25%', 0, { unavailable: 1, surge: 0, forcedOne: true }],
    ];
    for (const [u, s, n, expected] of cases) assert.deepEqual(resolveFenceposts(u, s, n), expected, `${String(u)} ${String(s)} of ${n}`);
  });

  const deployment = (replicas: number, extra = '', strategy = '{type: RollingUpdate, rollingUpdate: {maxUnavailable: "50%", maxSurge: 0}}') => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: ${replicas}
  strategy: ${strategy}
  selector: {matchLabels: {app: web}}
  template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: web:1}]}}
${extra}`;
  const hpa = (min?: number) => `---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web-hpa, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  ${min === undefined ? '' : `minReplicas: ${min}`}
  maxReplicas: 10
`;
  const keda = (min?: number, kind?: string) => `---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: web-so, namespace: shop}
spec:
  scaleTargetRef: {name: web${kind ? `, kind: ${kind}` : ''}}
  ${min === undefined ? '' : `minReplicaCount: ${min}`}
`;
  const counted = (yaml: string) => {
    const g = graphOf(yaml);
    const w = g.workloads()[0];
    assert.ok(w);
    const c = replicaCount(w, g);
    return { count: c?.count, source: c?.source, scaler: c?.scaler?.name, off: isSwitchedOff(w, g) };
  };

  it('counts replicas, the autoscaler minimum when one targets the workload, and zero as switched off', () => {
    assert.deepEqual(counted(deployment(3)), { count: 3, source: 'replicas: 3', scaler: undefined, off: false });
    assert.deepEqual(counted(deployment(3, hpa(2))), { count: 2, source: 'HorizontalPodAutoscaler/web-hpa minReplicas: 2', scaler: 'web-hpa', off: false });
    assert.deepEqual(counted(deployment(3, hpa())), { count: 1, source: 'HorizontalPodAutoscaler/web-hpa minReplicas: 1', scaler: 'web-hpa', off: false });
    assert.deepEqual(counted(deployment(0, hpa(2))), { count: 0, source: 'replicas: 0', scaler: undefined, off: true });
    assert.deepEqual(counted(deployment(3, keda(2))), { count: 2, source: 'ScaledObject/web-so minReplicaCount: 2', scaler: 'web-so', off: false });
    assert.deepEqual(counted(deployment(3, keda())), { count: 0, source: 'ScaledObject/web-so minReplicaCount: 0', scaler: 'web-so', off: true });
    assert.deepEqual(counted(deployment(3, keda(2, 'Deployment'))), { count: 2, source: 'ScaledObject/web-so minReplicaCount: 2', scaler: 'web-so', off: false });
    assert.deepEqual(counted(deployment(3, keda(2, 'StatefulSet'))), { count: 3, source: 'replicas: 3', scaler: undefined, off: false });
  });

  const budget = (yaml: string, replicas: number) => {
    const g = graphOf(yaml);
    const w = g.workloads()[0];
    assert.ok(w);
    return rolloutBudget(w, replicas);
  };

  it('gives the budget of a Deployment rolling update, a Rollout canary and a StatefulSet, and none for Recreate', () => {
    assert.deepEqual(budget(deployment(4), 4), { unavailable: 2, surge: 0, forcedOne: false, path: 'spec.strategy.rollingUpdate', written: 'maxUnavailable: "50%", maxSurge: 0' });
    assert.equal(budget(deployment(4, '', '{type: Recreate}'), 4), undefined);
    const rollout = `
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web, namespace: shop}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: web:1}]}}
  strategy: {canary: {maxUnavailable: 1, maxSurge: "0%", steps: [{setWeight: 20}]}}
`;
    assert.deepEqual(budget(rollout, 4), { unavailable: 1, surge: 0, forcedOne: false, path: 'spec.strategy.canary', written: 'maxUnavailable: 1, maxSurge: "0%"' });
    const sts = (policy: string) => `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  replicas: 5
  serviceName: db
  ${policy}
  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: "30%"}}
  selector: {matchLabels: {app: db}}
  template: {metadata: {labels: {app: db}}, spec: {containers: [{name: db, image: db:1}]}}
`;
    assert.deepEqual(budget(sts('podManagementPolicy: Parallel'), 5), { unavailable: 2, surge: 0, forcedOne: false, path: 'spec.updateStrategy.rollingUpdate', written: 'maxUnavailable: "30%", podManagementPolicy: Parallel' });
    assert.deepEqual(budget(sts('podManagementPolicy: Parallel'), 1), { unavailable: 1, surge: 0, forcedOne: false, path: 'spec.updateStrategy.rollingUpdate', written: 'maxUnavailable: "30%", podManagementPolicy: Parallel' });
    assert.deepEqual(budget(sts(''), 5), { unavailable: 1, surge: 0, forcedOne: false, path: 'spec.updateStrategy.rollingUpdate', written: 'maxUnavailable: "30%"' });
  });

  it("tells a DaemonSet's share only for a percentage maxUnavailable without surge", () => {
    const ds = (ru: string) => {
      const g = graphOf(`
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: shop}
spec:
  updateStrategy: {type: RollingUpdate, rollingUpdate: ${ru}}
  selector: {matchLabels: {app: agent}}
  template: {metadata: {labels: {app: agent}}, spec: {containers: [{name: agent, image: agent:1}]}}
`);
      const w = g.workloads()[0];
      assert.ok(w);
      return daemonSetShare(w);
    };
    assert.deepEqual(ds('{maxUnavailable: "50%"}'), { share: 0.5, path: 'spec.updateStrategy.rollingUpdate.maxUnavailable', written: 'maxUnavailable: "50%"' });
    assert.deepEqual(ds('{maxUnavailable: "150%", maxSurge: 0}'), { share: 1, path: 'spec.updateStrategy.rollingUpdate.maxUnavailable', written: 'maxUnavailable: "150%"' });
    assert.deepEqual(ds('{maxUnavailable: " 20% ", maxSurge: "0%"}')?.share, 0.2);
    assert.equal(ds('{maxUnavailable: "50%", maxSurge: "10%"}'), undefined);
    assert.equal(ds('{maxUnavailable: "50%", maxSurge: 1}'), undefined);
    assert.equal(ds('{maxUnavailable: 2}'), undefined);
  });

  it('counts a bare Pod as one, a DaemonSet not at all, and reads autoscaler minimums only when they are whole numbers', () => {
    const pod = graphOf('\napiVersion: v1\nkind: Pod\nmetadata: {name: one, namespace: shop, labels: {app: one}}\nspec: {containers: [{name: c, image: i}]}\n');
    const p = pod.workloads()[0];
    assert.ok(p);
    assert.deepEqual(replicaCount(p, pod), { count: 1, source: 'a bare Pod' });
    const ds = graphOf('\napiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent}\nspec: {selector: {matchLabels: {app: a}}, template: {metadata: {labels: {app: a}}, spec: {containers: [{name: c, image: i}]}}}\n');
    const d = ds.workloads()[0];
    assert.ok(d);
    assert.equal(replicaCount(d, ds), undefined);
    assert.equal(isSwitchedOff(d, ds), false);
    assert.deepEqual(counted(deployment(3, hpa(0))), { count: 0, source: 'HorizontalPodAutoscaler/web-hpa minReplicas: 0', scaler: 'web-hpa', off: true });
    for (const bad of ['1.5', '-1', '"2"']) {
      assert.deepEqual(counted(deployment(3, hpa().replace('maxReplicas: 10', `minReplicas: ${bad}\n  maxReplicas: 10`))).count, 1, `minReplicas ${bad}`);
    }
    const odd = (ref: string) => `---\napiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: web-so, namespace: shop}\nspec: {scaleTargetRef: ${ref}, minReplicaCount: 2}\n`;
    for (const ref of ['web', '[web]', 'null', '{name: api}']) assert.deepEqual(counted(deployment(3, odd(ref))).count, 3, `scaleTargetRef ${ref}`);
  });

  it('takes the Deployment that is only the template of an Argo Rollout as switched off', () => {
    const g = graphOf(`${deployment(3)}---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web, namespace: shop}
spec: {replicas: 3, workloadRef: {apiVersion: apps/v1, kind: Deployment, name: web}, strategy: {canary: {steps: [{setWeight: 10}]}}}
`);
    const w = g.workloads().find((x) => x.kind === 'Deployment');
    assert.ok(w);
    assert.equal(isSwitchedOff(w, g), true);
  });

  it('shows unset rolling-update fields, and gives no budget to blueGreen Rollouts, OnDelete StatefulSets or DaemonSets', () => {
    assert.deepEqual(budget(deployment(4, '', '{type: RollingUpdate}'), 4), { unavailable: 1, surge: 1, forcedOne: false, path: 'spec.strategy.rollingUpdate', written: 'maxUnavailable: "25%", maxSurge: "25%"' }, 'the API defaults');
    const canary = `
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web, namespace: shop}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: web:1}]}}
  strategy: {canary: {steps: [{setWeight: 20}]}}
`;
    const b = budget(canary, 4);
    assert.equal(b?.written, 'maxUnavailable: "25%", maxSurge: "25%"', 'the Argo Rollouts defaults');
    const blueGreen = `
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web, namespace: shop}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: web:1}]}}
  strategy: {blueGreen: {activeService: web}}
`;
    assert.equal(budget(blueGreen, 4), undefined);
    const sts = `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  replicas: 3
  serviceName: db
  updateStrategy: {type: OnDelete}
  selector: {matchLabels: {app: db}}
  template: {metadata: {labels: {app: db}}, spec: {containers: [{name: db, image: db:1}]}}
`;
    assert.equal(budget(sts, 3), undefined);
    const ds = `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: shop}
spec:
  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 1}}
  selector: {matchLabels: {app: agent}}
  template: {metadata: {labels: {app: agent}}, spec: {containers: [{name: agent, image: agent:1}]}}
`;
    assert.equal(budget(ds, 3), undefined);
  });

  it("reads a DaemonSet's surge and percentage exactly", () => {
    const ds = (ru: string, type = 'RollingUpdate', kind = 'DaemonSet') => {
      const g = graphOf(`
apiVersion: apps/v1
kind: ${kind}
metadata: {name: agent, namespace: shop}
spec:
  ${kind === 'DaemonSet' ? `updateStrategy: {type: ${type}, rollingUpdate: ${ru}}` : `strategy: {type: ${type}, rollingUpdate: ${ru}}`}
  selector: {matchLabels: {app: agent}}
  template: {metadata: {labels: {app: agent}}, spec: {containers: [{name: agent, image: agent:1}]}}
`);
      const w = g.workloads()[0];
      assert.ok(w);
      return daemonSetShare(w)?.share;
    };
    assert.equal(ds('{maxUnavailable: "50%", maxSurge: "00"}'), 0.5);
    assert.equal(ds('{maxUnavailable: "50%", maxSurge: "0"}'), 0.5);
    assert.equal(ds('{maxUnavailable: "50%", maxSurge: "0% "}'), 0.5);
    assert.equal(ds('{maxUnavailable: "50%", maxSurge: "0%0"}'), undefined);
    assert.equal(ds('{maxUnavailable: "50%", maxSurge: "x0"}'), undefined);
    assert.equal(ds('{maxUnavailable: "x50%"}'), undefined);
    assert.equal(ds('{maxUnavailable: "50%x"}'), undefined);
    assert.equal(ds('{maxUnavailable: "50%"}', 'OnDelete'), undefined);
    assert.equal(ds('{maxUnavailable: "50%", maxSurge: 0}', 'RollingUpdate', 'Deployment'), undefined);
  });

  const service = (ports: string, type = 'ClusterIP') => {
    const g = graphOf(`\napiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: ${type}, selector: {app: web}, ports: ${ports}}\n`);
    const svc = g.service('default', 's');
    assert.ok(svc);
    return svc;
  };

  it('tells Services that carry HTTP by appProtocol, port name or well-known port', () => {
    const cases: Array<[string, boolean]> = [
      ['[{port: 5432}]', false], ['[{port: 8080}]', true], ['[{port: 443}]', true], ['[{port: 9000, appProtocol: kubernetes.io/h2c}]', true],
      ['[{port: 9000, appProtocol: kubernetes.io/wss}]', true], ['[{port: 9000, appProtocol: example.com/ws-like}]', false], ['[{port: 9000, appProtocol: grpc}]', true],
      ['[{port: 9000, appProtocol: postgresql}]', false], ['[{name: http-api, port: 9000}]', true], ['[{name: api_grpc, port: 9000}]', true],
      ['[{name: httpd, port: 9000}]', false], ['[{name: db, port: 5432}, {name: web, port: 9000}]', true],
    ];
    for (const [ports, http] of cases) assert.equal(servesHttp(service(ports)), http, ports);
  });

  it('tells metrics-only Services by their port names alone', () => {
    const cases: Array<[string, boolean]> = [
      ['[{name: metrics, port: 9090}]', true], ['[{name: http-metrics, port: 9090}, {name: prometheus, port: 9091}]', true],
      ['[{name: metrics, port: 9090}, {name: http, port: 80}]', false], ['[{port: 9090}]', false], ['[{name: Telemetry, port: 9090}]', true],
    ];
    for (const [ports, metrics] of cases) assert.equal(isMetricsOnly(service(ports)), metrics, ports);
    const headless = graphOf('\napiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {clusterIP: None, selector: {app: web}}\n').service('default', 's');
    assert.ok(headless);
    assert.equal(isMetricsOnly(headless), false);
  });

  it('lists the Services in front of a workload, with the gateways and load balancers that reach them', () => {
    const g = graphOf(`${deployment(3)}---
apiVersion: v1
kind: Service
metadata: {name: lb, namespace: shop}
spec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: db-lb, namespace: shop}
spec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 5432}]}
---
apiVersion: v1
kind: Service
metadata: {name: metrics, namespace: shop}
spec: {selector: {app: web}, ports: [{name: metrics, port: 9090}]}
---
apiVersion: v1
kind: Service
metadata: {name: scraped, namespace: shop}
spec: {selector: {app: web}, ports: [{name: metrics, port: 9091}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: site, namespace: shop}
spec: {defaultBackend: {service: {name: scraped, port: {number: 9091}}}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: cross, namespace: edge}
spec: {rules: [{backendRefs: [{name: lb, namespace: shop, port: 8080}]}]}
`);
    const w = g.workloads().find((x) => x.kind === 'Deployment');
    assert.ok(w && isWorkload(w));
    const got = exposures(w, g).map((e) => `${e.service.name} ${e.gateways.map((b) => b.from.name).join(',') || '-'} ${e.loadBalancer} ${gatewayLabel(e)}`).sort();
    assert.deepEqual(got, [
      'db-lb - false its cloud load balancer (type: LoadBalancer)',
      'lb - true its cloud load balancer (type: LoadBalancer)',
      'scraped site false Ingress/site',
    ], 'the cross-namespace route has no ReferenceGrant; the metrics-only Service no gateway');
    const lb = g.service('shop', 'lb');
    assert.ok(lb);
    assert.deepEqual(serviceCapacity(lb, g).pods, 3);
  });

  it('knows the workloads that mount a PersistentVolumeClaim', () => {
    const claim = (kind: string, extra: string) => {
      const g = graphOf(`
apiVersion: apps/v1
kind: ${kind}
metadata: {name: db}
spec:
  replicas: 1
  ${kind === 'StatefulSet' ? 'serviceName: db' : ''}
  selector: {matchLabels: {app: db}}
  template: {metadata: {labels: {app: db}}, spec: {containers: [{name: db, image: db}], volumes: ${extra.startsWith('volumes:') ? extra.slice(8) : '[]'}}}
  ${extra.startsWith('volumes:') ? '' : extra}
`);
      const w = g.workloads()[0];
      assert.ok(w);
      return mountsClaim(w, g);
    };
    assert.equal(claim('Deployment', 'volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]'), true);
    assert.equal(claim('Deployment', 'volumes: [{name: tmp, emptyDir: {}}]'), false);
    assert.equal(claim('Deployment', ''), false);
    assert.equal(claim('StatefulSet', 'volumeClaimTemplates: [{metadata: {name: data}, spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}}]'), true);
    assert.equal(claim('StatefulSet', ''), false);
    assert.equal(claim('Deployment', 'volumeClaimTemplates: [{metadata: {name: data}}]'), false, 'only a StatefulSet has claim templates');
  });
});
