import { defineRule } from '../engine/rule.ts';

// Placeholder: evaluation, docs and fixtures to be written.
export default defineRule({
  id: 'service-publishes-not-ready',
  title: 'Gateway-facing Service publishes not-ready pods',
  shape: 'unreachable',
  severity: 'warning',
  targets: [],
  params: {},
  docs: { what: '', why: '', fix: '' },
  evaluate() {
    return [];
  },
  fixtures: { fire: [], silent: [] },
});
