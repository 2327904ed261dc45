// Writes the files derived from the rule catalogue: the Guard502Policy CRD and
// one documentation page per rule. `--check` fails when they are out of date.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { generatedFiles } from '../src/docs/generate.ts';

const check = process.argv.includes('--check');
let stale = 0;
for (const [path, content] of generatedFiles()) {
  const url = new URL(`../${path}`, import.meta.url);
  let current: string | undefined;
  try {
    current = readFileSync(url, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === content) continue;
  if (check) {
    console.error(`out of date: ${path} (run: npm run generate)`);
    stale++;
  } else {
    mkdirSync(new URL('.', url), { recursive: true });
    writeFileSync(url, content);
    console.log(`wrote ${path}`);
  }
}
process.exitCode = stale > 0 ? 1 : 0;
