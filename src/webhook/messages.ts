// What `kubectl apply` prints. Warnings are one line each (kubectl prefixes
// them with "Warning: "), name the rule and the field, and aim at the 120
// characters the API server recommends, cut at a word. The deny message lists every blocking
// finding with its fix, and the request uid so operators can find the log line.

import type { Judgement, JudgedFinding } from './decide.ts';

/** The API server's recommendation for one warning: 120 characters. */
const WARNING_TARGET = 120;
/** What a finding's line keeps of its message however long the rule, field and path before it. */
const MESSAGE_MIN = 80;

function subject(f: JudgedFinding): string {
  return f.neighbour ? `${f.resource.kind} ${f.resource.namespace ? `${f.resource.namespace}/` : ''}${f.resource.name} ${f.path}` : f.path;
}

/** Cuts `s` to at most `max` characters at a word boundary, marking the cut with an ellipsis. */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  const cut = s.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:(—-]+$/, '')}…`;
}

/** `head` then as much of `text` as fits the target, and never less than MESSAGE_MIN characters of it. */
function line(head: string, text: string): string {
  return head + clip(text, Math.max(WARNING_TARGET - head.length, MESSAGE_MIN));
}

function firstSentence(message: string): string {
  const m = /^(.+?\.)(\s|$)/.exec(message);
  return m ? (m[1] as string) : message;
}

const WHY_DOWNGRADED: Record<NonNullable<JudgedFinding['downgraded']>, (f: JudgedFinding) => string> = {
  ratchet: () => '(not blocking: there before this change) ',
  // Named when the rule says what is absent: the rest of the same `kubectl apply -f` may bring it.
  'missing-reference': (f) => (typeof f.missingReference === 'string' ? `(not blocking: ${f.missingReference} does not exist yet) ` : '(not blocking: refers to an object not there yet) '),
  rollback: () => '(not blocking: rollback) ',
  'already-failing': () => '(not blocking: already failing before this change) ',
};

export function warningLines(j: Judgement): string[] {
  const out = j.findings
    .filter((f) => f.action === 'warn')
    .map((f) => line(`guard502 ${f.rule} [${f.shape}] ${subject(f)}: ${f.downgraded ? WHY_DOWNGRADED[f.downgraded](f) : ''}`, firstSentence(f.message)));
  if (j.rollbackTo) out.unshift(`guard502: rollback to ReplicaSet ${j.rollbackTo} admitted; fix the findings below before the next rollout`);
  if (j.decision === 'error-allowed') out.push(line('guard502 could not check this object and admitted it unchecked (policy onError: allow): ', j.note ?? ''));
  if (j.decision === 'skipped' && j.note?.includes('does not check')) out.push(`guard502: ${j.note}`);
  if (out.length > 0 && j.findings.length > 0) out.push(explainHint(j.findings.filter((f) => f.action === 'warn').map((f) => f.rule)));
  return out;
}

/** Where the whole story of each rule is: the CLI, and the rule's page for who does not have the CLI at hand. */
function explainHint(rules: readonly string[]): string {
  const ids = [...new Set(rules)];
  return ids.length === 1
    ? `guard502: the fix: guard502 explain ${ids[0]}, or docs/rules/${ids[0]}.md`
    : 'guard502: the fix of each rule: guard502 explain RULE, or docs/rules/RULE.md';
}

function indent(text: string, by: string): string {
  return text
    .split('\n')
    .map((l) => by + l)
    .join('\n');
}

export function denyMessage(j: Judgement, uid: string, object: string): string {
  if (j.decision === 'error-denied') {
    return `guard502 could not check ${object} and the policy says to deny what it cannot check (onError: deny): ${j.note ?? 'unknown error'} (request uid ${uid})`;
  }
  const blocking = j.findings.filter((f) => f.action === 'deny');
  const lines = [`guard502 rejected ${object}: ${blocking.length} finding${blocking.length === 1 ? '' : 's'} would cause HTTP 502s (request uid ${uid})`];
  blocking.forEach((f, i) => {
    lines.push(`${i + 1}. ${f.rule} [${f.shape}] ${subject(f)}`);
    lines.push(indent(f.message, '   '));
    lines.push('   fix:');
    lines.push(indent(f.fix, '     '));
  });
  lines.push('To silence one rule on this object, annotate it: guard502.dev/ignore: "<rule-id>" (with guard502.dev/ignore-reason), if the policy allows.');
  return lines.join('\n');
}
