import { mkdtempSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { assertSchemaCurrent, listMigrationFiles, migrate, migrationStatus, SQL_DIR } from '../../src/db/migrate.ts';
import { SchemaVersionError } from '../../src/errors.ts';
import { createLogger } from '../../src/logger.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const logger = createLogger('silent');

describe('migrate', () => {
  let tdb: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    tdb = await createTestDatabase(false);
    db = await openDatabase({ kind: 'server', connectionString: tdb.url }, logger);
  });
  afterAll(async () => {
    await db.close();
    await tdb.drop();
  });

  it('applies every file on a fresh database, then is a no-op', async () => {
    const files = listMigrationFiles();
    await expect(assertSchemaCurrent(db)).rejects.toThrow(/pending; run `sm-core migrate`/);
    expect(await migrate(db)).toEqual(files.map((f) => f.id));
    expect(await migrate(db)).toEqual([]);
    await assertSchemaCurrent(db);
    const tables = await tdb.pool.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`);
    expect(tables.rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(['followers', 'job_calls', 'service_calls', 'sm_migrations', 'social_profiles', 'subscriptions']),
    );
  });

  it('two concurrent runners apply each migration once', async () => {
    const other = await createTestDatabase(false);
    const a = await openDatabase({ kind: 'server', connectionString: other.url }, logger);
    const b = await openDatabase({ kind: 'server', connectionString: other.url }, logger);
    try {
      const [ra, rb] = await Promise.all([migrate(a), migrate(b)]);
      expect([...ra, ...rb].sort((x, y) => x - y)).toEqual(listMigrationFiles().map((f) => f.id));
      const rows = await other.pool.query('SELECT count(*)::int AS n FROM sm_migrations');
      expect(rows.rows[0].n).toBe(listMigrationFiles().length);
    } finally {
      await a.close();
      await b.close();
      await other.drop();
    }
  });

  it('refuses a database that has a migration this code does not know', async () => {
    await tdb.pool.query(`INSERT INTO sm_migrations (id, name) VALUES (9999, 'from_the_future')`);
    try {
      await expect(migrate(db)).rejects.toBeInstanceOf(SchemaVersionError);
      await expect(assertSchemaCurrent(db)).rejects.toThrow(/9999_from_the_future/);
      const status = await migrationStatus(db);
      expect(status.at(-1)).toMatchObject({ id: 9999, unknown: true });
    } finally {
      await tdb.pool.query('DELETE FROM sm_migrations WHERE id = 9999');
    }
  });

  it('ignores files that are not numbered migrations', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sm-sql-'));
    copyFileSync(path.join(SQL_DIR, '0001_init.sql'), path.join(dir, '0001_init.sql'));
    writeFileSync(path.join(dir, 'README.md'), '# not a migration');
    writeFileSync(path.join(dir, '2_bad.sql'), 'select 1');
    expect(listMigrationFiles(dir).map((f) => f.name)).toEqual(['init']);
  });
});
