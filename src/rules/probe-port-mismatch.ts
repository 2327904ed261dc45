import { defineRule } from '../engine/rule.ts';

// Placeholder: evaluation, docs and fixtures to be written.
export default defineRule({
  id: 'probe-port-mismatch',
  title: 'Probe checks a port the container does not declare',
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
