// Every manifest bundled in examples/ is one the API server accepts: a broken
// example must be broken the way guard502 says (a 502 waiting to happen), not
// rejected by kube-apiserver before guard502 ever sees it. Checked by server-side
// dry run, with the Gateway API CRDs of the official module installed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { useControlPlane } from '../support/control-plane.ts';

const EXAMPLES = new URL('../../examples/', import.meta.url).pathname;
/** The Gateway API release whose standard CRDs the examples are written against. */
const GATEWAY_API = 'sigs.k8s.io/gateway-api@v1.4.0';

function manifests(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? manifests(join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

/** The standard-channel CRDs, from the Go module cache (fetched through the module proxy when absent). */
function gatewayApiCrds(): string[] {
  const out = execFileSync('go', ['mod', 'download', '-json', GATEWAY_API], { encoding: 'utf8', timeout: 300_000 });
  const dir = join((JSON.parse(out) as { Dir: string }).Dir, 'config', 'crd', 'standard');
  return readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => join(dir, f));
}

describe('e2e: the bundled examples on a real apiserver', function () {
  this.timeout(300_000);
  const env = useControlPlane();
  const files = manifests(EXAMPLES);

  before(async () => {
    const crds = gatewayApiCrds();
    assert.ok(crds.length >= 5, `Gateway API CRDs not found: ${crds.join(', ')}`);
    // `create`, not `apply`: the HTTPRoute CRD is too large for the last-applied annotation.
    const created = await env.cp.kubectl(['create', ...crds.flatMap((f) => ['-f', f])]);
    assert.equal(created.code, 0, created.stderr);
    const established = await env.cp.kubectl(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
    assert.equal(established.code, 0, established.stderr);
    const namespaces = new Set(
      files.flatMap((f) => (loadAll(readFileSync(f, 'utf8')) as Array<{ metadata?: { namespace?: string } } | null>).map((d) => d?.metadata?.namespace).filter((n): n is string => !!n)),
    );
    for (const ns of namespaces) assert.equal((await env.cp.kubectl(['create', 'namespace', ns])).code, 0);
  });

  it('finds the examples', () => {
    assert.ok(files.length >= 4, files.join(', '));
  });

  for (const file of manifests(EXAMPLES)) {
    const name = file.slice(EXAMPLES.length);
    it(`accepts examples/${name} (kubectl apply --dry-run=server)`, async () => {
      const r = await env.cp.kubectl(['apply', '--dry-run=server', '-f', file]);
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      assert.doesNotMatch(r.stderr, /error|invalid/i, r.stderr);
    });
  }
});
