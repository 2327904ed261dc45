// `guard502 scan --cluster` against a real API server (with controller-manager,
// scheduler and kwok, so that pods become Ready and EndpointSlices exist): the
// same findings as the offline scan of the files applied, plus only what the live
// state adds; live rules silent on a healthy app; read-only under the documented
// ClusterRole; the cluster's own Guard502Policy; --context.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RULES } from '../../src/rules/index.ts';
import { makeClientCert } from '../support/certs.ts';
import { runCli } from '../support/cli.ts';
import { useControlPlane, type ControlPlane } from '../support/control-plane.ts';
import { eventually } from '../support/eventually.ts';

interface JsonFinding {
  rule: string;
  severity: string;
  resource: { kind: string; namespace: string; name: string };
  path: string;
  message: string;
  source: unknown;
}

const LIVE = new Set(RULES.filter((r) => r.live).map((r) => r.id));
const key = (f: JsonFinding) => `${f.rule} ${f.severity} ${f.resource.kind} ${f.resource.namespace}/${f.resource.name} ${f.path}: ${f.message}`;

/** Enough of Gateway API's HTTPRoute for the API server to store one (the example's checkout route). */
const HTTPROUTE_CRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: httproutes.gateway.networking.k8s.io}
spec:
  group: gateway.networking.k8s.io
  names: {kind: HTTPRoute, listKind: HTTPRouteList, plural: httproutes, singular: httproute}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
`;

/** A clean app: no finding at all once its pods are Ready. */
const HEALTHY = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: calm}
spec:
  replicas: 2
  minReadySeconds: 1
  selector: {matchLabels: {app: web}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 0, maxSurge: 1}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 30
      containers:
        - name: app
          image: example/web:1
          ports: [{name: http, containerPort: 8080}]
          readinessProbe: {httpGet: {path: /ready, port: http}}
          lifecycle: {preStop: {sleep: {seconds: 5}}}
          resources: {limits: {memory: 128Mi}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: calm}
spec: {maxUnavailable: 1, selector: {matchLabels: {app: web}}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: calm}
spec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: http}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: calm}
spec:
  ingressClassName: nginx
  rules: [{host: web.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {name: http}}}}]}}]
`;

/** A kubeconfig for `user` (a client certificate of the test CA), with a second context that points nowhere. */
function kubeconfigFor(cp: ControlPlane, dir: string, user: string): string {
  const pair = makeClientCert(cp.ca, user);
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const path = join(dir, `${user}.kubeconfig`);
  writeFileSync(
    path,
    `apiVersion: v1
kind: Config
clusters:
- name: test
  cluster: {server: "${cp.server}", certificate-authority-data: ${b64(cp.ca.cert)}}
- name: nowhere
  cluster: {server: "https://127.0.0.1:1"}
users:
- name: ${user}
  user: {client-certificate-data: ${b64(pair.cert)}, client-key-data: ${b64(pair.key)}}
contexts:
- name: test
  context: {cluster: test, user: ${user}}
- name: nowhere
  context: {cluster: nowhere, user: ${user}}
current-context: nowhere
`,
  );
  return path;
}

