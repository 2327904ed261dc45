// The README's first command, run as a new user runs it: in a fresh copy of the
// repository (no node_modules, no dist/), `npm ci --silent && npx guard502 scan …`
// installs, builds and prints the findings, and nothing else.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO } from './support.ts';

/** The first line of the README's first shell block, without its trailing comment. */
function firstCommand(): string {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const block = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  return (block.split('\n')[0] ?? '').replace(/\s+#.*$/, '').trim();
}

describe("the README's first command", function () {
  this.timeout(300_000);
  let copy: string;

  before(() => {
    copy = mkdtempSync(join(tmpdir(), 'guard502-readme-'));
    // What a clone holds: tracked and new files, nothing ignored (node_modules, dist, caches).
    const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' }).split('\0').filter(Boolean);
    for (const f of files) {
      mkdirSync(dirname(join(copy, f)), { recursive: true });
      cpSync(join(REPO, f), join(copy, f), { dereference: false });
    }
  });
  after(() => rmSync(copy, { recursive: true, force: true }));

  it('installs, then prints the findings of the scan and nothing else', () => {
    const command = firstCommand();
    assert.match(command, /^npm ci\b.*&& npx guard502 scan \S+$/);
    // The user's shell: npm and npx are whatever the PATH has (the pinned Node comes with `npm ci`).
    const env: NodeJS.ProcessEnv = { ...process.env, npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' };
    for (const k of Object.keys(env)) if (k.startsWith('npm_') && !['npm_config_prefer_offline', 'npm_config_update_notifier', 'npm_config_cache'].includes(k)) delete env[k];
    const run = spawnSync('sh', ['-c', command], { cwd: copy, env, encoding: 'utf8', timeout: 280_000 });
    assert.equal(run.stderr, '');
    assert.equal(run.status, 1, 'the bundled broken example has errors: exit status 1');
    // Exactly what the scan prints when run directly: no npm banner, no install summary.
    const scan = /npx guard502 (scan .*)$/.exec(command)?.[1]?.split(' ') ?? [];
    const direct = spawnSync(process.execPath, [join(REPO, 'bin/guard502.js'), ...scan], { cwd: REPO, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' } });
    assert.equal(run.stdout, direct.stdout);
    assert.match(run.stdout, /^\d+ resources, \d+ errors, \d+ warnings, \d+ info$/m);
  });
});
