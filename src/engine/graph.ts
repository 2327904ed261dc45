// ResourceGraph: the namespace-aware index rules query. It answers "which
// workloads does this Service select", "which gateways reach this Service and on
// which port", "what HPA/PDB/canary governs this workload". The same graph is
// built from files (CLI), from the informer cache plus the object under review
// (webhook) and from informers (controller), so every face gets the same answers.
//
// The graph is mutable through upsert/remove so that the long-running faces can
// keep one up to date; derived relations are computed lazily per namespace and
// dropped when anything in that namespace changes.

import { backendsOf } from './backends.ts';
import { expand, judges, judgesFromAfar, readersOf } from './inputs.ts';
import { GATEWAY_GROUP, groupOf, isIngress, isRoute } from './kinds.ts';
import {
  isServiceModel,
  isWorkload,
  resourceKey,
  type Backend,
  type Model,
  type PodTemplate,
  type Resource,
  type Service,
  type Workload,
} from './model.ts';
import type { Read, Rule } from './rule.ts';
import { FieldReader, dig, isObject } from './fields.ts';
import { matches, parseLabelSelector, type LabelSelector } from './selectors.ts';

interface NamespaceIndex {
  workloadsByService: Map<string, Workload[]>;
  servicesByWorkload: Map<string, Service[]>;
  /** Deployment name → the Rollout that uses it as its template (`workloadRef`). */
  rolloutByTemplate: Map<string, Workload>;
  /** Kind → name of a scale target → its HorizontalPodAutoscaler (two levels: no key strings to build per question). */
  hpaByTarget: Map<string, Map<string, Resource>>;
  /** Workload key → the PodDisruptionBudgets selecting its pods. */
  pdbsByWorkload: Map<string, Resource[]>;
  /** Per-namespace results that rules derive from the graph (see `memo`). */
  memo: Map<string, unknown>;
  /** Results that depend only on objects of some kinds: kept while other kinds change. */
  kindMemo: Map<string, KindMemo>;
  /** During a temporary change (see setCachesAside): the set-aside kind memos, and the kinds that changed. */
  aside: { kindMemo: Map<string, KindMemo>; changed: ReadonlySet<string> } | undefined;
}

interface KindMemo {
  kinds: ReadonlySet<string>;
  values: Map<string, unknown>;
}

/** `memo`'s lists of reads are constants of their callers: each is turned into kinds once. */
const signatures = new WeakMap<readonly Read[], { signature: string; kinds: string[] }>();

const PDBS_ONLY: readonly Read[] = [{ group: 'policy', kind: 'PodDisruptionBudget' }];

const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Rollout', 'Pod'];

/** Where the list cache keeps lists across all namespaces (no namespace is named so). */
const EVERY_NAMESPACE = '\u0000*';

/** Whether cached lists of `listed` (a kind, or the derived #workloads and #services) hold objects of `kind`. */
function listReads(listed: string, kind: string): boolean {
  return listed === kind || (listed === '#workloads' && WORKLOAD_KINDS.includes(kind)) || (listed === '#services' && kind === 'Service');
}

/** Objects whose change reaches results in every namespace: gateways, and cluster-scoped objects (the classes naming gateways' controllers). */
function readEverywhere(r: Model): boolean {
  return isIngress(r.group, r.kind) || isRoute(r.group, r.kind) || r.namespace === '';
}

/** Kinds the graph's indexes relate to one another (by selectors, backends and workload references). */
function related(m: Model): boolean {
  return isWorkload(m) || isServiceModel(m) || isIngress(m.group, m.kind) || isRoute(m.group, m.kind);
}

/** A Service selector (a plain map, as Services have) matches labels when every pair is among them. */
function selectorMatches(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  for (const k in selector) if (labels[k] !== selector[k]) return false;
  return true;
}

export class ResourceGraph {
  private readonly objects = new Map<string, Model>();
  /** namespace → kind → key → object: lists by kind stay proportional to their result. */
  private readonly byNamespace = new Map<string, Map<string, Map<string, Model>>>();
  private readonly derived = new Map<string, NamespaceIndex>();
  private backendIndex: Map<string, Backend[]> | undefined;
  private readonly backendsByFrom = new Map<string, Backend[]>();
  private readonly selectorCache = new WeakMap<Resource, LabelSelector | null>();
  /** Pods read from the cluster for one workload, by its key (see podsOf). */
  private readonly readPods = new Map<string, readonly Model[]>();

  constructor(resources: Iterable<Model> = []) {
    for (const r of resources) this.upsert(r);
  }

  get size(): number {
    return this.objects.size;
  }

