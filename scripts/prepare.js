// `prepare`: builds the CLI into dist/ (scripts/build.js). npm runs it after `npm ci` or `npm install`
// in a checkout, before `npm pack`, and when the package is installed from git.
// Plain JavaScript: in the last case the system's Node may run it.
//
// A global install from git (what the pre-commit framework does) prepares the
// clone with `npm install`, but npm passes --global on to that install, so the
// devDependencies are not there: they are installed here, locally and without
// scripts, before building. (The built code is needed: Node does not strip
// types from files under node_modules, where an installed package lives.)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = (args) => spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env, npm_config_global: 'false' } }).status ?? 1;
const bundler = `${root}node_modules/esbuild/package.json`;

if (!existsSync(bundler)) {
  if (/\bdev\b/.test(process.env.npm_config_omit ?? '')) {
    // `npm ci --omit=dev` in a checkout: no build wanted; bin/guard502.js runs the sources.
    process.exit(0);
  }
  const npm = process.env.npm_execpath;
  if (!npm || run([npm, 'install', '--global=false', '--include=dev', '--ignore-scripts', '--no-save', '--no-audit', '--no-fund']) !== 0) {
    console.error('guard502: cannot install the bundler (esbuild) to build dist/');
    process.exit(1);
  }
}
process.exitCode = run([`${root}scripts/build.js`]);
