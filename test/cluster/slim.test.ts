// What the cluster faces keep of an object they read: everything a rule may read, in its order,
// without managedFields, and without the status of kinds whose status no rule reads.
import assert from 'node:assert/strict';
import { slim } from '../../src/cluster/informer.ts';
import { hasFastProperties } from '../support/v8.ts';

const read = () => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {
    name: 'web',
    namespace: 'shop',
    managedFields: [{ manager: 'kubectl', operation: 'Update' }],
    annotations: { 'example.com/owner': 'team-a' },
  },
  spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] },
  status: { loadBalancer: {} },
});

describe('slim: what the cache keeps of an object', () => {
  it('drops managedFields and keeps every other field, in its order', () => {
    const kept = slim(read());
    assert.deepEqual(kept, { ...read(), metadata: { name: 'web', namespace: 'shop', annotations: { 'example.com/owner': 'team-a' } } });
    assert.deepEqual(Object.keys(kept), ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
    assert.deepEqual(Object.keys(kept.metadata as object), ['name', 'namespace', 'annotations']);
  });

  it('drops the status only of kinds whose status no rule reads', () => {
    assert.deepEqual(slim(read(), true).status, { loadBalancer: {} });
    const kept = slim(read(), false);
    assert.equal('status' in kept, false);
    assert.deepEqual(kept.spec, read().spec);
  });

  it('leaves what it keeps in fast mode: a cache of tens of thousands of objects holds no hash table per object', () => {
    // The object as it comes from the API server: decoded JSON.
    const kept = slim(JSON.parse(JSON.stringify(read())) as ReturnType<typeof read>, false);
    assert.equal(hasFastProperties(kept), true);
    assert.equal(hasFastProperties(kept.metadata as object), true);
  });

  it('copies rather than changes the object it is given (a caller may still hold it)', () => {
    const o = read();
    slim(o, false);
    assert.deepEqual(o, read());
  });

  it('returns an object with nothing to drop as it is', () => {
    const o = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } };
    assert.equal(slim(o), o);
  });
});
