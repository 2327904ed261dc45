// How long the app keeps an idle connection, read from what its container says: the
// command and args (split like a shell, quotes dropped), literal env values, the
// product's flags and defaults, and the image only when no command is given.
import assert from 'node:assert/strict';
import rule from '../../src/rules/upstream-keepalive-race.ts';
import { appYaml } from '../../src/rules/lib/fixture-yaml.ts';
import { scanYaml } from '../support/scan.ts';

/** `seconds (what says so) @ path` for the one container `app` behind ingress-nginx (60s), or `-` when the rule says nothing. */
function idle(container: string): string {
  const yaml = appYaml({ ingress: true, containers: `        - {name: app, ports: [{name: http, containerPort: 8080}], ${container}}\n` });
  const hits = scanYaml(yaml, { rules: [rule] }).findings.filter((f) => f.rule === rule.id);
  assert.ok(hits.length <= 1);
  const f = hits[0];
  if (!f) return '-';
  const m = /closes idle keep-alive connections after (.*?) \((.*?)\), but/.exec(f.message);
  assert.ok(m, f.message);
  return `${m[1]} (${m[2]}) @ ${f.path.replace('spec.template.spec.containers[0].', '')} ${f.severity}`;
}

describe('upstream-keepalive-race: what the app says about its idle timeout', () => {
  it('gunicorn: --keep-alive in args or GUNICORN_CMD_ARGS (args win), its 2s default, nothing assumed with a config file', () => {
    assert.equal(idle('image: shop, command: [gunicorn, app:app], args: [--keep-alive, "30"]'), '30s (--keep-alive 30) @ args[1] warning');
    assert.equal(idle('image: shop, command: [gunicorn], args: ["--keep-alive=20"], env: [{name: GUNICORN_CMD_ARGS, value: "--keep-alive 10"}]'), '20s (--keep-alive 20) @ args[0] warning');
    assert.equal(idle('image: shop, command: [gunicorn], env: [{name: GUNICORN_CMD_ARGS, value: "--workers 2 --keep-alive=10"}]'), '10s (--keep-alive 10 in GUNICORN_CMD_ARGS) @ env[0] warning');
    assert.equal(idle('image: shop, command: [/usr/local/bin/gunicorn]'), "2s (gunicorn's default, no --keep-alive) @ command[0] warning");
    assert.equal(idle('image: shop, command: [gunicorn, -c, conf.py]'), '-');
    assert.equal(idle('image: shop, command: [gunicorn, --keep-alive, soon]'), '-');
    assert.equal(idle('image: shop, command: [gunicorn, --keep-alive]'), "2s (gunicorn's default, no --keep-alive) @ command[0] warning", 'a flag without a value');
    assert.equal(idle('image: shop, command: [gunicorn, --keep-alive, "75"]'), '-', 'longer than the proxy');
  });

  it('uvicorn: --timeout-keep-alive, else UVICORN_TIMEOUT_KEEP_ALIVE, else its 5s default', () => {
    assert.equal(idle('image: api, command: [uvicorn, main:app], args: [--timeout-keep-alive, "30"], env: [{name: UVICORN_TIMEOUT_KEEP_ALIVE, value: "40"}]'), '30s (--timeout-keep-alive 30) @ args[1] warning');
    assert.equal(idle('image: api, command: [uvicorn, main:app], env: [{name: UVICORN_TIMEOUT_KEEP_ALIVE, value: "40"}]'), '40s (UVICORN_TIMEOUT_KEEP_ALIVE 40) @ env[0] warning');
    assert.equal(idle('image: api, command: [uvicorn, main:app], env: [{name: UVICORN_TIMEOUT_KEEP_ALIVE, valueFrom: {configMapKeyRef: {name: c, key: k}}}]'), "5s (uvicorn's default, no --timeout-keep-alive) @ command[0] warning", 'only literal env values are read');
    assert.equal(idle('image: api, command: [sh, -c, "uvicorn main:app --timeout-keep-alive \'3.5\'"]'), '3.5s (--timeout-keep-alive 3.5) @ command[2] warning', 'words of a shell string, quotes dropped');
  });

  it('Next.js: next start, with --keepAliveTimeout in milliseconds, else the Node default', () => {
    assert.equal(idle('image: web, command: [npx, next, start, --keepAliveTimeout, "30000"]'), '30s (--keepAliveTimeout 30000, in milliseconds) @ command[4] warning');
    assert.equal(idle('image: web, command: [node_modules/.bin/next, start]'), "5s (Node's default, next start without --keepAliveTimeout) @ command[0] warning");
    assert.equal(idle('image: web, command: [next, build]'), '-');
  });

  it('Puma: PUMA_PERSISTENT_TIMEOUT when puma or rails server runs (or the image decides), else the 20s default as a hint', () => {
    assert.equal(idle('image: shop, command: [bundle, exec, puma], env: [{name: PUMA_PERSISTENT_TIMEOUT, value: "30"}]'), '30s (PUMA_PERSISTENT_TIMEOUT=30) @ env[0] warning');
    assert.equal(idle('image: shop, command: [bin/rails, s], env: [{name: PUMA_PERSISTENT_TIMEOUT, value: "30"}]'), '30s (PUMA_PERSISTENT_TIMEOUT=30) @ env[0] warning');
    assert.equal(idle('image: shop, env: [{name: PUMA_PERSISTENT_TIMEOUT, value: "30"}]'), '30s (PUMA_PERSISTENT_TIMEOUT=30) @ env[0] warning', 'no command: the image runs what it runs');
    assert.equal(idle('image: shop, command: [rails, console], env: [{name: PUMA_PERSISTENT_TIMEOUT, value: "30"}]'), '-');
    assert.equal(idle('image: shop, command: [rails, server]'), "20s (Puma's default of 20s, unless config/puma.rb sets persistent_timeout) @ command[0] info");
  });

  it('Tomcat: the Spring property as an arg, in Java options or in the environment', () => {
    assert.equal(idle('image: orders, args: ["--server.tomcat.keep-alive-timeout=30s"]'), '30s (server.tomcat.keep-alive-timeout=30s) @ args[0] warning');
    assert.equal(idle('image: orders, env: [{name: JAVA_TOOL_OPTIONS, value: "-Dserver.tomcat.keep-alive-timeout=15000"}]'), '15s (server.tomcat.keep-alive-timeout=15000, in milliseconds) @ env[0] warning');
    assert.equal(idle('image: orders, env: [{name: JDK_JAVA_OPTIONS, value: "-Xmx1g -Dserver.tomcat.keep-alive-timeout=PT20S"}]'), '20s (server.tomcat.keep-alive-timeout=PT20S) @ env[0] warning');
    assert.equal(idle('image: orders, env: [{name: SERVER_TOMCAT_KEEPALIVETIMEOUT, value: 45s}]'), '45s (server.tomcat.keep-alive-timeout=45s) @ env[0] warning');
    assert.equal(idle('image: orders, env: [{name: SERVER_TOMCAT_KEEP_ALIVE_TIMEOUT, value: 1m}]'), '60s (server.tomcat.keep-alive-timeout=1m) @ env[0] warning', 'as long as the proxy is not longer');
    assert.equal(idle('image: orders, env: [{name: SERVER_TOMCAT_KEEP_ALIVE_TIMEOUT, value: 2m}]'), '-', 'two minutes outlast the proxy and its margin');
    assert.equal(idle('image: orders, env: [{name: SERVER_TOMCAT_KEEP_ALIVE_TIMEOUT, value: 40s}]'), '40s (server.tomcat.keep-alive-timeout=40s) @ env[0] warning');
    assert.equal(idle('image: orders, env: [{name: SERVER_TOMCAT_KEEPALIVETIMEOUT, value: soon}]'), '-');
  });

  it('Node: the script node runs, flags skipped; the image only when no command says otherwise', () => {
    assert.equal(idle('image: web, command: [node, --max-old-space-size=512, server.js]'), "5s (Node's default, the command runs node server.js) @ command[2] warning");
    assert.equal(idle('image: "registry.example.com/team/node:22@sha256:abc"'), '5s (the Node.js default of 5s, going by the image registry.example.com/team/node:22@sha256:abc) @ image info');
    assert.equal(idle('image: "python-gunicorn:3"'), '2s (the gunicorn default of 2s, going by the image python-gunicorn:3) @ image info');
    assert.equal(idle('image: "node:22", command: [/app/server]'), '-', 'a command of its own: the image says nothing');
    assert.equal(idle('image: "node:22", args: [server.js]'), '5s (the Node.js default of 5s, going by the image node:22) @ image info', 'args alone keep the image entrypoint');
    assert.equal(idle('image: nodejs-app'), '-');
  });
});
