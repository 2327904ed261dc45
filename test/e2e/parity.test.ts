// One world for all three faces: on a real API server, the controller's annotations and the
// webhook's verdicts must be what `guard502 scan` says of the same files. Every rule fixture is
// applied into a namespace of its own (its custom kinds served by minimal CRDs); once the controller
// has settled, each object's annotations must name the same rules at the same severities as the
// scan (live rules excepted), and the webhook, judging each object as if it were applied last, must
// find the same. The three wrong outcomes once seen on a cluster are pinned by name below.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump, loadAll } from 'js-yaml';
import { Registry } from 'prom-client';
import { ClusterCache } from '../../src/cluster/cache.ts';
import { KubeClient } from '../../src/cluster/client.ts';
import { resourceFor } from '../../src/cluster/resources.ts';
import { startController, type ControllerHandle } from '../../src/controller/index.ts';
import { eventReason } from '../../src/controller/events.ts';
import { ANNOTATION_FINDINGS } from '../../src/engine/annotations.ts';
import { isClusterScoped } from '../../src/engine/kinds.ts';
import type { JsonObject } from '../../src/engine/types.ts';
import { check } from '../../src/engine/run.ts';
import { buildGraph } from '../../src/loader/build.ts';
import { parseStream } from '../../src/loader/documents.ts';
import { policyFromObject } from '../../src/policy/load.ts';
import { defaultPolicy, type Policy } from '../../src/policy/policy.ts';
import { RULES } from '../../src/rules/index.ts';
import { silentLogger } from '../../src/server/log.ts';
import { judge } from '../../src/webhook/decide.ts';
import { parseReview } from '../../src/webhook/review.ts';
import { useControlPlane, type ControlPlane } from '../support/control-plane.ts';
import { crdsFor } from '../support/crds.ts';
import { missingPrerequisite } from '../support/prerequisite.ts';
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
const FIXTURES = RULES.flatMap((r) => [...r.fixtures.fire, ...r.fixtures.silent].map((f) => ({ name: `${r.id}: ${f.name}`, rule: r.id, yaml: f.yaml, params: f.params })));

/** Parameters are a policy's business in a cluster: the policy giving a fixture's, governing its namespaces alone. */
function fixturePolicy(name: string, namespaces: string[], rule: string, parameters: Record<string, number | boolean | string>): JsonObject {
  return {
    apiVersion: 'guard502.dev/v1alpha1',
    kind: 'Guard502Policy',
    metadata: { name },
    spec: {
      namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: namespaces }] },
      rules: { [rule]: { parameters } },
    },
  };
}

/**
 * The policy of every other namespace: with any Guard502Policy in a cluster, a namespace none selects is
 * not checked. Named to sort after the fixtures' (policies are taken in name order), it says nothing else:
 * the built-in defaults.
 */
const DEFAULTS_POLICY = { apiVersion: 'guard502.dev/v1alpha1', kind: 'Guard502Policy', metadata: { name: 'zz-defaults' }, spec: {} };

/**
 * What the scan finds on each object of `yaml` applied to namespace `ns`: `kind/namespace/name` → sorted
 * `rule severity action`. Every object counts, whatever its kind: a verdict resting on a kind the cluster
 * faces do not watch is a difference like any other.
 */
function scanned(yaml: string, ns: string, policy: Policy = defaultPolicy()): Map<string, string[]> {
  const { graph } = buildGraph(parseStream(yaml, 'input.yaml').objects, ns);
  const out = new Map<string, string[]>();
  for (const m of graph.all()) if (resourceFor(m.group, m.kind)?.annotated) out.set(`${m.kind}/${m.namespace}/${m.name}`, []);
  for (const f of check(graph, graph.all(), { rules: RULES, policy }).findings) {
    // The webhook never denies on a reference to an object that is absent (it may be applied next): it warns and says so.
    const action = f.action === 'deny' && f.missingReference ? 'warn (missing-reference)' : f.action;
    if (!LIVE.has(f.rule)) out.get(`${f.resource.kind}/${f.resource.namespace}/${f.resource.name}`)?.push(`${f.rule} ${f.severity} ${action}`);
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
    const m = cache.graph.inNamespace(ns).find((x) => x.kind === kind && x.name === name);
    out.set(key, fromAnnotation(m?.annotations[ANNOTATION_FINDINGS]));
  }
  return out;
}

