// Database seam over a PostgreSQL server (node-postgres Pool).
import pg from 'pg';
import { DatabaseError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { toBossDb, type Database, type Queryable, type Transaction } from './database.ts';

/** Connection errors that mean "the server is not there" rather than "the query is wrong". */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', '3D000', '28P01', '28000']);

/** Options of {@link openServerDatabase}. */
export interface ServerDatabaseOptions {
  /** `server` (DATABASE_URL / DB_HOST) or `embedded` (the server sm-core runs itself). */
  kind?: Database['kind'];
  /** Label for messages (default host:port/database); never holds a password. */
  label?: string;
  /** Create the database when it does not exist yet (the embedded server's own databases). */
  createIfMissing?: boolean;
  /** Called once the pool has ended (the embedded server's client registration). */
  onClose?: () => void;
  /** Connections in the pool (SM_DB_POOL_SIZE; default 10). */
  poolSize?: number;
}

/**
 * Opens a pg Pool (application_name `sm-core`) and checks it answers.
 * The Pool's `error` listener logs dropped idle connections instead of crashing (CASES.md C17).
 * @throws DatabaseError naming host and database (never the password) when the server is unreachable
 */
export async function openServerDatabase(connectionString: string, logger: Logger, options: ServerDatabaseOptions = {}): Promise<Database> {
  const url = new URL(connectionString);
  const label = options.label ?? `${url.hostname}:${url.port || 5432}${url.pathname}`;
  const pool = new pg.Pool({ connectionString, application_name: 'sm-core', max: options.poolSize ?? 10, connectionTimeoutMillis: 10_000 });
  pool.on('error', (err) => logger.warn({ err: { message: err.message } }, 'database connection dropped; the pool reconnects on next use'));
  try {
    await pool.query('select 1');
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (code === '3D000' && options.createIfMissing) {
      await pool.end().catch(() => {});
      try {
        await createDatabase(connectionString, url.pathname.slice(1));
      } catch (createErr) {
        options.onClose?.();
        throw new DatabaseError(`cannot create the database ${label}: ${(createErr as Error).message}`, { cause: createErr });
      }
      return openServerDatabase(connectionString, logger, { ...options, createIfMissing: false });
    }
    await pool.end().catch(() => {});
    options.onClose?.();
    const hint = UNREACHABLE.has(code) ? 'check DATABASE_URL / DB_HOST and that the server is running' : 'see the cause';
    throw new DatabaseError(`cannot connect to PostgreSQL at ${label}: ${(err as Error).message} (${hint})`, { cause: err });
  }
  const query: Queryable['query'] = async (text, params) => {
    const res = await pool.query(text, params as unknown[] | undefined);
    return { rows: res.rows, rowCount: res.rowCount ?? 0 };
  };
  return {
    kind: options.kind ?? 'server',
    connectionString,
    label,
    query,
    async exec(sql) {
      await pool.query(sql);
    },
    async transaction(fn) {
      const client = await pool.connect();
      let broken: Error | undefined;
      // A checked-out client has no pool listener: without this one, a connection the server ends
      // between two statements (pg_terminate_backend, failover) would crash the process (C17).
      const onError = (err: Error) => {
        broken = err;
        logger.warn({ err: { message: err.message } }, 'database connection dropped inside a transaction');
      };
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const tx: Transaction = {
          query: async (text, params) => {
            const res = await client.query(text, params as unknown[] | undefined);
            return { rows: res.rows, rowCount: res.rowCount ?? 0 };
          },
          exec: async (sql) => {
            await client.query(sql);
          },
        };
        const out = await fn(tx);
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch((rollbackErr: Error) => {
          broken = rollbackErr; // the connection itself is gone: do not return it to the pool
        });
        throw err;
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    },
    bossDb: (tx) => toBossDb(tx ?? { query }),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    async close() {
      try {
        await pool.end();
      } finally {
        options.onClose?.();
      }
    },
  };
}

/**
 * CREATE DATABASE `name` through the `postgres` maintenance database of the same server; a
 * concurrent creator winning the race (42P04 duplicate_database, or 23505 on pg_database) is fine.
 */
async function createDatabase(connectionString: string, name: string): Promise<void> {
  const admin = new URL(connectionString);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), application_name: 'sm-core' });
  await client.connect();
  try {
    // An identifier cannot be a bound parameter: quote it as PostgreSQL's quote_ident would.
    await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== '42P04' && code !== '23505') throw err;
  } finally {
    await client.end();
  }
}
