// Handle-shaped queries (issue 14): half-remembered handles among many profiles sharing a first
// name, type-ahead continuity over every prefix of a handle, and the bounded typo path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { handlePrefixOf, parseSearchRequest } from '../../src/db/queries/search-input.ts';
import { searchBloggers, type SearchOptions } from '../../src/db/queries/search.ts';
import { createLogger } from '../../src/logger.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { type FixtureProfile, insertSearchFixtures } from './search-fixtures.ts';

/** Profiles that share first names, as real handles do; 40 more `maria`s and `john`s make the names common. */
const HANDLE_FIXTURES: FixtureProfile[] = [
  { username: 'anna.k_92', full_name: 'Anna K.' },
  { username: 'anna.k_93', full_name: 'Anna Kim' },
  { username: 'anna.k_29', full_name: 'Anna Kowalska' },
  { username: 'anna_k9', full_name: 'Anna Klein' },
  { username: 'anna.b_9', full_name: 'Anna Berg' },
  { username: 'anna.kowalska', full_name: 'Anna Kowalska' },
  { username: 'maria.x_77', full_name: 'Maria Xu' },
  { username: 'maria.xu', full_name: 'Maria Xu' },
  { username: 'maria.k_12', full_name: 'Maria Klein' },
  { username: 'sofia.q_4', full_name: 'Sofia Quinn' },
  { username: 'sofia.k_42', full_name: 'Sofia Klein' },
  { username: 'david_schmidt12', full_name: 'David Schmidt' },
  { username: 'david.s_15', full_name: 'David Smith' },
  { username: 'liam.z_91', full_name: 'Liam Zhou' },
  ...Array.from({ length: 20 }, (_, i) => ({ username: `maria_smith${100 + i}`, full_name: 'Maria Smith' })),
  ...Array.from({ length: 20 }, (_, i) => ({ username: `john.blogger${i}`, full_name: 'John Miller' })),
];

describe('handlePrefixOf', () => {
  it('takes one token of letters, digits, dots and underscores, lower-cased, without @', () => {
    expect(['anna.k_9', '@David_S1', 'a', 'zoë.m'].map(handlePrefixOf)).toEqual(['anna.k_9', 'david_s1', 'a', 'zoë.m']);
    expect(['anna k', 'ops::cron', 'x@y.z', 'a-b'].map(handlePrefixOf)).toEqual([null, null, null, null]);
  });
});

describe('searchBloggers: handle-shaped queries', () => {
  let tdb: TestDatabase;
  let db: Database;
  const search = (q: string, options?: SearchOptions) => searchBloggers(db, parseSearchRequest({ q, per_page: 100 }), options);
  const handles = async (q: string) => (await search(q)).data.map((b) => b.username);

  beforeAll(async () => {
    tdb = await createTestDatabase();
    db = await openDatabase({ kind: 'server', connectionString: tdb.url }, createLogger('silent'));
    await insertSearchFixtures(db, HANDLE_FIXTURES);
  });
  afterAll(async () => {
    await db.close();
    await tdb.drop();
  });

  it('a handle typed up to a short last part finds the handles it begins, after whole-word matches', async () => {
    const res = await search('anna.k_9');
    expect(res.data.map((b) => [b.username, b.match])).toEqual([
      ['anna_k9', 'text'],
      ['anna.k_92', 'text'],
      ['anna.k_93', 'text'],
    ]);
    expect(res.meta).toEqual({ page: 1, per_page: 100, total: 3, total_exact: true });
    expect(res.data[1]!.score).toBe(0.8889); // 8 of the handle's 9 characters typed
  });

  it('a half-remembered handle finds the near handle, not every profile with its first name', async () => {
    expect((await search('maria_x7')).data.map((b) => [b.username, b.match])).toEqual([['maria.x_77', 'fuzzy']]);
    expect((await search('sofia.q_42')).data.map((b) => [b.username, b.match])).toEqual([['sofia.q_4', 'fuzzy']]);
    expect(await handles('david_s1')).toEqual(['david.s_15']);
    expect(await handles('liam_z9')).toEqual(['liam.z_91']);
  });

  it('a handle that matches nothing and is near nothing returns an exact empty page', async () => {
    for (const q of ['john.x_7', 'anna.q_42', '@maria_q_5']) {
      expect(await search(q)).toEqual({ data: [], meta: { page: 1, per_page: 100, total: 0, total_exact: true } });
    }
  });

  it('type-ahead: every prefix of a handle, typed one character at a time, finds it', async () => {
    for (const handle of ['anna.k_92', 'maria.x_77', 'david_schmidt12', 'liam.z_91', 'sofia.q_4']) {
      const missing: string[] = [];
      for (let n = 1; n <= handle.length; n++) {
        const typed = handle.slice(0, n);
        if (!(await handles(typed)).includes(handle)) missing.push(typed);
        if (!(await handles(`@${typed.toUpperCase()}`)).includes(handle)) missing.push(`@${typed.toUpperCase()}`);
      }
      expect({ handle, missing }).toEqual({ handle, missing: [] });
    }
    expect((await search('anna.k_92')).data[0]).toMatchObject({ username: 'anna.k_92', match: 'handle' });
  });

  it('examines at most fuzzyCandidateCap typo candidates and then says the total is not exact', async () => {
    // `maria zz`: every maria is a trigram candidate for `maria`, none has a word near `zz`; 21 smiths are near `smitth`.
    expect((await search('maria zz')).meta).toEqual({ page: 1, per_page: 100, total: 0, total_exact: true });
    expect((await search('maria zz', { fuzzyCandidateCap: 5 })).meta).toEqual({ page: 1, per_page: 100, total: 0, total_exact: false });
    const capped = await search('smitth', { fuzzyCandidateCap: 5 });
    expect([capped.data.length, capped.meta.total_exact, capped.data.every((b) => b.match === 'fuzzy')]).toEqual([5, false, true]);
  });
});
