// Writes what is derived for the Helm chart: the chart's copy of the CRD
// (from crds/), the plain manifests in deploy/manifests/ (needs helm) and the
// configuration table in docs/install.md (from values.yaml's comments). `--check` writes nothing and
// fails when either is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHART, REPO, findHelm } from './deploy/helm.ts';
import { renderManifests } from './deploy/manifests.ts';
import { valuesTable, withValuesTable } from './deploy/values-doc.ts';

const check = process.argv.includes('--check');
const files = new Map<string, string>();

// The chart ships the CRD that `npm run generate` writes to crds/: one source of truth.
files.set('deploy/helm/guard502/crds/guard502policy.yaml', readFileSync(join(REPO, 'crds/guard502policy.yaml'), 'utf8'));

const installDoc = 'docs/install.md';
files.set(installDoc, withValuesTable(readFileSync(join(REPO, installDoc), 'utf8'), valuesTable(readFileSync(join(CHART, 'values.yaml'), 'utf8'))));

const helm = findHelm();
if (helm) {
  for (const [path, content] of renderManifests(helm)) files.set(path, content);
} else {
  console.error('helm not found ($HELM, the control-plane cache, or PATH): deploy/manifests/ not rendered (npm run control-plane builds it)');
  process.exitCode = 1;
}

let stale = 0;
for (const [path, content] of files) {
  let current: string | undefined;
  try {
    current = readFileSync(join(REPO, path), 'utf8');
  } catch {
    current = undefined;
  }
  if (current === content) continue;
  if (check) {
    console.error(`out of date: ${path} (run: node scripts/render-manifests.ts)`);
    stale++;
  } else {
    writeFileSync(join(REPO, path), content);
    console.log(`wrote ${path}`);
  }
}
if (stale > 0) process.exitCode = 1;
