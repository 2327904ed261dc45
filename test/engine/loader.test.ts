import assert from 'node:assert/strict';
import { parseStream, splitDocuments } from '../../src/loader/documents.ts';

describe('document loader', () => {
  it('splits on --- and ..., keeping 1-based start lines', () => {
    const docs = splitDocuments('a: 1\n---\nb: 2\n...\n--- # c\nc: 3\n');
    assert.deepEqual(docs.map((d) => d.line), [1, 2, 5, 5]);
  });

  it('reads CRLF files, a BOM, comments-only documents and kind: List', () => {
    const text = '\ufeff# header\r\n---\r\napiVersion: v1\r\nkind: List\r\nitems:\r\n  - {apiVersion: v1, kind: Service, metadata: {name: a}}\r\n  - {apiVersion: v1, kind: Service, metadata: {name: b}}\r\n---\r\n# only a comment\r\n';
    const r = parseStream(text, 'list.yaml');
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.objects.map((o) => [o.raw.metadata, o.listPath, o.source.line]), [
      [{ name: 'a' }, 'items[0]', 3],
      [{ name: 'b' }, 'items[1]', 3],
    ]);
  });

  it('reports the line of a YAML error in the file, not in the document', () => {
    const r = parseStream('a: 1\n---\nb: 2\nc: [\n', 'bad.yaml');
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0]?.document, 2);
    assert.ok((r.errors[0]?.line ?? 0) >= 4, JSON.stringify(r.errors[0]));
    assert.match(r.errors[0]?.message ?? '', /^invalid YAML: /);
  });

  it('keeps strings that YAML 1.1 would turn into booleans or dates', () => {
    const r = parseStream('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: yes, b: 2001-12-14, c: on}\n', 'cm.yaml');
    assert.deepEqual(r.objects[0]?.raw.data, { a: 'yes', b: '2001-12-14', c: 'on' });
  });

  it('understands merge keys', () => {
    const r = parseStream('base: &b {x: 1}\nkind: K\napiVersion: v1\nmetadata: {name: m}\nspec:\n  <<: *b\n  y: 2\n', 'merge.yaml');
    assert.deepEqual(r.objects[0]?.raw.spec, { x: 1, y: 2 });
  });
});
