// Connection loss: telling "the connection went away" (server restart, failover, an administrator's
// pg_terminate_backend, a dropped TCP link) from "the statement is wrong", and re-running a whole
// transaction once a fresh connection is available (CASES.md C17).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger.ts';
import type { Database, Transaction } from './database.ts';

/**
 * SQLSTATEs of a lost or refused connection (PostgreSQL appendix A: class 08 connection exception,
 * 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now) and socket error codes.
 */
const LOST = new Set(['08000', '08001', '08003', '08004', '08006', '57P01', '57P02', '57P03', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE']);

/** node-postgres's messages for a socket that closed under a query (they carry no code). */
const LOST_MESSAGE = /Connection terminated|connection closed|Client has encountered a connection error|server closed the connection/i;

/** True when `err` means the database connection was lost, not that the statement failed. */
export function isConnectionLoss(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (typeof e.code === 'string' && LOST.has(e.code)) return true;
  return typeof e.message === 'string' && LOST_MESSAGE.test(e.message);
}

/** Options of {@link retryOnConnectionLoss}. */
export interface ConnectionRetryOptions {
  /** What is retried, for the log line ("page commit"). */
  what: string;
  logger: Logger;
  /** Attempts in all (default 4). */
  attempts?: number;
  /** First wait (ms), doubled per attempt (default 250: 250, 500, 1000 ms). */
  delayMs?: number;
}

/**
 * Runs `fn` (a whole transaction: it rolled back when the connection broke, so running it again is
 * clean) again after a connection loss, up to `attempts` times in all. Any other error is thrown
 * at once. If COMMIT itself was cut off, the first attempt may have committed: `fn` must detect
 * that (the sync steps do: the page commit is unique per queue job, service_calls_queue_job_key).
 * @throws the last connection error when every attempt lost its connection, or the first other error
 */
export async function retryOnConnectionLoss<T>(fn: () => Promise<T>, o: ConnectionRetryOptions): Promise<T> {
  const attempts = o.attempts ?? 4;
  const delayMs = o.delayMs ?? 250;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isConnectionLoss(err) || attempt >= attempts) throw err;
      const wait = delayMs * 2 ** (attempt - 1);
      o.logger.warn(
        { attempt, waitMs: wait, err: { message: (err as Error).message } },
        `database connection lost during ${o.what}; retrying`,
      );
      await sleep(wait);
    }
  }
}

/**
 * `db.transaction(fn)`, run again from the start after a connection loss ({@link retryOnConnectionLoss}).
 * `fn` must only touch the database (it may run more than once).
 */
export function retryingTransaction<T>(db: Database, o: ConnectionRetryOptions, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  return retryOnConnectionLoss(() => db.transaction(fn), o);
}
