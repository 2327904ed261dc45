import { defineRule } from '../engine/rule.ts';
import { ANNOTATION_PREFIX } from '../engine/annotations.ts';
import { isWorkload, type Container, type Workload } from '../engine/model.ts';
import type { RuleHit, Severity } from '../engine/types.ts';
import { appYaml } from './lib/fixture-yaml.ts';
import { formatSeconds, parseGoDuration } from './lib/proxy-timeouts.ts';
import { servedContainers } from './lib/serving.ts';
import { workloadName } from './lib/traffic.ts';
import { IDLE_READS, idleWindowsReaching, type IdleWindow } from './lib/upstream-idle.ts';
import { fixWithYaml } from './lib/yaml.ts';

/** The user's statement of the app's idle keep-alive timeout, when nothing in the manifest shows it. */
export const IDLE_ANNOTATION = `${ANNOTATION_PREFIX}upstream-idle-timeout`;

/** How long the app keeps an idle keep-alive connection open, and what says so. */
interface AppIdle {
  seconds: number;
  /** The server, for messages and fixes: `gunicorn`, `Node.js`. */
  server: string;
  /** The evidence, for messages: `--keep-alive 5`, `Node's default (the command runs node server.js)`. */
  said: string;
  path: string;
  /** Only the image hints at the runtime: an info, not a warning. */
  hint?: boolean;
  /** How to raise it to `seconds`. */
  raise(seconds: number): string;
}

interface Token {
  text: string;
  path: string;
}

