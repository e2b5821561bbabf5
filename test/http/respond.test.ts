// toHttpError: the one mapping of thrown errors (AppError exit codes, SQLSTATEs) to API statuses.
import { describe, expect, it } from 'vitest';
import { AppError, DatabaseError, EXIT, SchemaVersionError, UsageError } from '../../src/errors.ts';
import { toHttpError } from '../../src/http/respond.ts';

const seen = (err: unknown) => {
  const e = toHttpError(err);
  return { status: e.status, code: e.code, message: e.message, headers: e.headers };
};

describe('toHttpError', () => {
  it('maps AppError exit codes through HTTP_STATUS_OF_EXIT, keeping the message meant for people', () => {
    expect(seen(new UsageError('@a is named twice: give each profile once'))).toEqual({
      status: 400,
      code: 'invalid_parameter',
      message: '@a is named twice: give each profile once',
      headers: {},
    });
    expect(seen(new AppError('@a is not stored yet', EXIT.notFound))).toMatchObject({ status: 404, code: 'not_found' });
    expect(seen(new AppError("@a's followers list has never been synced completely", EXIT.noCompleteList))).toEqual({
      status: 409,
      code: 'list_never_completed',
      message: "@a's followers list has never been synced completely",
      headers: {},
    });
    expect(seen(new SchemaVersionError('run sm-core migrate'))).toMatchObject({ status: 503, code: 'schema_not_current' });
  });

  it('never passes a database error message (it may name hosts) and gives Retry-After', () => {
    expect(seen(new DatabaseError('cannot reach db.internal.example:5432'))).toEqual({
      status: 503,
      code: 'database_unavailable',
      message: 'the database is unreachable; retry later',
      headers: { 'retry-after': '5' },
    });
  });

  it('answers a bare 500 for exit codes with no HTTP meaning and for unknown errors', () => {
    expect(seen(new AppError('a bug with details', EXIT.internal))).toMatchObject({ status: 500, code: 'internal' });
    expect(seen(new AppError('the run failed', EXIT.runFailed)).message).toBe('internal error; the server log has the details');
    expect(seen(new TypeError('x is undefined'))).toMatchObject({ status: 500, code: 'internal' });
  });
});
