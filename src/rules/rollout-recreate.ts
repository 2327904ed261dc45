import { defineRule } from '../engine/rule.ts';

// Placeholder: evaluation, docs and fixtures to be written.
export default defineRule({
  id: 'rollout-recreate',
  title: 'Recreate rollout behind a Service',
  shape: 'reset',
  severity: 'error',
  targets: [],
  params: {},
  docs: { what: '', why: '', fix: '' },
  evaluate() {
    return [];
  },
  fixtures: { fire: [], silent: [] },
});
