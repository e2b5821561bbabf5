// GET /api/v1/bloggers and /api/v1/bloggers/:platform/:username through a real HTTP client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { findProfile } from '../../src/db/queries/profiles.ts';
import { createLogger } from '../../src/logger.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { insertSearchFixtures, PAGER_COUNT } from '../db/search-fixtures.ts';
import { request, startApi, usernames, type RunningApi } from './api-helpers.ts';

const BLOGGER_KEYS = [
  'avatar',
  'bio',
  'engagement_rate',
  'ext_id',
  'followers_count',
  'follows_count',
  'full_name',
  'id',
  'is_private',
  'is_verified',
  'last_synced_at',
  'platform',
  'posts_count',
  'url',
  'username',
];

describe('HTTP /api/v1/bloggers', () => {
  let tdb: TestDatabase;
  let db: Database;
  let api: RunningApi;
  let ids: Map<string, string>;
  const search = (params: Record<string, string>) => request(api.base, `/api/v1/bloggers?${new URLSearchParams(params)}`);

  beforeAll(async () => {
    tdb = await createTestDatabase();
    db = await openDatabase({ kind: 'server', connectionString: tdb.url }, createLogger('silent'));
    ids = await insertSearchFixtures(db);
    api = await startApi(db);
  });
  afterAll(async () => {
    await api.close();
    await db.close();
    await tdb.drop();
  });

  it('answers {data, meta} with ids as strings and counts as exact numbers (C18)', async () => {
    const r = await search({ q: 'anna.k_92' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(Object.keys(r.json)).toEqual(['data', 'meta']);
    const hit = r.json.data[0];
    expect(Object.keys(hit).sort()).toEqual([...BLOGGER_KEYS, 'match', 'score'].sort());
    expect(hit).toMatchObject({
      id: ids.get('anna.k_92'),
      username: 'anna.k_92',
      match: 'handle',
      followers_count: 9007199254740991,
      posts_count: 0,
    });
    expect(r.text).toContain('"followers_count":9007199254740991');
    expect(r.json.meta.total + 1).toBe(r.json.data.length + 1);
    expect(typeof hit.ext_id).toBe('string');
  });

  it('honours page, per_page (capped at 100) and platform', async () => {
    const p2 = await search({ q: 'pager', page: '2', per_page: '3' });
    expect(usernames(p2)).toEqual(['pager_004', 'pager_005', 'pager_006']);
    expect(p2.json.meta).toEqual({ page: 2, per_page: 3, total: PAGER_COUNT, total_exact: true });
    expect((await search({ q: 'pager', per_page: '500' })).json.meta.per_page).toBe(100);
    expect(usernames(await search({ q: 'anna', platform: 'tiktok' }))).toEqual(['anna_tiktok']);
    expect(usernames(await search({ q: 'anna', platform: 'instagram' }))).not.toContain('anna_tiktok');
  });

  it('pages with totals: every profile exactly once across pages', async () => {
    const seen: string[] = [];
    for (let page = 1; page <= 3; page++) {
      const r = await search({ q: 'pager', page: String(page), per_page: '20' });
      expect(r.json.meta.total).toBe(PAGER_COUNT);
      seen.push(...usernames(r));
    }
    expect(seen).toEqual(Array.from({ length: PAGER_COUNT }, (_, i) => `pager_${String(i + 1).padStart(3, '0')}`));
    expect((await search({ q: 'pager', page: '4', per_page: '20' })).json).toEqual({
      data: [],
      meta: { page: 4, per_page: 20, total: PAGER_COUNT, total_exact: true },
    });
  });

  it('answers 400 {error:{code,message}} for every invalid parameter', async () => {
    const cases: Array<[string, string]> = [
      ['', 'query_required'],
      ['q=', 'query_required'],
      ['q=%20%20', 'query_required'],
      [`q=${'x'.repeat(201)}`, 'query_too_long'],
      ['q=a&page=0', 'invalid_parameter'],
      ['q=a&page=abc', 'invalid_parameter'],
      ['q=a&per_page=-5', 'invalid_parameter'],
      ['q=a&per_page=1.5', 'invalid_parameter'],
      ['q=a&platform=Insta%20Gram', 'invalid_parameter'],
      ['q=a&perpage=5', 'invalid_parameter'],
      ['q=a&q=b', 'invalid_parameter'],
    ];
    for (const [query, code] of cases) {
      const r = await request(api.base, `/api/v1/bloggers?${query}`);
      expect([query, r.status, r.json?.error?.code]).toEqual([query, 400, code]);
      expect(Object.keys(r.json)).toEqual(['error']);
      expect(r.json.error.message).toMatch(/\w/);
    }
  });

  it('C19: hostile queries never fail; operators act as separators', async () => {
    for (const q of ['foo & | bar', 'team:ops', 'ops::cron', "l'atelier", '"', '<x@y.z>', ':*', '!(', '\\', "'", '%', '%00', '\u0000x']) {
      const r = await search({ q });
      expect([q, r.status]).toEqual([q, 200]);
    }
    expect(usernames(await search({ q: 'foo & | bar' }))).toEqual(usernames(await search({ q: 'foo bar' })));
    expect(usernames(await search({ q: 'team:ops' }))).toEqual(['ops.team']);
    expect(usernames(await search({ q: 'ops::cron' }))).toEqual(['ops.team']);
    expect(usernames(await search({ q: "l'atelier" }))).toEqual(['latelier.paris']);
    expect(usernames(await search({ q: '<x@y.z>' }))).toEqual(['latelier.paris']);
    expect((await search({ q: '"' })).json.meta.total).toBe(0);
  });

  it('C20 type-ahead, accents, handle parts, typos, exact handle first', async () => {
    expect(usernames(await search({ q: 'ann' }))).toEqual(expect.arrayContaining(['annabel_k', 'anna.k_92']));
    expect(usernames(await search({ q: 'anna ' }))).toEqual(expect.arrayContaining(['annabel_k', 'anna.k_92']));
    expect((await search({ q: "'" })).status).toBe(200);
    expect(usernames(await search({ q: 'zoe' }))).toEqual(['zm.photo']);
    expect(usernames(await search({ q: 'k_92' }))).toContain('anna.k_92');
    expect((await search({ q: 'bloger' })).json.data.map((b: { username: string; match: string }) => [b.username, b.match])).toEqual([
      ['mia.blogger', 'fuzzy'],
    ]);
    expect((await search({ q: '@ANNA' })).json.data[0]).toMatchObject({ username: 'anna', match: 'handle' });
  });
});

describe('HTTP /api/v1/bloggers/:platform/:username', () => {
  let tdb: TestDatabase;
  let db: Database;
  let api: RunningApi;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    db = await openDatabase({ kind: 'server', connectionString: tdb.url }, createLogger('silent'));
    await insertSearchFixtures(db);
    api = await startApi(db);
  });
  afterAll(async () => {
    await api.close();
    await db.close();
    await tdb.drop();
  });

  it('returns the profile (case-insensitive, @ ignored) with latest_snapshot null before issue 4', async () => {
    const r = await request(api.base, '/api/v1/bloggers/instagram/%40ANNA.K_92');
    expect(r.status).toBe(200);
    expect(Object.keys(r.json).sort()).toEqual([...BLOGGER_KEYS, 'created_at', 'updated_at', 'latest_snapshot'].sort());
    expect(r.json).toMatchObject({ username: 'anna.k_92', followers_count: 9007199254740991, latest_snapshot: null });
  });

  it('names the same row as the CLI when a released username is stored for two accounts (the most recently synced)', async () => {
    // The taker was synced last but its row was updated longer ago than the releaser's (e.g. by a list page).
    await tdb.pool.query(
      `INSERT INTO social_profiles (ext_id, username, last_synced_at, updated_at) VALUES
         ('9800000001', 'released.name', now() - interval '2 days', now()),
         ('9800000002', 'released.name', now() - interval '1 hour', now() - interval '3 days')`,
    );
    const cli = await findProfile(db, { username: 'released.name' });
    const r = await request(api.base, '/api/v1/bloggers/instagram/Released.Name');
    expect([r.status, r.json.ext_id, cli?.extId]).toEqual([200, '9800000002', '9800000002']);
  });

  it('returns the newest profile_snapshots row, newest first, ids as strings and counts as numbers', async () => {
    await tdb.pool.query(`INSERT INTO profile_snapshots (social_profile_id, followers_count, engagement_rate, engagement_formula, captured_at)
      SELECT id, v.f, v.e, 'mean_likes_comments_12/v1', v.t FROM social_profiles, (VALUES (100::bigint, 0.01, '2026-01-01T00:00:00Z'::timestamptz), (250, 0.025, '2026-02-01T00:00:00Z')) v(f, e, t)
      WHERE username = 'zm.photo'`);
    try {
      const r = await request(api.base, '/api/v1/bloggers/instagram/zm.photo');
      expect(r.json.latest_snapshot).toMatchObject({
        followers_count: 250,
        engagement_rate: 0.025,
        engagement_formula: 'mean_likes_comments_12/v1',
        captured_at: '2026-02-01T00:00:00.000Z',
      });
      expect(typeof r.json.latest_snapshot.id).toBe('string');
      expect(typeof r.json.latest_snapshot.social_profile_id).toBe('string');
    } finally {
      await tdb.pool.query('DELETE FROM profile_snapshots');
    }
  });

  it('answers 404 for an unknown profile and 400 for a bad platform, in the error shape', async () => {
    const missing = await request(api.base, '/api/v1/bloggers/instagram/nobody.here');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ error: { code: 'not_found', message: expect.stringContaining('nobody.here') } });
    const wrongPlatform = await request(api.base, '/api/v1/bloggers/tiktok/anna.k_92');
    expect(wrongPlatform.status).toBe(404);
    const bad = await request(api.base, '/api/v1/bloggers/Insta!/anna');
    expect([bad.status, bad.json.error.code]).toEqual([400, 'invalid_parameter']);
    const badEncoding = await request(api.base, '/api/v1/bloggers/instagram/%E0%A4%A');
    expect([badEncoding.status, badEncoding.json.error.code]).toEqual([400, 'invalid_parameter']);
  });
});
