// `guard502 scan`: the offline face of the engine.
import { fs, util } from '../builtins.ts';
import { formatInputError } from '../loader/documents.ts';
import { defaultPolicy, type Policy } from '../policy/policy.ts';
import { renderText } from '../report/text.ts';
import { RULES } from '../rules/index.ts';
import { scanPaths, type ScanResult } from '../scan.ts';
import type { Severity } from '../engine/types.ts';
import { UsageError, type Io } from './io.ts';

export const SCAN_HELP = `Usage: guard502 scan [PATH ...|-] [options]
       guard502 scan --cluster [--context NAME] [-n NS | -A] [options]

Scans Kubernetes manifests for configurations that make a gateway answer 502.
PATHs are files or directories (recursively *.yaml, *.yml, *.json); "-" reads
stdin, so "helm template . | guard502 scan -" and "kustomize build | guard502 scan -" work.
Without a PATH, the current directory is scanned.

With --cluster, the live objects are read (never written) through the kubeconfig, as
kubectl reads it, and judged by every rule, including those about live state
(endpoints, stuck rollouts), under the cluster's Guard502Policies (or --policy).

Cluster:
      --cluster                        scan the live cluster instead of files
      --context NAME                   kubeconfig context (default: the current one)
      --kubeconfig FILE                kubeconfig file (default: $KUBECONFIG, ~/.kube/config)
  -n, --namespace NS                   only this namespace
  -A, --all-namespaces                 every namespace (the default with --cluster)

Options:
  -f, --format text|json|sarif|junit   output format (default: text)
      --policy FILE                    a Guard502Policy (validated against crds/guard502policy.yaml)
      --fail-on error|warning|info|never
                                       exit 1 when a finding is at or above this severity (default: error)
  -n, --namespace NS                   files: namespace of documents that have none (default: default)
      --partial                        the inputs are not the whole application: do not report
                                       references to objects that are not among them
      --color / --no-color             force colour on or off (default: on for a terminal)
  -h, --help                           show this help

Exit status: 0 no finding at or above --fail-on, 1 there is one, 2 usage error or unreadable input.
`;

const { parseArgs } = util;

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
      namespace: { type: 'string', short: 'n' },
      cluster: { type: 'boolean', default: false },
      context: { type: 'string' },
      kubeconfig: { type: 'string' },
      'all-namespaces': { type: 'boolean', short: 'A', default: false },
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
      text = fs.readFileSync(values.policy, 'utf8');
    } catch (err) {
      throw new UsageError(`${values.policy}: cannot read policy: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
    }
    // Loaded only when asked for: the schema validator is a third of the CLI's start-up.
    const { policyFromFile } = await import('../policy/load.ts');
    const loaded = policyFromFile(text, values.policy);
    if (!loaded.policy) throw new UsageError(`invalid policy:\n  ${loaded.errors.join('\n  ')}`);
    policy = loaded.policy;
  }

  let result: ScanResult;
  if (values.cluster) {
    if (positionals.length > 0) throw new UsageError(`--cluster reads the cluster, not files: drop ${positionals.map((p) => JSON.stringify(p)).join(' ')}`);
    if (values.namespace !== undefined && values['all-namespaces']) throw new UsageError('-n/--namespace and -A/--all-namespaces exclude each other');
    result = await scanLiveCluster(values, values.policy ? policy : undefined);
  } else {
    for (const o of ['context', 'kubeconfig', 'all-namespaces'] as const) if (values[o]) throw new UsageError(`--${o} applies to --cluster`);
    result = await scanPaths(positionals.length > 0 ? positionals : ['.'], {
      policy,
      namespace: values.namespace ?? 'default',
      partial: values.partial as boolean,
      // Only when read: io.stdin makes the stream (see entry.ts).
      ...(positionals.includes('-') ? { stdin: io.stdin } : {}),
    });
  }

  const color = values['no-color'] ? false : (values.color ?? io.isTTY);
  // The machine formats load only when asked for: a terminal run needs the text report alone.
  switch (format) {
    case 'json':
      io.stdout.write((await import('../report/json.ts')).renderJson(result));
      break;
    case 'sarif':
      // Live rules judge only the cluster: offline they never fire, so they are not listed there.
      io.stdout.write((await import('../report/sarif.ts')).renderSarif(result, values.cluster ? RULES : RULES.filter((r) => !r.live), (await import('./version.ts')).version()));
      break;
    case 'junit':
      io.stdout.write((await import('../report/junit.ts')).renderJunit(result, result.objects));
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

/** The cluster face of the scan: its modules (HTTP client, kubeconfig) load only here. */
async function scanLiveCluster(values: { context?: string; kubeconfig?: string; namespace?: string; partial?: boolean }, policy: Policy | undefined): Promise<ScanResult> {
  const [{ KubeClient }, { loadConnection }, { scanCluster, ClusterReadError }] = await Promise.all([
    import('../cluster/client.ts'),
    import('../cluster/kubeconfig.ts'),
    import('../cluster/scan.ts'),
  ]);
  let client: InstanceType<typeof KubeClient>;
  try {
    client = new KubeClient(loadConnection(values.kubeconfig, process.env, values.context));
  } catch (err) {
    throw new UsageError(`cannot load the kubeconfig: ${(err as Error).message}`);
  }
  const server = client.config.getCurrentCluster()?.server ?? 'the API server';
  try {
    return await scanCluster(client, { ...(values.namespace ? { namespace: values.namespace } : {}), ...(policy ? { policy } : {}), partial: values.partial ?? false });
  } catch (err) {
    // Refused, unreachable, or an answer that is not the API: the input could not be read (exit 2).
    throw new UsageError(err instanceof ClusterReadError ? `${server}: ${err.message}` : `cannot read the cluster at ${server}: ${(err as Error).message}`);
  } finally {
    client.close();
  }
}
