// The npm package: `npm pack` holds what `npx guard502` needs and nothing of the
// development tree, and the packed tarball, installed into an empty directory (its
// dependencies from the npm cache `npm ci` filled, the registry otherwise), scans.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { npmCli, REPO } from './support.ts';

/** npm run by the pinned Node; its scripts and bins then find that Node first on the PATH. */
function npm(args: string[], cwd: string) {
  const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`, npm_config_update_notifier: 'false' };
  return spawnSync(process.execPath, [npmCli(), ...args], { cwd, env, encoding: 'utf8', timeout: 240_000 });
}

describe('npm package', function () {
  this.timeout(300_000);
  let dir: string;
  let files: string[];
  let tarball: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'guard502-pack-'));
    // A real pack: its `prepare` builds dist/ first, as for a publish.
    const r = npm(['pack', '--json', '--pack-destination', dir], REPO);
    assert.equal(r.status, 0, r.stderr);
    const [packed] = JSON.parse(r.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    assert.ok(packed);
    files = packed.files.map((f) => f.path);
    tarball = join(dir, packed.filename);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('holds the entry point, the bundled code and the CRD the policy loader reads', () => {
    for (const f of ['package.json', 'README.md', 'bin/guard502.js', 'dist/cli/entry.js', 'crds/guard502policy.yaml']) {
      assert.ok(files.includes(f), `${f} is not in the package`);
    }
    // Every chunk the build wrote (the entry imports some at once, the servers and the cluster scan lazily) is shipped.
    const chunks = files.filter((f) => f.startsWith('dist/cli/') && f.endsWith('.js')).sort();
    const built = readdirSync(join(REPO, 'dist/cli')).filter((f) => f.endsWith('.js')).map((f) => `dist/cli/${f}`).sort();
    assert.deepEqual(chunks, built);
    assert.ok(chunks.length > 1);
  });

  it('holds nothing of the development tree: no sources, tests, benchmarks or source maps', () => {
    const stray = files.filter((f) => /^(src|test|bench|scripts|docs|deploy|examples|node_modules)\//.test(f) || f.endsWith('.map') || f.endsWith('.ts'));
    assert.deepEqual(stray, []);
  });

  it('installed from the tarball into an empty directory, `npx guard502 scan` prints the findings and nothing else', () => {
    // An empty project of its own: npm installs into the nearest directory with a package.json.
    const project = join(dir, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), '{"name": "project", "private": true}\n');
    const install = npm(['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], project);
    assert.equal(install.status, 0, install.stderr);
    const scan = npm(['exec', '--', 'guard502', 'scan', join(REPO, 'examples/shop/broken/storefront.yaml')], project);
    assert.equal(scan.status, 1, scan.stderr);
    assert.equal(scan.stderr, '');
    assert.match(scan.stdout, /error {3}service-target-port-mismatch \[unreachable\] spec\.ports\[0\]\.targetPort/);
    assert.match(scan.stdout, /^\d+ resources, \d+ errors, \d+ warnings, \d+ info$/m);
    // The policy loader finds its schema in the package, and the bundled code is what runs (no sources shipped).
    const policy = npm(['exec', '--', 'guard502', 'scan', '--policy', join(REPO, 'examples/shop/broken/storefront.yaml'), join(REPO, 'examples/shop/broken/storefront.yaml')], project);
    assert.equal(policy.status, 2);
    assert.match(policy.stderr, /invalid policy/);
  });
});
