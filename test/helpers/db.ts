// Per-test-file databases cloned from a migrated template (graphile-worker's pattern).
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Admin connection string (a database that always exists) derived from DATABASE_URL. */
export function adminUrl(): string {
  const base = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  return base;
}

/**
 * Name of the template database built once per test run by test/setup/global-db.ts. Unique per run
 * (several checkouts may run tests on one server at once); global setup exports it in SM_TEST_TEMPLATE.
 */
export function templateDb(): string {
  const name = process.env.SM_TEST_TEMPLATE;
  if (!name) throw new Error('SM_TEST_TEMPLATE is not set: run tests through vitest (test/setup/global-db.ts)');
  return name;
}

/**
 * Makes sure the database of `url` exists: on a fresh server there is no `test` database, so it is
 * created through the `postgres` database of the same server (the README's `npm test` needs nothing
 * created by hand). Names the server, not the URL, when it cannot be reached.
 * @returns true when it created the database
 * @throws Error `cannot reach PostgreSQL at host:port ...` when the server does not answer
 */
export async function ensureDatabase(url: string): Promise<boolean> {
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.slice(1));
  const probe = new pg.Client({ connectionString: url });
  try {
    await probe.connect();
    return false;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== '3D000') {
      throw new Error(
        `cannot reach PostgreSQL at ${u.hostname}:${u.port || 5432} as "${decodeURIComponent(u.username)}" ` +
          `(DATABASE_URL; default postgres://postgres@127.0.0.1:5432/test): ${(err as Error).message}`,
      );
    }
  } finally {
    await probe.end().catch(() => {});
  }
  const admin = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
  } catch (err) {
    // Another checkout's test run created it at the same moment: fine.
    if ((err as { code?: string }).code !== '42P04') throw err;
  } finally {
    await admin.end();
  }
  return true;
}

/** Returns `url` with its database name replaced. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** A throwaway database for one test file. */
export interface TestDatabase {
  name: string;
  url: string;
  /** A pg pool on it, for assertions. */
  pool: pg.Pool;
  drop(): Promise<void>;
}

/**
 * Creates a fresh database cloned from the migrated template (schema + pgboss schema included).
 * @param fromTemplate false for an empty database (migration tests)
 */
export async function createTestDatabase(fromTemplate = true): Promise<TestDatabase> {
  const name = `sm_core_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}${fromTemplate ? ` TEMPLATE ${templateDb()}` : ''}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminUrl(), name);
  const pool = new pg.Pool({ connectionString: url, max: 3 });
  pool.on('error', () => {});
  return {
    name,
    url,
    pool,
    async drop() {
      await pool.end();
      const c = new pg.Client({ connectionString: adminUrl() });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
