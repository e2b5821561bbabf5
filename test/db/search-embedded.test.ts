// The same search on the embedded default (the PostgreSQL 18 server sm-core runs itself, with
// pg_trgm + unaccent from its contrib): migration 0002 and the query module work unchanged there.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { findBloggerCard } from '../../src/db/queries/bloggers.ts';
import { parseSearchRequest } from '../../src/db/queries/search-input.ts';
import { searchBloggers } from '../../src/db/queries/search.ts';
import { createLogger } from '../../src/logger.ts';
import { stopAndExpectGone } from '../helpers/embedded.ts';
import { insertSearchFixtures, PAGER_COUNT } from './search-fixtures.ts';

describe('searchBloggers (embedded server)', () => {
  let dir: string;
  let db: Database;
  const handles = async (q: string) => (await searchBloggers(db, parseSearchRequest({ q, per_page: 100 }))).data.map((b) => b.username);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'sm-search-'));
    chmodSync(dir, 0o755); // as root the server's OS user must enter it (else its cluster goes to /var/lib/sm-core)
    db = await openDatabase({ kind: 'embedded', dataDir: dir, database: 'sm_core', idleSeconds: 0 }, createLogger('silent'));
    await migrate(db);
    await insertSearchFixtures(db);
  }, 120_000); // initdb on a busy 2-core machine
  afterAll(async () => {
    await db.close();
    await stopAndExpectGone(dir);
    rmSync(dir, { recursive: true, force: true });
  });

  it('C20 type-ahead, exact handle first, handle parts', async () => {
    expect(await handles('ann')).toEqual(expect.arrayContaining(['annabel_k', 'anna.k_92']));
    expect(await handles('anna ')).toEqual(expect.arrayContaining(['annabel_k', 'anna.k_92']));
    expect((await handles('anna'))[0]).toBe('anna');
    expect(await handles('k_92')).toContain('anna.k_92');
    expect(await handles("'")).toEqual([]);
  });

  it('accents and typos', async () => {
    expect(await handles('zoe')).toEqual(['zm.photo']);
    expect(await handles('muller')).toEqual(['mueller_fit']);
    expect(await handles('bloger')).toEqual(['mia.blogger']);
  });

  it('C19 hostile queries', async () => {
    expect(await handles('foo & | bar')).toEqual(['foobar_shop']);
    expect(await handles('team:ops')).toEqual(['ops.team']);
    expect(await handles('ops::cron')).toEqual(['ops.team']);
    expect(await handles("l'atelier")).toEqual(['latelier.paris']);
    expect(await handles('<x@y.z>')).toEqual(['latelier.paris']);
    expect(await handles('"')).toEqual([]);
    expect(await handles(':*')).toEqual([]);
  });

  it('pages with totals and reads a profile card', async () => {
    const p2 = await searchBloggers(db, parseSearchRequest({ q: 'pager', page: 2, per_page: 20 }));
    expect(p2.meta).toEqual({ page: 2, per_page: 20, total: PAGER_COUNT, total_exact: true });
    expect(p2.data.map((b) => b.username)[0]).toBe('pager_021');
    const card = await findBloggerCard(db, 'instagram', '@Anna.K_92');
    expect(card).toMatchObject({ username: 'anna.k_92', followers_count: 9007199254740991, latest_snapshot: null });
  });
});
