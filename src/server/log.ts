// Structured JSON logs (pino): one object per line on stdout, the level as a
// word, the time as RFC 3339, so any log pipeline can parse them. Objects'
// contents are never logged — only their identity.

import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.GUARD502_LOG_LEVEL ?? 'info',
      base: { app: 'guard502' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? process.stdout,
  );
}

/** A logger that drops everything (tests that do not look at logs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
