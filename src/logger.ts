// Logger: pino JSON lines to stderr (stdout is for results), every line scrubbed of secret values.
// Pretty lines (pino-pretty, loaded only then) when stderr is a TTY; child loggers carry run and job ids.
import { createRequire } from 'node:module';
import { type DestinationStream, type Logger, pino } from 'pino';
import { redact } from './config.ts';

export type { Logger };

/** `auto` = pretty when the destination is a TTY, JSON otherwise (SM_LOG_FORMAT). */
export type LogFormat = 'auto' | 'json' | 'pretty';

/** Options for {@link createLogger}; the defaults suit the CLI. */
export interface LoggerOptions {
  /** Default `auto`. */
  format?: LogFormat;
  /** Where lines go: a file descriptor (default 2 = stderr) or a stream (tests). */
  destination?: number | NodeJS.WritableStream;
  /** Whether the destination is a terminal; default `process.stderr.isTTY`. Decides `auto`. */
  isTty?: boolean;
}

/**
 * Creates the process logger. Writes to stderr (fd 2) so `--json` output on stdout stays clean.
 * With format `pretty` (or `auto` on a TTY) lines go through pino-pretty, which is only loaded then.
 * @param level pino level name ('info', 'debug', 'silent', ...)
 * @param secrets values to replace with `[redacted]` in every line (before any formatting)
 */
export function createLogger(level: string, secrets: readonly string[] = [], options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? 2;
  const isTty = options.isTty ?? Boolean(process.stderr.isTTY);
  const format = options.format ?? 'auto';
  const pretty = format === 'pretty' || (format === 'auto' && isTty);
  return pino(
    {
      level,
      base: { app: 'sm-core' },
      hooks: secrets.length ? { streamWrite: (line: string) => redact(line, secrets) } : {},
    },
    pretty ? prettyStream(destination, isTty) : jsonStream(destination),
  );
}

function jsonStream(destination: number | NodeJS.WritableStream): DestinationStream {
  return typeof destination === 'number' ? pino.destination({ fd: destination, sync: true }) : (destination as DestinationStream);
}

/** pino-pretty is a dependency of people's terminals only: required lazily, never on the JSON path. */
function prettyStream(destination: number | NodeJS.WritableStream, colorize: boolean): DestinationStream {
  const require = createRequire(import.meta.url);
  const build = require('pino-pretty') as (opts: Record<string, unknown>) => DestinationStream;
  return build({ destination, sync: true, colorize, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,app' });
}

/**
 * The log level when SM_LOG_LEVEL is unset: `info` for long-running services (worker, serve) and on
 * a terminal; `warn` for a one-off command off a terminal (cron, scripts), so it prints its warnings
 * and its one-line error, not a page of info-level JSON.
 * @param service true for `worker` and `serve`
 */
export function defaultLogLevel(service: boolean, isTty: boolean = Boolean(process.stderr.isTTY)): 'info' | 'warn' {
  return service || isTty ? 'info' : 'warn';
}

/** Ids bound to every line a job writes (docs/architecture.md, "Logs"). */
export interface JobLogBindings {
  /** job_calls.id of the run (string: ids are strings end to end). */
  runId: string | number;
  /** pg-boss job id of the page or profile job. */
  jobId?: string;
  /** Queue name = job name = command name (`sync-followers`). */
  queue?: string;
  /** Anything else worth carrying on every line (profile username, provider, page number...). */
  [key: string]: unknown;
}

/**
 * A child logger whose every line carries `runId`, `jobId` and `queue` (as strings), for the sync
 * layer and queue handlers: `const log = jobLogger(ctx.logger, { runId, jobId: job.id, queue: job.name })`.
 */
export function jobLogger(logger: Logger, bindings: JobLogBindings): Logger {
  const { runId, jobId, queue, ...rest } = bindings;
  return logger.child({
    runId: String(runId),
    ...(jobId === undefined ? {} : { jobId }),
    ...(queue === undefined ? {} : { queue }),
    ...rest,
  });
}