  upsert(r: Model): Model | undefined {
    const previous = this.objects.get(r.key);
    if (previous) this.forget(previous);
    this.objects.set(r.key, r);
    let kinds = this.byNamespace.get(r.namespace);
    if (!kinds) this.byNamespace.set(r.namespace, (kinds = new Map()));
    let keys = kinds.get(r.kind);
    if (!keys) kinds.set(r.kind, (keys = new Map()));
    keys.set(r.key, r);
    this.dropLists(r);
    if (previous && previous.namespace !== r.namespace) this.dropLists(previous);
    this.touched(r);
    this.patchIndex(previous, r);
    return previous;
  }

  remove(key: string): Model | undefined {
    const previous = this.objects.get(key);
    if (!previous) return undefined;
    this.forget(previous);
    this.objects.delete(key);
    this.byNamespace.get(previous.namespace)?.get(previous.kind)?.delete(key);
    this.dropLists(previous);
    this.patchIndex(previous, undefined);
    return previous;
  }

  /**
   * Runs `fn` with `changes` applied (an object to upsert, or a key to remove),
   * then restores the graph. Evaluation is synchronous, so no other caller can
   * observe the temporary state.
   */
  withChanges<T>(changes: Array<Model | { remove: string }>, fn: () => T): T {
    const kept = this.setCachesAside(changes);
    try {
      return this.applyWhile(changes, fn);
    } finally {
      kept?.();
    }
  }

  /**
   * Once a temporary change is undone the graph is what it was, object for object, so the caches
   * that described it are right again: they are set aside for the change's duration and put back
   * after it, instead of being dropped and rebuilt. The webhook makes a temporary change per
   * admission; rebuilding the namespace's caches each time cost CPU and, worse, turned them into
   * old-generation garbage whose collection paused admissions. Changes to gateways (and to the classes
   * naming their controllers) reach every namespace's caches: those still drop them. Returns the
   * function that puts them back.
   */
  private setCachesAside(changes: Array<Model | { remove: string }>): (() => void) | undefined {
    const namespaces = new Set<string>();
    const kinds = new Set<string>();
    for (const c of changes) {
      const r = 'remove' in c ? this.objects.get(c.remove) : c;
      if (!r) continue;
      if (readEverywhere(r)) return undefined;
      namespaces.add(r.namespace);
      kinds.add(r.kind);
      const previous = this.objects.get(r.key);
      if (previous) namespaces.add(previous.namespace);
    }
    const changed = [...kinds];
    const saved = [...namespaces].map((ns) => {
      const idx = this.derived.get(ns);
      const caches = idx ? { memo: idx.memo, kindMemo: idx.kindMemo, pdbsByWorkload: idx.pdbsByWorkload } : undefined;
      // Results that read only kinds the change leaves alone are the same either way: shared, not set
      // aside (and those first computed during the change are kept, see memo).
      const kindMemo = new Map<string, KindMemo>();
      for (const [signature, m] of idx?.kindMemo ?? []) kindMemo.set(signature, changed.some((k) => m.kinds.has(k)) ? { kinds: m.kinds, values: new Map() } : m);
      // Fields assigned, never added or deleted: the index is long-lived, and a change of its shape
      // would reallocate its property store at every admission, as old-generation garbage.
      if (idx) {
        idx.aside = { kindMemo: idx.kindMemo, changed: kinds };
        idx.memo = new Map();
        idx.kindMemo = kindMemo;
        idx.pdbsByWorkload = new Map();
      }
      return { ns, idx, caches };
    });
    // Lists are set aside by kind: a kind's lists by group stay shared unless the change drops them.
    const lists = [...namespaces, EVERY_NAMESPACE].map((ns) => {
      const before = this.listCache.get(ns);
      if (before) this.listCache.set(ns, new Map(before));
      return { ns, before };
    });
    return () => {
      for (const { ns, idx, caches } of saved) {
        // An index still in place was patched and unpatched: it is right, and so are its caches. One
        // dropped on the way (a change of wider reach) is rebuilt when next asked for.
        if (idx) idx.aside = undefined;
        if (idx && caches && this.derived.get(ns) === idx) {
          idx.memo = caches.memo;
          idx.kindMemo = caches.kindMemo;
          idx.pdbsByWorkload = caches.pdbsByWorkload;
        } else this.derived.delete(ns);
      }
      for (const { ns, before } of lists) {
        // Lists first made during the change, of kinds it left alone, hold for the graph as it is too.
        const kept = before ?? new Map<string, Map<string, readonly Model[]>>();
        for (const [listed, groups] of this.listCache.get(ns) ?? []) if (!kept.has(listed) && !changed.some((kind) => listReads(listed, kind))) kept.set(listed, groups);
        if (kept.size > 0) this.listCache.set(ns, kept);
        else this.listCache.delete(ns);
      }
    };
  }

