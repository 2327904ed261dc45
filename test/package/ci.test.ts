// The CI and Git-hook integrations: the GitHub Action's scan step, run as the
// runner runs it (bash, its inputs in the environment), and the pre-commit hook's
// definition against the package it installs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import yaml from 'js-yaml';
import { REPO } from './support.ts';

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
}

describe('GitHub Action and pre-commit hook', function () {
  // Each scan step starts the CLI twice (SARIF, then text): seconds on a busy machine.
  this.timeout(60_000);
  const action = yaml.load(readFileSync(join(REPO, 'action.yml'), 'utf8')) as { inputs: Record<string, { default?: string }>; runs: { using: string; steps: Step[] } };
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'guard502-action-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The action's scan step, with these inputs (the others at their defaults), as the runner would run it. */
  function scanStep(inputs: Record<string, string>) {
    const step = action.runs.steps.find((s) => s.id === 'scan');
    assert.ok(step?.run);
    const value = (name: string) => inputs[name] ?? action.inputs[name]?.default ?? '';
    const env = {
      PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`,
      GITHUB_ACTION_PATH: REPO,
      GITHUB_OUTPUT: join(dir, 'output'),
      GUARD502_PATHS: value('paths'),
      GUARD502_FAIL_ON: value('fail-on'),
      GUARD502_POLICY: value('policy'),
      GUARD502_ARGS: value('args'),
      GUARD502_SARIF: join(dir, value('sarif-file')),
    };
    rmSync(env.GITHUB_OUTPUT, { force: true });
    const r = spawnSync('bash', ['-e', '-c', step.run], { cwd: REPO, env, encoding: 'utf8' });
    const output = (() => {
      try {
        return readFileSync(env.GITHUB_OUTPUT, 'utf8');
      } catch {
        return '';
      }
    })();
    return { ...r, output, sarif: env.GUARD502_SARIF };
  }

  it('is a composite action that installs, scans and uploads SARIF', () => {
    assert.equal(action.runs.using, 'composite');
    const uses = action.runs.steps.map((s) => s.uses ?? s.name);
    assert.deepEqual(uses, ['actions/setup-node@v4', 'Install guard502', 'Scan', 'github/codeql-action/upload-sarif@v3', 'Verdict']);
  });

  it('writes the SARIF report and hands the verdict on: findings at or above fail-on fail the job', () => {
    const r = scanStep({ paths: 'examples/shop/broken/storefront.yaml examples/shop/broken/checkout.yaml' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /service-target-port-mismatch/);
    assert.equal(r.output.trim(), 'status=1');
    const sarif = JSON.parse(readFileSync(r.sarif, 'utf8')) as { runs: Array<{ results: unknown[] }> };
    assert.ok((sarif.runs[0]?.results.length ?? 0) > 0);
    assert.equal(scanStep({ paths: 'examples/shop/broken', 'fail-on': 'never' }).output.trim(), 'status=0');
  });

  it('fails at once on a usage error or unreadable input, before any verdict', () => {
    const r = scanStep({ paths: 'examples/shop/broken', args: '--partial --no-such-option' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /no-such-option/);
    assert.equal(r.output, '');
  });

  it('the pre-commit hook runs the package bin on manifests, not on chart or CI inputs', () => {
    const [hook] = yaml.load(readFileSync(join(REPO, '.pre-commit-hooks.yaml'), 'utf8')) as Array<{ id: string; entry: string; language: string; files: string; exclude: string }>;
    assert.ok(hook);
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    assert.equal(hook.language, 'node');
    assert.ok(pkg.bin[hook.entry.split(' ')[0] as string], `${hook.entry}: not a bin of the package`);
    const picked = (path: string) => new RegExp(hook.files).test(path) && !new RegExp(hook.exclude).test(path);
    for (const p of ['k8s/web.yaml', 'deploy/app.yml', 'manifests/list.json']) assert.ok(picked(p), p);
    for (const p of ['charts/shop/values.yaml', 'charts/shop/values-prod.yaml', 'charts/shop/Chart.yaml', 'overlays/prod/kustomization.yaml', '.github/workflows/ci.yml', '.pre-commit-config.yaml', 'README.md']) {
      assert.ok(!picked(p), p);
    }
  });
});
