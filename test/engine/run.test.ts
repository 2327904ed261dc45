import assert from 'node:assert/strict';
import { check } from '../../src/engine/run.ts';
import { defineRule } from '../../src/engine/rule.ts';
import { defaultPolicy } from '../../src/policy/policy.ts';
import { graphOf } from '../support/scan.ts';
import { hasFastProperties, hiddenClasses } from '../support/v8.ts';

const SERVICE = `
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80}]}
`;

/** A rule whose fix is a function, counting how often it is built. */
function lazyRule(built: { count: number }) {
  return defineRule({
    id: 'lazy-fix-probe',
    title: 'test rule',
    shape: 'unreachable',
    severity: 'info',
    targets: ['Service'],
    reads: [],
    params: {},
    docs: { what: 'w', why: 'y', fix: 'f' },
    evaluate: (s) => [{ path: 'spec', message: `about ${s.name}`, fix: () => `fix for ${s.name} (#${++built.count})` }],
    fixtures: { fire: [], silent: [] },
  });
}

describe('runner: fixes given as functions', () => {
  it('builds the fix only when it is read, once, and shows it like any other', () => {
    const built = { count: 0 };
    const graph = graphOf(SERVICE);
    const { findings } = check(graph, graph.all(), { rules: [lazyRule(built)], policy: defaultPolicy() });
    assert.equal(findings.length, 1);
    assert.equal(built.count, 0, 'not built before it is read');
    const f = findings[0]!;
    assert.equal(f.fix, 'fix for web (#1)');
    assert.equal(f.fix, 'fix for web (#1)', 'built once');
    assert.equal(built.count, 1);
    // Copies and JSON carry the text, not the function.
    assert.equal({ ...f }.fix, 'fix for web (#1)');
    assert.equal(JSON.parse(JSON.stringify(f)).fix, 'fix for web (#1)');
  });

  it('gives findings with lazy fixes one shape, whatever rule or object they come from', () => {
    // V8 keys hidden classes on accessors: a getter per finding would give each its own (see run.ts).
    const graph = graphOf(`${SERVICE}---\n${SERVICE.replace('name: web', 'name: api')}`);
    const { findings } = check(graph, graph.all(), { rules: [lazyRule({ count: 0 })], policy: defaultPolicy() });
    assert.equal(findings.length, 2);
    const layout = (o: object) => JSON.stringify(Object.getOwnPropertyNames(o).map((k) => [k, typeof Object.getOwnPropertyDescriptor(o, k)?.get]));
    assert.equal(layout(findings[0]!), layout(findings[1]!));
    assert.equal(Object.getOwnPropertyDescriptor(findings[0]!, 'fix')?.get, Object.getOwnPropertyDescriptor(findings[1]!, 'fix')?.get, 'one getter for all');
    assert.equal(hiddenClasses(findings), 1, 'one hidden class');
    assert.ok(findings.every(hasFastProperties), 'fast properties, not a dictionary');
  });
});

describe('runner: targets', () => {
  it('judges a target kind in the groups the engine models it in: a Knative Service is no core Service', () => {
    const rule = lazyRule({ count: 0 });
    const knative = 'apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: hello}\nspec: {template: {spec: {containers: [{image: x}]}}}\n';
    const graph = graphOf(`${SERVICE}---\n${knative}`);
    const findings = check(graph, graph.all(), { rules: [rule], policy: defaultPolicy() }).findings;
    assert.deepEqual(findings.map((f) => `${f.resource.kind}/${f.resource.name}`), ['Service/web']);
  });
});
