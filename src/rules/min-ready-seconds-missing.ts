import { defineRule } from '../engine/rule.ts';

// Placeholder: evaluation, docs and fixtures to be written.
export default defineRule({
  id: 'min-ready-seconds-missing',
  title: 'minReadySeconds is 0',
  shape: 'reset',
  severity: 'info',
  targets: [],
  params: {},
  docs: { what: '', why: '', fix: '' },
  evaluate() {
    return [];
  },
  fixtures: { fire: [], silent: [] },
});
