// Logger: pino JSON lines to stderr (stdout is for results), every line scrubbed of secret values.
import { pino, type Logger } from 'pino';
import { redact } from './config.ts';

export type { Logger };

/**
 * Creates the process logger. Writes to stderr (fd 2) so `--json` output on stdout stays clean.
 * @param level pino level name ('info', 'debug', 'silent', ...)
 * @param secrets values to replace with `[redacted]` in every line
 */
export function createLogger(level: string, secrets: readonly string[] = []): Logger {
  return pino(
    {
      level,
      base: { app: 'sm-core' },
      hooks: secrets.length ? { streamWrite: (line: string) => redact(line, secrets) } : {},
    },
    pino.destination({ fd: 2, sync: true }),
  );
}
