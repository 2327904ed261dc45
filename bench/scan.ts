// Offline scan throughput against a parse-only floor measured in the same run.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateManifests } from './generate.ts';
import { median } from './stats.ts';
import { runtimeFlags } from './runtime.ts';

interface Run {
  mode: string;
  ms: number;
  documents: number;
  findings: number;
  maxRssBytes: number;
}

export interface ScanBenchResult {
  documents: number;
  runs: number;
  floor: { medianMs: number; docsPerSecond: number; peakRssMb: number };
  scan: { medianMs: number; docsPerSecond: number; peakRssMb: number; findings: number };
  ratio: number;
}

const worker = new URL('./scan-worker.ts', import.meta.url).pathname;

function once(mode: 'floor' | 'scan', dir: string): Run {
  return JSON.parse(execFileSync(process.execPath, [...runtimeFlags(), worker, mode, dir], { encoding: 'utf8', maxBuffer: 1 << 20 })) as Run;
}

export async function benchScan(opts: { apps?: number; runs?: number } = {}): Promise<ScanBenchResult> {
  const apps = opts.apps ?? 2400;
  const runs = opts.runs ?? 5;
  const dir = mkdtempSync(join(tmpdir(), 'guard502-bench-'));
  try {
    const documents = generateManifests(dir, apps);
    once('scan', dir); // warm the file cache
    const floor: Run[] = [];
    const scan: Run[] = [];
    for (let i = 0; i < runs; i++) {
      // Interleave so that machine noise hits both modes alike.
      floor.push(once('floor', dir));
      scan.push(once('scan', dir));
    }
    const f = median(floor.map((r) => r.ms));
    const s = median(scan.map((r) => r.ms));
    const mb = (runs: Run[]) => Math.round(Math.max(...runs.map((r) => r.maxRssBytes)) / 1e6);
    return {
      documents,
      runs,
      floor: { medianMs: Math.round(f), docsPerSecond: Math.round(documents / (f / 1000)), peakRssMb: mb(floor) },
      scan: { medianMs: Math.round(s), docsPerSecond: Math.round(documents / (s / 1000)), peakRssMb: mb(scan), findings: scan[0]?.findings ?? 0 },
      ratio: Math.round((s / f) * 100) / 100,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await benchScan(), null, 2));
}
