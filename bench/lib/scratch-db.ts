// Throwaway databases for the sync benchmarks: created fresh (our migrations + pg-boss's schema and
// queues), dropped afterwards, so every measurement starts from the same empty state.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createLogger } from '../../src/logger.ts';
import { startBoss } from '../../src/queue/boss.ts';

/** A fresh, migrated database on the local server. */
export interface ScratchDatabase {
  name: string;
  url: string;
  db: Database;
  drop(): Promise<void>;
}

/** Returns `url` with its database replaced. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin(url: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/**
 * Creates `sm_core_bench_<label>_<random>` with our migrations and pg-boss's schema and queues.
 * @param adminUrl a connection string to a database that always exists
 */
export async function createScratchDatabase(adminUrl: string, label: string): Promise<ScratchDatabase> {
  const name = `sm_core_bench_${label}_${randomBytes(4).toString('hex')}`;
  await admin(adminUrl, `CREATE DATABASE ${name}`);
  const url = withDatabase(adminUrl, name);
  const logger = createLogger('warn');
  const db = await openDatabase({ kind: 'server', connectionString: url }, logger);
  await migrate(db);
  const boss = await startBoss(db, url, logger);
  await boss.stop({ graceful: false, close: true });
  return {
    name,
    url,
    db,
    async drop() {
      await db.close().catch(() => {});
      await admin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
