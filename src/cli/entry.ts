// Process entry: real streams, exit code, and an orderly stop on EPIPE (`| head`).
import { main } from './main.ts';

process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

const code = await main(process.argv.slice(2), {
  // Made on first use: each of these streams costs a few milliseconds to create, and a clean scan of
  // files never touches stdin or stderr.
  get stdin() {
    return process.stdin;
  },
  stdout: process.stdout,
  get stderr() {
    return process.stderr;
  },
  isTTY: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
});
process.exitCode = code;
