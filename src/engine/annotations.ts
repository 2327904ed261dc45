// Annotation keys are contracts (README.md, Silencing and policy): users and tools read and write them.
export const ANNOTATION_PREFIX = 'guard502.dev/';
export const ANNOTATION_FINDINGS = 'guard502.dev/findings';
export const ANNOTATION_RISK = 'guard502.dev/risk';
export const ANNOTATION_CHECKED = 'guard502.dev/checked';
export const ANNOTATION_IGNORE = 'guard502.dev/ignore';
export const ANNOTATION_IGNORE_REASON = 'guard502.dev/ignore-reason';
