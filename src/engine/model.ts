// Normalized, read-only views of the objects rules reason about. Each view is
// built once per object from its decoded YAML, with every field's path, so that
// per-container iteration, probe and port resolution, and selector parsing live
// in one place instead of in every rule.

import { FieldReader, sharedPath, type FieldProblem } from './fields.ts';
import { groupOf, isClusterScoped, isModeledKind, workloadKind, isIngress, isRoute, isService, type WorkloadKind } from './kinds.ts';
import { parseLabelSelector, type LabelSelector } from './selectors.ts';
import type { Json, JsonObject, ObjectRef, SourceLocation } from './types.ts';

export interface Resource {
  /** Unique within a graph: `group/Kind/namespace/name`. */
  readonly key: string;
  readonly ref: ObjectRef;
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly raw: JsonObject;
  readonly source?: SourceLocation;
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol: string;
  path: string;
}

export type ProbeHandler = 'httpGet' | 'tcpSocket' | 'grpc' | 'exec' | 'none';

export interface Probe {
  path: string;
  handler: ProbeHandler;
  /** httpGet/tcpSocket port (number or container port name); grpc port (number). */
  port?: number | string;
  portPath?: string;
  httpPath?: string;
  scheme?: string;
  command?: string[];
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
  successThreshold: number;
  /** The handler's settings as written (`httpGet`, `tcpSocket`, `grpc` or `exec`), for comparisons. */
  handlerSpec: JsonObject;
}

export interface PreStop {
  path: string;
  handler: 'exec' | 'httpGet' | 'tcpSocket' | 'sleep' | 'none';
  /** Seconds the hook waits, when it is a recognisable sleep (native or `sleep N`). */
  sleepSeconds?: number;
  command?: string[];
}

