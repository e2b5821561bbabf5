// The database seam: one small interface served by a pg Pool (server) or PGlite (embedded default).
import type { PgBoss } from 'pg-boss';
import type { DatabaseTarget } from '../config.ts';
import type { Logger } from '../logger.ts';
import { openEmbeddedDatabase } from './embedded.ts';
import { openServerDatabase } from './server.ts';

type BossDb = NonNullable<ConstructorParameters<typeof PgBoss>[0] extends infer O ? (O extends { db?: infer D } ? D : never) : never>;

/** Result of one statement: rows as plain objects; int8 and numeric columns come back as strings. */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

/** Anything that runs one parameterised statement: the database itself or an open transaction. */
export interface Queryable {
  /**
   * Runs one statement with bound parameters (`$1`, `$2`...). Never interpolate values into `text`.
   * @throws the driver's error (pg DatabaseError with `code` = SQLSTATE)
   */
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
}

/** An open transaction: parameterised statements plus multi-statement `exec` (migration files). */
export interface Transaction extends Queryable {
  exec(sql: string): Promise<void>;
}

/** The seam every query module depends on. The same SQL runs on both implementations. */
export interface Database extends Queryable {
  readonly kind: DatabaseTarget['kind'];
  /** Runs several statements without parameters (migration files). */
  exec(sql: string): Promise<void>;
  /** Runs `fn` inside BEGIN/COMMIT; rolls back and rethrows on error. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Adapter for pg-boss (`db` option), optionally bound to an open transaction so a send commits with it. */
  bossDb(tx?: Queryable): BossDb;
  /** A short label for messages: `embedded (<dir>)` or the server's host/database, never a password. */
  readonly label: string;
  close(): Promise<void>;
}

/**
 * Opens the configured database.
 * @throws DatabaseError when the server is unreachable or the embedded data directory is in use
 */
export async function openDatabase(target: DatabaseTarget, logger: Logger): Promise<Database> {
  return target.kind === 'server' ? openServerDatabase(target.connectionString, logger) : openEmbeddedDatabase(target.dataDir, logger);
}

/** Wraps a Queryable as pg-boss's one-method `IDatabase`. */
export function toBossDb(q: Queryable): BossDb {
  return {
    executeSql: async (text: string, values?: unknown[]) => q.query(text, values ?? []),
  } as BossDb;
}
