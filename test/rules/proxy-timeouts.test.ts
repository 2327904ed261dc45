// The duration syntaxes of the proxies, read as each proxy reads them: a timeout
// misread is a finding that says something false.
import assert from 'node:assert/strict';
import { formatSeconds, parseGatewayDuration, parseGoDuration, parseHaproxyTime, parseNginxTime, parseTraefikDuration } from '../../src/rules/lib/proxy-timeouts.ts';

function table<T>(parse: (v: T) => number | undefined, cases: Array<[T, number | undefined]>): void {
  for (const [input, seconds] of cases) assert.equal(parse(input), seconds, JSON.stringify(input));
}

describe('proxy duration syntaxes', () => {
  it("reads Go's time.ParseDuration (Traefik, Contour, Envoy)", () => {
    table(parseGoDuration, [
      ['0', 0], ['+0', 0], ['-0', 0], ['1h30m', 5400], ['500ms', 0.5], ['1.5s', 1.5], ['.5s', 0.5], ['2h', 7200], ['1m', 60], ['-1s', -1],
      [' 3s ', 3], ['1us', 1e-6], ['1µs', 1e-6], ['1ns', 1e-9], ['10', undefined], ['abc', undefined], ['1d', undefined], ['', undefined],
    ]);
  });

  it('reads Gateway API durations (GEP-2257): up to four parts of at most five digits, no fractions', () => {
    table(parseGatewayDuration, [
      ['1h', 3600], ['30s', 30], ['500ms', 0.5], ['1h30m', 5400], ['0s', 0], ['1h1m1s1ms', 3661.001],
      ['1.5s', undefined], ['123456s', undefined], ['1d', undefined], ['1h1m1s1ms1h', undefined], ['0', undefined],
    ]);
  });

  it('reads HAProxy times: a bare number is milliseconds', () => {
    table(parseHaproxyTime, [['30s', 30], ['5m', 300], ['1h', 3600], ['60000', 60], ['0', 0], ['1d', 86400], ['250ms', 0.25], ['x', undefined], ['1.5s', undefined]]);
  });

  it('reads nginx times: a bare number is seconds, units may be combined', () => {
    table(parseNginxTime, [
      ['60s', 60], ['1m', 60], ['1h 30m', 5400], ['120', 120], ['500ms', 0.5], ['1d', 86400], ['1w', 604800], ['1M', 2592000], ['1y', 31536000],
      ['x', undefined], ['1.5s', undefined],
    ]);
  });

  it('reads Traefik durations: integers and digit strings are seconds, else a Go duration', () => {
    table(parseTraefikDuration, [[30, 30], [0, 0], [-1, undefined], [Infinity, undefined], ['45', 45], [' 45 ', 45], ['1m', 60], ['x', undefined], [null, undefined], [true, undefined]]);
  });

  it('writes seconds the way messages show them', () => {
    const cases: Array<[number, string]> = [[45, '45s'], [90, '90s'], [119.5, '119.5s'], [600, '600s (10m)'], [5400, '5400s (1h30m)'], [3600, '3600s (1h)'], [3661, '3661s (1h1m1s)'], [0.25, '250ms'], [Infinity, 'no limit']];
    for (const [s, text] of cases) assert.equal(formatSeconds(s), text, String(s));
  });
});
