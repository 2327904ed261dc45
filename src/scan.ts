// The offline scan: inputs → graph → findings. Shared by the CLI, the tests and the benchmark.

import { buildGraph } from './loader/build.ts';
import { readInputs } from './loader/inputs.ts';
import type { InputError } from './loader/documents.ts';
import { check, sortFindings, type CheckedFinding, type RuleFailure, type Suppression } from './engine/run.ts';
import type { Rule } from './engine/rule.ts';
import type { Policy } from './policy/policy.ts';
import type { ObjectRef } from './engine/types.ts';
import { RULES } from './rules/index.ts';

export interface ScanOptions {
  policy: Policy;
  namespace: string;
  /** The inputs are not the whole application: do not report references to absent objects. */
  partial?: boolean;
  rules?: readonly Rule[];
  stdin?: NodeJS.ReadableStream;
}

export interface ScanResult {
  findings: CheckedFinding[];
  suppressed: Suppression[];
  failures: RuleFailure[];
  errors: InputError[];
  resources: number;
  /** Every object read, for reports that list clean objects too. */
  objects: ObjectRef[];
  files: number;
}

export async function scanPaths(paths: readonly string[], options: ScanOptions): Promise<ScanResult> {
  const input = await readInputs(paths, options.stdin);
  const { graph, errors } = buildGraph(input.objects, options.namespace);
  const result = check(graph, graph.all(), { rules: options.rules ?? RULES, policy: options.policy });
  const findings = options.partial ? result.findings.filter((f) => !f.missingReference) : result.findings;
  return {
    findings: sortFindings(findings),
    suppressed: result.suppressed,
    failures: result.failures,
    errors: [...input.errors, ...errors],
    resources: graph.size,
    objects: [...graph.all()].map((o) => o.ref),
    files: input.files,
  };
}
