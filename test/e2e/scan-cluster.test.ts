// `guard502 scan --cluster` against a real API server (with controller-manager,
// scheduler and kwok, so that pods become Ready and EndpointSlices exist): the
// same findings as the offline scan of the files applied, plus only what the live
// state adds; live rules silent on a healthy app; read-only under the documented
// ClusterRole; the cluster's own Guard502Policy; --context.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RULES } from '../../src/rules/index.ts';
import { makeClientCert } from '../support/certs.ts';
import { runCli } from '../support/cli.ts';
import { NEVER_READY_LABEL, useControlPlane, type ControlPlane } from '../support/control-plane.ts';
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
metadata:
  name: httproutes.gateway.networking.k8s.io
  # *.k8s.io groups are protected: the real CRDs carry this annotation too.
  annotations: {api-approved.kubernetes.io: "https://github.com/kubernetes-sigs/gateway-api/pull/2466"}
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

/** A clean app (info findings only) once its pods are Ready. */
const app = (ns: string, replicas: number) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ${ns}}
spec:
  replicas: ${replicas}
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
metadata: {name: web, namespace: ${ns}}
spec: {maxUnavailable: 1, selector: {matchLabels: {app: web}}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: ${ns}}
spec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: http}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: ${ns}}
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
    for (const ns of ['shop', 'calm', 'outage']) assert.equal((await cp.kubectl(['create', 'namespace', ns])).code, 0);
    const crd = await cp.kubectl(['apply', '-f', '-'], { input: HTTPROUTE_CRD });
    assert.equal(crd.code, 0, crd.stderr);
    await cp.kubectl(['wait', '--for=condition=Established', 'crd/httproutes.gateway.networking.k8s.io', '--timeout=60s']);
    await eventually('HTTPRoute served', async () => ((await cp.kubectl(['api-resources', '--api-group=gateway.networking.k8s.io', '-o', 'name'])).stdout.includes('httproutes') ? true : undefined));
    // The bundled broken example, less the one mistake the API server itself refuses (a preStop sleep
    // longer than the grace period): the files applied are the files scanned offline.
    mkdirSync(join(dir, 'broken'));
    for (const f of readdirSync('examples/shop/broken')) {
      writeFileSync(join(dir, 'broken', f), readFileSync(join('examples/shop/broken', f), 'utf8').replace('terminationGracePeriodSeconds: 5\n', 'terminationGracePeriodSeconds: 21\n'));
    }
    const broken = await cp.kubectl(['apply', '-f', join(dir, 'broken')]);
    assert.equal(broken.code, 0, broken.stderr);
    writeFileSync(join(dir, 'calm.yaml'), app('calm', 2));
    // The same app scaled to zero: its Ingress sends traffic to a Service with no endpoint, which only the live state shows.
    writeFileSync(join(dir, 'outage.yaml'), app('outage', 0));
    for (const f of ['calm.yaml', 'outage.yaml']) assert.equal((await cp.kubectl(['apply', '-f', join(dir, f)])).code, 0);
    await eventually('calm/web ready', async () => ((await cp.kubectl(['get', 'deploy', 'web', '-n', 'calm', '-o', 'jsonpath={.status.readyReplicas}'])).stdout === '2' ? true : undefined), 90_000, 250);
    await eventually('outage/web EndpointSlice', async () => ((await cp.kubectl(['get', 'endpointslices', '-n', 'outage', '-l', 'kubernetes.io/service-name=web', '-o', 'name'])).stdout.trim() ? true : undefined), 60_000, 250);
    await eventually('calm/web endpoints ready', async () => {
      const r = await cp.kubectl(['get', 'endpointslices', '-n', 'calm', '-l', 'kubernetes.io/service-name=web', '-o', 'jsonpath={.items[*].endpoints[*].conditions.ready}']);
      return r.stdout.split(' ').filter((s) => s === 'true').length === 2 ? true : undefined;
    }, 60_000, 250);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** The offline scan of a file or directory applied in before(). */
  const offline = async (path: string) => {
    const r = await runCli(['scan', '-f', 'json', join(dir, path)]);
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    return (JSON.parse(r.stdout) as { findings: JsonFinding[] }).findings;
  };

  it('finds in the cluster what the offline scan finds in the applied files', async () => {
    const fromFiles = await offline('broken');
    assert.ok(fromFiles.length > 5, 'the example has findings to compare');
    const live = await json(['-n', 'shop']);
    assert.deepEqual(live.findings.filter((f) => !LIVE.has(f.rule)).map(key).sort(), fromFiles.map(key).sort());
    for (const f of live.findings) assert.equal(f.source, null, `${key(f)}: an object read from the cluster has no file`);
  });

  it('adds what only the live state shows: a Service with no endpoint behind an Ingress', async () => {
    const fromFiles = await offline('outage.yaml');
    const r = await json(['-n', 'outage']);
    // Exactly the offline findings, plus one: the Ingress to a Service with no pod.
    assert.deepEqual(r.findings.filter((f) => !LIVE.has(f.rule)).map(key).sort(), fromFiles.map(key).sort());
    const live = r.findings.filter((f) => LIVE.has(f.rule));
    assert.equal(live.length, 1, live.map(key).join('\n'));
    assert.deepEqual([live[0]?.rule, live[0]?.severity, live[0]?.resource, live[0]?.path], ['no-ready-endpoints', 'error', { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', namespace: 'outage', name: 'web' }, 'spec.rules[0].http.paths[0].backend']);
    assert.match(live[0]?.message ?? '', /Ingress\/web sends traffic to Service web, .*502/);
  });

  it('stays silent on a healthy app: the offline findings (info only), and no live one', async () => {
    const fromFiles = await offline('calm.yaml');
    assert.ok(fromFiles.every((f) => f.severity === 'info'), fromFiles.map(key).join('\n'));
    const r = await json(['-n', 'calm']);
    assert.deepEqual(r.findings.map(key).sort(), fromFiles.map(key).sort());
    assert.equal(r.summary.resources, 3, 'the Deployment, Service and Ingress judged (PodDisruptionBudget, ReplicaSets and EndpointSlices are context)');
  });

  it('says why a stuck rollout waits, from the pods it reads for that workload only', async () => {
    const cp = env.cp;
    assert.equal((await cp.kubectl(['create', 'namespace', 'stuck'])).code, 0);
    // Pods that run but never become ready (kwok holds them in CrashLoopBackOff), and a short progress deadline.
    const never = app('stuck', 2)
      .replace('metadata: {labels: {app: web}}', `metadata: {labels: {app: web, ${NEVER_READY_LABEL}: "true"}}`)
      .replace('  minReadySeconds: 1\n', '  minReadySeconds: 1\n  progressDeadlineSeconds: 5\n');
    assert.equal((await cp.kubectl(['apply', '-f', '-'], { input: never })).code, 0);
    await eventually('ProgressDeadlineExceeded', async () => ((await cp.kubectl(['get', 'deploy', 'web', '-n', 'stuck', '-o', 'jsonpath={.status.conditions[?(@.type=="Progressing")].reason}'])).stdout === 'ProgressDeadlineExceeded' ? true : undefined), 60_000, 250);
    const r = await json(['-n', 'stuck']);
    const stuck = r.findings.filter((f) => f.rule === 'rollout-stuck');
    assert.deepEqual(stuck.map((f) => [f.severity, f.resource.kind, f.resource.name, f.path]), [['error', 'Deployment', 'web', 'status']]);
    assert.match(stuck[0]?.message ?? '', /0 of 2 pods ready, 2 of 2 updated, waiting: CrashLoopBackOff \(2 containers\)\. There is no earlier revision to roll back to/);
    // The pods are evidence, not objects to judge: the report counts the same objects as without them.
    assert.equal(r.summary.resources, 3);
  });

  it('scans every namespace by default (and with -A), and refuses files with --cluster', async () => {
    const all = await json([]);
    const namespaces = new Set(all.findings.map((f) => f.resource.namespace));
    assert.ok(namespaces.has('shop'));
    // (Live findings left out of the comparison: pods may become ready between the two reads.)
    const lasting = (fs: JsonFinding[]) => fs.filter((f) => !LIVE.has(f.rule)).map(key);
    assert.deepEqual(lasting((await json(['-A'])).findings), lasting(all.findings));
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
    assert.match(refused.stderr, /cannot read [\w.]+( in namespace shop)?: .*forbidden.*docs\/scan-cluster\.md/i);
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
