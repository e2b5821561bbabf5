// Responses and errors of the HTTP API: JSON bodies, the one error shape `{error:{code,message}}`,
// and the mapping of thrown errors to statuses. No stack trace ever reaches a client.
import type { ServerResponse } from 'node:http';
import { AppError, EXIT, type ExitCode } from '../errors.ts';
import { SearchInputError } from '../db/queries/search-input.ts';

/** An error meant for the client: status, stable machine code, one-line message. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/** The body of every error response. */
export interface ErrorBody {
  error: { code: string; message: string };
}

/** Writes `body` as JSON (UTF-8) with `status`; a no-op when a response was already sent. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.writableEnded) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/** Writes an error response. */
export function sendError(res: ServerResponse, err: HttpError): void {
  const body: ErrorBody = { error: { code: err.code, message: err.message } };
  sendJson(res, err.status, body, err.headers);
}

/** SQLSTATE classes and codes that mean "the database is not there" rather than "a bug". */
const UNAVAILABLE_CODES = new Set([
  '57P01',
  '57P02',
  '57P03',
  '3D000',
  '08000',
  '08001',
  '08003',
  '08006',
  '53300',
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EPIPE',
]);
/** Undefined table / column: the code expects a newer schema than the database has. */
const SCHEMA_CODES = new Set(['42P01', '42703', '42883']);

/**
 * The one mapping of AppError exit codes (src/errors.ts) to HTTP statuses and error codes, for the
 * errors the shared layers below http throw (src/analytics, src/db). An exit code not listed is a 500.
 * - usage: the request is wrong (e.g. a profile named twice in an overlap);
 * - notFound: no such stored profile;
 * - noCompleteList: 409 Conflict, not 422: the request is well-formed and would succeed once the
 *   stored list has completed; it conflicts with the state of the data, not with its own content
 *   (docs/api.md);
 * - database, schema: the server's database, not the request (a database error's own message may name
 *   hosts, so the client gets a fixed one).
 */
export const HTTP_STATUS_OF_EXIT: Partial<
  Record<ExitCode, { status: number; code: string; message?: string; headers?: Record<string, string> }>
> = {
  [EXIT.usage]: { status: 400, code: 'invalid_parameter' },
  [EXIT.notFound]: { status: 404, code: 'not_found' },
  [EXIT.noCompleteList]: { status: 409, code: 'list_never_completed' },
  [EXIT.database]: {
    status: 503,
    code: 'database_unavailable',
    message: 'the database is unreachable; retry later',
    headers: { 'retry-after': '5' },
  },
  [EXIT.schema]: { status: 503, code: 'schema_not_current' },
};

/**
 * Maps anything a handler threw to the error the client sees. Unknown errors become a generic
 * 500 (the caller logs the original with its stack; the client never sees it).
 */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof SearchInputError) return new HttpError(400, err.code, err.message);
  if (err instanceof AppError) {
    const mapped = HTTP_STATUS_OF_EXIT[err.exitCode];
    if (mapped) return new HttpError(mapped.status, mapped.code, mapped.message ?? err.message, mapped.headers);
  }
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : '';
  if (code === '57014')
    return new HttpError(503, 'timeout', 'the database did not answer in time; try a more specific query or retry later', {
      'retry-after': '1',
    });
  if (SCHEMA_CODES.has(String(code)))
    return new HttpError(503, 'schema_not_current', 'the database schema is not current; run `sm-core migrate`');
  if (
    UNAVAILABLE_CODES.has(String(code)) ||
    /Connection terminated|connection timeout|Client has encountered a connection error/i.test(message)
  ) {
    return new HttpError(503, 'database_unavailable', 'the database is unreachable; retry later', { 'retry-after': '5' });
  }
  return new HttpError(500, 'internal', 'internal error; the server log has the details');
}
