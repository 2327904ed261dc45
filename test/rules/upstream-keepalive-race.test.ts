// What the keep-alive rule says, beyond "it fires": the severity follows the evidence (a warning when the
// command, env or annotation shows the app's timeout, an info when only the image hints at it), the
// path points at that evidence, and the message names both timeouts and the proxy.
import assert from 'node:assert/strict';
import rule, { springDuration } from '../../src/rules/upstream-keepalive-race.ts';
import { scanYaml } from '../support/scan.ts';

function only(name: string) {
  const f = rule.fixtures.fire.find((x) => x.name.startsWith(name));
  assert.ok(f, name);
  const hits = scanYaml(f.yaml, { rules: [rule], live: false }).findings.filter((x) => x.rule === rule.id);
  assert.equal(hits.length, 1);
  return hits[0] as (typeof hits)[number];
}

describe('upstream-keepalive-race: severity, path and message', () => {
  it('gunicorn default behind ingress-nginx: a warning on the command, 2s against 60s', () => {
    const f = only('gunicorn with its 2s default');
    assert.equal(f.severity, 'warning');
    assert.equal(f.shape, 'reset');
    assert.equal(f.path, 'spec.template.spec.containers[0].args[0]');
    assert.match(f.message, /after 2s \(gunicorn's default, no --keep-alive\)/);
    assert.match(f.message, /ingress-nginx \(Ingress\/web\) reuses idle connections to it for up to 60s/);
    assert.match(f.fix, /--keep-alive 65/);
  });

  it('GUNICORN_CMD_ARGS: the path is the env entry', () => {
    const f = only('GUNICORN_CMD_ARGS');
    assert.equal(f.severity, 'warning');
    assert.equal(f.path, 'spec.template.spec.containers[0].env[0]');
    assert.match(f.message, /--keep-alive 30 in GUNICORN_CMD_ARGS/);
  });

  it('an explicit DestinationRule idleTimeout replaces Istio’s 1 h', () => {
    const f = only('Istio DestinationRule idleTimeout 2m');
    assert.match(f.message, /up to 120s \(2m\)/);
    assert.match(f.message, /connectionPool\.http\.idleTimeout: "2m"/);
  });

  it('Tomcat milliseconds are decoded', () => {
    assert.match(only('Spring Boot').message, /after 20s \(server\.tomcat\.keep-alive-timeout=20000, in milliseconds\)/);
  });

  it('only the image hints at Node, or Puma may be configured by its file: an info', () => {
    assert.equal(only('only the image hints at Node').severity, 'info');
    assert.equal(only("Puma's 20s default").severity, 'info');
  });

  it('Envoy’s hour is too long to outlast: the fix lowers the proxy’s idle timeout first', () => {
    const f = only('a Node server behind an Envoy Gateway');
    assert.equal(f.severity, 'warning');
    assert.match(f.fix, /^Lower the proxy's idle timeout/);
  });

  it('reads Spring Boot durations: bare milliseconds, units, ISO-8601', () => {
    const cases: Array<[string, number | undefined]> = [
      ['20000', 20], [' 65s ', 65], ['1m', 60], ['2h', 7200], ['1d', 86400], ['500ms', 0.5], ['10us', 10 * 1e-6], ['5ns', 5 * 1e-9],
      ['PT60S', 60], ['pt1.5s', 1.5], ['PT1H30M', 5400], ['PT2M', 120], ['PT1H', 3600], ['PT1H0M5S', 3605],
      ['PT', undefined], ['P1D', undefined], ['PT1.5M', undefined], ['x', undefined], ['1.5s', undefined], ['-5s', undefined], ['', undefined],
    ];
    for (const [text, seconds] of cases) assert.equal(springDuration(text), seconds, text);
  });
});
