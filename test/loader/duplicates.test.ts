// The same object twice in one input: every copy is judged, references resolve to
// the nearest copy, one note names them, and files are read in kubectl's order.
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.ts';
import { readInputs } from '../../src/loader/inputs.ts';

const service = (targetPort: string) => `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: ${targetPort}}]
`;
const deployment = (port: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - {name: app, image: app, ports: [{name: ${port}, containerPort: 8080}]}
`;

interface JsonFinding { rule: string; severity: string; resource: { kind: string; name: string }; source: { file: string }; message: string }

async function scanJson(args: string[]): Promise<{ findings: JsonFinding[]; stderr: string; resources: number }> {
  const r = await runCli(['scan', '-f', 'json', '--fail-on', 'never', ...args]);
  const out = JSON.parse(r.stdout);
  return { findings: out.findings, stderr: r.stderr, resources: out.summary.resources };
}

describe('duplicate objects in one input', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'guard502-dup-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('judges a broken and a fixed copy side by side, each against the copies of its own directory', async () => {
    mkdirSync(join(dir, 'broken'));
    mkdirSync(join(dir, 'fixed'));
    writeFileSync(join(dir, 'broken', 'service.yaml'), service('web'));
    writeFileSync(join(dir, 'broken', 'deployment.yaml'), deployment('http'));
    writeFileSync(join(dir, 'fixed', 'service.yaml'), service('http'));
    writeFileSync(join(dir, 'fixed', 'deployment.yaml'), deployment('http'));
    const r = await scanJson([dir]);
    const mismatches = r.findings.filter((f) => f.rule === 'service-target-port-mismatch');
    assert.deepEqual(mismatches.map((f) => [f.severity, f.source.file]), [['error', join(dir, 'broken', 'service.yaml')]]);
    assert.equal(r.resources, 4, 'every document counts');
    const notes = r.stderr.split('\n').filter((l) => l.includes('more than once'));
    assert.equal(notes.length, 1, r.stderr);
    assert.match(notes[0]!, /2 objects appear more than once in the input: Deployment default\/web \(.*broken\/deployment\.yaml:1, .*fixed\/deployment\.yaml:1\); Service default\/web \(.*broken\/service\.yaml:1, .*fixed\/service\.yaml:1\)\. Each copy is checked/);
  });

  it('resolves to the copy in the same file before the one in the same directory', async () => {
    writeFileSync(join(dir, 'a.yaml'), `${service('web')}---\n${deployment('web')}`);
    writeFileSync(join(dir, 'b.yaml'), deployment('other'));
    const r = await scanJson([dir]);
    const mismatches = r.findings.filter((f) => f.rule === 'service-target-port-mismatch');
    assert.deepEqual(mismatches, [], 'the Service of a.yaml is judged against the Deployment of a.yaml');
  });

  it('falls back to the last copy applied when no copy is in the same directory', async () => {
    mkdirSync(join(dir, 'base'));
    mkdirSync(join(dir, 'overlay'));
    mkdirSync(join(dir, 'service'));
    writeFileSync(join(dir, 'base', 'deployment.yaml'), deployment('web'));
    writeFileSync(join(dir, 'overlay', 'deployment.yaml'), deployment('other'));
    writeFileSync(join(dir, 'service', 'service.yaml'), service('web'));
    const r = await scanJson([dir]);
    const mismatches = r.findings.filter((f) => f.rule === 'service-target-port-mismatch');
    assert.equal(mismatches.length, 1);
    assert.match(mismatches[0]!.message, /declared: other:8080/);
  });

  it('says nothing about duplicates when there are none', async () => {
    writeFileSync(join(dir, 'a.yaml'), `${service('http')}---\n${deployment('http')}`);
    const r = await scanJson([dir]);
    assert.doesNotMatch(r.stderr, /more than once/);
  });

  it('reads a directory in byte order of the names, as kubectl applies it', async () => {
    for (const name of ['b.yaml', 'B.yaml', 'a.yaml', '_x.yaml', 'Z.yml']) writeFileSync(join(dir, name), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
    const input = await readInputs([dir]);
    assert.deepEqual(input.objects.map((o) => o.source.file.slice(dir.length + 1)), ['B.yaml', 'Z.yml', '_x.yaml', 'a.yaml', 'b.yaml']);
  });
});
