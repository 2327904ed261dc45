// How the CLI starts: bin/guard502.js runs the compiled code when it is current,
// the TypeScript sources when they changed since the build; and the Node that
// runs the code (the `node` devDependency) satisfies every installed package's
// `engines`, the check .npmrc keeps npm from making against the system's Node.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { npmCli, REPO } from './support.ts';

describe('guard502 start-up', () => {
  let dir: string;
  const run = () => spawnSync(process.execPath, [join(dir, 'bin/guard502.js')], { encoding: 'utf8' });
  const at = (path: string, seconds: number) => utimesSync(join(dir, path), seconds, seconds);

  beforeEach(() => {
    // A checkout in miniature: the real entry point, a compiled and a source CLI that say which they are.
    dir = mkdtempSync(join(tmpdir(), 'guard502-bin-'));
    for (const d of ['bin', 'dist/cli', 'src/cli', 'src/rules']) mkdirSync(join(dir, d), { recursive: true });
    copyFileSync(join(REPO, 'bin/guard502.js'), join(dir, 'bin/guard502.js'));
    writeFileSync(join(dir, 'package.json'), '{"type": "module"}');
    writeFileSync(join(dir, 'dist/cli/entry.js'), "console.log('compiled');");
    writeFileSync(join(dir, 'src/cli/entry.ts'), "console.log('sources');");
    writeFileSync(join(dir, 'src/rules/some-rule.ts'), '');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the compiled CLI when it is newer than every source file', () => {
    at('src/cli/entry.ts', 1000);
    at('src/rules/some-rule.ts', 1000);
    at('dist/cli/entry.js', 2000);
    assert.equal(run().stdout, 'compiled\n');
  });

  it('runs the sources when one of them changed after the build, however deep', () => {
    at('src/cli/entry.ts', 1000);
    at('dist/cli/entry.js', 2000);
    at('src/rules/some-rule.ts', 3000);
    assert.equal(run().stdout, 'sources\n');
  });

  it('runs the sources when nothing is built', () => {
    rmSync(join(dir, 'dist'), { recursive: true });
    assert.equal(run().stdout, 'sources\n');
  });

  it('runs the compiled CLI where there are no sources (the npm package, the image)', () => {
    rmSync(join(dir, 'src'), { recursive: true });
    assert.equal(run().stdout, 'compiled\n');
  });

  it('the pinned Node satisfies the engines of every package installed', function () {
    this.timeout(60_000);
    // npm run by the pinned Node checks engines against it; --engine-strict turns a mismatch into an error.
    const r = spawnSync(process.execPath, [npmCli(), 'install', '--dry-run', '--engine-strict', '--ignore-scripts', '--offline', '--loglevel=error'], { cwd: REPO, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /EBADENGINE|notsup/);
  });
});
