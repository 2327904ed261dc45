// The offline scan: inputs → graph → findings. Shared by the CLI, the tests and the benchmark.

import { normalizeAll } from './loader/build.ts';
import { duplicatesNote, findDuplicates, viewsOf } from './loader/duplicates.ts';
import { ResourceGraph } from './engine/graph.ts';
import { readInputs } from './loader/inputs.ts';
import type { InputError } from './loader/documents.ts';
import { check, sortFindings, type CheckResult, type CheckedFinding, type RuleFailure, type Suppression } from './engine/run.ts';
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
  /** Things worth saying on stderr that are neither errors nor findings (objects given twice). */
  notes: string[];
}

export async function scanPaths(paths: readonly string[], options: ScanOptions): Promise<ScanResult> {
  const input = await readInputs(paths, options.stdin);
  const { models, errors } = normalizeAll(input.objects, options.namespace);
  const duplicates = findDuplicates(models);
  const result: CheckResult = { findings: [], suppressed: [], failures: [] };
  for (const view of viewsOf(models, duplicates)) {
    const graph = new ResourceGraph(view.members);
    const part = check(graph, view.checked, { rules: options.rules ?? RULES, policy: options.policy });
    result.findings.push(...part.findings);
    result.suppressed.push(...part.suppressed);
    result.failures.push(...part.failures);
  }
  const findings = options.partial ? result.findings.filter((f) => !f.missingReference) : result.findings;
  const note = duplicatesNote(duplicates);
  return {
    findings: sortFindings(findings),
    suppressed: result.suppressed,
    failures: result.failures,
    errors: [...input.errors, ...errors],
    resources: models.length,
    objects: models.map((o) => o.ref),
    files: input.files,
    notes: note ? [note] : [],
  };
}
