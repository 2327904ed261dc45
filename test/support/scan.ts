// Test helper: runs rules over YAML text exactly as the CLI does.
import { buildGraph } from '../../src/loader/build.ts';
import { parseStream } from '../../src/loader/documents.ts';
import { check, type CheckResult } from '../../src/engine/run.ts';
import { defaultPolicy, type Policy } from '../../src/policy/policy.ts';
import type { Rule } from '../../src/engine/rule.ts';
import type { ResourceGraph } from '../../src/engine/graph.ts';
import { RULES } from '../../src/rules/index.ts';
import { isClusterScoped } from '../../src/engine/kinds.ts';
import type { JsonObject } from '../../src/engine/types.ts';

export function graphOf(yamlText: string, file = 'fixture.yaml'): ResourceGraph {
  const parsed = parseStream(yamlText, file);
  const built = buildGraph(parsed.objects, 'default', { freeze: true });
  const errors = [...parsed.errors, ...built.errors];
  if (errors.length > 0) throw new Error(`fixture does not load: ${errors.map((e) => e.message).join('; ')}`);
  return built.graph;
}

/** The graph of `yaml` as a cluster holds it: every namespaced object with its namespace written. */
export function clusterGraphOf(yaml: string): ResourceGraph | undefined {
  const parsed = parseStream(yaml, 'input.yaml');
  if (parsed.errors.length > 0) return undefined;
  const objects = parsed.objects.map((o) => {
    const raw = structuredClone(o.raw);
    const meta = (raw.metadata ?? (raw.metadata = {})) as JsonObject;
    if (meta.namespace === undefined && !isClusterScoped(String(raw.kind))) meta.namespace = 'default';
    return { ...o, raw };
  });
  const built = buildGraph(objects, 'default');
  return built.errors.length > 0 ? undefined : built.graph;
}

export function scanYaml(
  yamlText: string,
  opts: { rules?: readonly Rule[]; policy?: Policy; params?: Record<string, Record<string, number | boolean | string>>; live?: boolean } = {},
): CheckResult {
  const graph = graphOf(yamlText);
  // A copy: the caller's policy is not changed, and a checked policy is never modified (run.ts derives from it once).
  const base = opts.policy ?? defaultPolicy();
  const policy: Policy = { ...base, rules: { ...base.rules } };
  for (const [id, parameters] of Object.entries(opts.params ?? {})) policy.rules[id] = { ...policy.rules[id], parameters };
  return check(graph, graph.all(), { rules: opts.rules ?? RULES, policy, ...(opts.live ? { live: true } : {}) });
}
