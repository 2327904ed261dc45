#!/usr/bin/env -S node --max-semi-space-size=16
// The flag: guard502 keeps a large graph alive and allocates many short-lived
// objects; a 16 MB young generation (instead of V8's default, which grows to
// 64 MB on large machines) is both faster and a third smaller in peak memory.
// The container's ENTRYPOINT and the benchmarks use the same flags (read from here).
// Runs the compiled CLI when built (npm run build, the container image), or the
// TypeScript sources directly (Node 24 strips types) in a checkout.
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli/entry.js', import.meta.url);
await import(existsSync(built) ? built.href : new URL('../src/cli/entry.ts', import.meta.url).href);
