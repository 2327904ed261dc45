// Server commands: wired when the webhook and controller modules land.
import { UsageError, type Io } from './io.ts';

export async function runServerCommand(command: string, _argv: string[], _io: Io): Promise<number> {
  throw new UsageError(`${command}: not available in this build`);
}
