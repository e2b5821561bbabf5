// Dedicated benchmark databases on the local server: built once (migrations + a generator), reused
// while their fingerprint matches, rebuilt when it changes. Other benches can use the same helper.
import { createHash } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createLogger } from '../../src/logger.ts';

/** What a benchmark database is built from. */
export interface BenchDatabaseSpec {
  /** Database name, e.g. `sm_core_bench_search`. */
  name: string;
  /** Admin connection string (any database that always exists on the server). */
  adminUrl: string;
  /** Everything the content depends on (generator SQL text, row count...): a change rebuilds. */
  fingerprint: readonly string[];
  /** Fills the freshly migrated database. */
  build(db: Database, log: (m: string) => void): Promise<void>;
  log(message: string): void;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function storedFingerprint(url: string): Promise<string | null> {
  try {
    return await admin(url, async (c) => {
      const t = await c.query(`SELECT to_regclass('bench_dataset') AS t`);
      if (!t.rows[0].t) return null;
      const r = await c.query('SELECT fingerprint FROM bench_dataset LIMIT 1');
      return (r.rows[0]?.fingerprint as string | undefined) ?? null;
    });
  } catch (err) {
    if ((err as { code?: string }).code === '3D000') return null; // database does not exist
    throw err;
  }
}

/**
 * Opens the benchmark database, building it first when absent or stale. Pending migrations of
 * the code are applied to a reused database too.
 * @returns the database (caller closes it) and its connection string
 */
export async function ensureBenchDatabase(spec: BenchDatabaseSpec): Promise<{ db: Database; url: string; built: boolean }> {
  const url = withDatabase(spec.adminUrl, spec.name);
  const fingerprint = createHash('sha256').update(spec.fingerprint.join('\u0000')).digest('hex');
  const logger = createLogger('warn');
  let built = false;
  if ((await storedFingerprint(url)) !== fingerprint) {
    spec.log(`building ${spec.name} (once; reused by later runs)`);
    await admin(spec.adminUrl, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${spec.name} WITH (FORCE)`);
      await c.query(`CREATE DATABASE ${spec.name}`);
    });
    const db = await openDatabase({ kind: 'server', connectionString: url }, logger);
    try {
      await migrate(db);
      const start = performance.now();
      await spec.build(db, spec.log);
      await db.exec('CREATE TABLE bench_dataset (fingerprint text NOT NULL, built_at timestamptz NOT NULL DEFAULT now())');
      await db.query('INSERT INTO bench_dataset (fingerprint) VALUES ($1)', [fingerprint]);
      spec.log(`built ${spec.name} in ${((performance.now() - start) / 1000).toFixed(0)} s`);
    } finally {
      await db.close();
    }
    built = true;
  }
  const db = await openDatabase({ kind: 'server', connectionString: url }, logger);
  await migrate(db);
  return { db, url, built };
}

/**
 * Runs `load` with the given table's secondary indexes dropped, then recreates them exactly as
 * the migrations defined them (pg_get_indexdef) and analyses the table: bulk loads are several
 * times faster without maintaining GIN indexes row by row.
 */
export async function loadWithoutIndexes(db: Database, table: string, load: () => Promise<void>, log: (m: string) => void): Promise<void> {
  const defs = await db.query<{ name: string; def: string }>(
    `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS def FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
      WHERE x.indrelid = to_regclass($1) AND NOT x.indisprimary AND NOT x.indisunique
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)`,
    [table],
  );
  for (const d of defs.rows) await db.exec(`DROP INDEX ${d.name}`);
  await load();
  log(`rows loaded; rebuilding ${defs.rows.length} index(es)`);
  // One simple-protocol call per index, so the SET applies to the connection that builds it.
  for (const d of defs.rows) await db.exec(`SET maintenance_work_mem = '512MB'; ${d.def}`);
  await db.exec(`VACUUM ANALYZE ${table}`);
}
