// `db import-pglite`'s copy: every sm-core table moves row for row into the embedded server, with
// identical rows, sequences past the copied ids, and nothing copied into a database that has data.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { copyTables, countRows, listTables, nonEmptyTables } from '../../src/db/queries/table-copy.ts';
import { createLogger } from '../../src/logger.ts';
import { runCli } from '../helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { stopAndExpectGone } from '../helpers/embedded.ts';

describe('copyTables (db import-pglite)', () => {
  let source: TestDatabase;
  let sourceDb: Database;
  let target: Database;
  let base: string;
  const dataDir = () => path.join(base, 'data');

  beforeAll(async () => {
    source = await createTestDatabase();
    // Real rows in every table a sync writes: the sample accounts, stored on purpose into this server.
    const sync = await runCli(['sync-profile', 'demo.blogger', '--followers'], { DATABASE_URL: source.url, SM_SAMPLE_TO_SERVER: 'true' });
    expect(sync.code, sync.stderr).toBe(0);
    sourceDb = await openDatabase({ kind: 'server', connectionString: source.url }, createLogger('silent'));
    base = mkdtempSync(path.join(tmpdir(), 'sm-copy-'));
    chmodSync(base, 0o755);
    target = await openDatabase({ kind: 'embedded', dataDir: dataDir(), database: 'sm_core', idleSeconds: 0 }, createLogger('silent'));
    await migrate(target);
  }, 120_000);
  afterAll(async () => {
    await target?.close();
    await sourceDb?.close();
    await source?.drop();
    await stopAndExpectGone(dataDir());
    rmSync(base, { recursive: true, force: true });
  });

  /** Every row of `table` as text, sorted: equal on both sides after the copy. */
  const rowsOf = async (db: Database, table: string) =>
    (await db.query<{ r: string }>(`SELECT t::text AS r FROM ${table} t ORDER BY 1`)).rows.map((x) => x.r);

  it('copies every table row for row, and the next id follows the copied ones', async () => {
    const filled = await nonEmptyTables(sourceDb);
    expect(filled).toEqual(expect.arrayContaining(['followers', 'job_calls', 'service_calls', 'social_profiles', 'subscriptions']));
    const copied = await target.transaction((tx) => copyTables(sourceDb, tx));
    expect(copied.map((c) => c.table)).toEqual(await listTables(target));
    for (const { table, rows } of copied) {
      expect(rows, table).toBe(await countRows(sourceDb, table));
      expect(await rowsOf(target, table), table).toEqual(await rowsOf(sourceDb, table));
    }
    expect(copied.find((c) => c.table === 'followers')?.rows).toBe(9);
    const maxRun = (await target.query<{ m: string }>('SELECT max(id)::text AS m FROM job_calls')).rows[0]!.m;
    const next = await target.query<{ id: string }>(
      `INSERT INTO job_calls (kind, status) VALUES ('profile', 'failed') RETURNING id::text AS id`,
    );
    expect(BigInt(next.rows[0]!.id)).toBe(BigInt(maxRun) + 1n);
  });

  it('db import-pglite: says when there is nothing to import, and how to get PGlite when it is missing', async () => {
    const dir = path.join(base, 'import');
    const none = await runCli(['db', 'import-pglite'], { SM_DATA_DIR: dir });
    expect([none.code, none.stderr]).toEqual([4, `sm-core: no PGlite data in ${dir}/pgdata: nothing to import\n`]);
    mkdirSync(path.join(dir, 'pgdata'), { recursive: true });
    writeFileSync(path.join(dir, 'pgdata', 'PG_VERSION'), '17\n');
    const missing = await runCli(['db', 'import-pglite'], { SM_DATA_DIR: dir });
    expect([missing.code, missing.stderr]).toEqual([
      4,
      `sm-core: reading ${dir}/pgdata needs PGlite, which sm-core no longer ships: run \`npm install --no-save @electric-sql/pglite@0.5.17\`, then this command again\n`,
    ]);
    expect(existsSync(path.join(dir, 'pgdata', 'PG_VERSION'))).toBe(true);
  });
});
