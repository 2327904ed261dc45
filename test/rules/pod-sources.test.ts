// Where pods come from besides the workloads the model judges: pod templates of Jobs,
// CronJobs, ReplicationControllers and the like; objects that may create pods with
// labels no manifest shows; labels Argo Rollouts add at run time.
import assert from 'node:assert/strict';
import { extraPodTemplates, opaquePodCreators, rolloutRuntimeLabels, RUNTIME_POD_LABELS } from '../../src/rules/lib/pod-sources.ts';
import { graphOf } from '../support/scan.ts';

const obj = (apiVersion: string, kind: string, name: string, spec = '{}', ns = 'shop') => `
apiVersion: ${apiVersion}
kind: ${kind}
metadata: {name: ${name}, namespace: ${ns}}
spec: ${spec}
`;
const DEPLOYMENT = `{selector: {matchLabels: {app: x}}, template: {metadata: {labels: {app: x}}, spec: {containers: [{name: c, image: i}]}}}`;
const TEMPLATE = '{template: {metadata: {labels: {app: x, tier: 2, canary: true, skip: [1]}}, spec: {containers: [{name: c, image: i}]}}}';

describe('pod sources', () => {
  it('reads the pod template labels of the pod-creating kinds the model does not judge', () => {
    const g = graphOf([
      obj('batch/v1', 'Job', 'job', TEMPLATE),
      obj('batch/v1', 'CronJob', 'cron', `{schedule: "* * * * *", jobTemplate: {spec: ${TEMPLATE}}}`),
      obj('v1', 'ReplicationController', 'rc', TEMPLATE),
      obj('apps/v1', 'ReplicaSet', 'rs', `{selector: {matchLabels: {app: x}}, ${TEMPLATE.slice(1)}`),
      obj('apps.openshift.io/v1', 'DeploymentConfig', 'dc', TEMPLATE),
      obj('v1', 'DeploymentConfig', 'dc-legacy', TEMPLATE),
      `\napiVersion: v1\nkind: PodTemplate\nmetadata: {name: pt, namespace: shop}\ntemplate: {metadata: {labels: {app: pt}}}\n`,
      obj('batch/v1', 'Job', 'no-labels', '{template: {spec: {containers: [{name: c, image: i}]}}}'),
      obj('batch/v1', 'Job', 'elsewhere', TEMPLATE, 'other'),
      obj('example.com/v1', 'Job', 'not-batch', TEMPLATE),
    ].join('---\n'));
    const got = extraPodTemplates(g, 'shop').map((s) => `${s.resource.kind}/${s.resource.name} ${JSON.stringify(s.labels)}`).sort();
    const labels = '{"app":"x","tier":"2","canary":"true"}';
    assert.deepEqual(got, [
      `CronJob/cron ${labels}`, `DeploymentConfig/dc ${labels}`, `DeploymentConfig/dc-legacy ${labels}`, `Job/job ${labels}`, 'Job/no-labels {}',
      'PodTemplate/pt {"app":"pt"}', `ReplicaSet/rs ${labels}`, `ReplicationController/rc ${labels}`,
    ]);
  });

  it('counts objects that may create pods with labels no manifest shows, and nothing else', () => {
    const g = graphOf([
      obj('monitoring.coreos.com/v1', 'Prometheus', 'k8s'),
      obj('monitoring.coreos.com/v1', 'ServiceMonitor', 'sm'),
      obj('argoproj.io/v1alpha1', 'Application', 'app'),
      obj('argoproj.io/v1alpha1', 'AnalysisTemplate', 'at'),
      obj('flagger.app/v1beta1', 'Canary', 'web'),
      obj('keda.sh/v1alpha1', 'ScaledObject', 'so'),
      obj('example.com/v1', 'Widget', 'w'),
      obj('networking.k8s.io/v1', 'NetworkPolicy', 'np'),
      obj('cert-manager.io/v1', 'Certificate', 'cert'),
      obj('apps/v1', 'ControllerRevision', 'rev'),
      obj('batch/v1', 'Job', 'job', TEMPLATE),
      obj('apps/v1', 'Deployment', 'web', DEPLOYMENT),
      '\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: shop}\ndata: {}\n',
      obj('v1', 'Service', 'svc', '{ports: [{port: 80}]}'),
      obj('example.com/v1', 'Widget', 'other-ns', '{}', 'other'),
    ].join('---\n'));
    assert.deepEqual(opaquePodCreators(g, 'shop').map((r) => `${r.kind}/${r.name}`).sort(), ['Application/app', 'Canary/web', 'Prometheus/k8s', 'Widget/w']);
  });

  it("reads the labels an Argo Rollout's strategy adds to some of its pods", () => {
    const g = graphOf(obj('argoproj.io/v1alpha1', 'Rollout', 'web', `{
  selector: {matchLabels: {app: web}},
  template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c, image: i}]}},
  strategy: {
    canary: {
      canaryMetadata: {labels: {role: canary}}, stableMetadata: {labels: {role: stable, n: 1}},
      steps: [{setWeight: 10}, {experiment: {templates: [{name: a, metadata: {labels: {exp: a}}}, {name: b}]}}]
    },
    blueGreen: {activeMetadata: {labels: {role: active}}, previewMetadata: {labels: {}}}
  }
}`));
    const r = [...g.all()].find((o) => o.kind === 'Rollout');
    assert.ok(r);
    assert.deepEqual(rolloutRuntimeLabels(r), [{ role: 'canary' }, { role: 'stable' }, { role: 'active' }, { exp: 'a' }]);
    assert.deepEqual(rolloutRuntimeLabels(graphOf(obj('apps/v1', 'Deployment', 'web', DEPLOYMENT)).all().next().value!), []);
    assert.ok(RUNTIME_POD_LABELS.has('pod-template-hash'));
  });
});
