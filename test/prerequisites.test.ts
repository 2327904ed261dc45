// End-to-end suites never skip silently in CI: a missing control plane or helm
// fails the run there, and is a one-line skip elsewhere.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingPrerequisite } from './support/prerequisite.ts';

const BUILD = new URL('./control-plane/build', import.meta.url).pathname;

/** The build script on a machine without Go and without KUBEBUILDER_ASSETS. */
function buildWithoutGo(ci: boolean) {
  const env: NodeJS.ProcessEnv = { PATH: '/usr/bin:/bin', HOME: mkdtempSync(join(tmpdir(), 'guard502-nogo-')) };
  if (ci) env.CI = 'true';
  return spawnSync('bash', [BUILD], { env, encoding: 'utf8' });
}

describe('missing end-to-end prerequisites', () => {
  before(function () {
    if (spawnSync('bash', ['-c', 'PATH=/usr/bin:/bin command -v go']).status === 0) this.skip(); // Go is installed system-wide: cannot hide it
  });

  it('the control-plane build fails in CI when it cannot build, naming why', () => {
    const r = buildWithoutGo(true);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /Go not found.*CI=true, so this is an error/);
  });

  it('outside CI it says the suites will be skipped, and succeeds', () => {
    const r = buildWithoutGo(false);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /end-to-end suites will be skipped/);
  });
});

describe('missingPrerequisite', () => {
  const ci = process.env.CI;
  afterEach(() => {
    if (ci === undefined) delete process.env.CI;
    else process.env.CI = ci;
  });

  it('fails the suite in CI', () => {
    process.env.CI = 'true';
    const ctx = { skip: () => assert.fail('skipped in CI') } as unknown as Mocha.Context;
    assert.throws(() => missingPrerequisite(ctx, 'helm not found'), /helm not found: CI=true, so the end-to-end suites must run/);
  });

  it('skips it elsewhere', () => {
    delete process.env.CI;
    let skipped = false;
    const ctx = { skip: () => { skipped = true; throw new Error('skip'); } } as unknown as Mocha.Context;
    assert.throws(() => missingPrerequisite(ctx, 'helm not found (test)'), /skip/);
    assert.ok(skipped);
  });
});
