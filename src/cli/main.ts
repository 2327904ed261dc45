// guard502 command line: dispatches to the faces of the engine.
import { RULES, ruleById } from '../rules/index.ts';
import { UsageError, type Io } from './io.ts';
import { runScan } from './scan.ts';
import { version } from './version.ts';

export const HELP = `guard502 — stops the Kubernetes deploys that cause 502 Bad Gateway

Usage:
  guard502 scan [PATH ...|-] [options]   scan manifests offline (see: guard502 scan --help)
  guard502 scan --cluster [-n NS | -A]   scan the objects of a live cluster, read-only
  guard502 rules [--format json]         list the rule catalogue
  guard502 explain RULE                  explain a rule: what, why it ends in a 502, fix, how to silence
  guard502 webhook [options]             run the validating (and mutating) admission webhook
  guard502 controller [options]          run the controller that annotates objects in a cluster
  guard502 serve [options]               run webhook and controller in one process (the container's default)
  guard502 --version                     print the version

Exit status: 0 clean, 1 findings at or above --fail-on, 2 usage error or unreadable input.
Rule pages: docs/rules/ (or guard502 explain RULE).
`;

function listRules(argv: string[], io: Io): number {
  const json = argv.includes('--format=json') || (argv.includes('--format') && argv[argv.indexOf('--format') + 1] === 'json') || argv.includes('json');
  if (json) {
    io.stdout.write(`${JSON.stringify(RULES.map((r) => ({ id: r.id, title: r.title, shape: r.shape, severity: r.severity, live: r.live ?? false, params: r.params })), null, 2)}\n`);
    return 0;
  }
  const width = Math.max(...RULES.map((r) => r.id.length));
  for (const r of RULES) io.stdout.write(`${r.id.padEnd(width)}  ${r.shape.padEnd(11)}  ${r.severity.padEnd(7)}  ${r.title}${r.live ? ' (live)' : ''}\n`);
  return 0;
}

async function explain(argv: string[], io: Io): Promise<number> {
  const id = argv[0];
  if (!id) throw new UsageError('explain needs a rule ID (guard502 rules lists them)');
  const rule = ruleById(id);
  if (!rule) {
    const contains = RULES.filter((r) => r.id.includes(id)).map((r) => r.id);
    const near = contains.length > 0 ? contains : RULES.filter((r) => id.startsWith(`${r.id.split('-')[0] as string}-`)).map((r) => r.id);
    throw new UsageError(`unknown rule ${JSON.stringify(id)}${near.length ? ` (did you mean ${near.slice(0, 3).join(', ')}?)` : ''}; guard502 rules lists them`);
  }
  // The page generator loads only here: the scan, which starts far more often, does not need it.
  const { rulePage } = await import('../docs/generate.ts');
  io.stdout.write(rulePage(rule));
  return 0;
}

/** Server commands live in their own modules and load only when asked for. */
async function server(command: 'webhook' | 'controller' | 'serve', argv: string[], io: Io): Promise<number> {
  const mod = (await import('./servers.ts')) as { runServerCommand(c: string, a: string[], io: Io): Promise<number> };
  return mod.runServerCommand(command, argv, io);
}

export async function main(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'scan':
        return await runScan(rest, io);
      case 'rules':
        return listRules(rest, io);
      case 'explain':
        return await explain(rest, io);
      case 'webhook':
      case 'controller':
      case 'serve':
        return await server(command, rest, io);
      case '--version':
      case '-v':
      case 'version':
        io.stdout.write(`guard502 ${version()}\n`);
        return 0;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        io.stdout.write(HELP);
        return 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}; guard502 --help lists the commands`);
    }
  } catch (err) {
    // parseArgs reports unknown options and missing values with a code: treat them as usage errors.
    const code = (err as { code?: string }).code;
    if (err instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
      io.stderr.write(`guard502: ${(err as Error).message}\n`);
      return 2;
    }
    io.stderr.write(`guard502: internal error: ${(err as Error).message ?? String(err)}\n`);
    if (process.env.GUARD502_DEBUG) io.stderr.write(`${(err as Error).stack ?? ''}\n`);
    return 2;
  }
}
