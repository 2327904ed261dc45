// Which exec readiness probes succeed whatever the app does: the commands that cannot
// fail, judged inside `sh -c`, and the look-alikes that do check something.
import assert from 'node:assert/strict';
import { execIsAlwaysTrue } from '../../src/rules/readiness-probe-shallow.ts';

describe('readiness-probe-shallow: commands that always succeed', () => {
  it('knows the commands that cannot fail, bare or in a shell script', () => {
    const cases: Array<[string[], boolean]> = [
      [['true'], true], [['/bin/true'], true], [['/usr/bin/true'], true], [['exit', '0'], true], [['sh', '-c', 'exit 0'], true],
      [['/bin/bash', '-c', ' cat /tmp/ready '], true], [['dash', '-c', 'true'], true], [['cat', '/tmp/healthy'], true], [['ls', '/'], true],
      [['ls'], true], [['echo', 'ok'], true], [['test', '-f', '/tmp/ready'], true], [['[', '-e', '/tmp/ready', ']'], true], [['/bin/cat', '/tmp/x'], true],
    ];
    for (const [command, always] of cases) assert.equal(execIsAlwaysTrue(command), always, command.join(' '));
  });

  it('leaves alone commands that check something, pipelines and substitutions', () => {
    const cases: Array<string[]> = [
      ['zsh', '-c', 'true'], ['sh', '-c', 'cat /tmp/x | grep ok'], ['sh', '-c', 'test -f /tmp/ready && curl -f localhost'], ['sh', '-c', 'echo $(curl -f localhost)'],
      ['sh', '-c', 'true; curl -f localhost'], ['curl', '-f', 'localhost:8080/ready'], ['sh', '-x', 'true'], ['sh', '-c'], ['truex'], ['/opt/bin/true'],
      ['catalina.sh', 'status'], ['lsblk'], ['echoserver-check'], ['test', '-s', '/tmp/x'], ['exit', '1'], ['grpc_health_probe', '-addr=:9090'],
    ];
    for (const command of cases) assert.equal(execIsAlwaysTrue(command), false, command.join(' '));
  });
});
