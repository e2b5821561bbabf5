// The database seam: one small interface over a pg Pool, on a configured PostgreSQL server or on the
// embedded server sm-core runs itself (src/db/embedded/). One code path for both.
import type { PgBoss } from 'pg-boss';
import type { DatabaseTarget } from '../config.ts';
import type { Logger } from '../logger.ts';
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

/** The seam every query module depends on. */
export interface Database extends Queryable {
  /** `server`: DATABASE_URL / DB_HOST; `embedded`: the server sm-core runs in SM_DATA_DIR. */
  readonly kind: DatabaseTarget['kind'];
  /** What pg-boss connects with. Holds credentials: never log or print it (use `label`). */
  readonly connectionString: string;
  /** Runs several statements without parameters (migration files). */
  exec(sql: string): Promise<void>;
  /** Runs `fn` inside BEGIN/COMMIT; rolls back and rethrows on error. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Adapter for pg-boss's `db` send option, bound to an open transaction so a send commits with it. */
  bossDb(tx?: Queryable): BossDb;
  /** The pool's connections now (pg Pool totalCount, idleCount, waitingCount), for /metrics. */
  poolStats(): { total: number; idle: number; waiting: number };
  /** A short label for messages: `embedded (<dir>, database <name>)` or host:port/database, never a password. */
  readonly label: string;
  close(): Promise<void>;
}

/**
 * Opens the configured database: the server, or the embedded server (started when not running).
 * `poolSize`: connections in its pool (SM_DB_POOL_SIZE; default 10).
 * @throws DatabaseError (exit 4) when the server is unreachable or the embedded server cannot start
 */
export async function openDatabase(target: DatabaseTarget, logger: Logger, options: { poolSize?: number } = {}): Promise<Database> {
  if (target.kind === 'server') return openServerDatabase(target.connectionString, logger, options);
  const { openEmbeddedDatabase } = await import('./embedded/open.ts');
  return openEmbeddedDatabase(target, logger, options);
}

/** Wraps a Queryable as pg-boss's one-method `IDatabase`. */
export function toBossDb(q: Queryable): BossDb {
  return {
    executeSql: async (text: string, values?: unknown[]) => q.query(text, values ?? []),
  } as BossDb;
}
