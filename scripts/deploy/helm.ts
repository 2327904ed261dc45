// Finds and runs the helm binary: $HELM, then the one built beside the test
// control plane (~/.cache/guard502/control-plane/<version>/bin/helm, from
// helm's official Go module), then helm on the PATH.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const CHART = join(REPO, 'deploy/helm/guard502');

function executable(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Newest first: the cache is keyed by control-plane version. */
function cachedBinaries(): string[] {
  const roots = [process.env.GUARD502_CACHE ? join(process.env.GUARD502_CACHE, "control-plane") : '', join(homedir(), '.cache/guard502/control-plane')].filter(Boolean);
  const found: { path: string; mtime: number }[] = [];
  for (const root of roots) {
    if (!existsSync(root)) continue;
    for (const version of readdirSync(root)) {
      const path = join(root, version, 'bin/helm');
      if (executable(path)) found.push({ path, mtime: statSync(path).mtimeMs });
    }
  }
  return found.sort((a, b) => b.mtime - a.mtime).map((f) => f.path);
}

export function findHelm(): string | undefined {
  if (process.env.HELM && executable(process.env.HELM)) return process.env.HELM;
  if (process.env.KUBEBUILDER_ASSETS && executable(join(process.env.KUBEBUILDER_ASSETS, 'helm'))) return join(process.env.KUBEBUILDER_ASSETS, 'helm');
  const cached = cachedBinaries()[0];
  if (cached) return cached;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, 'helm'))) return join(dir, 'helm');
  }
  return undefined;
}

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface HelmOptions {
  kubeconfig?: string;
  input?: string;
  timeoutMs?: number;
}

/**
 * Runs helm with its state (cache, config, repositories) in throwaway places
 * under the system temp dir unless the caller's environment says otherwise.
 */
export function runHelm(helm: string, args: readonly string[], options: HelmOptions = {}): HelmResult {
  const env: NodeJS.ProcessEnv = { ...process.env, HELM_CACHE_HOME: process.env.HELM_CACHE_HOME ?? join(tmpHelmHome(), 'cache'), HELM_CONFIG_HOME: process.env.HELM_CONFIG_HOME ?? join(tmpHelmHome(), 'config'), HELM_DATA_HOME: process.env.HELM_DATA_HOME ?? join(tmpHelmHome(), 'data') };
  if (options.kubeconfig) env.KUBECONFIG = options.kubeconfig;
  const r = spawnSync(helm, args, { env, encoding: 'utf8', input: options.input, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? (r.error ? 127 : 1), stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error ? String(r.error) : '') };
}

function tmpHelmHome(): string {
  return join(process.env.TMPDIR ?? '/tmp', `guard502-helm-${process.getuid?.() ?? 'user'}`);
}

/**
 * The Kubernetes version offline renders and lints assume unless told
 * otherwise. Explicit, so the output does not depend on the client-go version
 * a helm binary was built with (a helm built without the release ldflags
 * assumes v1.20, older than the chart supports).
 */
export const OFFLINE_KUBE_VERSION = '1.33.0';

/** Adds --kube-version when the arguments do not choose one. */
export function withKubeVersion(args: readonly string[]): string[] {
  return args.includes('--kube-version') ? [...args] : [...args, '--kube-version', OFFLINE_KUBE_VERSION];
}

/** `helm template` of the chart; throws with helm's message on failure. */
export function template(helm: string, args: readonly string[] = [], release = 'guard502', namespace = 'guard502'): string {
  const r = runHelm(helm, ['template', release, CHART, '--namespace', namespace, ...withKubeVersion(args)]);
  if (r.code !== 0) throw new Error(`helm template ${args.join(' ')} failed: ${r.stderr.trim()}`);
  return r.stdout;
}
