// `npm run bench`: every benchmark, each beside a floor measured in the same run.
// Prints a markdown report (also written to bench/out/latest.md).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { benchScan } from './scan.ts';
import { benchStartReport } from './start.ts';

const only = process.argv.slice(2);
const want = (name: string) => only.length === 0 || only.includes(name);
const sections: string[] = [
  `# guard502 benchmarks`,
  '',
  `${new Date().toISOString()} · Node ${process.version} · ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'} · ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
  '',
];

if (want('scan')) {
  const r = await benchScan();
  sections.push(
    `## Offline scan (${r.documents} documents, median of ${r.runs} runs, fresh process each)`,
    '',
    '| | median time | documents/s | peak RSS |',
    '|---|---|---|---|',
    `| parse-only floor (js-yaml) | ${r.floor.medianMs} ms | ${r.floor.docsPerSecond} | ${r.floor.peakRssMb} MB |`,
    `| guard502 scan (all rules, ${r.scan.findings} findings) | ${r.scan.medianMs} ms | ${r.scan.docsPerSecond} | ${r.scan.peakRssMb} MB |`,
    '',
    `Scan / floor: **${r.ratio}×** (target ≤ 3×).`,
    '',
  );
}

if (want('start')) sections.push(benchStartReport(), '');

// The webhook and controller benchmarks live beside their modules' code.
for (const [name, file, fn] of [
  ['webhook', './webhook.ts', 'benchWebhookReport'],
  ['controller', './controller.ts', 'benchControllerReport'],
  ['scan-cluster', './scan-cluster.ts', 'benchScanClusterReport'],
] as const) {
  if (!want(name) || !existsSync(new URL(file, import.meta.url))) continue;
  const mod = (await import(file)) as Record<string, () => Promise<string>>;
  const report = mod[fn];
  if (typeof report === 'function') sections.push(await report(), '');
}

const text = sections.join('\n');
console.log(text);
const out = new URL('./out/', import.meta.url);
mkdirSync(out, { recursive: true });
writeFileSync(new URL('latest.md', out), text);
