// guard502 as the container runs it: the sources bundled by `npm run build`
// (scripts/build.js), laid out like the image (/app/bin, /app/dist, /app/crds,
// package.json, node_modules), in a temporary folder so that the checkout's own
// `dist/` is never created or replaced. Benchmarks of long-running processes
// start this build, not the TypeScript sources, whose type stripping adds its
// own code and memory to every process.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface BuiltApp {
  /** The entry point to run with node: `<app>/bin/guard502.js`. */
  bin: string;
  remove(): void;
}

/** `checkout`: link src/ too, so that bin/guard502.js makes the freshness check a checkout makes. */
export function buildApp(opts: { checkout?: boolean } = {}): BuiltApp {
  const app = mkdtempSync(join(tmpdir(), 'guard502-app-'));
  execFileSync(process.execPath, [join(root, 'scripts/build.js'), '--outdir', join(app, 'dist')], { stdio: 'inherit' });
  mkdirSync(join(app, 'bin'));
  // Copied, not linked: the entry finds dist/ relative to its own path.
  copyFileSync(join(root, 'bin/guard502.js'), join(app, 'bin/guard502.js'));
  for (const shared of ['crds', 'node_modules', 'package.json', ...(opts.checkout ? ['src'] : [])]) symlinkSync(join(root, shared), join(app, shared));
  return { bin: join(app, 'bin/guard502.js'), remove: () => rmSync(app, { recursive: true, force: true }) };
}
