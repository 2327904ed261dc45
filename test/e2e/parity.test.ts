// One world for all three faces: on a real API server, the controller's annotations and the
// webhook's verdicts must be what `guard502 scan` says of the same files. Every rule fixture is
// applied into a namespace of its own (its custom kinds served by minimal CRDs); once the controller
// has settled, each object's annotations must name the same rules at the same severities as the
// scan (live rules excepted), and the webhook, judging each object as if it were applied last, must
// find the same. The three wrong outcomes once seen on a cluster are pinned by name below.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dump } from 'js-yaml';
import { Registry } from 'prom-client';
import { ClusterCache } from '../../src/cluster/cache.ts';
import { KubeClient } from '../../src/cluster/client.ts';
import { resourceFor } from '../../src/cluster/resources.ts';
import { startController, type ControllerHandle } from '../../src/controller/index.ts';
import { eventReason } from '../../src/controller/events.ts';
import { ANNOTATION_FINDINGS } from '../../src/engine/annotations.ts';
import { check } from '../../src/engine/run.ts';
import { buildGraph } from '../../src/loader/build.ts';
import { parseStream } from '../../src/loader/documents.ts';
import { defaultPolicy } from '../../src/policy/policy.ts';
import { RULES } from '../../src/rules/index.ts';
import { silentLogger } from '../../src/server/log.ts';
import { judge } from '../../src/webhook/decide.ts';
import { parseReview } from '../../src/webhook/review.ts';
import { useControlPlane, type ControlPlane } from '../support/control-plane.ts';
import { crdsFor } from '../support/crds.ts';
import { eventually } from '../support/eventually.ts';
import { review } from '../support/webhook.ts';

/** The controller's Event settle period here: short, so the suite stays fast. */
const SETTLE_MS = 1_000;
const EXAMPLES = ['examples/shop/fixed/checkout.yaml', 'examples/shop/fixed/storefront.yaml', 'examples/shop/broken/checkout.yaml', 'examples/shop/broken/storefront.yaml'];

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));
}

const LIVE = new Set(RULES.filter((r) => r.live).map((r) => r.id));
const FIXTURES = RULES.flatMap((r) => [...r.fixtures.fire, ...r.fixtures.silent].map((f) => ({ name: `${r.id}: ${f.name}`, yaml: f.yaml, params: f.params })));

/** What the scan finds on each object of `yaml` applied to namespace `ns`: `kind/namespace/name` → sorted `rule severity`. */
function scanned(yaml: string, ns: string): Map<string, string[]> {
  const { graph } = buildGraph(parseStream(yaml, 'input.yaml').objects, ns);
  const out = new Map<string, string[]>();
  for (const m of graph.all()) if (resourceFor(m.group, m.kind)?.annotated) out.set(`${m.kind}/${m.namespace}/${m.name}`, []);
  for (const f of check(graph, graph.all(), { rules: RULES, policy: defaultPolicy() }).findings) {
    if (!LIVE.has(f.rule)) out.get(`${f.resource.kind}/${f.resource.namespace}/${f.resource.name}`)?.push(`${f.rule} ${f.severity} ${f.action}`);
  }
  for (const v of out.values()) v.sort();
  return out;
}

function fromAnnotation(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return (JSON.parse(value) as Array<{ rule: string; severity: string }>).filter((f) => !LIVE.has(f.rule)).map((f) => `${f.rule} ${f.severity}`).sort();
}

/** The findings in the controller's annotations on the same objects (unset while not yet checked). */
function annotated(cache: ClusterCache, keys: Iterable<string>): Map<string, string[] | undefined> {
  const out = new Map<string, string[] | undefined>();
  for (const key of keys) {
    const [kind, ns, name] = key.split('/') as [string, string, string];
    const m = [...cache.graph.all()].find((x) => x.kind === kind && x.namespace === ns && x.name === name);
    out.set(key, fromAnnotation(m?.annotations[ANNOTATION_FINDINGS]));
  }
  return out;
}

/** The webhook's findings on each object, judged as the one applied last (the rest already in the cluster). */
function judged(cache: ClusterCache, keys: Iterable<string>): Map<string, string[] | undefined> {
  const out = new Map<string, string[] | undefined>();
  const context = { graph: cache.graph, synced: true, policies: () => [defaultPolicy()] };
  for (const key of keys) {
    const [kind, ns, name] = key.split('/') as [string, string, string];
    const m = [...cache.graph.all()].find((x) => x.kind === kind && x.namespace === ns && x.name === name);
    if (!m) {
      out.set(key, undefined);
      continue;
    }
    const j = judge(parseReview(review('CREATE', structuredClone(m.raw))), context, RULES);
    const own = [...j.findings, ...j.audited].filter((f) => !f.neighbour && f.resource.kind === kind && f.resource.name === name && !LIVE.has(f.rule));
    out.set(key, own.map((f) => `${f.rule} ${f.severity} ${f.action}${f.downgraded ? ` (${f.downgraded})` : ''}`).sort());
  }
  return out;
}

