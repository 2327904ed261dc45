// The rollout arithmetic, edge case by edge case: how maxUnavailable and maxSurge
// percentages round, what an autoscaler's minimum replaces, and zero replicas.
import assert from 'node:assert/strict';
import { daemonSetShare, isSwitchedOff, replicaCount, resolveFenceposts, rolloutBudget } from '../../src/rules/lib/rollout-math.ts';
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
});
