// The project's code and docs are self-contained: they cite nothing outside the
// repository (a reader of a page or a comment has only the repository at hand).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('../', import.meta.url).pathname;
const TEXT = /\.(ts|js|cjs|mjs|md|ya?ml|json|tpl|txt|sh)$|^(Dockerfile|build|run)$/;

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name.startsWith('.') ? [] : files(rel);
    return TEXT.test(e.name) ? [rel] : [];
  });
}

describe('docs and code are self-contained', () => {
  it('cite no design document or file outside the repository', () => {
    const all = ['README.md', 'Dockerfile', ...['src', 'docs', 'deploy', 'scripts', 'bench', 'examples', 'crds', 'bin', 'test'].flatMap(files)];
    assert.ok(all.length > 100, `found only ${all.length} files`);
    const offending = all.filter((f) => {
      const text = readFileSync(join(ROOT, f), 'utf8');
      // Tests may locate the shared corpus beside the repository; nothing may cite a file there or a design document.
      return /\bDESIGN\.md\b|\bSTYLE\.md\b/.test(text) || (!f.startsWith('test/') && /\.\.\/shared\b/.test(text));
    });
    assert.deepEqual(offending.filter((f) => f !== 'test/docs.test.ts'), []);
  });
});
