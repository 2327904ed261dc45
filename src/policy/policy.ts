// The resolved policy: what the Guard502Policy (cluster) or `--policy FILE` (CLI)
// says, with defaults filled in. Pure data; loading and validation live in load.ts.

import type { LabelSelector } from '../engine/selectors.ts';
import type { Severity } from '../engine/types.ts';

export type Action = 'deny' | 'warn' | 'audit' | 'off';
export const ACTIONS: readonly Action[] = ['deny', 'warn', 'audit', 'off'];

export interface RulePolicy {
  action?: Action;
  severity?: Severity;
  parameters?: Record<string, number | boolean | string>;
}

export interface Exemption {
  /** Rule IDs; empty means every rule. */
  rules: string[];
  /** Exact matches; an absent field matches anything. No prefixes or globs: `web` never exempts `web-evil`. */
  namespace?: string;
  kind?: string;
  name?: string;
  reason: string;
}

export interface Policy {
  name: string;
  generation: number;
  /** Action for each severity, unless a rule says otherwise. */
  actions: Record<Severity, Action>;
  rules: Record<string, RulePolicy>;
  /** Only namespaces matching this selector are checked (absent: all). */
  namespaceSelector?: LabelSelector;
  excludedNamespaces: string[];
  exemptions: Exemption[];
  /** Whether `guard502.dev/ignore` annotations on objects are honoured. */
  allowIgnoreAnnotations: boolean;
  /** What the webhook answers when it could not check a request: deny, or allow with a warning saying so. */
  onError: 'deny' | 'allow';
}

export const DEFAULT_ACTIONS: Readonly<Record<Severity, Action>> = { error: 'deny', warning: 'warn', info: 'audit' };

export function defaultPolicy(): Policy {
  return {
    name: '(built-in defaults)',
    generation: 0,
    actions: { ...DEFAULT_ACTIONS },
    rules: {},
    excludedNamespaces: [],
    exemptions: [],
    allowIgnoreAnnotations: true,
    onError: 'deny',
  };
}
