// What `kubectl apply` prints. Warnings are one line each (kubectl prefixes
// them with "Warning: "), name the rule and the field, and stay short: the API
// server truncates long warnings. The deny message lists every blocking
// finding with its fix, and the request uid so operators can find the log line.

import type { Judgement, JudgedFinding } from './decide.ts';

const WARNING_MAX = 240;

function subject(f: JudgedFinding): string {
  return f.neighbour ? `${f.resource.kind} ${f.resource.namespace ? `${f.resource.namespace}/` : ''}${f.resource.name} ${f.path}` : f.path;
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

function firstSentence(message: string): string {
  const m = /^(.+?\.)(\s|$)/.exec(message);
  return m ? (m[1] as string) : message;
}

const WHY_DOWNGRADED: Record<NonNullable<JudgedFinding['downgraded']>, (f: JudgedFinding) => string> = {
  ratchet: () => '(not blocking: already present before this change) ',
  // Named when the rule says what is absent: the rest of the same `kubectl apply -f` may bring it.
  'missing-reference': (f) => `(not blocking: ${typeof f.missingReference === 'string' ? f.missingReference : 'the object it refers to'} does not exist yet) `,
  rollback: () => '(not blocking: rollback) ',
  'already-failing': () => '(not blocking: it was not working before this change either) ',
};

export function warningLines(j: Judgement): string[] {
  const out = j.findings
    .filter((f) => f.action === 'warn')
    .map((f) => clip(`guard502 ${f.rule} [${f.shape}] ${subject(f)}: ${f.downgraded ? WHY_DOWNGRADED[f.downgraded](f) : ''}${firstSentence(f.message)}`, WARNING_MAX));
  if (j.rollbackTo) out.unshift(`guard502: rollback to ReplicaSet ${j.rollbackTo} admitted; fix the findings below before the next rollout`);
  if (j.decision === 'error-allowed') out.push(clip(`guard502 could not check this object and admitted it unchecked (policy onError: allow): ${j.note ?? ''}`, WARNING_MAX));
  if (j.decision === 'skipped' && j.note?.includes('does not check')) out.push(`guard502: ${j.note}`);
  if (out.length > 0 && j.findings.length > 0) out.push('guard502: run `guard502 explain RULE` for the fix of each rule');
  return out;
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
