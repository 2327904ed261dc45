import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { runCli } from '../support/cli.ts';

const fixture = (name: string) => `test/fixtures/cli/${name}`;

describe('guard502 scan', () => {
  it('reports a broken manifest as text grouped by object, exit 1', async () => {
    const r = await runCli(['scan', fixture('broken-port.yaml')]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /test\/fixtures\/cli\/broken-port\.yaml/);
    assert.match(r.stdout, /Service shop\/web {2}line 1/);
    assert.match(r.stdout, /error {3}service-target-port-mismatch \[unreachable\] spec\.ports\[0\]\.targetPort/);
    assert.match(r.stdout, /fix: Set targetPort/);
    assert.doesNotMatch(r.stdout, /\u001b\[/, 'no colour outside a terminal');
  });

  it('prints the JSON contract', async () => {
    const r = await runCli(['scan', '-f', 'json', fixture('broken-port.yaml')]);
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout);
    const f = out.findings.find((x: { rule: string }) => x.rule === 'service-target-port-mismatch');
    assert.deepEqual(Object.keys(f).slice(0, 8), ['rule', 'severity', 'resource', 'path', 'message', 'fix', 'shape', 'source']);
    assert.deepEqual(f.resource, { apiVersion: 'v1', kind: 'Service', namespace: 'shop', name: 'web' });
    assert.deepEqual(f.source, { file: 'test/fixtures/cli/broken-port.yaml', line: 1 });
    assert.deepEqual(Object.keys(out.summary), ['resources', 'errors', 'warnings', 'infos']);
    assert.equal(out.summary.resources, 2);
    assert.ok(out.summary.errors >= 1);
  });

  it('reads stdin with "-" and puts namespace-less documents in --namespace', async () => {
    const yaml = readFileSync(fixture('broken-port.yaml'), 'utf8').replaceAll('  namespace: shop\n', '');
    const r = await runCli(['scan', '-', '-f', 'json', '--namespace', 'team-a'], yaml);
    const out = JSON.parse(r.stdout);
    assert.equal(out.findings[0].resource.namespace, 'team-a');
    assert.equal(out.findings[0].source.file, '<stdin>');
  });

  it('names the chart template of helm template output', async () => {
    const yaml = `---\n# Source: shop/templates/service.yaml\n${readFileSync(fixture('broken-port.yaml'), 'utf8')}`;
    const r = await runCli(['scan', '-', '-f', 'json'], yaml);
    const out = JSON.parse(r.stdout);
    assert.equal(out.findings.find((x: { resource: { kind: string } }) => x.resource.kind === 'Service').source.template, 'shop/templates/service.yaml');
  });

  it('goes on past bad documents, names file, document and field, and exits 2', async () => {
    const r = await runCli(['scan', '-f', 'json', fixture('mixed-bad.yaml')]);
    assert.equal(r.code, 2);
    const lines = r.stderr.trim().split('\n');
    assert.ok(lines.every((l) => l.startsWith('guard502: test/fixtures/cli/mixed-bad.yaml')), r.stderr);
    assert.match(r.stderr, /line 8, document 2: invalid YAML/);
    assert.match(r.stderr, /document 3: no kind/);
    assert.match(r.stderr, /document 4: Deployment\/a: spec\.template\.spec\.containers: expected a list, got a mapping/);
    assert.match(r.stderr, /document 5: expected a Kubernetes object \(a mapping\), got a list/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    // The documents around the bad ones were still checked.
    const out = JSON.parse(r.stdout);
    assert.ok(out.findings.some((f: { resource: { name: string } }) => f.resource.name === 'first'));
    assert.equal(out.summary.resources, 3);
  });

  it('rejects a binary file and an unreadable path with exit 2 and one line each', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'g502-'));
    try {
      writeFileSync(join(dir, 'image.yaml'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]));
      const r = await runCli(['scan', join(dir, 'image.yaml'), join(dir, 'missing.yaml')]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /image\.yaml: binary file: not YAML or JSON/);
      assert.match(r.stderr, /missing\.yaml: cannot read: no such file or directory/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('scans directories recursively and skips other files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'g502-'));
    try {
      const sub = join(dir, 'a', 'b');
      (await import('node:fs')).mkdirSync(sub, { recursive: true });
      writeFileSync(join(sub, 'app.yml'), readFileSync(fixture('broken-port.yaml')));
      writeFileSync(join(dir, 'README.md'), '# not a manifest: [');
      const r = await runCli(['scan', '-f', 'json', dir]);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(JSON.parse(r.stdout).summary.resources, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--fail-on decides the exit status', async () => {
    assert.equal((await runCli(['scan', '--fail-on', 'never', fixture('broken-port.yaml')])).code, 0);
    assert.equal((await runCli(['scan', '--fail-on', 'info', fixture('broken-port.yaml')])).code, 1);
    const bad = await runCli(['scan', '--fail-on', 'sometimes', fixture('broken-port.yaml')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--fail-on must be one of error, warning, info, never/);
  });

  it('exits 2 on unknown options and commands', async () => {
    const r = await runCli(['scan', '--colour']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^guard502: Unknown option '--colour'/);
    assert.equal((await runCli(['scna'])).code, 2);
  });

  it('validates --policy against the CRD schema and names the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'g502-'));
    try {
      const p = join(dir, 'policy.yaml');
      writeFileSync(p, 'apiVersion: guard502.dev/v1alpha1\nkind: Guard502Policy\nmetadata: {name: p}\nspec:\n  rules:\n    service-target-port-mismatch: {action: block}\n');
      const r = await runCli(['scan', '--policy', p, fixture('broken-port.yaml')]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /policy\.yaml: spec\.rules\.service-target-port-mismatch\.action: must be one of "deny", "warn", "audit", "off"/);
      writeFileSync(p, 'apiVersion: guard502.dev/v1alpha1\nkind: Guard502Policy\nmetadata: {name: p}\nspec:\n  rules:\n    service-target-port-mismatch: {severity: warning}\n');
      const ok = await runCli(['scan', '--policy', p, '-f', 'json', fixture('broken-port.yaml')]);
      const f = JSON.parse(ok.stdout).findings.find((x: { rule: string }) => x.rule === 'service-target-port-mismatch');
      assert.equal(f.severity, 'warning');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('honours guard502.dev/ignore and keeps the suppression visible', async () => {
    const yaml = readFileSync(fixture('broken-port.yaml'), 'utf8').replace(
      '  name: web\n  namespace: shop\nspec:\n  selector',
      '  name: web\n  namespace: shop\n  annotations:\n    guard502.dev/ignore: service-target-port-mismatch\n    guard502.dev/ignore-reason: port set by a mutating webhook\nspec:\n  selector',
    );
    const r = await runCli(['scan', '-', '-f', 'json'], yaml);
    const out = JSON.parse(r.stdout);
    assert.ok(!out.findings.some((f: { rule: string }) => f.rule === 'service-target-port-mismatch'));
    assert.deepEqual(out.suppressed.map((s: { rule: string; by: string; reason: string }) => [s.rule, s.by, s.reason]), [
      ['service-target-port-mismatch', 'annotation', 'port set by a mutating webhook'],
    ]);
  });

  it('writes valid SARIF 2.1.0', async () => {
    const r = await runCli(['scan', '-f', 'sarif', fixture('broken-port.yaml')]);
    const sarif = JSON.parse(r.stdout);
    const require = createRequire(import.meta.url);
    const Ajv4 = require('ajv-draft-04');
    const schema = require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
    const validate = new Ajv4({ strict: false, allErrors: true, unicodeRegExp: false, validateFormats: false, logger: false }).compile(schema);
    assert.ok(validate(sarif), JSON.stringify(validate.errors?.slice(0, 3)));
    const result = sarif.runs[0].results.find((x: { ruleId: string }) => x.ruleId === 'service-target-port-mismatch');
    assert.equal(result.level, 'error');
    assert.equal(result.locations[0].physicalLocation.artifactLocation.uri, 'test/fixtures/cli/broken-port.yaml');
    assert.equal(sarif.runs[0].tool.driver.rules[result.ruleIndex].id, 'service-target-port-mismatch');
  });

  it('writes JUnit XML with a failure per finding and a passing case per clean object', async () => {
    const r = await runCli(['scan', '-f', 'junit', fixture('broken-port.yaml')]);
    assert.match(r.stdout, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="guard502"/);
    assert.match(r.stdout, /<testcase classname="Service shop\/web" name="service-target-port-mismatch spec\.ports\[0\]\.targetPort"/);
    assert.match(r.stdout, /<failure type="error" message="Service port http \(80\) sends traffic to the port named &quot;web&quot;/);
  });
});

describe('guard502 rules / explain / --version', () => {
  it('lists every rule', async () => {
    const r = await runCli(['rules']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^service-selects-nothing\s+unreachable\s+error/m);
    const json = JSON.parse((await runCli(['rules', '--format', 'json'])).stdout);
    assert.ok(json.some((x: { id: string }) => x.id === 'backend-protocol-mismatch'));
  });

  it('explains a rule with its fix and how to silence it', async () => {
    const r = await runCli(['explain', 'service-target-port-mismatch']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /## Why it ends in a 502/);
    assert.match(r.stdout, /guard502.dev\/ignore: service-target-port-mismatch/);
    const bad = await runCli(['explain', 'service-target']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /did you mean service-target-port-mismatch/);
  });

  it('prints the version of package.json', async () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    assert.equal((await runCli(['--version'])).stdout, `guard502 ${pkg.version}\n`);
  });
});
