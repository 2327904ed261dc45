// Prometheus metrics of the admission face.
import { Counter, Histogram, type Registry } from 'prom-client';

export interface WebhookMetrics {
  requests: Counter<'endpoint' | 'decision'>;
  latency: Histogram<'endpoint'>;
  findings: Counter<'rule' | 'severity' | 'action'>;
}

export function webhookMetrics(registry: Registry): WebhookMetrics {
  return {
    requests: new Counter({
      name: 'guard502_admission_requests_total',
      help: 'Admission requests by endpoint and decision (allowed, warned, denied, skipped, error-allowed, error-denied, bad-request).',
      labelNames: ['endpoint', 'decision'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'guard502_admission_duration_seconds',
      help: 'Time from request received to response written.',
      labelNames: ['endpoint'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    findings: new Counter({
      name: 'guard502_admission_findings_total',
      help: 'Findings reported at admission, by rule, severity and action taken.',
      labelNames: ['rule', 'severity', 'action'],
      registers: [registry],
    }),
  };
}
