#!/usr/bin/env -S node --max-semi-space-size=16
// The flag: guard502 keeps a large graph alive and allocates many short-lived
// objects; a 16 MB young generation (instead of V8's default, which grows to
// 64 MB on large machines) is both faster and a third smaller in peak memory.
// The container's ENTRYPOINT and the benchmarks use the same flags (read from here).
//
// Runs the compiled CLI (dist/, built by `npm run build`, which `npm ci` runs as
// the `prepare` step, and shipped in the npm package and the container image),
// with Node's module compile cache so that a second start skips compiling too.
// In a checkout whose sources changed since the last build, the TypeScript
// sources run instead (Node 24 strips types): slower to start, never stale.
// Built-ins taken, not imported: an ES import of node:fs evaluates its `promises` and loads
// streams and readline that the CLI rarely needs (see src/builtins.ts).
const { existsSync, readdirSync, statSync } = process.getBuiltinModule('node:fs');
const module = process.getBuiltinModule('node:module');

const built = new URL('../dist/cli/entry.js', import.meta.url);
const sources = new URL('../src/', import.meta.url);

/** The newest modification time among a directory's files, recursively (about a hundred stat calls: under a millisecond). */
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = new URL(entry.name + (entry.isDirectory() ? '/' : ''), dir);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** dist/ is used when present and, in a checkout (src/ beside it), at least as new as every source file. */
function useBuilt() {
  if (!existsSync(built)) return false;
  if (!existsSync(sources)) return true;
  return statSync(built).mtimeMs >= newest(sources);
}

if (useBuilt()) {
  // Optional chaining: an older Node, which lacks it, then fails with its own clear message (or not at all).
  module.enableCompileCache?.();
  await import(built.href);
} else {
  await import(new URL('../src/cli/entry.ts', import.meta.url).href);
}