export interface Container {
  name: string;
  path: string;
  /** Native sidecar: an init container with restartPolicy Always, which runs beside the app. */
  sidecar: boolean;
  ports: ContainerPort[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  preStop?: PreStop;
  memoryLimit?: string;
  image?: string;
  raw: JsonObject;
}

export interface PodTemplate {
  /** Path of the pod template (`spec.template`), or of the pod itself for bare Pods (``). */
  path: string;
  specPath: string;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  /** Regular containers followed by native sidecars; plain init containers are left out (they serve no traffic). */
  containers: Container[];
  terminationGracePeriodSeconds: number;
  terminationGracePath: string;
  /** Serialized spec, for comparing a template with ReplicaSets (rollback detection). */
  raw: JsonObject;
}

export interface RolloutStrategy {
  /** RollingUpdate, Recreate, OnDelete, canary, blueGreen. */
  type: string;
  path: string;
  maxUnavailable?: number | string;
  maxSurge?: number | string;
}

export interface Workload extends Resource {
  readonly workloadKind: WorkloadKind;
  readonly template?: PodTemplate;
  /** Desired replicas; undefined for DaemonSets (one per node). */
  readonly replicas?: number;
  readonly replicasPath: string;
  readonly selector?: LabelSelector;
  readonly strategy?: RolloutStrategy;
  readonly minReadySeconds: number;
  /** An argoproj.io Rollout's `workloadRef`: the template lives in another object. */
  readonly workloadRef?: { kind: string; name: string; path: string };
}

export interface ServicePort {
  name?: string;
  port: number;
  /** Defaults to `port` when absent, as the API does. */
  targetPort: number | string;
  protocol: string;
  appProtocol?: string;
  path: string;
}

export interface Service extends Resource {
  /** Undefined when the Service has no selector (manual endpoints, ExternalName). */
  readonly selector?: Readonly<Record<string, string>>;
  readonly type: string;
  readonly ports: ServicePort[];
  readonly publishNotReadyAddresses: boolean;
}

export type BackendProxy = 'ingress' | 'httproute' | 'grpcroute';

/** One edge from a gateway object (Ingress, HTTPRoute, GRPCRoute) to a Service port. */
export interface Backend {
  from: Resource;
  proxy: BackendProxy;
  /** Path of the backend reference inside `from`. */
  path: string;
  serviceNamespace: string;
  serviceName: string;
  /** Port by number or by name (Ingress only); for routes always a number when present. */
  port?: { number?: number; name?: string };
  portPath: string;
  weight?: number;
}

export type Model = Resource | Workload | Service;

export function isWorkload(r: Resource): r is Workload {
  return 'workloadKind' in r;
}
export function isServiceModel(r: Resource): r is Service {
  return isService(r.group, r.kind) && 'ports' in r;
}
export function isIngressResource(r: Resource): boolean {
  return isIngress(r.group, r.kind);
}
export function isRouteResource(r: Resource): boolean {
  return isRoute(r.group, r.kind);
}

export interface NormalizeResult {
  resource?: Model;
  /** Fatal: the object cannot be identified (no kind, no name). */
  error?: string;
  /** Not an object guard502 judges and not identifiable either (kustomization.yaml, tool configs): skipped. */
  skipped?: string;
  /** Non-fatal: fields of the wrong type, reported with their path; rules still run on the rest. */
  problems: FieldProblem[];
}

export function resourceKey(group: string, kind: string, namespace: string, name: string): string {
  return `${group}/${kind}/${namespace}/${name}`;
}

/** Builds the view of one decoded object. `defaultNamespace` applies to namespaced objects without one. */
export function normalize(raw: JsonObject, defaultNamespace: string, source?: SourceLocation): NormalizeResult {
  const r = new FieldReader();
  const apiVersion = r.str(raw.apiVersion, 'apiVersion');
  const kind = r.str(raw.kind, 'kind');
  if (!kind) return { error: r.problems[0]?.message ?? 'no kind: not a Kubernetes object', problems: [] };
  if (!apiVersion) return { error: r.problems[0]?.message ?? 'no apiVersion', problems: [] };
  const meta = r.obj(raw.metadata, 'metadata');
  const name = r.str(meta?.name, 'metadata.name') ?? (meta?.generateName === undefined ? undefined : `${String(meta.generateName)}*`);
  const group = groupOf(apiVersion);
  if (!name) {
    if (!isModeledKind(group, kind) && r.problems.length === 0) return { skipped: `${kind} without a name`, problems: [] };
    return { error: r.problems[0]?.message ?? 'metadata.name is missing', problems: [] };
  }
  const namespace = isClusterScoped(kind) ? '' : (r.str(meta?.namespace, 'metadata.namespace') ?? defaultNamespace);
  const base: Resource = {
    key: resourceKey(group, kind, namespace, name),
    ref: { apiVersion, kind, namespace, name },
    group,
    kind,
    namespace,
    name,
    labels: r.strMap(meta?.labels, 'metadata.labels'),
    annotations: r.strMap(meta?.annotations, 'metadata.annotations'),
    raw,
    ...(source ? { source } : {}),
  };
  const wk = workloadKind(group, kind);
  let resource: Model = base;
  if (wk) resource = readWorkload(base, wk, r);
  else if (isService(group, kind)) resource = readService(base, r);
  return { resource, problems: r.problems };
}

function readWorkload(base: Resource, wk: WorkloadKind, r: FieldReader): Workload {
  const raw = base.raw;
  if (wk === 'Pod') {
    const template = readPodTemplate(raw, '', r);
    return { ...base, workloadKind: wk, replicas: 1, replicasPath: '', minReadySeconds: 0, ...(template ? { template } : {}) };
  }
  const spec = r.obj(raw.spec, 'spec') ?? {};
  const templateObj = r.obj(spec.template, 'spec.template');
  const template = templateObj ? readPodTemplate(templateObj, 'spec.template', r) : undefined;
  const replicas = wk === 'DaemonSet' ? undefined : (r.int(spec.replicas, 'spec.replicas') ?? 1);
  const selector = parseLabelSelector(spec.selector, 'spec.selector', r);
  const ref = r.obj(spec.workloadRef, 'spec.workloadRef');
  const workloadRef = ref
    ? { kind: r.str(ref.kind, 'spec.workloadRef.kind') ?? 'Deployment', name: r.str(ref.name, 'spec.workloadRef.name') ?? '', path: 'spec.workloadRef' }
    : undefined;
  const strategy = readStrategy(wk, spec, r);
  return {
    ...base,
    workloadKind: wk,
    ...(template ? { template } : {}),
    ...(replicas !== undefined ? { replicas } : {}),
    replicasPath: 'spec.replicas',
    ...(selector ? { selector } : {}),
    ...(strategy ? { strategy } : {}),
    minReadySeconds: r.int(spec.minReadySeconds, 'spec.minReadySeconds') ?? 0,
    ...(workloadRef ? { workloadRef } : {}),
  };
}

function readStrategy(wk: WorkloadKind, spec: JsonObject, r: FieldReader): RolloutStrategy | undefined {
  if (wk === 'Rollout') {
    const s = r.obj(spec.strategy, 'spec.strategy') ?? {};
    if (s.blueGreen !== undefined) return { type: 'blueGreen', path: 'spec.strategy.blueGreen' };
    const c = r.obj(s.canary, 'spec.strategy.canary') ?? {};
    return {
      type: 'canary',
      path: 'spec.strategy.canary',
      maxUnavailable: r.intOrString(c.maxUnavailable, 'spec.strategy.canary.maxUnavailable') ?? '25%',
      maxSurge: r.intOrString(c.maxSurge, 'spec.strategy.canary.maxSurge') ?? '25%',
    };
  }
  const field = wk === 'Deployment' ? 'strategy' : 'updateStrategy';
  if (wk === 'Pod') return undefined;
  const path = `spec.${field}`;
  const s = r.obj(spec[field], path) ?? {};
  const type = r.str(s.type, `${path}.type`) ?? (wk === 'StatefulSet' || wk === 'DaemonSet' || wk === 'Deployment' ? 'RollingUpdate' : 'RollingUpdate');
  const ru = r.obj(s.rollingUpdate, `${path}.rollingUpdate`) ?? {};
  const defaults = wk === 'Deployment' ? { maxUnavailable: '25%', maxSurge: '25%' } : { maxUnavailable: 1, maxSurge: 0 };
  return {
    type,
    path,
    maxUnavailable: r.intOrString(ru.maxUnavailable, `${path}.rollingUpdate.maxUnavailable`) ?? defaults.maxUnavailable,
    maxSurge: r.intOrString(ru.maxSurge, `${path}.rollingUpdate.maxSurge`) ?? defaults.maxSurge,
  };
}

function readPodTemplate(tpl: JsonObject, path: string, r: FieldReader): PodTemplate | undefined {
  const at = (p: string) => (path ? `${path}.${p}` : p);
  const meta = r.obj(tpl.metadata, at('metadata'));
  const spec = r.obj(tpl.spec, at('spec'));
  if (!spec) return undefined;
  const containers: Container[] = [];
  for (const { item, path: p } of r.objList(spec.containers, at('spec.containers'))) containers.push(readContainer(item, p, false, r));
  for (const { item, path: p } of r.objList(spec.initContainers, at('spec.initContainers'))) {
    if (item.restartPolicy === 'Always') containers.push(readContainer(item, p, true, r));
  }
  return {
    path,
    specPath: sharedPath(at('spec')),
    labels: r.strMap(meta?.labels, at('metadata.labels')),
    annotations: r.strMap(meta?.annotations, at('metadata.annotations')),
    containers,
    terminationGracePeriodSeconds: r.int(spec.terminationGracePeriodSeconds, at('spec.terminationGracePeriodSeconds')) ?? 30,
    terminationGracePath: sharedPath(at('spec.terminationGracePeriodSeconds')),
    raw: tpl,
  };
}

function readContainer(c: JsonObject, path: string, sidecar: boolean, r: FieldReader): Container {
  const ports: ContainerPort[] = [];
  for (const { item, path: p } of r.objList(c.ports, `${path}.ports`)) {
    const containerPort = r.int(item.containerPort, `${p}.containerPort`);
    if (containerPort === undefined) continue;
    const port: ContainerPort = { containerPort, protocol: r.str(item.protocol, `${p}.protocol`) ?? 'TCP', path: p };
    const name = r.str(item.name, `${p}.name`);
    if (name) port.name = name;
    ports.push(port);
  }
  // Built by assignment rather than conditional spreads: normalization runs for every
  // container of every object, and each spread allocates a throwaway object.
  const out: Container = { name: r.str(c.name, `${path}.name`) ?? '', path, sidecar, ports, raw: c };
  const readiness = readProbe(c.readinessProbe, `${path}.readinessProbe`, r);
  if (readiness) out.readinessProbe = readiness;
  const liveness = readProbe(c.livenessProbe, `${path}.livenessProbe`, r);
  if (liveness) out.livenessProbe = liveness;
  const startup = readProbe(c.startupProbe, `${path}.startupProbe`, r);
  if (startup) out.startupProbe = startup;
  const lifecycle = r.obj(c.lifecycle, `${path}.lifecycle`);
  const preStop = readPreStop(lifecycle?.preStop, `${path}.lifecycle.preStop`, r);
  if (preStop) out.preStop = preStop;
  const memory = r.obj(r.obj(c.resources, `${path}.resources`)?.limits, `${path}.resources.limits`)?.memory;
  if (memory !== undefined && memory !== null) out.memoryLimit = String(memory);
  const image = r.str(c.image, `${path}.image`);
  if (image) out.image = image;
  return out;
}

function commandOf(v: Json | undefined, path: string, r: FieldReader): string[] | undefined {
  const list = r.list(v, path);
  return list?.map((x) => String(x));
}

function readProbe(v: Json | undefined, path: string, r: FieldReader): Probe | undefined {
  const p = r.obj(v, path);
  if (!p) return undefined;
  path = sharedPath(path);
  // Every field assigned in one literal, in one order: all probes share one hidden class. (A getter
  // or spreads here gave each probe a class of its own, which V8 allocates in the old generation.)
  const probe: Probe = {
    path,
    handler: 'none',
    handlerSpec: EMPTY_HANDLER,
    port: undefined,
    portPath: undefined,
    httpPath: undefined,
    scheme: undefined,
    command: undefined,
    initialDelaySeconds: r.int(p.initialDelaySeconds, `${path}.initialDelaySeconds`) ?? 0,
    periodSeconds: r.int(p.periodSeconds, `${path}.periodSeconds`) ?? 10,
    timeoutSeconds: r.int(p.timeoutSeconds, `${path}.timeoutSeconds`) ?? 1,
    failureThreshold: r.int(p.failureThreshold, `${path}.failureThreshold`) ?? 3,
    successThreshold: r.int(p.successThreshold, `${path}.successThreshold`) ?? 1,
  };
  const http = r.obj(p.httpGet, `${path}.httpGet`);
  const tcp = r.obj(p.tcpSocket, `${path}.tcpSocket`);
  const grpc = r.obj(p.grpc, `${path}.grpc`);
  const exec = r.obj(p.exec, `${path}.exec`);
  if (http) {
    probe.handler = 'httpGet';
    probe.handlerSpec = http;
    probe.port = r.intOrString(http.port, `${path}.httpGet.port`);
    probe.httpPath = r.str(http.path, `${path}.httpGet.path`) ?? '/';
    probe.scheme = (r.str(http.scheme, `${path}.httpGet.scheme`) ?? 'HTTP').toUpperCase();
  } else if (tcp) {
    probe.handler = 'tcpSocket';
    probe.handlerSpec = tcp;
    probe.port = r.intOrString(tcp.port, `${path}.tcpSocket.port`);
  } else if (grpc) {
    probe.handler = 'grpc';
    probe.handlerSpec = grpc;
    probe.port = r.int(grpc.port, `${path}.grpc.port`);
  } else if (exec) {
    probe.handler = 'exec';
    probe.handlerSpec = exec;
    probe.command = commandOf(exec.command, `${path}.exec.command`, r);
  }
  if (probe.port !== undefined) probe.portPath = sharedPath(`${path}.${probe.handler}.port`);
  return probe;
}

const EMPTY_HANDLER: JsonObject = Object.freeze({}) as JsonObject;

/** Recognises `sleep N` in an exec hook: `["sleep","5"]`, `["/bin/sh","-c","sleep 5"]`, `sleep 5 && nginx -s quit`. */
export function sleepSecondsOf(command: readonly string[]): number | undefined {
  const text = command.join(' ');
  const m = /(?:^|[\s;&|/"'])sleep\s+(\d+(?:\.\d+)?)(s)?(?=$|[\s;&|"'])/.exec(text);
  return m ? Number(m[1]) : undefined;
}

function readPreStop(v: Json | undefined, path: string, r: FieldReader): PreStop | undefined {
  const h = r.obj(v, path);
  if (!h) return undefined;
  path = sharedPath(path);
  const sleep = r.obj(h.sleep, `${path}.sleep`);
  if (sleep) {
    const seconds = r.int(sleep.seconds, `${path}.sleep.seconds`);
    return { path, handler: 'sleep', ...(seconds !== undefined ? { sleepSeconds: seconds } : {}) };
  }
  const exec = r.obj(h.exec, `${path}.exec`);
  if (exec) {
    const command = commandOf(exec.command, `${path}.exec.command`, r) ?? [];
    const seconds = sleepSecondsOf(command);
    return { path, handler: 'exec', command, ...(seconds !== undefined ? { sleepSeconds: seconds } : {}) };
  }
  if (h.httpGet !== undefined) return { path, handler: 'httpGet' };
  if (h.tcpSocket !== undefined) return { path, handler: 'tcpSocket' };
  return { path, handler: 'none' };
}

function readService(base: Resource, r: FieldReader): Service {
  const spec = r.obj(base.raw.spec, 'spec') ?? {};
  const selectorMap = r.strMap(spec.selector, 'spec.selector');
  const ports: ServicePort[] = [];
  for (const { item, path: p } of r.objList(spec.ports, 'spec.ports')) {
    const port = r.int(item.port, `${p}.port`);
    if (port === undefined) continue;
    const name = r.str(item.name, `${p}.name`);
    const appProtocol = r.str(item.appProtocol, `${p}.appProtocol`);
    ports.push({
      ...(name ? { name } : {}),
      port,
      targetPort: r.intOrString(item.targetPort, `${p}.targetPort`) ?? port,
      protocol: r.str(item.protocol, `${p}.protocol`) ?? 'TCP',
      ...(appProtocol ? { appProtocol } : {}),
      path: p,
    });
  }
  return {
    ...base,
    ...(Object.keys(selectorMap).length > 0 ? { selector: selectorMap } : {}),
    type: r.str(spec.type, 'spec.type') ?? 'ClusterIP',
    ports,
    publishNotReadyAddresses: r.bool(spec.publishNotReadyAddresses, 'spec.publishNotReadyAddresses') ?? false,
  };
}

/** JSON with sorted keys: equal values serialize equally whatever their key order. */
export function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) =>
    typeof val === 'object' && val !== null && !Array.isArray(val)
      ? Object.fromEntries(Object.entries(val as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : val,
  );
}

/** Finds the container port a reference (number or port name) designates. */
export function findContainerPort(c: Container, ref: number | string): ContainerPort | undefined {
  if (typeof ref === 'number') return c.ports.find((p) => p.containerPort === ref);
  if (/^\d+$/.test(ref)) return c.ports.find((p) => p.containerPort === Number(ref));
  return c.ports.find((p) => p.name === ref);
}

/** Number of a port reference on a container, when it can be resolved. */
export function resolvePortNumber(c: Container, ref: number | string): number | undefined {
  if (typeof ref === 'number') return ref;
  if (/^\d+$/.test(ref)) return Number(ref);
  return findContainerPort(c, ref)?.containerPort;
}

/** Resolves an IntOrString of replicas (`25%` or `1`) against a total, rounding like the Deployment controller. */
export function scaledValue(v: number | string | undefined, total: number, roundUp: boolean): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v.trim());
  if (!m) return /^\d+$/.test(v.trim()) ? Number(v) : 0;
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}
