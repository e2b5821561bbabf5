// Runs once before all test files: builds this run's template database (our migrations + pg-boss
// schema); every test file clones it. Dropped again at teardown.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createLogger } from '../../src/logger.ts';
import { startBoss } from '../../src/queue/boss.ts';
import { adminUrl, ensureDatabase, withDatabase } from '../helpers/db.ts';

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: adminUrl() });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export default async function setup(): Promise<() => Promise<void>> {
  // A fresh server has no `test` database (DATABASE_URL's): create it rather than fail.
  await ensureDatabase(adminUrl());
  const name = `sm_core_tpl_${randomBytes(6).toString('hex')}`;
  process.env.SM_TEST_TEMPLATE = name;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = withDatabase(adminUrl(), name);
  const logger = createLogger('silent');
  const db = await openDatabase({ kind: 'server', connectionString: url }, logger);
  await migrate(db);
  const boss = await startBoss(db, url, logger);
  await boss.stop({ graceful: false, close: true });
  await db.close();
  return async () => {
    await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  };
}
