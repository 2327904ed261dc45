// One measured run in a fresh process, so that peak memory belongs to one mode:
//   floor: read the files and parse every document with js-yaml, nothing else
//   scan:  the whole offline scan (read, split, parse, normalize, graph, every rule)
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { scanPaths } from '../src/scan.ts';
import { defaultPolicy } from '../src/policy/policy.ts';

const [mode, dir] = process.argv.slice(2) as ['floor' | 'scan', string];
const start = performance.now();
let documents = 0;
let findings = 0;
if (mode === 'floor') {
  for (const f of readdirSync(dir).sort()) {
    yaml.loadAll(readFileSync(join(dir, f), 'utf8'), () => documents++);
  }
} else {
  const result = await scanPaths([dir], { policy: defaultPolicy(), namespace: 'default' });
  documents = result.resources;
  findings = result.findings.length;
  if (result.errors.length > 0 || result.failures.length > 0) throw new Error(`scan reported errors: ${JSON.stringify([...result.errors, ...result.failures].slice(0, 3))}`);
}
const ms = performance.now() - start;
process.stdout.write(JSON.stringify({ mode, ms, documents, findings, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
