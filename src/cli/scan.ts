// `guard502 scan`: the offline face of the engine.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { formatInputError } from '../loader/documents.ts';
import { defaultPolicy, type Policy } from '../policy/policy.ts';
import { policyFromFile } from '../policy/load.ts';
import { renderJson } from '../report/json.ts';
import { renderJunit } from '../report/junit.ts';
import { renderSarif } from '../report/sarif.ts';
import { renderText } from '../report/text.ts';
import { RULES } from '../rules/index.ts';
import { scanPaths } from '../scan.ts';
import type { Severity } from '../engine/types.ts';
import { UsageError, type Io } from './io.ts';
import { version } from './version.ts';

export const SCAN_HELP = `Usage: guard502 scan [PATH ...|-] [options]

Scans Kubernetes manifests for configurations that make a gateway answer 502.
PATHs are files or directories (recursively *.yaml, *.yml, *.json); "-" reads
stdin, so "helm template . | guard502 scan -" and "kustomize build | guard502 scan -" work.
Without a PATH, the current directory is scanned.

Options:
  -f, --format text|json|sarif|junit   output format (default: text)
      --policy FILE                    a Guard502Policy (validated against crds/guard502policy.yaml)
      --fail-on error|warning|info|never
                                       exit 1 when a finding is at or above this severity (default: error)
  -n, --namespace NS                   namespace of documents that have none (default: default)
      --partial                        the inputs are not the whole application: do not report
                                       references to objects that are not among them
      --color / --no-color             force colour on or off (default: on for a terminal)
  -h, --help                           show this help

Exit status: 0 no finding at or above --fail-on, 1 there is one, 2 usage error or unreadable input.
`;

const FORMATS = ['text', 'json', 'sarif', 'junit'] as const;
const FAIL_ON = ['error', 'warning', 'info', 'never'] as const;
const RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1 };

export async function runScan(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: 'string', short: 'f', default: 'text' },
      policy: { type: 'string' },
      'fail-on': { type: 'string', default: 'error' },
      namespace: { type: 'string', short: 'n', default: 'default' },
      partial: { type: 'boolean', default: false },
      color: { type: 'boolean' },
      'no-color': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout.write(SCAN_HELP);
    return 0;
  }
  const format = values.format as (typeof FORMATS)[number];
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, not ${JSON.stringify(values.format)}`);
  const failOn = values['fail-on'] as (typeof FAIL_ON)[number];
  if (!FAIL_ON.includes(failOn)) throw new UsageError(`--fail-on must be one of ${FAIL_ON.join(', ')}, not ${JSON.stringify(values['fail-on'])}`);

  let policy: Policy = defaultPolicy();
  if (values.policy) {
    let text: string;
    try {
      text = await readFile(values.policy, 'utf8');
    } catch (err) {
      throw new UsageError(`${values.policy}: cannot read policy: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
    }
    const loaded = policyFromFile(text, values.policy);
    if (!loaded.policy) throw new UsageError(`invalid policy:\n  ${loaded.errors.join('\n  ')}`);
    policy = loaded.policy;
  }

  const result = await scanPaths(positionals.length > 0 ? positionals : ['.'], {
    policy,
    namespace: values.namespace as string,
    partial: values.partial as boolean,
    stdin: io.stdin,
  });

  const color = values['no-color'] ? false : (values.color ?? io.isTTY);
  switch (format) {
    case 'json':
      io.stdout.write(renderJson(result));
      break;
    case 'sarif':
      io.stdout.write(renderSarif(result, RULES.filter((r) => !r.live), version()));
      break;
    case 'junit':
      io.stdout.write(renderJunit(result, result.objects));
      break;
    default:
      io.stdout.write(renderText(result, { color }));
  }
  for (const n of result.notes) io.stderr.write(`guard502: ${n}\n`);
  for (const e of result.errors) io.stderr.write(`guard502: ${formatInputError(e)}\n`);
  for (const f of result.failures) io.stderr.write(`guard502: rule ${f.rule} could not check ${f.resource.kind}/${f.resource.name}: ${f.message}\n`);
  if (result.errors.length > 0 || result.failures.length > 0) return 2;
  if (failOn === 'never') return 0;
  return result.findings.some((f) => RANK[f.severity] >= RANK[failOn]) ? 1 : 0;
}
