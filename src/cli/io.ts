/** The process streams a command uses; tests pass their own. */
export interface Io {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  isTTY: boolean;
}

/** A mistake in the command line: reported in one line with exit status 2. */
export class UsageError extends Error {}