const same = (a: Map<string, string[] | undefined>, b: Map<string, string[]>) => JSON.stringify([...a]) === JSON.stringify([...b]);

/** The scan's findings without their action: annotations record rule and severity. */
const withoutAction = (m: Map<string, string[]>) => new Map([...m].map(([k, v]) => [k, v.map((f) => f.split(' ').slice(0, 2).join(' '))]));

async function apply(cp: ControlPlane, yaml: string, ns: string): Promise<{ code: number; stderr: string }> {
  for (const doc of parseStream(yaml, 'input.yaml').objects) {
    const explicit = (doc.raw.metadata as { namespace?: string } | undefined)?.namespace;
    if (explicit) await cp.kubectl(['create', 'namespace', explicit]);
  }
  return cp.kubectl(['apply', '-n', ns, '-f', '-'], { input: yaml });
}

describe('e2e: the controller and the webhook judge what the scan judges', function () {
  this.timeout(1_500_000);
  const env = useControlPlane();
  let controller: ControllerHandle | undefined;
  let controllerCache: ClusterCache;
  let webhookCache: ClusterCache;
  let n = 0;

  before(async function () {
    this.timeout(120_000);
    const cp = env.cp;
    const objects = FIXTURES.flatMap((f) => parseStream(f.yaml, 'input.yaml').objects.map((o) => ({ apiVersion: String(o.raw.apiVersion), kind: String(o.raw.kind) })));
    const crds = crdsFor(objects);
    const installed = await cp.kubectl(['apply', '-f', '-'], { input: crds.map((c) => dump(c)).join('---\n') });
    assert.equal(installed.code, 0, installed.stderr);
    await cp.kubectl(['wait', '--for', 'condition=established', '--timeout=60s', 'crd', '--all']);
    const client = new KubeClient(cp.kubeConfig);
    controllerCache = new ClusterCache(client, { face: 'controller', log: silentLogger(), discoveryIntervalMs: 500 });
    webhookCache = new ClusterCache(new KubeClient(cp.kubeConfig), { face: 'webhook', log: silentLogger(), discoveryIntervalMs: 500 });
    await Promise.all([controllerCache.start(), webhookCache.start()]);
    await Promise.all([controllerCache.waitForSync(), webhookCache.waitForSync()]);
    controller = await startController({ client, cache: controllerCache, log: silentLogger(), registry: new Registry(), identity: 'parity', namespace: 'kube-system', statusIntervalMs: 60_000, eventSettleMs: SETTLE_MS, leaderElection: { enabled: false } });
  });

  after(async () => {
    await controller?.stop();
    controllerCache?.stop();
    webhookCache?.stop();
  });

  /** Applies `yaml` into a fresh namespace and compares both faces with the scan; the objects are deleted after. */
  async function compare(cp: ControlPlane, yaml: string): Promise<Map<string, string[]>> {
    const ns = `parity-${++n}`;
    assert.equal((await cp.kubectl(['create', 'namespace', ns])).code, 0);
    const applied = await apply(cp, yaml, ns);
    try {
      assert.equal(applied.code, 0, `the API server rejected the input: ${applied.stderr}`);
      const verdicts = scanned(yaml, ns);
      const expected = withoutAction(verdicts);
      // Settled: the annotations agree with the scan and still do a moment later (no late re-check undoes them).
      let last = new Map<string, string[] | undefined>();
      await eventually('annotations', async () => {
        last = annotated(controllerCache, expected.keys());
        if (!same(last, expected)) return undefined;
        await new Promise((r) => setTimeout(r, 300));
        last = annotated(controllerCache, expected.keys());
        return same(last, expected) ? true : undefined;
      }, 15_000).catch(() => undefined);
      assert.deepEqual(Object.fromEntries(last), Object.fromEntries(expected), 'controller annotations differ from the scan');
      // The webhook, each object judged as the one applied last: the same findings, the same actions (deny, warn, audit).
      await eventually('webhook cache', () => ([...expected.keys()].every((k) => judged(webhookCache, [k]).get(k) !== undefined) ? true : undefined), 15_000);
      assert.deepEqual(Object.fromEntries(judged(webhookCache, verdicts.keys())), Object.fromEntries(verdicts), 'webhook verdicts differ from the scan');
      return expected;
    } finally {
      await cp.kubectl(['delete', '-n', ns, '--ignore-not-found', '--wait=false', '-f', '-'], { input: yaml });
    }
  }

  describe('the three wrong outcomes once seen on a cluster', () => {
    it('an HTTPRoute to an https port is not denied when its BackendTLSPolicy is already there', async () => {
      const found = await compare(env.cp, REGRESSION_TLS);
      assert.deepEqual(found.get(`HTTPRoute/parity-${n}/api`), []);
    });
    it("a Service selecting a Job's pods gets no error annotation", async () => {
      const found = await compare(env.cp, REGRESSION_JOB);
      assert.deepEqual(found.get(`Service/parity-${n}/migrate`), []);
    });
    it('an Ingress whose IngressClass names Traefik gets no ingress-nginx warnings', async () => {
      const found = await compare(env.cp, REGRESSION_CLASS);
      assert.ok(!(found.get(`Ingress/parity-${n}/web`) ?? []).some((f) => f.startsWith('proxy-timeout-unbounded')), 'no ingress-nginx timeout finding');
    });
  });

  describe('the bundled examples, their documents applied in every order', () => {
    for (const file of EXAMPLES) {
      it(`${file}: the same annotations whatever the order, and Events only for what lasts`, async function () {
        const cp = env.cp;
        const docs = readFileSync(file, 'utf8').split(/^---$/m).filter((d) => /^kind:/m.test(d));
        const orders = permutations(docs.map((_, i) => i));
        const namespaces: string[] = [];
        for (const order of orders) {
          const ns = `order-${++n}`;
          namespaces.push(ns);
          assert.equal((await cp.kubectl(['create', 'namespace', ns])).code, 0);
          const yaml = order.map((i) => docs[i]).join('\n---\n').replace(/namespace: shop$/gm, `namespace: ${ns}`);
          const applied = await cp.kubectl(['apply', '-f', '-'], { input: yaml });
          assert.equal(applied.code, 0, applied.stderr);
        }
        const text = readFileSync(file, 'utf8');
        for (const ns of namespaces) {
          const expected = withoutAction(scanned(text.replace(/namespace: shop$/gm, `namespace: ${ns}`), ns));
          let last = new Map<string, string[] | undefined>();
          await eventually('annotations', () => {
            last = annotated(controllerCache, expected.keys());
            return same(last, expected) ? true : undefined;
          }, 30_000).catch(() => undefined);
          assert.deepEqual(Object.fromEntries(last), Object.fromEntries(expected), `${ns}: annotations differ from the scan`);
        }
        // Events: once the settle period is over, exactly one per error or warning of the final state, in every order.
        await new Promise((r) => setTimeout(r, SETTLE_MS * 3));
        const client = new KubeClient(cp.kubeConfig);
        for (const ns of namespaces) {
          const expected = [...withoutAction(scanned(text.replace(/namespace: shop$/gm, `namespace: ${ns}`), ns))]
            .flatMap(([key, findings]) => findings.filter((f) => !f.endsWith(' info')).map((f) => `${eventReason(f.split(' ')[0] as string)} ${key.split('/')[0]}/${key.split('/')[2]}`));
          const events = (await client.request<{ items: Array<Record<string, unknown>> }>(`/api/v1/namespaces/${ns}/events`)).items.filter((e) => e.reportingComponent === 'guard502.dev/controller');
          const said = events.map((e) => `${String(e.reason)} ${String((e.involvedObject as { kind: string }).kind)}/${String((e.involvedObject as { name: string }).name)}`);
          assert.deepEqual(said.sort(), [...new Set(expected)].sort(), `${ns}: Events`);
        }
      });
    }
  });

  describe('every rule fixture', () => {
    for (const f of FIXTURES) {
      it(f.name, async function () {
        // Parameter overrides are a policy's business: the cluster runs the defaults.
        if (f.params) this.skip();
        await compare(env.cp, f.yaml);
      });
    }
  });
});