describe('e2e: guard502 scan --cluster', function () {
  this.timeout(240_000);
  const env = useControlPlane({ controllerManager: true, scheduler: true, kwok: true });
  let dir: string;
  const scan = (args: string[]) => runCli(['scan', '--cluster', '--kubeconfig', env.cp.kubeconfigPath, ...args]);
  const json = async (args: string[]) => {
    const r = await scan([...args, '-f', 'json']);
    assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as { findings: JsonFinding[]; suppressed: Array<{ rule: string; by: string }>; summary: { resources: number } };
  };

  before(async function () {
    this.timeout(180_000);
    dir = mkdtempSync(join(tmpdir(), 'guard502-scan-cluster-'));
    const cp = env.cp;
    for (const ns of ['shop', 'calm']) assert.equal((await cp.kubectl(['create', 'namespace', ns])).code, 0);
    assert.equal((await cp.kubectl(['apply', '-f', '-'], { input: HTTPROUTE_CRD })).code, 0);
    await cp.kubectl(['wait', '--for=condition=Established', 'crd/httproutes.gateway.networking.k8s.io', '--timeout=60s']);
    await eventually('HTTPRoute served', async () => ((await cp.kubectl(['api-resources', '--api-group=gateway.networking.k8s.io', '-o', 'name'])).stdout.includes('httproutes') ? true : undefined));
    const broken = await cp.kubectl(['apply', '-f', 'examples/shop/broken/']);
    assert.equal(broken.code, 0, broken.stderr);
    assert.equal((await cp.kubectl(['apply', '-f', '-'], { input: HEALTHY })).code, 0);
    await eventually('calm/web ready', async () => ((await cp.kubectl(['get', 'deploy', 'web', '-n', 'calm', '-o', 'jsonpath={.status.readyReplicas}'])).stdout === '2' ? true : undefined), 90_000, 250);
    await eventually('calm/web endpoints ready', async () => {
      const r = await cp.kubectl(['get', 'endpointslices', '-n', 'calm', '-l', 'kubernetes.io/service-name=web', '-o', 'jsonpath={.items[*].endpoints[*].conditions.ready}']);
      return r.stdout.split(' ').filter((s) => s === 'true').length === 2 ? true : undefined;
    }, 60_000, 250);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('finds in the cluster what the offline scan finds in the applied files, and adds only live findings', async () => {
    const offline = await runCli(['scan', '-f', 'json', 'examples/shop/broken']);
    assert.equal(offline.code, 1, offline.stderr);
    const fromFiles = (JSON.parse(offline.stdout) as { findings: JsonFinding[] }).findings;
    const live = await json(['-n', 'shop']);
    assert.ok(fromFiles.length > 5, 'the example has findings to compare');
    assert.deepEqual(live.findings.filter((f) => !LIVE.has(f.rule)).map(key).sort(), fromFiles.map(key).sort());
    for (const f of live.findings) assert.equal(f.source, null, `${key(f)}: an object read from the cluster has no file`);
    // What only the live state shows: no pod of the broken Services is Ready behind its Ingress/route.
    const liveOnly = live.findings.filter((f) => LIVE.has(f.rule));
    assert.ok(liveOnly.some((f) => f.rule === 'no-ready-endpoints' && f.resource.name === 'storefront'), liveOnly.map(key).join('\n'));
  });

  it('stays silent on a healthy app: no finding at all, live rules included', async () => {
    const r = await json(['-n', 'calm']);
    assert.deepEqual(r.findings.map(key), []);
    assert.equal(r.summary.resources, 4, 'Deployment, Service, Ingress and PodDisruptionBudget judged (ReplicaSets and EndpointSlices are context)');
  });

  it('scans every namespace by default (and with -A), and refuses files with --cluster', async () => {
    const all = await json([]);
    const namespaces = new Set(all.findings.map((f) => f.resource.namespace));
    assert.ok(namespaces.has('shop'));
    assert.deepEqual((await json(['-A'])).findings.map(key), all.findings.map(key));
    const both = await scan(['-A', '-n', 'shop']);
    assert.equal(both.code, 2);
    const files = await scan(['examples/shop/broken']);
    assert.equal(files.code, 2);
    assert.match(files.stderr, /--cluster reads the cluster, not files/);
  });

  it('prints the text, SARIF and JUnit reports, objects named by kind, namespace and name', async () => {
    const text = await scan(['-n', 'shop']);
    assert.equal(text.code, 1, text.stderr);
    assert.match(text.stdout, /^\(cluster\)$/m);
    assert.match(text.stdout, /^ {2}Service shop\/storefront$/m, 'no line number: the object is not in a file');
    assert.match(text.stdout, /error {3}service-target-port-mismatch \[unreachable\] spec\.ports\[0\]\.targetPort/);
    const sarif = JSON.parse((await scan(['-n', 'shop', '-f', 'sarif'])).stdout) as {
      runs: Array<{ tool: { driver: { rules: Array<{ id: string }> } }; results: Array<{ ruleId: string; locations: Array<{ physicalLocation?: unknown; logicalLocations: Array<{ fullyQualifiedName: string }> }> }> }>;
    };
    const run = sarif.runs[0];
    assert.ok(run);
    assert.ok(run.tool.driver.rules.some((r) => r.id === 'no-ready-endpoints'), 'live rules are described where they can fire');
    assert.ok(run.results.length > 0);
    for (const r of run.results) {
      assert.equal(r.locations[0]?.physicalLocation, undefined);
      assert.match(r.locations[0]?.logicalLocations[0]?.fullyQualifiedName ?? '', /^shop\/\w+\/[\w-]+\//);
    }
    const junit = await scan(['-n', 'shop', '-f', 'junit']);
    assert.match(junit.stdout, /<testcase classname="Service shop\/storefront" name="service-target-port-mismatch spec\.ports\[0\]\.targetPort"/);
    assert.doesNotMatch(junit.stdout, / file="/);
  });

  it('reads with the documented read-only ClusterRole, and without it says what to grant', async () => {
    const cp = env.cp;
    const kubeconfig = kubeconfigFor(cp, dir, 'auditor');
    const asAuditor = (args: string[]) => runCli(['scan', '--cluster', '--kubeconfig', kubeconfig, '--context', 'test', ...args]);
    const refused = await asAuditor(['-n', 'shop']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /cannot read [\w.]+ .*forbidden.*docs\/scan-cluster\.md/i);
    assert.equal((await cp.kubectl(['apply', '-f', 'deploy/scan-reader.yaml'])).code, 0);
    assert.equal((await cp.kubectl(['create', 'clusterrolebinding', 'guard502-scan', '--clusterrole=guard502-scan-reader', '--user=auditor'])).code, 0);
    // RBAC changes reach the authorizer through its informer: wait until the grant is seen.
    const granted = await eventually('auditor can read', async () => {
      const r = await asAuditor(['-n', 'shop', '-f', 'json']);
      return r.code === 1 ? r : undefined;
    }, 30_000, 250);
    const admin = await json(['-n', 'shop']);
    assert.deepEqual((JSON.parse(granted.stdout) as { findings: JsonFinding[] }).findings.map(key), admin.findings.map(key));
    // The role is read-only: get and list, nothing else.
    const canWrite = await cp.kubectl(['auth', 'can-i', 'patch', 'deployments', '-n', 'shop', '--as=auditor']);
    assert.equal(canWrite.stdout.trim(), 'no');
    const canWatch = await cp.kubectl(['auth', 'can-i', 'watch', 'deployments', '-n', 'shop', '--as=auditor']);
    assert.equal(canWatch.stdout.trim(), 'no');
  });

  it('picks the context named by --context, and says when the server cannot be reached', async () => {
    const kubeconfig = kubeconfigFor(env.cp, dir, 'admin-too');
    const unreachable = await runCli(['scan', '--cluster', '--kubeconfig', kubeconfig, '-n', 'shop']);
    assert.equal(unreachable.code, 2);
    assert.match(unreachable.stderr, /^guard502: cannot read the cluster at https:\/\/127\.0\.0\.1:1: /);
    const unknown = await runCli(['scan', '--cluster', '--kubeconfig', kubeconfig, '--context', 'prod']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no context named "prod"/);
  });

  it("judges under the cluster's Guard502Policy, or under --policy when given", async () => {
    const cp = env.cp;
    assert.equal((await cp.kubectl(['apply', '-f', 'crds/guard502policy.yaml'])).code, 0);
    await cp.kubectl(['wait', '--for=condition=Established', 'crd/guard502policies.guard502.dev', '--timeout=60s']);
    const policy = `apiVersion: guard502.dev/v1alpha1
kind: Guard502Policy
metadata: {name: default}
spec:
  rules:
    service-target-port-mismatch: {action: "off"}
`;
    assert.equal((await cp.kubectl(['apply', '-f', '-'], { input: policy })).code, 0);
    const governed = await eventually('policy listed', async () => {
      const r = await json(['-n', 'shop']);
      return r.suppressed.some((s) => s.rule === 'service-target-port-mismatch') ? r : undefined;
    }, 30_000, 250);
    assert.ok(!governed.findings.some((f) => f.rule === 'service-target-port-mismatch'));
    const file = join(dir, 'strict.yaml');
    writeFileSync(file, 'apiVersion: guard502.dev/v1alpha1\nkind: Guard502Policy\nmetadata: {name: strict}\nspec: {}\n');
    const overridden = await json(['-n', 'shop', '--policy', file]);
    assert.ok(overridden.findings.some((f) => f.rule === 'service-target-port-mismatch'));
    assert.equal((await cp.kubectl(['delete', 'guard502policy', 'default'])).code, 0);
  });
});
