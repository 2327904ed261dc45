// Prometheus metrics of the controller. Finding counts are computed at scrape
// time from the controller's own record, so they are never stale or double-counted.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Severity } from '../engine/types.ts';

export interface ControllerMetrics {
  reconcileSeconds: Histogram<'result'>;
  writes: Counter<'kind' | 'result'>;
  events: Counter<'rule' | 'result'>;
  leader: Gauge;
}

export function controllerMetrics(
  registry: Registry,
  sources: { queueDepth: () => number; findings: () => Iterable<{ rule: string; severity: Severity }> },
): ControllerMetrics {
  new Gauge({
    name: 'guard502_controller_queue_depth',
    help: 'Objects waiting to be re-checked.',
    registers: [registry],
    collect() {
      this.set(sources.queueDepth());
    },
  });
  new Gauge({
    name: 'guard502_findings',
    help: 'Findings currently written on objects, by rule and severity.',
    labelNames: ['rule', 'severity'],
    registers: [registry],
    collect() {
      this.reset();
      const counts = new Map<string, { rule: string; severity: Severity; n: number }>();
      for (const f of sources.findings()) {
        const k = `${f.rule}/${f.severity}`;
        const c = counts.get(k) ?? { rule: f.rule, severity: f.severity, n: 0 };
        c.n++;
        counts.set(k, c);
      }
      for (const c of counts.values()) this.set({ rule: c.rule, severity: c.severity }, c.n);
    },
  });
  return {
    reconcileSeconds: new Histogram({
      name: 'guard502_controller_reconcile_duration_seconds',
      help: 'Time to re-check one object and write its annotations when they changed.',
      labelNames: ['result'],
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    writes: new Counter({
      name: 'guard502_controller_writes_total',
      help: 'Annotation patches sent, by kind and result (ok, conflict, gone, error).',
      labelNames: ['kind', 'result'],
      registers: [registry],
    }),
    events: new Counter({
      name: 'guard502_controller_events_total',
      help: 'Kubernetes Events for findings that appeared, by rule and result (created, counted: an existing Event counted once more, dropped: over the per-object limit, withdrawn: the finding was gone by its turn, failed).',
      labelNames: ['rule', 'result'],
      registers: [registry],
    }),
    leader: new Gauge({ name: 'guard502_controller_leader', help: '1 while this replica is the leader (the one that writes).', registers: [registry] }),
  };
}
