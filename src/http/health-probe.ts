// The /health probe's own database connection (issue 14): a pool of one connection, apart from the
// pool that searches use, with a short budget for connecting and answering. Under search load the
// probe no longer waits behind searches for a pooled connection, so it says "unreachable" only
// when the database does not answer, not when the server is merely busy.
import pg from 'pg';
import type { Queryable } from '../db/database.ts';
import { SchemaVersionError } from '../errors.ts';
import type { Logger } from '../logger.ts';

/** Connections of one pool, as /metrics reports them. */
export interface PoolStats {
  /** Open connections. */
  total: number;
  /** Open connections not in use. */
  idle: number;
  /** Callers waiting for a connection. */
  waiting: number;
}

/** Runs health checks on a dedicated connection. */
export interface HealthProbe {
  /** Budget of one check (ms): connecting (when needed) plus the statements. */
  readonly timeoutMs: number;
  /**
   * Runs `check` on the probe's connection within {@link timeoutMs}. A connection that timed out
   * or failed is closed, so the next check connects afresh (a terminated backend is not fatal).
   * @throws the driver's error, or Error "... did not answer within N ms"
   */
  run<T>(check: (db: Queryable) => Promise<T>): Promise<T>;
  stats(): PoolStats;
  close(): Promise<void>;
}

/** Rejects with "`what` did not answer within `ms` ms" unless `work` settles first. */
export function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Creates the probe (application_name `sm-core-health`); it connects on the first check.
 * @param connectionString the same server as the main pool (never logged)
 * @param timeoutMs budget of one check, connecting included (SM_HEALTH_TIMEOUT_MS)
 */
export function createHealthProbe(connectionString: string, timeoutMs: number, logger: Logger): HealthProbe {
  const pool = new pg.Pool({
    connectionString,
    application_name: 'sm-core-health',
    max: 1,
    connectionTimeoutMillis: timeoutMs,
    idleTimeoutMillis: 0, // keep the connection: checks come every few seconds
    statement_timeout: timeoutMs,
  });
  pool.on('error', (err) => logger.warn({ err: { message: err.message } }, 'health connection dropped; the next check reconnects'));
  return {
    timeoutMs,
    async run(check) {
      const deadline = performance.now() + timeoutMs;
      const client = await pool.connect(); // bounded by connectionTimeoutMillis
      let broken: Error | undefined;
      try {
        const db: Queryable = {
          query: async (text, params) => {
            const res = await client.query(text, params as unknown[] | undefined);
            return { rows: res.rows, rowCount: res.rowCount ?? 0 };
          },
        };
        return await withTimeout(check(db), Math.max(1, Math.round(deadline - performance.now())), 'the database');
      } catch (err) {
        // A schema answer or an SQL error came over a working connection; anything else may have left it unusable.
        const sqlState = typeof (err as { code?: unknown }).code === 'string' && /^[0-9A-Z]{5}$/.test((err as { code: string }).code);
        if (!(err instanceof SchemaVersionError) && !sqlState) broken = err as Error;
        throw err;
      } finally {
        client.release(broken);
      }
    },
    stats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: () => pool.end(),
  };
}

/** A probe over the shared pool (servers built without a probe, e.g. tests): the same checks and budget, on a pooled connection. */
export function sharedPoolProbe(db: Queryable, timeoutMs: number): HealthProbe {
  return {
    timeoutMs,
    run: (check) => withTimeout(check(db), timeoutMs, 'the database'),
    stats: () => ({ total: 0, idle: 0, waiting: 0 }),
    close: async () => {},
  };
}
