// `npm run build`: bundles the CLI (and the servers it starts) into dist/cli/.
// Plain JavaScript: the `prepare` step may run it on the system's Node.
//
// Why a bundle rather than one output file per source file: a scan of one small
// file spends most of its time loading modules, not judging them. About seventy
// ES modules cost Node some 50 ms of resolving, reading and linking; a handful of
// bundled chunks cost a few. Code the scan does not need (the webhook, the
// controller, the cluster client) stays behind dynamic imports, which become
// chunks of their own that only `serve` and `scan --cluster` load.
//
// Every chunk lands in dist/cli/, two levels below the package root, the depth
// of the sources in src/<dir>/: modules that find package files relative to
// themselves (package.json for the version, crds/ for the policy schema) then
// resolve them alike from the sources and from the bundle.
//
// Dependencies stay external: they are installed beside the package (the npm
// package's dependencies, the image's `npm ci --omit=dev`).
//
//   node scripts/build.js [--outdir DIR] [--metafile FILE]
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { outdir: { type: 'string' }, metafile: { type: 'string' } } });
const dist = values.outdir ?? join(root, 'dist');

// A clean output: chunk names carry content hashes, and a stale chunk must not ship.
rmSync(dist, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { entry: 'src/cli/entry.ts' },
  outdir: join(dist, 'cli'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  packages: 'external',
  sourcemap: true,
  legalComments: 'none',
  metafile: values.metafile !== undefined,
  logLevel: 'warning',
});
if (values.metafile !== undefined && result.metafile) writeFileSync(values.metafile, JSON.stringify(result.metafile));