  private applyWhile<T>(changes: Array<Model | { remove: string }>, fn: () => T): T {
    const undo: Array<() => void> = [];
    for (const c of changes) {
      if ('remove' in c) {
        const prev = this.remove(c.remove);
        if (prev) undo.push(() => this.upsert(prev));
      } else {
        const prev = this.upsert(c);
        undo.push(prev ? () => this.upsert(prev) : () => this.remove(c.key));
      }
    }
    try {
      return fn();
    } finally {
      for (const u of undo.reverse()) u();
    }
  }

  private forget(r: Model): void {
    this.touched(r);
  }

  private touched(r: Model): void {
    const gateway = isIngress(r.group, r.kind) || isRoute(r.group, r.kind);
    if (gateway) {
      this.backendIndex = undefined;
      this.backendsByFrom.delete(r.key);
    }
    if (readEverywhere(r)) {
      // Rules' memos may depend on gateways of other namespaces (cross-namespace routes), and on the
      // cluster-wide classes that say which controller serves a gateway.
      for (const idx of this.derived.values()) {
        idx.memo.clear();
        for (const m of idx.kindMemo.values()) if (m.kinds.has(r.kind)) m.values.clear();
      }
    }
  }

  /**
   * Keeps the namespace index right after `previous` became `next` (either may be
   * absent), without rebuilding it: the webhook applies and undoes a change per
   * admission, and a full rebuild costs services × workloads. Changes whose
   * reach is wider (Rollouts and their template Deployments, HPAs) drop the
   * index instead, and it is rebuilt on the next question.
   */
  private patchIndex(previous: Model | undefined, next: Model | undefined): void {
    const r = (next ?? previous) as Model;
    const idx = this.derived.get(r.namespace);
    if (!idx) return;
    idx.memo.clear();
    for (const m of idx.kindMemo.values()) if (m.kinds.has(r.kind)) m.values.clear();
    idx.pdbsByWorkload.clear();
    const templateOnly = (m: Model | undefined) =>
      m !== undefined && isWorkload(m) && (m.workloadRef !== undefined || (m.workloadKind === 'Deployment' && idx.rolloutByTemplate.has(m.name)));
    if (templateOnly(previous) || templateOnly(next) || r.kind === 'HorizontalPodAutoscaler' || r.kind === 'Namespace') {
      this.derived.delete(r.namespace);
      return;
    }
    // Same selection as before (an annotation, a status, an image changed): swap the object in the
    // lists of its counterparts (a workload in its Services' lists, a Service in its workloads').
    if (previous && next && this.sameSelection(previous, next)) {
      const [own, counterparts] = isWorkload(previous)
        ? [idx.servicesByWorkload, idx.workloadsByService as Map<string, Model[]>]
        : [idx.workloadsByService as Map<string, Model[]>, idx.servicesByWorkload as Map<string, Model[]>];
      for (const c of own.get(previous.key) ?? []) {
        const list = counterparts.get(c.key);
        const i = list ? list.indexOf(previous) : -1;
        if (list && i >= 0) list[i] = next;
      }
      return;
    }
    const selects = (s: Service, w: Workload) => {
      const labels = this.templateOf(w)?.labels;
      return s.selector !== undefined && labels !== undefined && selectorMatches(s.selector, labels);
    };
    const servicesOf = (w: Workload) => this.services(w.namespace).filter((s) => selects(s, w));
    // A Deployment a Rollout takes its template from is not selected (the Rollout is, through that template).
    const templateDeployment = (w: Workload) => w.workloadKind === 'Deployment' && idx.rolloutByTemplate.has(w.name);
    const workloadsOf = (s: Service) => (s.selector ? this.workloads(s.namespace).filter((w) => !templateDeployment(w) && selects(s, w)) : []);
    if ((previous && isWorkload(previous)) || (next && isWorkload(next))) {
      // The Services that selected the old version or select the new one get their lists recomputed.
      const had = previous ? (idx.servicesByWorkload.get(previous.key) ?? []) : [];
      const now = next && isWorkload(next) ? servicesOf(next) : [];
      for (const s of new Set([...had, ...now])) idx.workloadsByService.set(s.key, workloadsOf(s));
      if (next && isWorkload(next)) idx.servicesByWorkload.set(next.key, now);
      else idx.servicesByWorkload.delete(r.key);
    } else if ((previous && isServiceModel(previous)) || (next && isServiceModel(next))) {
      const before = idx.workloadsByService.get(r.key) ?? [];
      const after = next && isServiceModel(next) ? workloadsOf(next) : [];
      if (next && isServiceModel(next)) idx.workloadsByService.set(next.key, after);
      else idx.workloadsByService.delete(r.key);
      // Every workload whose list named the old Service object or should name the new one.
      const affected = new Map<string, Workload>();
      for (const w of [...before, ...after]) affected.set(w.key, w);
      for (const w of affected.values()) idx.servicesByWorkload.set(w.key, servicesOf(w));
    }
  }

