// What the cluster faces watch is derived from the rules' declarations: every kind a rule reads or
// judges has its API facts in the catalogue, and is watched unless the catalogue says why not.
import assert from 'node:assert/strict';
import { expand, inputsOf } from '../../src/engine/inputs.ts';
import { admittedBy, CATALOGUE, WATCHED, watchedFor } from '../../src/cluster/resources.ts';
import { OPERATOR_RESOURCES } from '../../src/rules/lib/references.ts';
import { RULES } from '../../src/rules/index.ts';

describe('cluster: watched kinds follow the rules', () => {
  it('has API facts for every kind a rule reads or judges', () => {
    const missing: string[] = [];
    for (const input of inputsOf(RULES).values()) {
      if (input.kind === '*') continue;
      for (const [group, kind] of expand(input.group, input.kind)) {
        // Groups no API server serves any more (extensions/v1beta1) are read offline only.
        if (group === 'extensions') continue;
        if (!CATALOGUE.some((a) => a.kind === kind && (group === '*' || a.group === group))) missing.push(`${group}/${kind} (${input.rules.join(', ')})`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it('watches the context the rules read, not only the kinds they judge', () => {
    const watched = WATCHED.map((w) => `${w.group}/${w.kind}`);
    for (const k of [
      'gateway.networking.k8s.io/BackendTLSPolicy', 'networking.k8s.io/IngressClass', 'gateway.networking.k8s.io/GatewayClass',
      'gateway.networking.k8s.io/Gateway', 'batch/Job', 'batch/CronJob', 'networking.istio.io/DestinationRule',
      'networking.istio.io/VirtualService', 'projectcontour.io/HTTPProxy', 'traefik.io/ServersTransport', 'traefik.io/IngressRoute',
      'cloud.google.com/BackendConfig', 'route.openshift.io/Route', 'split.smi-spec.io/TrafficSplit', 'traefik.io/TraefikService',
      'rollouts.kruise.io/Rollout', 'keda.sh/ScaledObject',
    ]) assert.ok(watched.includes(k), k);
    assert.ok(WATCHED.find((w) => w.kind === 'Pod')?.unownedOnly, 'only bare Pods are kept');
  });

  it('annotates exactly the kinds rules judge, keeps status only where a rule reads it, and leaves live-only kinds to the controller', () => {
    const annotated = WATCHED.filter((w) => w.annotated).map((w) => `${w.group}/${w.kind}`);
    assert.ok(annotated.includes('/Service') && annotated.includes('apps/Deployment') && annotated.includes('networking.k8s.io/Ingress'));
    assert.ok(!annotated.includes('networking.k8s.io/IngressClass') && !annotated.includes('rollouts.kruise.io/Rollout'));
    assert.deepEqual(WATCHED.filter((w) => w.keepStatus).map((w) => `${w.group}/${w.kind}`).sort(), ['/Pod', 'apps/DaemonSet', 'apps/Deployment', 'apps/ReplicaSet', 'apps/StatefulSet', 'argoproj.io/Rollout']);
    assert.ok(watchedFor('controller').some((w) => w.kind === 'EndpointSlice'));
    assert.ok(!watchedFor('webhook').some((w) => w.kind === 'EndpointSlice'));
  });

  it("watches the custom resources of the operators' table (their Services are no missing references), reads them and judges none", () => {
    assert.ok(OPERATOR_RESOURCES.length > 10);
    for (const { group, kind } of OPERATOR_RESOURCES) {
      const w = WATCHED.find((x) => x.group === group && x.kind === kind);
      assert.ok(w, `${group}/${kind} watched`);
      assert.equal(w.annotated, false, `${group}/${kind} is not annotated`);
      assert.ok(w.optional, `${group}/${kind} comes from a CRD`);
    }
    // A Knative Service shares the kind name of the Service rules judge, not its group.
    assert.ok(!admittedBy().some((a) => a.group === 'serving.knative.dev'));
    assert.ok(WATCHED.find((w) => w.group === '' && w.kind === 'Service')?.annotated);
  });

  it('watches nothing when no rule reads anything, but namespaces, ReplicaSets and policies', () => {
    assert.deepEqual(watchedFor('controller', []).map((w) => w.kind), ['Namespace', 'ReplicaSet', 'Guard502Policy']);
  });
});
