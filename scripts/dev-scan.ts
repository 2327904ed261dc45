// Development aid: prints findings of one or more rules over paths, one line each.
// usage: node scripts/dev-scan.ts [--rule ID]... PATH...
import { scanPaths } from '../src/scan.ts';
import { defaultPolicy } from '../src/policy/policy.ts';
import { RULES } from '../src/rules/index.ts';

const args = process.argv.slice(2);
const only: string[] = [];
const paths: string[] = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--rule') only.push(args[++i] as string);
  else paths.push(args[i] as string);
}
const rules = only.length ? RULES.filter((r) => only.includes(r.id)) : RULES;
const result = await scanPaths(paths, { policy: defaultPolicy(), namespace: 'default', rules });
for (const f of result.findings) {
  console.log(`${f.source?.file}:${f.source?.line} ${f.severity} ${f.rule} ${f.resource.kind}/${f.resource.namespace}/${f.resource.name} ${f.path}: ${f.message}`);
}
for (const f of result.failures) console.log(`CRASH ${f.rule} ${f.resource.kind}/${f.resource.name}: ${f.message}`);
console.log(`-- ${result.findings.length} findings, ${result.errors.length} input errors, ${result.failures.length} rule failures, ${result.resources} resources in ${result.files} files`);