  /** Two versions of an object select, or are selected, exactly alike. */
  private sameSelection(a: Model, b: Model): boolean {
    const sameMap = (x: Readonly<Record<string, string>> | undefined, y: Readonly<Record<string, string>> | undefined) => {
      if (x === y) return true;
      if (!x || !y) return false;
      const kx = Object.keys(x);
      if (kx.length !== Object.keys(y).length) return false;
      for (const k of kx) if (x[k] !== y[k]) return false;
      return true;
    };
    if (isWorkload(a) && isWorkload(b)) return a.workloadRef === undefined && b.workloadRef === undefined && sameMap(a.template?.labels, b.template?.labels);
    if (isServiceModel(a) && isServiceModel(b)) return sameMap(a.selector, b.selector);
    return false;
  }

  // ── lookups ────────────────────────────────────────────────────────────

  get(key: string): Model | undefined {
    return this.objects.get(key);
  }

  find(group: string, kind: string, namespace: string, name: string): Model | undefined {
    return this.objects.get(resourceKey(group, kind, namespace, name));
  }

  all(): IterableIterator<Model> {
    return this.objects.values();
  }

  namespaces(): string[] {
    return [...this.byNamespace.keys()];
  }

  inNamespace(namespace: string): Model[] {
    const out: Model[] = [];
    for (const keys of this.byNamespace.get(namespace)?.values() ?? []) out.push(...keys.values());
    return out;
  }

  /**
   * Lists of one namespace (or of all, under EVERY_NAMESPACE), by listed kind and group, kept until
   * an object of that kind changes there: rules ask the same questions once per object. Frozen,
   * since they are shared.
   */
  private readonly listCache = new Map<string, Map<string, Map<string, readonly Model[]>>>();

  private cachedList<T extends Model>(namespace: string, kind: string, group: string, compute: () => T[]): T[] {
    let kinds = this.listCache.get(namespace);
    if (!kinds) this.listCache.set(namespace, (kinds = new Map()));
    let groups = kinds.get(kind);
    if (!groups) kinds.set(kind, (groups = new Map()));
    let list = groups.get(group);
    if (!list) groups.set(group, (list = Object.freeze(compute())));
    return list as T[];
  }

  private dropLists(r: Model): void {
    for (const ns of [r.namespace, EVERY_NAMESPACE]) {
      const kinds = this.listCache.get(ns);
      if (kinds) for (const listed of kinds.keys()) if (listReads(listed, r.kind)) kinds.delete(listed);
    }
  }

  /** Objects of a kind, in one namespace or everywhere. `group` undefined matches any group. */
  list(kind: string, group?: string, namespace?: string): Model[] {
    return this.cachedList(namespace ?? EVERY_NAMESPACE, kind, group ?? '*', () => this.collectList(kind, group, namespace));
  }

  private collectList(kind: string, group: string | undefined, namespace: string | undefined): Model[] {
    const out: Model[] = [];
    const collect = (kinds: Map<string, Map<string, Model>> | undefined) => {
      for (const r of kinds?.get(kind)?.values() ?? []) if (group === undefined || r.group === group) out.push(r);
    };
    if (namespace === undefined) for (const kinds of this.byNamespace.values()) collect(kinds);
    else collect(this.byNamespace.get(namespace));
    return out;
  }

  /**
   * The pods a workload runs (its selector's match), for rules that look at why they fail. The cluster
   * faces cache no pods a workload made (there are many, and they change all the time): they read a
   * workload's pods when a rule that wants them fires on it (`readsOwnPods`) and hand them over here.
   * Offline, the pods are those among the inputs.
   */
  podsOf(w: Workload): Model[] {
    const selector = w.selector;
    if (!selector) return [];
    const pods = this.readPods.get(w.key) ?? this.list('Pod', '', w.namespace);
    return pods.filter((p) => p.namespace === w.namespace && matches(selector, p.labels));
  }

  /** Pods read for the workload `key` from the cluster (undefined: forget them). */
  setPodsOf(key: string, pods: readonly Model[] | undefined): void {
    if (pods) this.readPods.set(key, pods);
    else this.readPods.delete(key);
  }

