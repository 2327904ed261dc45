// Events wait for a finding to last: a state that the rest of a `kubectl apply -f` removes is never announced.
import assert from 'node:assert/strict';
import { Settle } from '../../src/controller/settle.ts';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('controller: Events wait for the state to settle', () => {
  it('announces a finding that lasts, once, however often it is seen meanwhile', async () => {
    const settle = new Settle(30);
    const said: string[] = [];
    for (let i = 0; i < 3; i++) settle.after('svc|rule', () => true, async () => void said.push('svc'));
    assert.deepEqual(said, [], 'not before the settle period');
    await wait(80);
    assert.deepEqual(said, ['svc']);
  });

  it('says nothing of a finding gone before the period ends, or after the replica stopped leading', async () => {
    const settle = new Settle(30);
    const said: string[] = [];
    let there = true;
    settle.after('a', () => there, async () => void said.push('a'));
    settle.after('b', () => true, async () => void said.push('b'));
    there = false;
    settle.clear();
    settle.after('c', () => there, async () => void said.push('c'));
    await wait(80);
    assert.deepEqual(said, []);
  });
});
