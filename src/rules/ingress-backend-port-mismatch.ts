import { defineRule } from '../engine/rule.ts';

// Placeholder: evaluation, docs and fixtures to be written.
export default defineRule({
  id: 'ingress-backend-port-mismatch',
  title: 'Ingress backend port is not a port of its Service',
  shape: 'unreachable',
  severity: 'error',
  targets: [],
  params: {},
  docs: { what: '', why: '', fix: '' },
  evaluate() {
    return [];
  },
  fixtures: { fire: [], silent: [] },
});
