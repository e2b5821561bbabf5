// Runs once before all test files: builds the template database (our migrations + pg-boss schema).
import pg from 'pg';
import { openDatabase } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createLogger } from '../../src/logger.ts';
import { startBoss } from '../../src/queue/boss.ts';
import { adminUrl, TEMPLATE_DB, withDatabase } from '../helpers/db.ts';

export default async function setup(): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    // Leftovers of earlier, interrupted runs.
    const old = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'sm_core_test_%'`);
    for (const { datname } of old.rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminUrl(), TEMPLATE_DB);
  const logger = createLogger('silent');
  const db = await openDatabase({ kind: 'server', connectionString: url }, logger);
  await migrate(db);
  const boss = await startBoss(db, url, logger);
  await boss.stop({ graceful: false, close: true });
  await db.close();
}
