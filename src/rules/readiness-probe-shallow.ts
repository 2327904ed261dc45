import { defineRule } from '../engine/rule.ts';

// Placeholder: evaluation, docs and fixtures to be written.
export default defineRule({
  id: 'readiness-probe-shallow',
  title: 'Readiness probe cannot tell a working app from an open socket',
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