  workloads(namespace?: string): Workload[] {
    const collect = () => {
      const out: Workload[] = [];
      for (const kind of WORKLOAD_KINDS) for (const r of this.list(kind, undefined, namespace)) if (isWorkload(r)) out.push(r);
      return out;
    };
    return this.cachedList(namespace ?? EVERY_NAMESPACE, '#workloads', '', collect);
  }

  services(namespace?: string): Service[] {
    const collect = () => this.list('Service', '', namespace).filter(isServiceModel);
    return this.cachedList(namespace ?? EVERY_NAMESPACE, '#services', '', collect);
  }

  service(namespace: string, name: string): Service | undefined {
    const r = this.find('', 'Service', namespace, name);
    return r && isServiceModel(r) ? r : undefined;
  }

  // ── workload ⇄ Service ─────────────────────────────────────────────────

  /** The pod template a workload runs: its own, or the one its Rollout `workloadRef` points at. */
  templateOf(w: Workload): PodTemplate | undefined {
    if (w.template) return w.template;
    if (!w.workloadRef) return undefined;
    const target = this.find('apps', w.workloadRef.kind, w.namespace, w.workloadRef.name);
    return target && isWorkload(target) ? target.template : undefined;
  }

  /** The Rollout that takes its template from this Deployment (which is then scaled to zero by Argo). */
  rolloutReferencing(w: Workload): Workload | undefined {
    if (w.workloadKind !== 'Deployment') return undefined;
    return this.index(w.namespace).rolloutByTemplate.get(w.name);
  }

  /** A template-only object: a Deployment that an Argo Rollout uses through `workloadRef`. */
  isTemplateOnly(w: Workload): boolean {
    return this.rolloutReferencing(w) !== undefined;
  }

  private index(namespace: string): NamespaceIndex {
    let idx = this.derived.get(namespace);
    if (idx) return idx;
    idx = { workloadsByService: new Map(), servicesByWorkload: new Map(), rolloutByTemplate: new Map(), hpaByTarget: new Map(), pdbsByWorkload: new Map(), memo: new Map(), kindMemo: new Map(), aside: undefined };
    const all = this.workloads(namespace);
    for (const r of all) if (r.workloadRef?.kind === 'Deployment') idx.rolloutByTemplate.set(r.workloadRef.name, r);
    for (const h of this.list('HorizontalPodAutoscaler', 'autoscaling', namespace)) {
      const ref = dig(h.raw, 'spec', 'scaleTargetRef');
      if (!isObject(ref) || typeof ref.kind !== 'string' || typeof ref.name !== 'string') continue;
      let byName = idx.hpaByTarget.get(ref.kind);
      if (!byName) idx.hpaByTarget.set(ref.kind, (byName = new Map()));
      byName.set(ref.name, h);
    }
    // The index is stored before selection is computed, since templateOf/isTemplateOnly consult it.
    this.derived.set(namespace, idx);
    const workloads = all.filter((w) => !(w.workloadKind === 'Deployment' && idx.rolloutByTemplate.has(w.name)));
    // Pod-template labels → workloads, so that each Service looks only at the workloads carrying
    // its first selector label instead of at every workload of the namespace.
    const byLabel = new Map<string, Workload[]>();
    const withLabels: Workload[] = [];
    for (const w of workloads) {
      const labels = this.templateOf(w)?.labels;
      if (!labels) continue;
      withLabels.push(w);
      for (const k in labels) {
        const key = `${k}=${labels[k]}`;
        const list = byLabel.get(key);
        if (list) list.push(w);
        else byLabel.set(key, [w]);
      }
    }
    for (const s of this.services(namespace)) {
      const selected: Workload[] = [];
      const selector = s.selector;
      if (selector) {
        let first: string | undefined;
        for (const k in selector) {
          first = k;
          break;
        }
        const candidates = first === undefined ? withLabels : (byLabel.get(`${first}=${selector[first]}`) ?? []);
        for (const w of candidates) if (selectorMatches(selector, this.templateOf(w)?.labels as Readonly<Record<string, string>>)) selected.push(w);
      }
      idx.workloadsByService.set(s.key, selected);
      for (const w of selected) {
        const list = idx.servicesByWorkload.get(w.key) ?? [];
        list.push(s);
        idx.servicesByWorkload.set(w.key, list);
      }
    }
    return idx;
  }

  /** Workloads whose pod template a Service's selector matches (none for selector-less Services). */
  workloadsSelectedBy(s: Service): Workload[] {
    return this.index(s.namespace).workloadsByService.get(s.key) ?? [];
  }

  /** Services whose selector matches a workload's pod template. */
  servicesSelecting(w: Workload): Service[] {
    if (this.isTemplateOnly(w)) return [];
    return this.index(w.namespace).servicesByWorkload.get(w.key) ?? [];
  }

