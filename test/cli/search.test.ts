// `sm-core search` as a subprocess: same results as the API, table output, exit codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { createLogger } from '../../src/logger.ts';
import { runCli } from '../helpers/cli.ts';
import { adminUrl, createTestDatabase, type TestDatabase, withDatabase } from '../helpers/db.ts';
import { insertSearchFixtures } from '../db/search-fixtures.ts';
import { request, startApi, type RunningApi } from '../http/api-helpers.ts';

describe('sm-core search', () => {
  let tdb: TestDatabase;
  let db: Database;
  let api: RunningApi;
  let env: Record<string, string>;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    db = await openDatabase({ kind: 'server', connectionString: tdb.url }, createLogger('silent'));
    await insertSearchFixtures(db);
    api = await startApi(db);
    env = { DATABASE_URL: tdb.url, SM_LOG_LEVEL: 'warn' };
  });
  afterAll(async () => {
    await api.close();
    await db.close();
    await tdb.drop();
  });

  it('--json prints exactly what GET /api/v1/bloggers returns for the same query', async () => {
    const cases: Array<[string[], Record<string, string>]> = [
      [['anna'], { q: 'anna' }],
      [['foo', '&', '|', 'bar'], { q: 'foo & | bar' }],
      [
        ['pager', '--page', '2', '--per-page', '7', '--platform', 'instagram'],
        { q: 'pager', page: '2', per_page: '7', platform: 'instagram' },
      ],
    ];
    for (const [args, params] of cases) {
      const cli = await runCli(['search', ...args, '--json'], env);
      expect([args, cli.code, cli.stderr]).toEqual([args, 0, '']);
      const http = await request(api.base, `/api/v1/bloggers?${new URLSearchParams(params)}`);
      expect(JSON.parse(cli.stdout)).toEqual(http.json);
    }
  });

  it('prints a table for people: handle, name, followers, last synced, and a footer with totals', async () => {
    const r = await runCli(['search', 'anna.k_92'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/handle.*name.*followers.*last synced/);
    expect(r.stdout).toContain('@anna.k_92');
    expect(r.stdout).toContain('9,007,199,254,740,991');
    expect(r.stdout).toMatch(/1-\d+ of \d+ matches \(page 1 of 1\)/);
    const none = await runCli(['search', 'zzzzqqq'], env);
    expect([none.code, none.stdout]).toEqual([0, 'no bloggers match "zzzzqqq"\n']);
  });

  it('an empty query is a usage error (exit 2), like the API 400; so are bad options', async () => {
    const empty = await runCli(['search', ''], env);
    expect([empty.code, empty.stdout]).toEqual([2, '']);
    expect(empty.stderr).toBe('sm-core: the search query is empty: give a handle, a name or words from a bio (for example "anna")\n');
    const page = await runCli(['search', 'anna', '--page', '0'], env);
    expect([page.code, page.stderr]).toEqual([2, 'sm-core: page must be a whole number of at least 1, got "0"\n']);
  });

  it('exits 4 when the database is unreachable', async () => {
    const r = await runCli(['search', 'anna'], { DATABASE_URL: withDatabase(adminUrl(), 'sm_core_no_such_db'), SM_LOG_LEVEL: 'warn' });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^sm-core: cannot connect to PostgreSQL/);
  });
});
