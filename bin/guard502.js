#!/usr/bin/env node
// Runs the compiled CLI when built (npm run build, the container image), or the
// TypeScript sources directly (Node 24 strips types) in a checkout.
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli/entry.js', import.meta.url);
await import(existsSync(built) ? built.href : new URL('../src/cli/entry.ts', import.meta.url).href);
