// Reads the CLI's inputs: files, directories (recursively, *.yaml|*.yml|*.json)
// and stdin ("-"). Unreadable paths become input errors, never exceptions.

import { fs } from '../builtins.ts';
import { join } from 'node:path';
import { parseStream, type InputError, type LoadedObject } from './documents.ts';

const MANIFEST = /\.(ya?ml|json)$/i;

async function listFiles(path: string, errors: InputError[]): Promise<string[]> {
  let info;
  try {
    info = fs.statSync(path);
  } catch (err) {
    errors.push({ file: path, message: `cannot read: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}` });
    return [];
  }
  if (!info.isDirectory()) return [path];
  const out: string[] = [];
  let entries;
  try {
    entries = fs.readdirSync(path, { withFileTypes: true });
  } catch (err) {
    errors.push({ file: path, message: `cannot read directory: ${(err as Error).message}` });
    return [];
  }
  // kubectl walks a directory in byte order of the names (Go's sort.Strings): apply order is that order.
  entries.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  for (const e of entries) {
    const p = join(path, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p, errors)));
    else if (MANIFEST.test(e.name)) out.push(p);
  }
  return out;
}

async function readStdin(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

export interface ReadResult {
  objects: LoadedObject[];
  errors: InputError[];
  files: number;
}

export async function readInputs(paths: readonly string[], stdin?: NodeJS.ReadableStream): Promise<ReadResult> {
  const result: ReadResult = { objects: [], errors: [], files: 0 };
  const files: string[] = [];
  for (const p of paths) files.push(...(p === '-' ? ['-'] : await listFiles(p, result.errors)));
  for (const file of files) {
    const name = file === '-' ? '<stdin>' : file;
    // Files are read synchronously: the scan is a batch job, and one read(2) of a
    // whole manifest beats libuv's chunked asynchronous reads several times over.
    let text: string | Error;
    try {
      // process.stdin only when read: creating the stream loads Node's stream modules.
      text = file === '-' ? await readStdin(stdin ?? process.stdin) : fs.readFileSync(file, 'utf8');
    } catch (err) {
      text = err instanceof Error ? err : new Error(String(err));
    }
    if (text instanceof Error) {
      result.errors.push({ file: name, message: `cannot read: ${text.message}` });
      continue;
    }
    result.files++;
    const parsed = parseStream(text as string, name);
    result.objects.push(...parsed.objects);
    result.errors.push(...parsed.errors);
  }
  return result;
}