/** The webhook's findings on each object, judged as the one applied last (the rest already in the cluster), under the cluster's policies. */
function judged(cache: ClusterCache, keys: Iterable<string>): Map<string, string[] | undefined> {
  const out = new Map<string, string[] | undefined>();
  const context = { graph: cache.graph, synced: true, policies: () => cache.policies() };
  for (const key of keys) {
    const [kind, ns, name] = key.split('/') as [string, string, string];
    const m = cache.graph.inNamespace(ns).find((x) => x.kind === kind && x.name === name);
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

/**
 * The controller's annotations once they agree with `expected` and still do a moment later (no late
 * re-check undoes them), or as they are when `timeoutMs` runs out.
 */
async function settled(cache: ClusterCache, expected: Map<string, string[]>, timeoutMs: number): Promise<Map<string, string[] | undefined>> {
  let last = new Map<string, string[] | undefined>();
  await eventually('annotations', async () => {
    last = annotated(cache, expected.keys());
    if (!same(last, expected)) return undefined;
    await new Promise((r) => setTimeout(r, 300));
    last = annotated(cache, expected.keys());
    return same(last, expected) ? true : undefined;
  }, timeoutMs).catch(() => undefined);
  return last;
}

/** The scan's findings without their action: annotations record rule and severity. */
const withoutAction = (m: Map<string, string[]>) => new Map([...m].map(([k, v]) => [k, v.map((f) => f.split(' ').slice(0, 2).join(' '))]));

/** `yaml` with `ns` written into every namespaced object that names none, as `kubectl apply -n` would place it. */
function placed(yaml: string, ns: string): string {
  return loadAll(yaml)
    .filter((d): d is JsonObject => d !== null && typeof d === 'object')
    .map((d) => {
      const meta = (d.metadata ?? (d.metadata = {})) as JsonObject;
      if (meta.namespace === undefined && !isClusterScoped(String(d.kind))) meta.namespace = ns;
      return dump(d, { lineWidth: -1 });
    })
    .join('---\n');
}

/** Creates the namespaces `yaml` uses (with the ServiceAccount pods need: no controller-manager runs here) and applies it. */
async function apply(cp: ControlPlane, yaml: string): Promise<{ code: number; stderr: string }> {
  const namespaces = new Set(parseStream(yaml, 'input.yaml').objects.map((o) => (o.raw.metadata as { namespace?: string } | undefined)?.namespace).filter((x) => x !== undefined));
  // One kubectl for all of them: a process per namespace was most of the corpus's time.
  const setup = [...namespaces].flatMap((ns) => [
    `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}\n`,
    `apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: default, namespace: ${ns}}\n`,
  ]);
  if (setup.length > 0) await cp.kubectl(['apply', '-f', '-'], { input: setup.join('---\n') });
  return cp.kubectl(['apply', '-f', '-'], { input: yaml });
}

describe('e2e: the controller and the webhook judge what the scan judges', function () {
  this.timeout(1_500_000);
  const env = useControlPlane();
  let controller: ControllerHandle | undefined;
  let controllerCache: ClusterCache;
  let webhookCache: ClusterCache;
  let n = 0;
  const rejections: string[] = [];

  before(async function () {
    this.timeout(120_000);
    const cp = env.cp;
    const objects = [
      ...FIXTURES.flatMap((f) => parseStream(f.yaml, 'input.yaml').objects.map((o) => o.raw)),
      ...(existsSync(CORPUS) ? corpusFiles().flatMap((f) => f.docs) : []),
    ].map((o) => ({ apiVersion: String(o.apiVersion), kind: String(o.kind) }));
    const crds = [...crdsFor(objects), loadAll(readFileSync('crds/guard502policy.yaml', 'utf8'))[0] as JsonObject];
    const installed = await cp.kubectl(['apply', '-f', '-'], { input: crds.map((c) => dump(c)).join('---\n') });
    assert.equal(installed.code, 0, installed.stderr);
    await cp.kubectl(['wait', '--for', 'condition=established', '--timeout=60s', 'crd', '--all']);
    const client = new KubeClient(cp.kubeConfig);
    controllerCache = new ClusterCache(client, { face: 'controller', log: silentLogger(), discoveryIntervalMs: 500 });
    webhookCache = new ClusterCache(new KubeClient(cp.kubeConfig), { face: 'webhook', log: silentLogger(), discoveryIntervalMs: 500 });
    await Promise.all([controllerCache.start(), webhookCache.start()]);
    await Promise.all([controllerCache.waitForSync(), webhookCache.waitForSync()]);
    const defaults = await cp.kubectl(['apply', '-f', '-'], { input: dump(DEFAULTS_POLICY) });
    assert.equal(defaults.code, 0, defaults.stderr);
    await policiesSeen(['zz-defaults']);
    controller = await startController({ client, cache: controllerCache, log: silentLogger(), registry: new Registry(), identity: 'parity', namespace: 'kube-system', statusIntervalMs: 60_000, eventSettleMs: SETTLE_MS, eventQps: 1_000, eventBurst: 1_000, leaderElection: { enabled: false } });
  });

  after(async () => {
    if (rejections.length > 0) console.log(`    ${rejections.length} inputs the API server rejects (fixtures, pending with the reason; corpus files, not compared):\n      ${rejections.join('\n      ')}`);
    await controller?.stop();
    controllerCache?.stop();
    webhookCache?.stop();
  });

  /** Waits until both faces hold exactly these policies besides the defaults' (a policy change re-checks everything). */
  async function policiesSeen(names: string[]): Promise<void> {
    const want = JSON.stringify([...new Set([...names, 'zz-defaults'])].sort());
    const holds = (c: ClusterCache) => JSON.stringify(c.policies().map((p) => p.name).sort()) === want;
    await eventually(`policies ${want}`, () => (holds(controllerCache) && holds(webhookCache) ? true : undefined), 15_000);
  }

  /**
   * Applies `input` into a fresh namespace and compares both faces with the scan of the same objects;
   * the objects are deleted after. Undefined when the API server rejects the input (then there is
   * nothing in the cluster to compare).
   */
  async function compare(cp: ControlPlane, input: string, rejected?: (why: string) => void, params?: { rule: string; params: Record<string, number | boolean | string> }): Promise<Map<string, string[]>> {
    const ns = `parity-${++n}`;
    const yaml = placed(input, ns);
    let policy: Policy | undefined;
    let policyYaml = '';
    if (params) {
      // The fixture's parameters, given to the scan and to the cluster by one Guard502Policy object.
      const namespaces = [...new Set([ns, ...parseStream(yaml, 'input.yaml').objects.map((o) => (o.raw.metadata as { namespace?: string } | undefined)?.namespace).filter((x) => x !== undefined)])];
      const object = fixturePolicy(`fixture-${ns}`, namespaces, params.rule, params.params);
      const loaded = policyFromObject(object);
      assert.deepEqual(loaded.errors, [], 'the fixture policy is valid');
      policy = loaded.policy;
      policyYaml = dump(object);
      const created = await cp.kubectl(['apply', '-f', '-'], { input: policyYaml });
      assert.equal(created.code, 0, created.stderr);
      await policiesSeen([`fixture-${ns}`]);
    }
    const applied = await apply(cp, yaml);
    try {
      if (applied.code !== 0 && rejected) rejected(applied.stderr.trim().split('\n')[0] ?? '');
      assert.equal(applied.code, 0, `the API server rejected the input: ${applied.stderr}`);
      const verdicts = scanned(yaml, ns, policy);
      const expected = withoutAction(verdicts);
      const last = await settled(controllerCache, expected, 15_000);
      assert.deepEqual(Object.fromEntries(last), Object.fromEntries(expected), 'controller annotations differ from the scan');
      // The webhook, each object judged as the one applied last: the same findings, the same actions (deny, warn, audit).
      await eventually('webhook cache', () => ([...expected.keys()].every((k) => judged(webhookCache, [k]).get(k) !== undefined) ? true : undefined), 15_000);
      assert.deepEqual(Object.fromEntries(judged(webhookCache, verdicts.keys())), Object.fromEntries(verdicts), 'webhook verdicts differ from the scan');
      return expected;
    } finally {
      await cp.kubectl(['delete', '--ignore-not-found', '--wait=false', '-f', '-'], { input: yaml });
      if (policyYaml) await cp.kubectl(['delete', '--ignore-not-found', '-f', '-'], { input: policyYaml });
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
          const yaml = order.map((i) => docs[i]).join('\n---\n').replace(/namespace: shop$/gm, `namespace: ${ns}`);
          const applied = await apply(cp, yaml);
          assert.equal(applied.code, 0, applied.stderr);
        }
        const text = readFileSync(file, 'utf8');
        for (const ns of namespaces) {
          const expected = withoutAction(scanned(text.replace(/namespace: shop$/gm, `namespace: ${ns}`), ns));
          const last = await settled(controllerCache, expected, 30_000);
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
    // Fixtures of their own namespace are compared several at a time; those that name namespaces or hold
    // cluster-scoped objects (shared between fixtures) one after the other. Each test waits for its own.
    const outcomes = new Map<string, Promise<{ rejected?: string; error?: unknown }>>();
    before(function () {
      const isolated = (yaml: string) =>
        parseStream(yaml, 'input.yaml').objects.every((o) => (o.raw.metadata as { namespace?: string } | undefined)?.namespace === undefined && !isClusterScoped(String(o.raw.kind)));
      const run = (f: (typeof FIXTURES)[number]) => {
        let rejected: string | undefined;
        return compare(env.cp, f.yaml, (why) => {
          rejected = why;
          throw new Error(why);
        }, f.params ? { rule: f.rule, params: f.params } : undefined).then(
          () => ({}),
          (error: unknown) => (rejected !== undefined ? { rejected } : { error }),
        );
      };
      // Fixtures with parameters one after the other too: a policy change re-checks everything, and the
      // faces must hold the fixture's policy before its objects arrive.
      const parallel = FIXTURES.filter((f) => !f.params && isolated(f.yaml));
      const serial = FIXTURES.filter((f) => f.params || !isolated(f.yaml));
      // Four lanes: each takes the next fixture when its last one is compared.
      const lanes: Array<Promise<unknown>> = [Promise.resolve(), Promise.resolve(), Promise.resolve(), Promise.resolve()];
      parallel.forEach((f, i) => {
        const outcome = (lanes[i % lanes.length] as Promise<unknown>).then(() => run(f));
        lanes[i % lanes.length] = outcome;
        outcomes.set(f.name, outcome);
      });
      let chain: Promise<unknown> = Promise.all(lanes);
      for (const f of serial) {
        const outcome = chain.then(() => run(f));
        outcomes.set(f.name, outcome);
        chain = outcome;
      }
    });
    for (const f of FIXTURES) {
      it(f.name, async function () {
        const outcome = await eventually('the fixture compared', () => outcomes.get(f.name), 1_500_000);
        if (outcome.rejected !== undefined) {
          // Fixtures may be valid YAML for the scan and still not what an API server takes: nothing lands in the
          // cluster to compare with. Only for a reason that no fixture could avoid; any other rejection fails.
          const why = impossible(f.name, outcome.rejected);
          assert.ok(why, `the API server rejected the fixture: ${outcome.rejected}`);
          rejections.push(`${f.name}: ${why}`);
          if (this.test) this.test.title += ` (pending: ${why})`;
          this.skip();
        }
        if (outcome.error !== undefined) throw outcome.error;
      });
    }
  });

  describe('the real-world corpus, file by file', () => {
    it('every file of every folder: the controller and the webhook find what the scan finds', async function () {
      // CI has the corpus beside the repository: there, its absence fails the suite.
      if (!existsSync(CORPUS)) missingPrerequisite(this, `corpus not found at ${CORPUS}`);
      const cp = env.cp;
      const files = corpusFiles();
      const differences: string[] = [];
      let compared = 0;
      // Forty files at a time, each in namespaces of its own; files with cluster-scoped objects the rules read alone.
      const shared = (f: CorpusFile) => f.docs.some((d) => CLUSTER_READ.has(String(d.kind)));
      const batches: CorpusFile[][] = [];
      for (const f of files.filter((x) => !shared(x))) {
        const last = batches[batches.length - 1];
        if (last && last.length < 40) last.push(f);
        else batches.push([f]);
      }
      for (const f of files.filter(shared)) batches.push([f]);
      for (const batch of batches) {
        const placedFiles = batch.map((f) => ({ f, yaml: corpusPlaced(f, `c${++n}`) }));
        const all = placedFiles.map((x) => x.yaml).join('---\n');
        let applied = (await apply(cp, all)).code === 0 ? placedFiles : [];
        if (applied.length === 0) {
          // Some file was refused: find which, one by one (applying again changes nothing).
          for (const x of placedFiles) if ((await apply(cp, x.yaml)).code === 0) applied.push(x);
          else rejections.push(`corpus ${x.f.name}`);
          await cp.kubectl(['delete', '--ignore-not-found', '--wait=false', '-f', '-'], { input: placedFiles.filter((x) => !applied.includes(x)).map((x) => x.yaml).join('---\n') });
        }
        const verdicts = new Map<string, string[]>();
        for (const x of applied) for (const [k, v] of scanned(x.yaml, 'default')) verdicts.set(k, v);
        const expected = withoutAction(verdicts);
        const last = await settled(controllerCache, expected, 20_000);
        const judgedNow = judged(webhookCache, verdicts.keys());
        for (const [k, v] of expected) {
          const file = applied.find((x) => x.yaml.includes(`namespace: ${k.split('/')[1]}\n`))?.f.name ?? '?';
          if (JSON.stringify(last.get(k)) !== JSON.stringify(v)) differences.push(`${file} ${k}: controller ${JSON.stringify(last.get(k))}, scan ${JSON.stringify(v)}`);
          if (JSON.stringify(judgedNow.get(k)) !== JSON.stringify(verdicts.get(k))) differences.push(`${file} ${k}: webhook ${JSON.stringify(judgedNow.get(k))}, scan ${JSON.stringify(verdicts.get(k))}`);
          compared++;
        }
        await cp.kubectl(['delete', '--ignore-not-found', '--wait=false', '-f', '-'], { input: applied.map((x) => x.yaml).join('---\n') });
      }
      console.log(`    ${files.length} corpus files, ${compared} objects compared`);
      assert.deepEqual(differences, []);
      assert.ok(compared > 500, `only ${compared} objects compared`);
    });
  });
});

/** Fixtures whose input no API server takes by design (what they show is that input), and why. */
const NOT_OBJECTS: Record<string, string> = {
  'service-selects-nothing: Deployment patch without a template (cannot be judged)': 'a kustomize patch, not an object: a Deployment without a template is invalid',
  'termination-grace-too-short: a native preStop sleep longer than the grace period: rejected by the API server, Service or not':
    'the API server refuses a preStop sleep longer than the grace period, which is what the fixture shows',
  'probe-port-mismatch: numeric probes on the Service port, the container port unnamed and the probe port written as a string':
    'the API server refuses a probe port written as a string of digits, which is what the fixture shows',
  'pdb-missing: PDB values the API server rejects are not judged: "100%x", "x100%", " 100% ", "3" (a number as a string)':
    'the API server refuses these PDB values, which is what the fixture shows',
  'pdb-missing: a PDB value the disruption controller cannot read is not judged': 'the API server refuses a fractional maxUnavailable, which is what the fixture shows',
};

/** Why a fixture the API server rejected cannot be compared, when nothing could make it comparable; undefined otherwise. */
function impossible(name: string, rejection: string): string | undefined {
  const gone = /no matches for kind "([^"]+)" in version "([^"]+)"/.exec(rejection);
  if (gone) return `no API server serves ${gone[2]} ${gone[1]} any more`;
  return NOT_OBJECTS[name];
}

const CORPUS = new URL('../../../shared/corpus/', import.meta.url).pathname;

/** Kinds the API server must not be given from someone else's manifests: they would change how it serves everything else. */
const NOT_APPLIED = new Set(['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'APIService', 'CustomResourceDefinition', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'MutatingAdmissionPolicy', 'MutatingAdmissionPolicyBinding']);
/** Cluster-scoped kinds the rules read: two files naming the same one cannot share the cluster. */
const CLUSTER_READ = new Set(['IngressClass', 'GatewayClass']);

interface CorpusFile {
  name: string;
  docs: JsonObject[];
}

/** The corpus's files that load (kind: List flattened), without the kinds the API server is not given. */
function corpusFiles(): CorpusFile[] {
  const out: CorpusFile[] = [];
  for (const dir of readdirSync(CORPUS, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    for (const file of readdirSync(join(CORPUS, dir.name))) {
      const text = readFileSync(join(CORPUS, dir.name, file), 'utf8');
      const parsed = parseStream(text, file);
      if (parsed.errors.length > 0 || buildGraph(parsed.objects, 'default').errors.length > 0) continue;
      const docs = parsed.objects.map((o) => o.raw).filter((d) => !NOT_APPLIED.has(String(d.kind)) && typeof (d.metadata as JsonObject | undefined)?.name === 'string');
      if (docs.length > 0) out.push({ name: `${dir.name}/${file}`, docs });
    }
  }
  return out;
}

/** A corpus file with every namespace it names (and its own Namespace objects) renamed under `prefix`, the rest placed in `prefix`. */
function corpusPlaced(f: CorpusFile, prefix: string): string {
  const rename = (ns: string) => `${prefix}-${ns}`.slice(0, 63).replace(/-+$/, '');
  return f.docs
    .map((d) => {
      const doc = structuredClone(d);
      const meta = doc.metadata as JsonObject;
      if (doc.kind === 'Namespace' && (doc.apiVersion === 'v1')) meta.name = rename(String(meta.name));
      else if (typeof meta.namespace === 'string') meta.namespace = rename(meta.namespace);
      else if (!isClusterScoped(String(doc.kind))) meta.namespace = prefix;
      return dump(doc, { lineWidth: -1, noRefs: true });
    })
    .join('---\n');
}

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