const APP = (name: string, port: number, portName: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: 2
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
        - name: app
          image: example/${name}:1
          ports: [{name: ${portName}, containerPort: ${port}}]
          readinessProbe: {httpGet: {path: /ready, port: ${portName}, scheme: ${portName === 'https' ? 'HTTPS' : 'HTTP'}}}
`;

const REGRESSION_TLS = `${APP('api', 8443, 'https')}---
apiVersion: v1
kind: Service
metadata: {name: api}
spec: {selector: {app: api}, ports: [{name: https, port: 443, targetPort: https}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: api}
spec:
  targetRefs: [{group: "", kind: Service, name: api, sectionName: https}]
  validation: {hostname: api.example.com, wellKnownCACertificates: System}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: api}
spec:
  rules: [{backendRefs: [{name: api, port: 443}]}]
`;

const REGRESSION_JOB = `apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  template:
    metadata: {labels: {app: migrate}}
    spec:
      restartPolicy: Never
      containers: [{name: migrate, image: example/migrate:1, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: migrate}
spec: {selector: {app: migrate}, ports: [{name: http, port: 80, targetPort: http}]}
`;

const REGRESSION_CLASS = `${APP('web', 8080, 'http')}---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: http}]}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: edge-proxy}
spec: {controller: traefik.io/ingress-controller}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations:
    nginx.ingress.kubernetes.io/proxy-read-timeout: "3600"
    nginx.ingress.kubernetes.io/proxy-send-timeout: "3600"
    nginx.ingress.kubernetes.io/proxy-connect-timeout: "3600"
spec:
  ingressClassName: edge-proxy
  rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {name: http}}}}]}}]
`;
