import { defineRule } from '../engine/rule.ts';

// Placeholder: evaluation, docs and fixtures to be written.
export default defineRule({
  id: 'proxy-timeout-unbounded',
  title: 'Proxy timeout disabled or above the ceiling',
  shape: 'too-slow',
  severity: 'warning',
  targets: [],
  params: {},
  docs: { what: '', why: '', fix: '' },
  evaluate() {
    return [];
  },
  fixtures: { fire: [], silent: [] },
});
