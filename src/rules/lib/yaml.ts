// Renders the YAML snippets that findings propose as fixes.
import yaml from 'js-yaml';

export function toYaml(value: unknown): string {
  return yaml.dump(value, { lineWidth: 120, noRefs: true }).trimEnd();
}

/** `fix` text: a sentence, then the YAML to apply, indented for a terminal. */
export function fixWithYaml(sentence: string, value: unknown): string {
  return `${sentence}\n${toYaml(value)}`;
}
