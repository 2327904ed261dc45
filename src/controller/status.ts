// Guard502Policy status: the generation the controller applies, a Ready
// condition, and how many findings of each severity the policy governs now.
// Written on an interval and only when it changed.

import { ApiError, objectPath, type KubeClient } from '../cluster/client.ts';
import type { Severity } from '../engine/types.ts';
import { POLICY_GROUP, POLICY_PLURAL, POLICY_VERSION } from '../policy/crd.ts';
import type { Policy } from '../policy/policy.ts';
import type { Logger } from '../server/log.ts';

type Record_ = { policy: string; findings: Array<{ severity: Severity }> };

export class PolicyStatus {
  private readonly client: KubeClient;
  private readonly log: Logger;
  private readonly records: () => Iterable<Record_>;
  private policies: () => Policy[] = () => [];
  private timer: NodeJS.Timeout | undefined;
  private dirty = true;
  private readonly written = new Map<string, string>();
  private readonly since = new Map<string, string>();

  constructor(client: KubeClient, log: Logger, records: () => Iterable<Record_>) {
    this.client = client;
    this.log = log;
    this.records = records;
  }

  setPolicies(policies: () => Policy[]): void {
    this.policies = policies;
  }

  touch(): void {
    this.dirty = true;
  }

  start(intervalMs: number): void {
    this.stop();
    this.timer = setInterval(() => void this.flush(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async flush(): Promise<void> {
    const counts = new Map<string, Record<Severity, number>>();
    for (const r of this.records()) {
      const c = counts.get(r.policy) ?? { error: 0, warning: 0, info: 0 };
      for (const f of r.findings) c[f.severity]++;
      counts.set(r.policy, c);
    }
    for (const p of this.policies()) {
      const findings = counts.get(p.name) ?? { error: 0, warning: 0, info: 0 };
      const key = JSON.stringify([p.generation, findings]);
      if (this.written.get(p.name) === key) continue;
      const since = this.since.get(p.name) ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      this.since.set(p.name, since);
      const status = {
        observedGeneration: p.generation,
        findings,
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            observedGeneration: p.generation,
            lastTransitionTime: since,
            reason: 'Applied',
            message: `generation ${p.generation} applied: ${findings.error} errors, ${findings.warning} warnings, ${findings.info} info on the objects it governs`,
          },
        ],
      };
      try {
        await this.client.mergePatch(`${objectPath(POLICY_GROUP, POLICY_VERSION, POLICY_PLURAL, '', p.name)}/status`, { status });
        this.written.set(p.name, key);
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) continue;
        this.log.warn({ policy: p.name, error: (err as Error).message }, 'could not write policy status');
      }
    }
    this.dirty = false;
  }
}
