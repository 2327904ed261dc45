import { defineRule } from '../engine/rule.ts';

// Placeholder: evaluation, docs and fixtures to be written.
export default defineRule({
  id: 'route-backend-mismatch',
  title: 'Route backendRef does not resolve',
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
