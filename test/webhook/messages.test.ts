// Text a person reads at `kubectl apply`: cut at a word, never inside one.
import assert from 'node:assert/strict';
import { clip } from '../../src/webhook/messages.ts';

describe('webhook warning text', () => {
  it('keeps a line that fits', () => {
    assert.equal(clip('short enough', 20), 'short enough');
  });

  it('cuts at the last word boundary that fits, without trailing punctuation, and marks the cut', () => {
    const s = 'Service port http (80) sends traffic to the port named "web", but no container declares it';
    const out = clip(s, 64);
    assert.equal(out, 'Service port http (80) sends traffic to the port named "web"…');
    assert.ok(out.length <= 64);
  });

  it('cuts inside a word only when a single word is longer than half the line', () => {
    assert.equal(clip('a'.repeat(50), 10), `${'a'.repeat(9)}…`);
  });
});