  // ── gateways ⇄ Services ────────────────────────────────────────────────

  /** The backend references an Ingress or route holds. */
  backendsFrom(r: Resource): Backend[] {
    let list = this.backendsByFrom.get(r.key);
    if (!list) this.backendsByFrom.set(r.key, (list = backendsOf(r)));
    return list;
  }

  /** Every gateway edge that sends traffic to a Service (any port). */
  backendsTo(s: { namespace: string; name: string }): Backend[] {
    if (!this.backendIndex) {
      this.backendIndex = new Map();
      for (const r of this.objects.values()) {
        if (!isIngress(r.group, r.kind) && !isRoute(r.group, r.kind)) continue;
        for (const b of this.backendsFrom(r)) {
          const k = `${b.serviceNamespace}/${b.serviceName}`;
          const list = this.backendIndex.get(k) ?? [];
          list.push(b);
          this.backendIndex.set(k, list);
        }
      }
    }
    return this.backendIndex.get(`${s.namespace}/${s.name}`) ?? [];
  }

  /** Gateway edges that reach a workload through any Service selecting it. */
  backendsToWorkload(w: Workload): Array<{ service: Service; backend: Backend }> {
    return this.servicesSelecting(w).flatMap((service) => this.backendsTo(service).map((backend) => ({ service, backend })));
  }

  // ── workload governance ────────────────────────────────────────────────

  /** The HorizontalPodAutoscaler whose scaleTargetRef names the workload. */
  hpaFor(w: Workload): Resource | undefined {
    return this.index(w.namespace).hpaByTarget.get(w.kind)?.get(w.name);
  }

  /** PodDisruptionBudgets whose selector matches the workload's pods. */
  pdbsFor(w: Workload): Resource[] {
    const idx = this.index(w.namespace);
    let pdbs = idx.pdbsByWorkload.get(w.key);
    if (pdbs) return pdbs;
    const labels = this.templateOf(w)?.labels;
    if (!labels) pdbs = [];
    else {
      // Candidates: PDBs keyed by one of the workload's labels, plus those without an equality key.
      const byLabel = this.pdbCandidates(w.namespace);
      const candidates = new Set(byLabel.get('') ?? []);
      for (const [k, v] of Object.entries(labels)) for (const p of byLabel.get(`${k}=${v}`) ?? []) candidates.add(p);
      pdbs = [...candidates].filter((p) => {
        const sel = this.selectorOf(p, ['spec', 'selector']);
        // An empty PDB selector matches every pod in the namespace (policy/v1).
        return sel !== null && matches(sel, labels);
      });
    }
    idx.pdbsByWorkload.set(w.key, pdbs);
    return pdbs;
  }

  /** PDBs of a namespace indexed by one equality requirement of their selector (`''`: none to index by). */
  private pdbCandidates(namespace: string): Map<string, Resource[]> {
    return this.memo(namespace, 'graph/pdb-candidates', () => {
      const out = new Map<string, Resource[]>();
      for (const p of this.list('PodDisruptionBudget', 'policy', namespace)) {
        const sel = this.selectorOf(p, ['spec', 'selector']);
        const eq = sel?.requirements.find((r) => r.operator === 'In' && r.values.length === 1);
        const key = eq ? `${eq.key}=${eq.values[0]}` : '';
        out.set(key, [...(out.get(key) ?? []), p]);
      }
      return out;
    }, PDBS_ONLY);
  }

  /**
   * Memoizes a result a rule derives from one namespace's objects (and from
   * gateways anywhere), so that per-object evaluation does not redo per-namespace
   * work. Dropped when anything in the namespace, or any Ingress or route, changes —
   * or, with `onlyKinds` (a constant of the caller, declared among the reads of the rules asking: a
   * test holds what `compute` reads to it), only when an object of those kinds
   * does (the result must read nothing else). `key` must name the rule and the question.
   */
  memo<T>(namespace: string, key: string, compute: () => T, onlyKinds?: readonly Read[]): T {
    const memo = this.memoTable(namespace, onlyKinds);
    if (memo.has(key)) return memo.get(key) as T;
    const value = compute();
    memo.set(key, value);
    return value;
  }

  /**
   * `memo` for a question about one object: kept and dropped with the namespace's other memos (or,
   * with `onlyKinds`, with those of the same kinds), looked up by the object itself rather than by a
   * key string built for every question.
   */
  memoOf<T>(r: Model, question: string, compute: () => T, onlyKinds?: readonly Read[]): T {
    const memo = this.memoTable(r.namespace, onlyKinds);
    let answers = memo.get(question) as Map<Model, unknown> | undefined;
    if (!answers) memo.set(question, (answers = new Map()));
    if (answers.has(r)) return answers.get(r) as T;
    const value = compute();
    answers.set(r, value);
    return value;
  }

