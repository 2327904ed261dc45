// The Dockerfile cannot be built here (no container engine), so this suite
// rebuilds its runtime stage by hand: the files it copies from the context
// exist and are not .dockerignored, the build stage's bundle is what the
// runtime stage copies out of it, `npm ci --omit=dev` is enough for the
// bundled code, and the assembled /app runs.
//
// The build goes to a temporary directory rather than dist/: bin/guard502.js
// prefers dist/ when it exists, and a stale dist/ in the checkout would shadow
// the sources for every other suite.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { REPO } from '../../scripts/deploy/helm.ts';

interface Instruction {
  stage: string;
  op: string;
  args: string;
}

function parseDockerfile(text: string): Instruction[] {
  const logical = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const out: Instruction[] = [];
  let stage = '';
  for (const line of logical) {
    const [op = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (op.toUpperCase() === 'FROM') stage = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? String(out.length);
    out.push({ stage, op: op.toUpperCase(), args });
  }
  return out;
}

/** Sources and destination of a COPY, with its --from stage if any. */
function copyArgs(args: string): { from?: string; sources: string[]; dest: string } {
  const words = args.split(/\s+/);
  const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
  const paths = words.filter((w) => !w.startsWith('--'));
  return { from, sources: paths.slice(0, -1), dest: paths[paths.length - 1] ?? '' };
}

function ignored(path: string, patterns: string[]): boolean {
  let result = false;
  for (const p of patterns) {
    const negate = p.startsWith('!');
    const pattern = negate ? p.slice(1) : p;
    const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/.*)?$`);
    if (re.test(path)) result = !negate;
  }
  return result;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(join(dir, f)).isFile());
}

const NODE = process.execPath;

describe('Dockerfile', function () {
  this.timeout(240_000);
  const dockerfile = readFileSync(join(REPO, 'Dockerfile'), 'utf8');
  const instructions = parseDockerfile(dockerfile);
  const dockerignore = readFileSync(join(REPO, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  let work: string;
  let app: string;

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'guard502-image-'));
    app = join(work, 'app');
  });
  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('builds on Node 24 LTS in two stages and runs node directly as a numeric non-root user', () => {
    const arg = instructions.find((i) => i.op === 'ARG' && i.args.startsWith('NODE_IMAGE='));
    assert.match(arg?.args ?? '', /^NODE_IMAGE=node:24[-.]/);
    const froms = instructions.filter((i) => i.op === 'FROM');
    assert.deepEqual(froms.map((f) => f.stage), ['build', 'runtime']);
    const runtime = instructions.filter((i) => i.stage === 'runtime');
    assert.ok(runtime.some((i) => i.op === 'RUN' && /npm ci --omit=dev/.test(i.args)), 'production dependencies only');
    const user = runtime.find((i) => i.op === 'USER')?.args ?? '';
    assert.match(user, /^[1-9]\d*(:\d+)?$/, 'numeric uid, so the kubelet can check runAsNonRoot');
    const entrypoint = JSON.parse(runtime.find((i) => i.op === 'ENTRYPOINT')?.args ?? 'null') as string[];
    assert.equal(entrypoint[0], 'node', 'exec form, node as PID 1: SIGTERM reaches the server');
    assert.deepEqual(JSON.parse(runtime.find((i) => i.op === 'CMD')?.args ?? 'null'), ['serve']);
    // The chart runs the image as this user.
    const values = readFileSync(join(REPO, 'deploy/helm/guard502/values.yaml'), 'utf8');
    assert.match(values, new RegExp(`runAsUser: ${user.split(':')[0]}\\b`));
  });

  it('copies only files that exist in the build context and are not .dockerignored', () => {
    const copies = instructions.filter((i) => i.op === 'COPY').map((i) => copyArgs(i.args)).filter((c) => !c.from);
    assert.ok(copies.length > 0);
    for (const c of copies) {
      for (const s of c.sources) {
        assert.ok(existsSync(join(REPO, s)), `COPY ${s}: missing from the repository`);
        assert.ok(!ignored(s, dockerignore), `COPY ${s}: excluded by .dockerignore`);
      }
    }
  });

  it('builds (npm run build) into exactly what the runtime stage copies from the build stage, every source module included', () => {
    const build = instructions.filter((i) => i.stage === 'build');
    const workdir = build.find((i) => i.op === 'WORKDIR')?.args ?? '';
    const step = build.filter((i) => i.op === 'RUN').map((i) => i.args).find((a) => a.includes('scripts/build.js'));
    assert.ok(step, 'the build stage runs the build script');
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    assert.equal(pkg.scripts.build, 'node scripts/build.js', 'the image builds like npm run build');
    assert.match(step, /^node scripts\/build\.js$/);
    // Same build, output in the assembled /app, with the bundler's account of what went in.
    const metafile = join(work, 'meta.json');
    const r = spawnSync(NODE, [join(REPO, 'scripts/build.js'), '--outdir', join(app, 'dist'), '--metafile', metafile], { cwd: REPO, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const fromBuild = instructions.filter((i) => i.op === 'COPY').map((i) => copyArgs(i.args)).filter((c) => c.from === 'build');
    assert.deepEqual(fromBuild.map((c) => c.sources.map((s) => relative(workdir, s))), [['dist']]);
    assert.ok(existsSync(join(app, 'dist/cli/entry.js')), 'bin/guard502.js imports dist/cli/entry.js');
    // Every source module bundled: one the CLI cannot reach (a module loaded by a computed path, say) would be missing from the image.
    const inputs = new Set(Object.keys((JSON.parse(readFileSync(metafile, 'utf8')) as { inputs: Record<string, unknown> }).inputs));
    const sources = filesUnder(join(REPO, 'src')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    assert.deepEqual(sources.filter((f) => !inputs.has(`src/${f}`)), [], 'source modules left out of the bundle');
  });

  it('needs nothing at run time beyond the production dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const bare = new Set<string>();
    for (const f of filesUnder(join(app, 'dist')).filter((x) => x.endsWith('.js'))) {
      const text = readFileSync(join(app, 'dist', f), 'utf8');
      for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
        const spec = m[1] ?? m[2] ?? '';
        if (spec.startsWith('.') || spec.startsWith('node:')) continue;
        bare.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0] ?? spec);
      }
    }
    for (const dep of bare) assert.ok(dep in pkg.dependencies, `dist imports ${dep}, which is not a production dependency`);
  });

  it('runs from the assembled image layout: npm ci --omit=dev, bin, crds, dist', function () {
    const runtime = instructions.filter((i) => i.stage === 'runtime');
    for (const c of runtime.filter((i) => i.op === 'COPY').map((i) => copyArgs(i.args)).filter((x) => !x.from)) {
      for (const s of c.sources) cpSync(join(REPO, s), join(app, c.dest === './' ? s : c.dest), { recursive: true });
    }
    const npm = spawnSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: app, encoding: 'utf8', env: { ...process.env, PATH: `${dirname(NODE)}:${process.env.PATH ?? ''}` } });
    if (npm.status !== 0 && /ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNREFUSED/.test(npm.stderr)) {
      console.log('    npm registry unreachable and packages not cached: image run check skipped');
      this.skip();
    }
    assert.equal(npm.status, 0, npm.stderr);
    assert.ok(!existsSync(join(app, 'node_modules/typescript')), 'no devDependencies in the image');
    assert.ok(!existsSync(join(app, 'src')), 'the image runs the bundled code');
    const run = (args: string[], input?: string) => spawnSync(NODE, [join(app, 'bin/guard502.js'), ...args], { cwd: app, encoding: 'utf8', input, env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production' } });
    const version = run(['--version']);
    assert.equal(version.status, 0, version.stderr);
    assert.match(version.stdout, /0\.\d+\.\d+|\d+\.\d+\.\d+/);
    // The policy loader reads ../../crds/guard502policy.yaml relative to its chunk in dist/cli/.
    const policyFile = join(work, 'policy.yaml');
    writeFileSync(policyFile, 'apiVersion: guard502.dev/v1alpha1\nkind: Guard502Policy\nmetadata: {name: default}\nspec:\n  actions: {error: deny}\n  rules:\n    service-target-port-mismatch: {action: warn}\n');
    const broken = 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{port: 80, targetPort: http}]\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: nginx, ports: [{name: web, containerPort: 80}]}]\n';
    const scan = run(['scan', '-', '-f', 'json', '--policy', policyFile], broken);
    assert.ok(scan.status === 0 || scan.status === 1, scan.stderr);
    assert.ok((JSON.parse(scan.stdout).findings as { rule: string }[]).some((f) => f.rule === 'service-target-port-mismatch'));
    writeFileSync(policyFile, 'apiVersion: guard502.dev/v1alpha1\nkind: Guard502Policy\nmetadata: {name: default}\nspec:\n  rules:\n    no-such-rule: {action: warn}\n');
    const typo = run(['scan', '-', '--policy', policyFile], broken);
    assert.equal(typo.status, 2);
    assert.match(typo.stderr, /spec\.rules\.no-such-rule: unknown rule ID/, 'validated against the CRD in /app/crds');
  });
});
