import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** npm's own script, to run it with the pinned Node rather than the system's (npm scripts set npm_execpath). */
export function npmCli(): string {
  const fromScript = process.env.npm_execpath;
  if (fromScript && /npm-cli\.js$/.test(fromScript)) return fromScript;
  return realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim()).replace(/bin\/npm$/, 'bin/npm-cli.js');
}
