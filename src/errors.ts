// Error classes and the one table that maps them to process exit codes.
import type { CallInfo } from './providers/types.ts';

/**
 * Process exit codes. Documented in README.md ("Exit codes"); asserted in test/cli.
 * Keep them stable: cron jobs and CI scripts branch on them.
 */
export const EXIT = {
  ok: 0,
  /** Unexpected internal error (a bug): the message says what happened. */
  internal: 1,
  /** Bad command line: unknown command or option, missing or extra argument (src/cli/main.ts routeUsageErrors). */
  usage: 2,
  /** Invalid or missing configuration. */
  config: 3,
  /** Database unreachable, or busy (embedded database held by another process). */
  database: 4,
  /** Database schema is behind (run `sm-core migrate`) or ahead of this code (upgrade sm-core). */
  schema: 5,
  /** The run failed (provider error after retries, invalid responses...). */
  runFailed: 6,
  /** The run ended partial: some data stored, but the list is known to be incomplete. */
  runPartial: 7,
  /** The profile does not exist at the provider. */
  notFound: 8,
  /** The profile is private: its list cannot be read. */
  private: 9,
  /** Provider throttled or out of quota: try again later. */
  rateLimited: 10,
  /** Provider rejected the API key. */
  unauthorized: 11,
  /**
   * An analysis needs a list that has never completed (`mutuals`, `overlap`, `audience`: a judgement
   * on a partial list would be wrong): sync the list first.
   */
  noCompleteList: 12,
  /** Interrupted by a signal before the work ended. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Base class: a message meant for the user, an exit code, and the original error as `cause`. */
export class AppError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode = EXIT.internal, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Configuration is invalid or incomplete. */
export class ConfigError extends AppError {
  constructor(message: string) {
    super(message, EXIT.config);
  }
}

/** The command line is wrong (missing or conflicting options). */
export class UsageError extends AppError {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

/** Database cannot be reached or is held by another process. */
export class DatabaseError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT.database, options);
  }
}

/** The database's migrations do not match the code's (behind or ahead). */
export class SchemaVersionError extends AppError {
  constructor(message: string) {
    super(message, EXIT.schema);
  }
}

/**
 * Provider failure kinds (docs/providers.md has the full table). The kind, not the message,
 * decides retry, deferral, fallback and exit code.
 */
export type ProviderErrorKind =
  | 'not_found'
  | 'private'
  | 'rate_limited'
  | 'quota_exhausted'
  | 'unauthorized'
  | 'transient'
  | 'unreachable'
  | 'invalid_response';

/** What the sync does with a provider error of a given kind. */
export interface ProviderErrorPolicy {
  /** Retry the same request in place (with backoff). */
  retry: boolean;
  /** Another provider may serve the request instead. */
  fallback: boolean;
  /** The answer is definitive for this subject (no retry, no fallback). */
  definitive: boolean;
  exitCode: ExitCode;
}

/** The single policy table for provider errors. */
export const PROVIDER_ERROR_POLICY: Record<ProviderErrorKind, ProviderErrorPolicy> = {
  not_found: { retry: false, fallback: false, definitive: true, exitCode: EXIT.notFound },
  private: { retry: false, fallback: false, definitive: true, exitCode: EXIT.private },
  rate_limited: { retry: true, fallback: true, definitive: false, exitCode: EXIT.rateLimited },
  quota_exhausted: { retry: false, fallback: true, definitive: false, exitCode: EXIT.rateLimited },
  unauthorized: { retry: false, fallback: true, definitive: false, exitCode: EXIT.unauthorized },
  transient: { retry: true, fallback: true, definitive: false, exitCode: EXIT.runFailed },
  // Connection refused, DNS or TLS failure: nothing was sent, and retrying like a 5xx only delays the
  // answer (src/providers/retry.ts gives a refused connection one quick retry).
  unreachable: { retry: false, fallback: true, definitive: false, exitCode: EXIT.runFailed },
  invalid_response: { retry: true, fallback: true, definitive: false, exitCode: EXIT.runFailed },
};

/**
 * Why a provider could not be reached (kind `unreachable`): the connection was refused (or the host
 * or network unreachable), the host name did not resolve, the TLS handshake failed, or the URL's port
 * is one fetch refuses to use (WHATWG Fetch "bad port": 1, 9, 25...).
 */
export type TransportFailure = 'refused' | 'dns' | 'tls' | 'bad_port';

/** A failed provider request, classified. Never carries the API key or request headers. */
export class ProviderError extends AppError {
  readonly kind: ProviderErrorKind;
  readonly provider: string;
  readonly httpStatus: number | undefined;
  /** Seconds the provider asked us to wait (Retry-After), when it said. */
  readonly retryAfterSeconds: number | undefined;
  /** Raw response body (truncated) kept for debugging invalid responses. */
  readonly rawBody: string | undefined;
  /** Ledger facts of the failed call (endpoint, HTTP status, latency, attempts), set by the provider. */
  call: CallInfo | undefined;
  /** For kind `unreachable`: what failed before any byte reached the provider. */
  readonly transport: TransportFailure | undefined;
  constructor(
    kind: ProviderErrorKind,
    provider: string,
    message: string,
    extra: {
      httpStatus?: number;
      retryAfterSeconds?: number;
      rawBody?: string;
      call?: CallInfo;
      cause?: unknown;
      transport?: TransportFailure;
    } = {},
  ) {
    super(`${provider}: ${message}`, PROVIDER_ERROR_POLICY[kind].exitCode, { cause: extra.cause });
    this.kind = kind;
    this.provider = provider;
    this.httpStatus = extra.httpStatus;
    this.retryAfterSeconds = extra.retryAfterSeconds;
    this.rawBody = extra.rawBody;
    this.call = extra.call;
    this.transport = extra.transport;
  }
}

/** Normalises anything thrown into an Error (graphile-worker's coerceError). */
export function coerceError(err: unknown): Error {
  if (err instanceof Error) return err;
  return new Error(typeof err === 'string' ? err : JSON.stringify(err));
}