  /** Where `memo` and `memoOf` keep their results: the namespace's memo, or the one for results that read only `onlyKinds`. */
  private memoTable(namespace: string, onlyKinds: readonly Read[] | undefined): Map<string, unknown> {
    const idx = this.index(namespace);
    if (!onlyKinds) return idx.memo;
    // Kept until an object of one of these kinds changes in the namespace (or anywhere, for kinds read everywhere).
    let known = signatures.get(onlyKinds);
    if (known === undefined) {
      // Invalidation goes by kind, whatever the group (wider, never narrower, than the declaration).
      const kinds = [...new Set(onlyKinds.flatMap((read) => expand(read.group, read.kind).map(([, k]) => k)))];
      signatures.set(onlyKinds, (known = { signature: kinds.join(','), kinds }));
    }
    const { signature, kinds } = known;
    let m = idx.kindMemo.get(signature);
    if (!m) {
      // During a temporary change that none of these kinds is part of, the result holds for the graph
      // as it is too: it goes where the set-aside memos are, to be found again after the change.
      const real = idx.aside && !kinds.some((k) => idx.aside?.changed.has(k)) ? idx.aside.kindMemo : undefined;
      m = real?.get(signature) ?? { kinds: new Set(kinds), values: new Map() };
      real?.set(signature, m);
      idx.kindMemo.set(signature, m);
    }
    return m.values;
  }

  /** Flagger Canaries whose targetRef names the workload. */
  canariesFor(w: Workload): Resource[] {
    return this.list('Canary', 'flagger.app', w.namespace).filter((c) => {
      const ref = dig(c.raw, 'spec', 'targetRef');
      return isObject(ref) && ref.kind === w.kind && ref.name === w.name;
    });
  }

  /**
   * Services that exist only at run time because a controller generates them:
   * Flagger creates `<service>`, `<service>-primary` and `<service>-canary` for each Canary.
   * A reference to one of these is not a reference to a missing object.
   */
  generatedService(namespace: string, name: string): Resource | undefined {
    return this.list('Canary', 'flagger.app', namespace).find((c) => {
      const base = dig(c.raw, 'spec', 'service', 'name') ?? dig(c.raw, 'spec', 'targetRef', 'name');
      return typeof base === 'string' && [base, `${base}-primary`, `${base}-canary`].includes(name);
    });
  }

  /** Whether a ReferenceGrant in the Service's namespace lets `from` (a route) reference it. */
  referenceGrantAllows(from: Resource, serviceNamespace: string, serviceName: string): boolean {
    if (from.namespace === serviceNamespace) return true;
    return this.list('ReferenceGrant', GATEWAY_GROUP, serviceNamespace).some((g) => {
      const fromList = dig(g.raw, 'spec', 'from');
      const toList = dig(g.raw, 'spec', 'to');
      const fromOk = Array.isArray(fromList) && fromList.some((f) => isObject(f) && f.group === GATEWAY_GROUP && f.kind === from.kind && f.namespace === from.namespace);
      const toOk = Array.isArray(toList) && toList.some((t) => isObject(t) && (t.group ?? '') === '' && t.kind === 'Service' && (t.name === undefined || t.name === serviceName));
      return fromOk && toOk;
    });
  }

  /** Labels of a namespace: its Namespace object's, plus the name label the apiserver always sets. */
  namespaceLabels(namespace: string): Record<string, string> {
    const ns = this.find('', 'Namespace', '', namespace);
    return { ...(ns?.labels ?? {}), 'kubernetes.io/metadata.name': namespace };
  }

  /** Parses (once per object) a label selector stored at `path`; null when absent or malformed. */
  selectorOf(r: Resource, path: string[]): LabelSelector | null {
    const cached = this.selectorCache.get(r);
    if (cached !== undefined) return cached;
    const reader = new FieldReader();
    const sel = parseLabelSelector(dig(r.raw, ...path), path.join('.'), reader) ?? null;
    const result = reader.problems.length > 0 ? null : sel;
    this.selectorCache.set(r, result);
    return result;
  }

  // ── change propagation ─────────────────────────────────────────────────