/** Command and args, split into words (a `sh -c "…"` string becomes its words), each with the field it came from. */
function tokensOf(c: Container): Token[] {
  const out: Token[] = [];
  for (const field of ['command', 'args'] as const) {
    const list = c.raw[field];
    if (!Array.isArray(list)) continue;
    list.forEach((v, i) => {
      if (typeof v === 'string') for (const text of v.split(/\s+/).filter(Boolean)) out.push({ text: text.replace(/^["']|["']$/g, ''), path: `${c.path}.${field}[${i}]` });
    });
  }
  return out;
}

/** Literal env values of the container, with their paths. */
function envOf(c: Container): Map<string, Token> {
  const out = new Map<string, Token>();
  const env = c.raw.env;
  if (Array.isArray(env)) {
    env.forEach((e, i) => {
      if (e && typeof e === 'object' && !Array.isArray(e) && typeof e.name === 'string' && typeof e.value === 'string') out.set(e.name, { text: e.value, path: `${c.path}.env[${i}]` });
    });
  }
  return out;
}

/** `--flag value` or `--flag=value` among the tokens. */
function flag(tokens: readonly Token[], names: readonly string[]): Token | undefined {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    for (const name of names) {
      if (t.text.startsWith(`${name}=`)) return { text: t.text.slice(name.length + 1), path: t.path };
      if (t.text === name && tokens[i + 1]) return { text: (tokens[i + 1] as Token).text, path: (tokens[i + 1] as Token).path };
    }
  }
  return undefined;
}

const runs = (tokens: readonly Token[], program: RegExp) => tokens.find((t) => program.test(t.text));
const seconds = (v: string) => (/^\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : undefined);

/** A Spring Boot Duration: a bare number is milliseconds; `60s`, `1m`, `500ms`, `PT60S`. */
export function springDuration(v: string): number | undefined {
  const t = v.trim();
  const m = /^(\d+)(ns|us|ms|s|m|h|d)?$/.exec(t);
  if (m) return Number(m[1]) * ({ ns: 1e-9, us: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600, d: 86400 }[m[2] ?? 'ms'] as number);
  const iso = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$/i.exec(t);
  return iso && t.length > 2 ? Number(iso[1] ?? 0) * 3600 + Number(iso[2] ?? 0) * 60 + Number(iso[3] ?? 0) : undefined;
}

const GUNICORN = /(^|\/)gunicorn$/;
const UVICORN = /(^|\/)uvicorn$/;
const PUMA = /(^|\/)puma$/;
const NEXT = /(^|\/)next$/;
const NODE = /(^|\/)(node|nodejs)$/;
const TOMCAT_KEY = 'server.tomcat.keep-alive-timeout';

const raiseFlag = (name: string, unit = 1) => (s: number) => `set \`${name} ${Math.round(s * unit)}\` in its args`;
const nodeRaise = (s: number) =>
  `set \`server.keepAliveTimeout = ${s * 1000}\` and \`server.headersTimeout = ${(s + 1) * 1000}\` on the Node.js HTTP server`;

/** What the container's command, args and env say about its idle keep-alive timeout. */
function fromCommand(c: Container): AppIdle | undefined {
  const tokens = tokensOf(c);
  const env = envOf(c);
  const gunicorn = runs(tokens, GUNICORN);
  if (gunicorn) {
    const cmdArgs = env.get('GUNICORN_CMD_ARGS');
    const fromEnv = cmdArgs ? flag(cmdArgs.text.split(/\s+/).map((text) => ({ text, path: cmdArgs.path })), ['--keep-alive']) : undefined;
    // Command-line flags win over GUNICORN_CMD_ARGS.
    const set = flag(tokens, ['--keep-alive']) ?? fromEnv;
    const raise = raiseFlag('--keep-alive');
    if (set) {
      const s = seconds(set.text);
      return s === undefined ? undefined : { seconds: s, server: 'gunicorn', said: `--keep-alive ${set.text}${set === fromEnv ? ' in GUNICORN_CMD_ARGS' : ''}`, path: set.path, raise };
    }
    // A configuration file may set keepalive: nothing is assumed then.
    if (flag(tokens, ['-c', '--config'])) return undefined;
    return { seconds: 2, server: 'gunicorn', said: "gunicorn's default, no --keep-alive", path: gunicorn.path, raise };
  }
  const uvicorn = runs(tokens, UVICORN);
  if (uvicorn) {
    const set = flag(tokens, ['--timeout-keep-alive']);
    const fromEnv = env.get('UVICORN_TIMEOUT_KEEP_ALIVE');
    const raise = raiseFlag('--timeout-keep-alive');
    const chosen = set ?? fromEnv;
    if (chosen) {
      const s = seconds(chosen.text);
      return s === undefined ? undefined : { seconds: s, server: 'uvicorn', said: `${set ? '--timeout-keep-alive' : 'UVICORN_TIMEOUT_KEEP_ALIVE'} ${chosen.text}`, path: chosen.path, raise };
    }
    return { seconds: 5, server: 'uvicorn', said: "uvicorn's default, no --timeout-keep-alive", path: uvicorn.path, raise };
  }
  const next = tokens.findIndex((t, i) => NEXT.test(t.text) && tokens[i + 1]?.text === 'start');
  if (next >= 0) {
    const set = flag(tokens, ['--keepAliveTimeout']);
    const raise = raiseFlag('--keepAliveTimeout', 1000);
    if (set) {
      const ms = seconds(set.text);
      return ms === undefined ? undefined : { seconds: ms / 1000, server: 'Next.js', said: `--keepAliveTimeout ${set.text}, in milliseconds`, path: set.path, raise };
    }
    return { seconds: 5, server: 'Next.js', said: "Node's default, next start without --keepAliveTimeout", path: (tokens[next] as Token).path, raise };
  }
  const puma = env.get('PUMA_PERSISTENT_TIMEOUT');
  const pumaCmd = runs(tokens, PUMA) ?? tokens.find((t, i) => /(^|\/)rails$/.test(t.text) && /^(s|server)$/.test(tokens[i + 1]?.text ?? ''));
  const pumaRaise = (s: number) => `set the env variable \`PUMA_PERSISTENT_TIMEOUT=${s}\` (Puma 7), or \`persistent_timeout ${s}\` in config/puma.rb`;
  if (puma && (pumaCmd || !tokens.length)) {
    const s = seconds(puma.text);
    return s === undefined ? undefined : { seconds: s, server: 'Puma', said: `PUMA_PERSISTENT_TIMEOUT=${puma.text}`, path: puma.path, raise: pumaRaise };
  }
  if (pumaCmd) {
    // config/puma.rb is read whatever the command says, and may set persistent_timeout.
    return { seconds: 20, server: 'Puma', said: "Puma's default of 20s, unless config/puma.rb sets persistent_timeout", path: pumaCmd.path, hint: true, raise: pumaRaise };
  }
  const tomcat = flag(tokens, [`--${TOMCAT_KEY}`, `-D${TOMCAT_KEY}`]) ??
    ['JAVA_TOOL_OPTIONS', 'JAVA_OPTS', 'JDK_JAVA_OPTIONS'].flatMap((name) => {
      const e = env.get(name);
      const hit = e ? flag(e.text.split(/\s+/).map((text) => ({ text, path: e.path })), [`-D${TOMCAT_KEY}`]) : undefined;
      return hit ? [hit] : [];
    })[0] ??
    env.get('SERVER_TOMCAT_KEEPALIVETIMEOUT') ?? env.get('SERVER_TOMCAT_KEEP_ALIVE_TIMEOUT');
  if (tomcat) {
    const s = springDuration(tomcat.text);
    return s === undefined ? undefined : {
      seconds: s, server: 'Tomcat', said: `${TOMCAT_KEY}=${tomcat.text}${/^\d+$/.test(tomcat.text.trim()) ? ', in milliseconds' : ''}`, path: tomcat.path,
      raise: (x) => `set \`${TOMCAT_KEY}=${x}s\` (an arg \`--${TOMCAT_KEY}=${x}s\` or the env variable SERVER_TOMCAT_KEEPALIVETIMEOUT)`,
    };
  }
  const node = tokens[0] && NODE.test(tokens[0].text) ? tokens.find((t, i) => i > 0 && !t.text.startsWith('-')) : undefined;
  if (node) return { seconds: 5, server: 'Node.js', said: `Node's default, the command runs node ${node.text}`, path: node.path, raise: nodeRaise };
  return undefined;
}

/** Images that name their runtime, when the command says nothing: a hint only. */
const IMAGE_HINTS: ReadonlyArray<[RegExp, Omit<AppIdle, 'path' | 'said' | 'hint'>]> = [
  [/gunicorn/, { seconds: 2, server: 'gunicorn', raise: raiseFlag('--keep-alive') }],
  [/uvicorn/, { seconds: 5, server: 'uvicorn', raise: raiseFlag('--timeout-keep-alive') }],
  [/^node$/, { seconds: 5, server: 'Node.js', raise: nodeRaise }],
];

function fromImage(c: Container): AppIdle | undefined {
  if (!c.image || tokensOf(c).some((t) => t.path.includes('.command['))) return undefined;
  const name = (c.image.split('@')[0] as string).split('/').pop()?.split(':')[0] ?? '';
  const hit = IMAGE_HINTS.find(([re]) => re.test(name));
  return hit ? { ...hit[1], said: `the ${hit[1].server} default of ${hit[1].seconds}s, going by the image ${c.image}`, path: `${c.path}.image`, hint: true } : undefined;
}

/** The annotation the user sets on the workload or its pod template. */
function fromAnnotation(w: Workload, c: Container): AppIdle | undefined {
  const onWorkload = w.annotations[IDLE_ANNOTATION];
  const v = onWorkload ?? w.template?.annotations[IDLE_ANNOTATION];
  if (v === undefined) return undefined;
  const s = seconds(v) ?? parseGoDuration(v);
  if (s === undefined || s <= 0) return undefined;
  const path = onWorkload !== undefined ? `metadata.annotations[${JSON.stringify(IDLE_ANNOTATION)}]` : `${w.template?.path ? `${w.template.path}.` : ''}metadata.annotations[${JSON.stringify(IDLE_ANNOTATION)}]`;
  return {
    seconds: s, server: `container ${c.name}`, said: `${IDLE_ANNOTATION}: ${JSON.stringify(v)}`, path,
    raise: (x) => `raise the app's idle keep-alive timeout to ${x}s and update ${IDLE_ANNOTATION}`,
  };
}

export function appIdle(w: Workload, c: Container): AppIdle | undefined {
  return fromAnnotation(w, c) ?? fromCommand(c) ?? fromImage(c);
}

function describeWindow(p: IdleWindow): string {
  return `${p.proxy} (${p.via.kind}/${p.via.name}${p.setting ? `, ${p.setting.field}: ${JSON.stringify(p.setting.written)}` : ''})`;
}

/** Deployment web whose pod template states the app's idle timeout by annotation, behind an ALB idle for `albIdleSeconds`. */
const behindAlb = (albIdleSeconds: number, stated: string) =>
  appYaml({ ingress: 'alb', containers: '        - {name: app, image: custom-server, ports: [{name: http, containerPort: 8080}]}\n' })
    .replace('    metadata: {labels: {app: web}}', `    metadata: {labels: {app: web}, annotations: {guard502.dev/upstream-idle-timeout: "${stated}"}}`)
    .replace('kind: Ingress\nmetadata: {name: web}', `kind: Ingress\nmetadata: {name: web, annotations: {alb.ingress.kubernetes.io/load-balancer-attributes: idle_timeout.timeout_seconds=${albIdleSeconds}}}`);

export default defineRule({
  id: 'upstream-keepalive-race',
  title: 'App closes idle keep-alive connections before the proxy does',
  shape: 'reset',
  severity: 'warning',
  targets: ['workload'],
  reads: IDLE_READS,
  params: {
    marginSeconds: {
      type: 'integer',
      default: 1,
      minimum: 0,
      unit: 'seconds',
      description: "How much longer than the proxy in front the app must keep idle keep-alive connections open.",
    },
  },
  docs: {
    what:
      'Compares how long a serving container keeps an idle HTTP keep-alive connection open with how long the proxies in ' +
      'front of it keep reusing idle connections to pods, and reports an app that closes them first. The app\'s timeout ' +
      'is read only from explicit evidence: gunicorn `--keep-alive` (or in `GUNICORN_CMD_ARGS`; default 2 s when the ' +
      'command runs gunicorn without a config file), uvicorn `--timeout-keep-alive` or `UVICORN_TIMEOUT_KEEP_ALIVE` ' +
      '(default 5 s), Puma `PUMA_PERSISTENT_TIMEOUT` (default 20 s, reported as info since `config/puma.rb` may change ' +
      'it), Tomcat/Spring Boot `server.tomcat.keep-alive-timeout` (an arg, a `-D` option in `JAVA_OPTS`, or ' +
      '`SERVER_TOMCAT_KEEPALIVETIMEOUT`; a bare number is milliseconds), `next start --keepAliveTimeout` (milliseconds; ' +
      "Node's 5 s without it), Node's default of 5 s when the command runs `node <file>`, or the annotation " +
      `\`${IDLE_ANNOTATION}\` (seconds or a duration such as \`75s\`) on the workload or its pod template. When only the ` +
      'image names the runtime (`node:22`, an image named after gunicorn or uvicorn) the finding is an info.\n\n' +
      'How long each proxy reuses an idle upstream connection:\n\n' +
      '| Proxy | Idle reuse window | Changed by |\n|---|---|---|\n' +
      '| ingress-nginx | 60 s | `upstream-keepalive-timeout` (controller ConfigMap) |\n' +
      '| NGINX Ingress Controller, NGINX Gateway Fabric | 60 s | nginx `keepalive_timeout` of the upstream |\n' +
      '| AWS ALB | 60 s | `idle_timeout.timeout_seconds` in `alb.ingress.kubernetes.io/load-balancer-attributes` (read) |\n' +
      '| Google Cloud load balancer (GKE Ingress and Gateway) | 600 s | fixed |\n' +
      '| Traefik (Ingress, IngressRoute, Gateway) | 90 s | ServersTransport `spec.forwardingTimeouts.idleConnTimeout` (read) |\n' +
      '| Istio (Ingress, Gateway) | 1 h | DestinationRule `trafficPolicy.connectionPool.http.idleTimeout` (read; `0s`: no limit) |\n' +
      '| Envoy Gateway | 1 h | BackendTrafficPolicy `spec.timeout.http.connectionIdleTimeout` attached to the HTTPRoute (read) |\n' +
      '| Contour, Cilium | 1 h | Envoy cluster idle timeout (controller configuration) |\n' +
      '| Kong | 60 s | `upstream_keepalive_idle_timeout` (Kong configuration) |',
    why:
      'A proxy keeps idle connections to pods open and reuses them for later requests. When the app closes an idle ' +
      'connection first, there is a moment where the proxy sends a new request on a connection the app has just closed: ' +
      'the request is reset and the proxy answers 502. The failures are few, steady and random, appear in no app log ' +
      '(the app saw no request), and grow with traffic that pauses for just the app\'s idle timeout.',
    fix:
      'Keep idle connections open in the app longer than any proxy in front does (or lower the proxy\'s idle timeout ' +
      'below the app\'s):\n\n```yaml\n# gunicorn behind ingress-nginx or an ALB (60 s)\nargs: [gunicorn, --keep-alive, "65", app:app]\n' +
      '---\n# uvicorn\nargs: [uvicorn, app:app, --timeout-keep-alive, "65"]\n---\n# Spring Boot\nenv:\n' +
      '  - {name: SERVER_TOMCAT_KEEPALIVETIMEOUT, value: 65s}\n```\n\nIn Node.js: `server.keepAliveTimeout = 65000; ' +
      `server.headersTimeout = 66000;\`. When the app's timeout is set in code, say so with \`${IDLE_ANNOTATION}: "65s"\`.`,
    notes:
      'Silent without evidence of the app\'s timeout (a command guard502 does not recognise, a gunicorn config file, ' +
      '`npm start`), for proxies whose controller is not identified (an Ingress without a known class, a route whose ' +
      'Gateway or GatewayClass is not in the input), and for containers no gateway reaches. Controller-wide settings ' +
      '(ingress-nginx ConfigMap, Kong configuration) are not read: the documented defaults are assumed. Connections ' +
      'between mesh sidecars are not judged.',
  },
  evaluate(w, graph, params) {
    if (!isWorkload(w)) return [];
    const served = servedContainers(w, graph).filter((s) => s.gatewayFacing);
    if (served.length === 0) return [];
    const windows = idleWindowsReaching(w, graph);
    const hits: RuleHit[] = [];
    for (const s of served) {
      const app = appIdle(w, s.container);
      if (!app) continue;
      const services = new Set(s.targets.map((t) => t.service.key));
      const longest = windows.filter((p) => services.has(p.service.key)).sort((a, b) => b.seconds - a.seconds)[0];
      if (!longest || app.seconds >= longest.seconds + params.marginSeconds) continue;
      const need = longest.seconds === Infinity ? undefined : Math.ceil(longest.seconds + Math.max(params.marginSeconds, 5));
      const severity: Severity = app.hint ? 'info' : 'warning';
      hits.push({
        path: app.path,
        message:
          `Container ${s.container.name} of ${workloadName(w)} closes idle keep-alive connections after ${formatSeconds(app.seconds)} ` +
          `(${app.said}), but ${describeWindow(longest)} reuses idle connections to it for ${longest.seconds === Infinity ? 'ever' : `up to ${formatSeconds(longest.seconds)}`}: ` +
          'a request sent on a connection the app has just closed is reset, and the proxy answers 502 — a low, steady rate that no app log shows.',
        fix: need !== undefined && need <= 600
          ? fixWithYaml(`In ${app.server}, ${app.raise(need)}; or lower ${longest.how} below ${formatSeconds(app.seconds)}. As YAML, when the timeout is set in code:`, {
            metadata: { annotations: { [IDLE_ANNOTATION]: `${need}s` } },
          })
          : `Lower the proxy's idle timeout (${longest.how}) below the app's ${formatSeconds(app.seconds)}, or in ${app.server}, ${app.raise(need ?? 3605)}.`,
        ...(severity !== 'warning' ? { severity } : {}),
      });
    }
    return hits;
  },
  fixtures: {
    fire: [
      {
        name: 'gunicorn with its 2s default behind ingress-nginx (60s)',
        yaml: appYaml({ ingress: true, containers: '        - {name: app, image: shop, args: [gunicorn, -b, "0.0.0.0:8080", app:app], ports: [{name: http, containerPort: 8080}]}\n' }),
        expect: [
          { severity: 'warning', path: 'spec.template.spec.containers[0].args[0]', message: 'Container app of Deployment/web closes idle keep-alive connections after 2s (gunicorn\'s default, no --keep-alive), but ingress-nginx (Ingress/web) reuses idle connections to it for up to 60s: a request sent on a connection the app has just closed is reset, and the proxy answers 502 — a low, steady rate that no app log shows.', fix: 'In gunicorn, set `--keep-alive 65` in its args; or lower `upstream-keepalive-timeout` in the controller ConfigMap below 2s. As YAML, when the timeout is set in code:' },
        ],
      },
      {
        name: 'GUNICORN_CMD_ARGS sets --keep-alive 30, under the 60s of ingress-nginx',
        yaml: appYaml({ ingress: true, containers: '        - name: app\n          image: shop\n          command: [gunicorn, app:app]\n          env: [{name: GUNICORN_CMD_ARGS, value: "--workers 4 --keep-alive 30"}]\n          ports: [{name: http, containerPort: 8080}]\n' }),
        expect: [
          { severity: 'warning', path: 'spec.template.spec.containers[0].env[0]', message: 'Container app of Deployment/web closes idle keep-alive connections after 30s (--keep-alive 30 in GUNICORN_CMD_ARGS), but ingress-nginx (Ingress/web) reuses idle connections to it for up to 60s: a request sent on a connection the app has just closed is reset, and the proxy answers 502 — a low, steady rate that no app log shows.', fix: 'In gunicorn, set `--keep-alive 65` in its args; or lower `upstream-keepalive-timeout` in the controller ConfigMap below 30s. As YAML, when the timeout is set in code:' },
        ],
      },
      {
        name: 'uvicorn --timeout-keep-alive 30 behind an ALB',
        yaml: appYaml({ ingress: 'alb', containers: '        - {name: app, image: api, command: [uvicorn, main:app, --host, 0.0.0.0, --timeout-keep-alive, "30"], ports: [{name: http, containerPort: 8000}]}\n' }),
        expect: [
          { severity: 'warning', path: 'spec.template.spec.containers[0].command[5]', message: 'Container app of Deployment/web closes idle keep-alive connections after 30s (--timeout-keep-alive 30), but the AWS ALB (Ingress/web) reuses idle connections to it for up to 60s: a request sent on a connection the app has just closed is reset, and the proxy answers 502 — a low, steady rate that no app log shows.', fix: 'In uvicorn, set `--timeout-keep-alive 65` in its args; or lower `idle_timeout.timeout_seconds` in `alb.ingress.kubernetes.io/load-balancer-attributes` below 30s. As YAML, when the timeout is set in code:' },
        ],
      },
      {
        name: 'a Node server behind an Envoy Gateway HTTPRoute (1 h)',
        yaml: `${appYaml({ containers: '        - {name: app, image: registry.example.com/web, command: [node, dist/server.js], ports: [{name: http, containerPort: 3000}]}\n' })}---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: eg}
spec: {controllerName: gateway.envoyproxy.io/gatewayclass-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: eg}
spec:
  gatewayClassName: eg
  listeners: [{name: http, protocol: HTTP, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web}
spec:
  parentRefs: [{name: eg}]
  rules: [{backendRefs: [{name: web, port: 80}]}]
`,
        expect: [
          { severity: 'warning', path: 'spec.template.spec.containers[0].command[1]', message: 'Container app of Deployment/web closes idle keep-alive connections after 5s (Node\'s default, the command runs node dist/server.js), but Envoy Gateway (HTTPRoute/web) reuses idle connections to it for up to 3600s (1h): a request sent on a connection the app has just closed is reset, and the proxy answers 502 — a low, steady rate that no app log shows.', fix: 'Lower the proxy\'s idle timeout (BackendTrafficPolicy `spec.timeout.http.connectionIdleTimeout` attached to the HTTPRoute) below the app\'s 5s, or in Node.js, set `server.keepAliveTimeout = 3605000` and `server.headersTimeout = 3606000` on the Node.js HTTP server.' },
        ],
      },
      {
        name: 'next start --keepAliveTimeout 60000 behind Traefik (90s)',
        yaml: appYaml({ ingress: 'traefik', containers: '        - {name: app, image: site, command: [npx, next, start, --keepAliveTimeout, "60000"], ports: [{name: http, containerPort: 3000}]}\n' }),
        expect: [
          { severity: 'warning', path: 'spec.template.spec.containers[0].command[4]', message: 'Container app of Deployment/web closes idle keep-alive connections after 60s (--keepAliveTimeout 60000, in milliseconds), but Traefik (Ingress/web) reuses idle connections to it for up to 90s: a request sent on a connection the app has just closed is reset, and the proxy answers 502 — a low, steady rate that no app log shows.', fix: 'In Next.js, set `--keepAliveTimeout 95000` in its args; or lower ServersTransport `spec.forwardingTimeouts.idleConnTimeout` below 60s. As YAML, when the timeout is set in code:' },
        ],
      },
      {
        name: 'Spring Boot server.tomcat.keep-alive-timeout 20000 in milliseconds in JAVA_OPTS behind ingress-nginx',
        yaml: appYaml({ ingress: true, containers: '        - name: app\n          image: orders\n          env: [{name: JAVA_OPTS, value: "-Xmx512m -Dserver.tomcat.keep-alive-timeout=20000"}]\n          ports: [{name: http, containerPort: 8080}]\n' }),
        expect: [
          { severity: 'warning', path: 'spec.template.spec.containers[0].env[0]', message: 'Container app of Deployment/web closes idle keep-alive connections after 20s (server.tomcat.keep-alive-timeout=20000, in milliseconds), but ingress-nginx (Ingress/web) reuses idle connections to it for up to 60s: a request sent on a connection the app has just closed is reset, and the proxy answers 502 — a low, steady rate that no app log shows.', fix: 'In Tomcat, set `server.tomcat.keep-alive-timeout=65s` (an arg `--server.tomcat.keep-alive-timeout=65s` or the env variable SERVER_TOMCAT_KEEPALIVETIMEOUT); or lower `upstream-keepalive-timeout` in the controller ConfigMap below 20s. As YAML, when the timeout is set in code:' },
        ],
      },
      {
        name: 'the annotation states 30s, behind ingress-nginx',
        yaml: appYaml({ ingress: true, podSpec: '', containers: '        - {name: app, image: custom-server, ports: [{name: http, containerPort: 8080}]}\n' }).replace('metadata: {name: web}\nspec:\n  replicas', 'metadata: {name: web, annotations: {guard502.dev/upstream-idle-timeout: 30s}}\nspec:\n  replicas'),
        expect: [
          { severity: 'warning', path: 'metadata.annotations["guard502.dev/upstream-idle-timeout"]', message: 'Container app of Deployment/web closes idle keep-alive connections after 30s (guard502.dev/upstream-idle-timeout: "30s"), but ingress-nginx (Ingress/web) reuses idle connections to it for up to 60s: a request sent on a connection the app has just closed is reset, and the proxy answers 502 — a low, steady rate that no app log shows.', fix: 'In container app, raise the app\'s idle keep-alive timeout to 65s and update guard502.dev/upstream-idle-timeout; or lower `upstream-keepalive-timeout` in the controller ConfigMap below 30s. As YAML, when the timeout is set in code:' },
        ],
      },
      {
        name: 'only the image hints at Node (info)',
        yaml: appYaml({ ingress: true, containers: '        - {name: app, image: "node:22-alpine", args: [server.js], ports: [{name: http, containerPort: 3000}]}\n' }),
        expect: [
          { severity: 'info', path: 'spec.template.spec.containers[0].image', message: 'Container app of Deployment/web closes idle keep-alive connections after 5s (the Node.js default of 5s, going by the image node:22-alpine), but ingress-nginx (Ingress/web) reuses idle connections to it for up to 60s: a request sent on a connection the app has just closed is reset, and the proxy answers 502 — a low, steady rate that no app log shows.', fix: 'In Node.js, set `server.keepAliveTimeout = 65000` and `server.headersTimeout = 66000` on the Node.js HTTP server; or lower `upstream-keepalive-timeout` in the controller ConfigMap below 5s. As YAML, when the timeout is set in code:' },
        ],
      },
      {
        name: 'Istio DestinationRule idleTimeout 2m is longer than uvicorn --timeout-keep-alive 65',
        yaml: `${appYaml({ ingress: 'istio', containers: '        - {name: app, image: api, args: [uvicorn, main:app, --timeout-keep-alive, "65"], ports: [{name: http, containerPort: 8000}]}\n' })}---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: web}
spec:
  host: web.default.svc.cluster.local
  trafficPolicy: {connectionPool: {http: {idleTimeout: 2m}}}
`,
        expect: [
          { severity: 'warning', path: 'spec.template.spec.containers[0].args[3]', message: 'Container app of Deployment/web closes idle keep-alive connections after 65s (--timeout-keep-alive 65), but Istio (Envoy) (Ingress/web, spec.trafficPolicy.connectionPool.http.idleTimeout: "2m") reuses idle connections to it for up to 120s (2m): a request sent on a connection the app has just closed is reset, and the proxy answers 502 — a low, steady rate that no app log shows.', fix: 'In uvicorn, set `--timeout-keep-alive 125` in its args; or lower spec.trafficPolicy.connectionPool.http.idleTimeout on DestinationRule/web below 65s. As YAML, when the timeout is set in code:' },
        ],
      },
      {
        name: "Puma's 20s default behind a GKE Gateway (600s): an info, config/puma.rb may set it",
        yaml: `${appYaml({ containers: '        - {name: app, image: shop, command: [bundle, exec, puma, -p, "3000"], ports: [{name: http, containerPort: 3000}]}\n' })}---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: gke-l7-global-external-managed}
spec: {controllerName: networking.gke.io/gateway}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: external-http}
spec:
  gatewayClassName: gke-l7-global-external-managed
  listeners: [{name: http, protocol: HTTP, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web}
spec:
  parentRefs: [{name: external-http}]
  rules: [{backendRefs: [{name: web, port: 80}]}]
`,
        expect: [
          { severity: 'info', path: 'spec.template.spec.containers[0].command[2]', message: 'Container app of Deployment/web closes idle keep-alive connections after 20s (Puma\'s default of 20s, unless config/puma.rb sets persistent_timeout), but the Google Cloud load balancer (HTTPRoute/web) reuses idle connections to it for up to 600s (10m): a request sent on a connection the app has just closed is reset, and the proxy answers 502 — a low, steady rate that no app log shows.', fix: 'Lower the proxy\'s idle timeout (none (fixed at 600 s)) below the app\'s 20s, or in Puma, set the env variable `PUMA_PERSISTENT_TIMEOUT=605` (Puma 7), or `persistent_timeout 605` in config/puma.rb.' },
        ],
      },
      {
        name: 'the annotation on the pod template states 45s, behind an ALB idle for 595s: the raised value still fits in YAML',
        yaml: behindAlb(595, '45'),
        expect: [{ severity: 'warning', path: 'spec.template.metadata.annotations["guard502.dev/upstream-idle-timeout"]', message: 'closes idle keep-alive connections after 45s (guard502.dev/upstream-idle-timeout: "45"), but the AWS ALB (Ingress/web, alb.ingress.kubernetes.io/load-balancer-attributes idle_timeout.timeout_seconds: "595") reuses idle connections to it for up to 595s (9m55s)', fix: 'In container app, raise the app\'s idle keep-alive timeout to 600s and update guard502.dev/upstream-idle-timeout; or lower alb.ingress.kubernetes.io/load-balancer-attributes idle_timeout.timeout_seconds on Ingress/web below 45s. As YAML, when the timeout is set in code:\nmetadata:\n  annotations:\n    guard502.dev/upstream-idle-timeout: "600s"' }],
      },
      {
        name: 'an ALB idle for 596s: raising the app past 600s is no advice, lowering the proxy comes first',
        yaml: behindAlb(596, '45'),
        expect: [{ severity: 'warning', path: 'spec.template.metadata.annotations["guard502.dev/upstream-idle-timeout"]', message: 'reuses idle connections to it for up to 596s (9m56s)', fix: 'Lower the proxy\'s idle timeout (alb.ingress.kubernetes.io/load-balancer-attributes idle_timeout.timeout_seconds on Ingress/web) below the app\'s 45s, or in container app, raise the app\'s idle keep-alive timeout to 601s and update guard502.dev/upstream-idle-timeout.' }],
      },
    ],
    silent: [
      {
        name: 'an annotation of 0 states nothing',
        yaml: behindAlb(595, '0'),
      },
      {
        name: 'Envoy Gateway BackendTrafficPolicy connectionIdleTimeout 4s on the route, under Node\'s 5s',
        yaml: `${appYaml({ containers: '        - {name: app, image: web, command: [node, dist/server.js], ports: [{name: http, containerPort: 3000}]}\n' })}---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: eg}
spec: {controllerName: gateway.envoyproxy.io/gatewayclass-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: eg}
spec:
  gatewayClassName: eg
  listeners: [{name: http, protocol: HTTP, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web}
spec:
  parentRefs: [{name: eg}]
  rules: [{backendRefs: [{name: web, port: 80}]}]
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: web}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: web}]
  timeout: {http: {connectionIdleTimeout: 4s}}
`,
      },
      {
        name: 'PUMA_PERSISTENT_TIMEOUT=95 behind ingress-nginx (60s)',
        yaml: appYaml({ ingress: true, containers: '        - name: app\n          image: shop\n          command: [bundle, exec, puma]\n          env: [{name: PUMA_PERSISTENT_TIMEOUT, value: "95"}]\n          ports: [{name: http, containerPort: 3000}]\n' }),
      },
      {
        name: 'gunicorn --keep-alive 75 behind ingress-nginx (60s)',
        yaml: appYaml({ ingress: true, containers: '        - {name: app, image: shop, args: [gunicorn, --keep-alive, "75", app:app], ports: [{name: http, containerPort: 8080}]}\n' }),
      },
      {
        name: 'gunicorn with a config file (it may set keepalive)',
        yaml: appYaml({ ingress: true, containers: '        - {name: app, image: shop, args: [gunicorn, -c, /etc/gunicorn.py, app:app], ports: [{name: http, containerPort: 8080}]}\n' }),
      },
      {
        name: 'no evidence: npm start, a custom image',
        yaml: appYaml({ ingress: true, containers: '        - {name: app, image: shop, command: [npm, start], ports: [{name: http, containerPort: 8080}]}\n' }),
      },
      {
        name: 'a Node server no gateway reaches',
        yaml: appYaml({ containers: '        - {name: app, image: web, command: [node, server.js], ports: [{name: http, containerPort: 3000}]}\n' }),
      },
      {
        name: 'a Node server behind an Ingress whose controller is not identified',
        yaml: appYaml({ ingress: '', containers: '        - {name: app, image: web, command: [node, server.js], ports: [{name: http, containerPort: 3000}]}\n' }),
      },
      {
        name: 'Spring Boot keep-alive 65s behind ingress-nginx (60s)',
        yaml: appYaml({ ingress: true, containers: '        - name: app\n          image: orders\n          env: [{name: SERVER_TOMCAT_KEEPALIVETIMEOUT, value: 65s}]\n          ports: [{name: http, containerPort: 8080}]\n' }),
      },
      {
        name: 'the annotation states 120s, behind ingress-nginx (60s)',
        yaml: appYaml({ ingress: true, containers: '        - {name: app, image: "node:22", command: [node, server.js], ports: [{name: http, containerPort: 3000}]}\n' }).replace('metadata: {name: web}\nspec:\n  replicas', 'metadata: {name: web, annotations: {guard502.dev/upstream-idle-timeout: "120"}}\nspec:\n  replicas'),
      },
      {
        name: 'Traefik ServersTransport idleConnTimeout 3s under the uvicorn default of 5s',
        yaml: `${appYaml({ containers: '        - {name: app, image: api, args: [uvicorn, main:app], ports: [{name: http, containerPort: 8000}]}\n' }).replace('kind: Service\nmetadata: {name: web}', 'kind: Service\nmetadata: {name: web, annotations: {traefik.ingress.kubernetes.io/service.serverstransport: short-idle@kubernetescrd}}')}---
apiVersion: traefik.io/v1alpha1
kind: ServersTransport
metadata: {name: short-idle}
spec: {forwardingTimeouts: {idleConnTimeout: 3s}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  ingressClassName: traefik
  rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]
`,
      },
    ],
  },
});
