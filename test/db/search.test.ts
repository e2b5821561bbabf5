import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { buildTsQueries, parseSearchRequest, SearchInputError } from '../../src/db/queries/search-input.ts';
import { searchBloggers, type SearchOptions } from '../../src/db/queries/search.ts';
import { createLogger } from '../../src/logger.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { insertSearchFixtures, PAGER_COUNT } from './search-fixtures.ts';

describe('parseSearchRequest', () => {
  it('refuses an empty or blank query with query_required', () => {
    for (const q of [undefined, '', '   ', '\u0000']) {
      expect(() => parseSearchRequest({ q })).toThrow(SearchInputError);
      try {
        parseSearchRequest({ q });
      } catch (err) {
        expect((err as SearchInputError).code).toBe('query_required');
        expect((err as SearchInputError).exitCode).toBe(2);
      }
    }
  });

  it('validates page, per_page and platform, capping per_page at 100', () => {
    expect(parseSearchRequest({ q: ' anna ' })).toEqual({ query: 'anna', platform: null, page: 1, perPage: 20 });
    expect(parseSearchRequest({ q: 'a', page: '3', per_page: '500', platform: 'Instagram' })).toEqual({
      query: 'a',
      platform: 'instagram',
      page: 3,
      perPage: 100,
    });
    for (const [field, value] of [
      ['page', '0'],
      ['page', '-1'],
      ['page', '1.5'],
      ['page', 'x'],
      ['per_page', '0'],
      ['page', '100001'],
    ] as const) {
      expect(() => parseSearchRequest({ q: 'a', [field]: value })).toThrow(
        expect.objectContaining({ code: 'invalid_parameter', parameter: field }),
      );
    }
    expect(() => parseSearchRequest({ q: 'a', platform: 'insta gram' })).toThrow(
      expect.objectContaining({ code: 'invalid_parameter', parameter: 'platform' }),
    );
    expect(() => parseSearchRequest({ q: 'x'.repeat(201) })).toThrow(expect.objectContaining({ code: 'query_too_long' }));
  });

  it('drops NUL characters and lone surrogates (C01, C03)', () => {
    expect(parseSearchRequest({ q: 'an\u0000na \ud83d' }).query).toBe('anna \ufffd');
  });
});

describe('buildTsQueries', () => {
  it('ANDs lexemes in query order with the last one (2+ characters) as a prefix, quoting every lexeme', () => {
    expect(
      buildTsQueries([
        { lexeme: 'ops', position: 2 },
        { lexeme: 'team', position: 1 },
      ]),
    ).toEqual({ prefix: "'team' & 'ops':*", exact: "'team' & 'ops'" });
    expect(buildTsQueries([{ lexeme: "a'b\\c", position: 1 }])).toEqual({ prefix: "'a''b\\\\c':*", exact: "'a''b\\\\c'" });
    expect(
      buildTsQueries([
        { lexeme: 'anna', position: 1 },
        { lexeme: 'k', position: 2 },
      ]),
    ).toEqual({ prefix: "'anna' & 'k'", exact: "'anna' & 'k'" });
    expect(
      buildTsQueries([
        { lexeme: 'k', position: 1 },
        { lexeme: '17', position: 2 },
      ])?.prefix,
    ).toBe("'k' & '17'");
    expect(
      buildTsQueries([
        { lexeme: 'k', position: 1 },
        { lexeme: '170', position: 2 },
      ])?.prefix,
    ).toBe("'k' & '170':*");
    expect(buildTsQueries([])).toBeNull();
  });
});