  /**
   * Objects whose findings under `rules` may change when `r` changes (besides `r` itself):
   * the controller re-checks them, the webhook judges them with the new object.
   */
  affected(r: Model, rules: readonly Rule[]): Model[] {
    const out = new Map<string, Model>();
    const add = (x: Model | undefined) => {
      if (x && x.key !== r.key) out.set(x.key, x);
    };
    const addServiceNeighbours = (s: Service) => {
      add(s);
      for (const w of this.workloadsSelectedBy(s)) add(w);
      for (const b of this.backendsTo(s)) add(b.from as Model);
    };
    if (isWorkload(r)) {
      // Selection by label. The index answers for a workload the graph holds; one it no longer
      // holds (deleted) or a template-only Deployment is compared against every Service.
      const labels = this.templateOf(r)?.labels;
      if (this.objects.get(r.key) === r && !this.isTemplateOnly(r)) {
        for (const s of this.servicesSelecting(r)) addServiceNeighbours(s);
      } else if (labels) {
        for (const s of this.services(r.namespace)) if (s.selector && selectorMatches(s.selector, labels)) addServiceNeighbours(s);
      }
      const rollout = this.rolloutReferencing(r);
      if (rollout) add(rollout);
      // A Rollout's workloadRef makes its Deployment a template, judged through the Rollout: both ways.
      if (r.workloadRef) add(this.find('apps', r.workloadRef.kind, r.namespace, r.workloadRef.name));
    } else if (isServiceModel(r)) {
      addServiceNeighbours(r);
      for (const w of this.workloads(r.namespace)) {
        const labels = this.templateOf(w)?.labels;
        if (r.selector && labels && selectorMatches(r.selector, labels)) add(w);
      }
    } else if (isIngress(r.group, r.kind) || isRoute(r.group, r.kind)) {
      for (const b of this.backendsFrom(r)) {
        const s = this.service(b.serviceNamespace, b.serviceName);
        if (s) addServiceNeighbours(s);
      }
    }
    if (related(r)) {
      // Objects of kinds the indexes above do not relate, judged by rules that declare they read this kind:
      // a KongUpstreamPolicy whose health check meets the ports of the Services naming it in an annotation.
      // Few, and found whatever the relation; workloads, Services, Ingresses and routes are related above.
      const { readers, everywhere, kinds } = readersOf(rules, r.group, r.kind);
      const judged = (byKind: Map<string, Map<string, Model>> | undefined, judgedBy: (x: Model) => boolean) => {
        for (const kind of kinds) for (const x of byKind?.get(kind)?.values() ?? []) if (!related(x) && judgedBy(x)) add(x);
      };
      if (readers.length > 0) judged(this.byNamespace.get(r.namespace), (x) => readers.some((rule) => judges(rule, x)));
      if (everywhere.length > 0) for (const byKind of this.byNamespace.values()) judged(byKind, (x) => everywhere.some((reader) => judgesFromAfar(reader, x)));
    } else if (r.kind === 'EndpointSlice') {
      // Live state: the gateways that send traffic to the slice's Service (no-ready-endpoints).
      const service = r.labels['kubernetes.io/service-name'];
      if (service) for (const b of this.backendsTo({ namespace: r.namespace, name: service })) add(b.from as Model);
    } else if (r.kind === 'ReplicaSet') {
      // Live state: the rollout of the workload that owns it (rollout-stuck).
      const owners = dig(r.raw, 'metadata', 'ownerReferences');
      for (const o of Array.isArray(owners) ? owners : []) {
        if (isObject(o) && typeof o.kind === 'string' && typeof o.name === 'string') add(this.find(groupOf(String(o.apiVersion ?? 'apps/v1')), o.kind, r.namespace, o.name));
      }
    } else {
      // Anything else is context that rules declare they read (Rule.reads): what those rules judge is
      // re-checked, in the object's namespace — everywhere for a cluster-scoped object (an IngressClass).
      // A Namespace's labels decide which policy applies to everything in it.
      const namespace = r.kind === 'Namespace' && r.group === '';
      const { readers, everywhere } = namespace ? { readers: rules, everywhere: [] } : readersOf(rules, r.group, r.kind);
      if (readers.length > 0) {
        const scope = namespace ? this.inNamespace(r.name) : r.namespace === '' ? this.objects.values() : this.inNamespace(r.namespace);
        for (const x of scope) if (readers.some((rule) => judges(rule, x))) add(x);
      }
      // Rules that read the kind in every namespace: what they judge anywhere.
      if (everywhere.length > 0 && r.namespace !== '') for (const x of this.objects.values()) if (everywhere.some((reader) => judgesFromAfar(reader, x))) add(x);
      // A ReferenceGrant lets routes of other namespaces reach this one.
      if (r.kind === 'ReferenceGrant' && r.group === GATEWAY_GROUP) for (const x of this.objects.values()) if (isRoute(x.group, x.kind)) add(x);
    }
    return [...out.values()];
  }
}
