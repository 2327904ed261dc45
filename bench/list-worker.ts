// The floor of the cluster-scan benchmark, in a fresh process like the scan: list
// every kind `guard502 scan --cluster` reads, with the same client and page size,
// and nothing else (no parse into models, no rule). Runs the compiled client of
// the app given (bench/app.ts), as the scan does.
//   node list-worker.ts <app dir> <kubeconfig>
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [app, kubeconfig] = process.argv.slice(2) as [string, string];
const load = (m: string) => import(pathToFileURL(join(app, 'dist', m)).href);
const { KubeClient, collectionPath } = (await load('cluster/client.js')) as typeof import('../src/cluster/client.ts');
const { loadConnection } = (await load('cluster/kubeconfig.js')) as typeof import('../src/cluster/kubeconfig.ts');
const { watchedFor } = (await load('cluster/resources.js')) as typeof import('../src/cluster/resources.ts');

const client = new KubeClient(loadConnection(kubeconfig));
const kinds = watchedFor('controller');
const served = await Promise.all(kinds.map(async (w) => !w.optional || (await client.serves(w.group, w.version, w.plural))));
const lists = await Promise.all(kinds.filter((_, i) => served[i]).map((w) => client.list(collectionPath(w.group, w.version, w.plural), 500)));
client.close();
process.stdout.write(JSON.stringify({ objects: lists.reduce((n, l) => n + l.items.length, 0) }));