describe('searchBloggers (server)', () => {
  let tdb: TestDatabase;
  let db: Database;
  let ids: Map<string, string>;
  const search = async (q: string, extra: { platform?: string; page?: number; per_page?: number } = {}, options?: SearchOptions) =>
    searchBloggers(db, parseSearchRequest({ q, platform: extra.platform, page: extra.page, per_page: extra.per_page }), options);
  const handles = async (q: string, extra: { platform?: string; per_page?: number } = {}) =>
    (await search(q, { per_page: 100, ...extra })).data.map((b) => b.username);

  beforeAll(async () => {
    tdb = await createTestDatabase();
    db = await openDatabase({ kind: 'server', connectionString: tdb.url }, createLogger('silent'));
    ids = await insertSearchFixtures(db);
  });
  afterAll(async () => {
    await db.close();
    await tdb.drop();
  });

  it("C20: `ann` and `anna ` find annabel_k and anna.k_92; `'` returns nothing without error", async () => {
    expect(await handles('ann')).toEqual(expect.arrayContaining(['annabel_k', 'anna.k_92']));
    expect(await handles('anna ')).toEqual(expect.arrayContaining(['annabel_k', 'anna.k_92']));
    expect(await search("'")).toEqual({ data: [], meta: { page: 1, per_page: 20, total: 0, total_exact: true } });
  });

  it('puts the exact handle first, with or without @ and in any case', async () => {
    for (const q of ['anna', '@anna', 'ANNA']) {
      const res = await search(q);
      expect(res.data[0]).toMatchObject({ username: 'anna', match: 'handle' });
      expect(res.data.slice(1).every((b) => b.match !== 'handle')).toBe(true);
    }
  });

  it('finds a handle by its parts: anna.k_92 by `anna`, `k_92`, `k 92` and the whole handle', async () => {
    for (const q of ['anna', 'k_92', 'k 92', 'anna.k_92', 'annak92']) expect(await handles(q)).toContain('anna.k_92');
    expect((await search('anna.k_92')).data[0]).toMatchObject({ username: 'anna.k_92', match: 'handle' });
  });

  it('is accent-insensitive both ways (Zoë by zoe, Müller by muller)', async () => {
    expect(await handles('zoe')).toEqual(['zm.photo']);
    expect(await handles('Zoë')).toEqual(['zm.photo']);
    expect(await handles('muller')).toEqual(['mueller_fit']);
    expect(await handles('MÜLLER')).toEqual(['mueller_fit']);
  });

  it('tolerates typos through trigrams when direct matches are few (`bloger` finds mia.blogger)', async () => {
    const res = await search('bloger');
    expect(res.data.map((b) => [b.username, b.match])).toEqual([['mia.blogger', 'fuzzy']]);
    expect(res.data[0]!.score).toBeGreaterThan(0.6);
  });

  it('C19: operators in the input are separators, never tsquery syntax', async () => {
    expect(await handles('foo & | bar')).toEqual(await handles('foo bar'));
    expect(await handles('foo & | bar')).toEqual(['foobar_shop']);
    expect(await handles('team:ops')).toEqual(['ops.team']);
    expect(await handles('ops::cron')).toEqual(['ops.team']);
    expect(await handles("l'atelier")).toEqual(['latelier.paris']);
    expect(await handles('<x@y.z>')).toEqual(['latelier.paris']);
    for (const q of ['"', ':*', '!', '&|<->', "'''", '\\', '(((', 'a:*b & !c <-> (d']) {
      const res = await search(q);
      expect(res.meta.total).toBeGreaterThanOrEqual(0);
    }
  });

  it('ranks a handle hit over a full-name hit over a bio hit', async () => {
    expect(await handles('orchid')).toEqual(['orchid.shop', 'green.fingers', 'flower.fan']);
  });

  it('filters by platform', async () => {
    expect(await handles('anna', { platform: 'tiktok' })).toEqual(['anna_tiktok']);
    expect(await handles('anna')).toContain('anna_tiktok');
    expect(await handles('anna', { platform: 'instagram' })).not.toContain('anna_tiktok');
  });

  it('pages with totals, ordered by id on equal relevance: no repeat, no gap', async () => {
    const pages = [];
    for (let page = 1; page <= 4; page++) pages.push(await search('pager', { page, per_page: 20 }));
    expect(pages.map((p) => p.data.length)).toEqual([20, 20, 5, 0]);
    expect(pages.every((p) => p.meta.total === PAGER_COUNT && p.meta.total_exact)).toBe(true);
    const seen = pages.flatMap((p) => p.data.map((b) => b.id));
    expect(new Set(seen).size).toBe(PAGER_COUNT);
    expect(seen).toEqual([...seen].sort((a, b) => Number(a) - Number(b)));
    expect(seen[0]).toBe(ids.get('pager_001'));
  });

  it('caps broad queries at matchCap, says so, and still puts the exact handle first', async () => {
    const capped = await search('pager', { per_page: 100 }, { matchCap: 10 });
    expect(capped.meta).toEqual({ page: 1, per_page: 100, total: 10, total_exact: false });
    // A one-word prefix starting more handles than the cap: the window is the first handles by first word, then id.
    expect(capped.data.map((b) => b.username)).toEqual(Array.from({ length: 10 }, (_, i) => `pager_${String(i + 1).padStart(3, '0')}`));
    const viaIndex = await search('page te', { per_page: 100 }, { matchCap: 10 });
    expect(viaIndex.meta).toEqual({ page: 1, per_page: 100, total: 10, total_exact: false });
    const typo = await search('pagr', { per_page: 100 }, { fuzzyCap: 10 });
    expect(typo.meta).toEqual({ page: 1, per_page: 100, total: 10, total_exact: false });
    expect(typo.data.every((b) => b.match === 'fuzzy')).toBe(true);
    expect((await search('pagr', { per_page: 100 })).meta).toEqual({ page: 1, per_page: 100, total: PAGER_COUNT, total_exact: true });
    const anna = await search('anna', {}, { matchCap: 1 });
    expect(anna.data[0]).toMatchObject({ username: 'anna', match: 'handle' });
    expect(anna.meta.total_exact).toBe(false);
  });

  it('C18: ids are strings, counts are exact JSON numbers', async () => {
    const hit = (await search('anna.k_92')).data[0]!;
    expect(hit.id).toBe(ids.get('anna.k_92'));
    expect(hit.ext_id).toMatch(/^178414\d{11}$/);
    expect(hit.followers_count).toBe(9007199254740991);
    expect(JSON.parse(JSON.stringify(hit)).followers_count + 0).toBe(9007199254740991);
    expect((await search('pager')).meta.total + 1).toBe(PAGER_COUNT + 1);
  });
});
