// Real-world manifests (a corpus copied unchanged from public projects, kept beside the repository)
// must scan without a crash: every file on its own, since each is its own app.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { scanPaths } from '../src/scan.ts';
import { defaultPolicy } from '../src/policy/policy.ts';

const CORPUS = new URL('../../shared/corpus/', import.meta.url).pathname;

describe('real-world corpus', function () {
  this.timeout(120_000);

  it('scans every file without a rule failure, with one-line errors only', async function () {
    if (!existsSync(CORPUS)) {
      console.log(`    corpus not found at ${CORPUS}: skipped (it lives beside the repository as shared/corpus)`);
      this.skip();
    }
    const files = readdirSync(CORPUS, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .flatMap((d) => readdirSync(join(CORPUS, d.name)).map((f) => join(CORPUS, d.name, f)));
    assert.ok(files.length > 800, `expected the whole corpus, found ${files.length} files`);
    let findings = 0;
    let errors = 0;
    for (const file of files) {
      const r = await scanPaths([file], { policy: defaultPolicy(), namespace: 'default' });
      assert.deepEqual(r.failures, [], `rule failure on ${file}`);
      for (const e of r.errors) {
        assert.ok(!e.message.includes('\n'), `multi-line error for ${file}: ${e.message}`);
        assert.ok(!/\bat .+:\d+:\d+\)?$/m.test(e.message), `stack trace in error for ${file}`);
      }
      findings += r.findings.length;
      errors += r.errors.length;
    }
    console.log(`    ${files.length} files: ${findings} findings, ${errors} input errors`);
  });
});
