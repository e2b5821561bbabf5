// GET /api/v1/bloggers/:platform/:username/{mutuals,audience} and /api/v1/overlap (issue 16 §5) through a
// real HTTP client on a real Postgres filled by scripted runs of the fake provider: every body equals
// what `sm-core mutuals|audience|overlap --json` prints for the same data (both are built by
// src/analytics), paging through Link headers, and the 400 / 404 / 409 answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { createFakeProvider, follower, profile } from '../helpers/fake-provider.ts';
import { storeWithLists } from '../helpers/lists.ts';
import { createSyncHarness, type SyncHarness } from '../helpers/sync.ts';
import { request, startApi, type RunningApi } from './api-helpers.ts';

const SLOW = 120_000;
const fake = createFakeProvider('fake');
let h: SyncHarness;
let api: RunningApi;
let env: Record<string, string>;

/** What the CLI prints with --json, parsed. */
async function cliJson(...args: string[]): Promise<unknown> {
  const r = await runCli([...args, '--json'], env);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}
const get = (path: string) => request(api.base, path);

const acct = {
  A: follower('9700000101', 'anna.a', { isPrivate: true, raw: { pk: '9700000101', has_anonymous_profile_picture: true } }),
  B: follower('9700000102', 'bob.b', { isVerified: true, raw: { pk: '9700000102', has_anonymous_profile_picture: false } }),
  C: follower('9700000103', 'user48213977', { raw: { pk: '9700000103', has_anonymous_profile_picture: true } }),
  D: follower('9700000104', 'dan.d'),
  E: follower('9700000105', 'eve.e'),
  F: follower('9700000106', 'fay.f'),
  G: follower('9700000107', 'gus.g'),
  H: follower('9700000108', 'h1234x5'),
};
type Key = keyof typeof acct;

/** Stores a profile and runs its followers list (and followings list) once each, complete; or none. */
const store = (extId: string, username: string, followers: Key[] | null, followings: Key[] | null) =>
  storeWithLists(
    h,
    fake,
    profile(extId, username, { followersCount: followers?.length ?? 0, followsCount: followings?.length ?? 0 }),
    followers?.map((k) => acct[k]) ?? null,
    followings?.map((k) => acct[k]) ?? null,
  );

beforeAll(async () => {
  h = await createSyncHarness(fake.asSet());
  env = { DATABASE_URL: h.tdb.url, SM_LOG_LEVEL: 'warn' };
  await store('9700000001', 'alpha.one', ['A', 'B', 'C', 'D', 'E'], ['B', 'C', 'F', 'G']);
  await store('9700000002', 'beta.two', ['C', 'D', 'E', 'H'], null);
  await store('9700000003', 'gamma.three', ['A', 'E', 'H'], null);
  await store('9700000004', 'delta.four', null, null);
  api = await startApi(h.deps.db);
}, SLOW);
afterAll(async () => {
  await api?.close();
  await h.close();
});

describe('GET /api/v1/bloggers/:platform/:username/mutuals', () => {
  it(
    'answers exactly what `sm-core mutuals --json` prints, for each view',
    async () => {
      const [m, n, f] = await Promise.all([
        cliJson('mutuals', 'alpha.one'),
        cliJson('mutuals', 'alpha.one', '--not-following-back'),
        cliJson('mutuals', 'alpha.one', '--fans'),
      ]);
      const [am, an, af] = await Promise.all([
        get('/api/v1/bloggers/instagram/alpha.one/mutuals'),
        get('/api/v1/bloggers/instagram/%40Alpha.One/mutuals?view=not-following-back'),
        get('/api/v1/bloggers/instagram/alpha.one/mutuals?view=fans'),
      ]);
      for (const r of [am, an, af]) expect(r.status, r.text).toBe(200);
      expect(am.json).toEqual(m);
      expect(an.json).toEqual(n);
      expect(af.json).toEqual(f);
      expect(af.json.accounts.map((a: { username: string }) => a.username)).toEqual(['anna.a', 'dan.d', 'eve.e']);
      expect(af.json.counts).toEqual({ followers: 5, followings: 4, mutuals: 2, not_following_back: 2, fans: 3 });
      expect(am.headers.get('link')).toBeNull();
    },
    SLOW,
  );

  it(
    'pages with limit and the Link header; a page equals `--limit N`; the pages together hold every account once',
    async () => {
      const first = await get('/api/v1/bloggers/instagram/alpha.one/mutuals?view=fans&limit=2');
      expect(first.status).toBe(200);
      expect(first.json).toEqual(await cliJson('mutuals', 'alpha.one', '--fans', '--limit', '2'));
      const link = first.headers.get('link');
      expect(link).toMatch(/^<\/api\/v1\/bloggers\/instagram\/alpha\.one\/mutuals\?view=fans&limit=2&after=\d+>; rel="next"$/);
      const second = await get(link!.slice(1, link!.indexOf('>')));
      expect(second.status).toBe(200);
      expect(second.headers.get('link')).toBeNull();
      expect([...first.json.accounts, ...second.json.accounts].map((a: { username: string }) => a.username)).toEqual([
        'anna.a',
        'dan.d',
        'eve.e',
      ]);
      expect(second.json.counts).toEqual(first.json.counts);
      const exact = await get('/api/v1/bloggers/instagram/alpha.one/mutuals?view=fans&limit=3');
      expect(exact.json.accounts).toHaveLength(3);
      expect(exact.headers.get('link')).toBeNull();
    },
    SLOW,
  );

  it('400 on an unknown, repeated or bad parameter', async () => {
    const cases: Array<[string, string]> = [
      ['?views=fans', 'unknown parameter "views"; allowed: view, limit, after'],
      ['?view=fans&view=mutuals', 'parameter "view" is given more than once'],
      ['?view=friends', 'view must be one of mutuals, not-following-back, fans, got "friends"'],
      ['?limit=0', 'limit must be a whole number from 1 to 1000, got "0"'],
      ['?limit=1001', 'limit must be a whole number from 1 to 1000, got "1001"'],
      ['?after=abc', 'after must be the cursor of a previous page (a whole number), got "abc"'],
    ];
    for (const [query, message] of cases) {
      const r = await get(`/api/v1/bloggers/instagram/alpha.one/mutuals${query}`);
      expect([r.status, r.json]).toEqual([400, { error: { code: 'invalid_parameter', message } }]);
    }
    expect((await get('/api/v1/bloggers/INSTA%20GRAM/alpha.one/mutuals')).status).toBe(400);
  });

  it('404 for a profile not stored; 409 list_never_completed while the followings list never completed', async () => {
    const missing = await get('/api/v1/bloggers/instagram/nobody.here/mutuals');
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('not_found');
    const r = await get('/api/v1/bloggers/instagram/beta.two/mutuals');
    expect(r.status).toBe(409);
    expect(r.json).toEqual({
      error: {
        code: 'list_never_completed',
        message:
          "@beta.two's followings list has never been synced completely, so who follows back cannot be judged: run `sm-core sync-followings beta.two` first",
      },
    });
  });
});

describe('GET /api/v1/bloggers/:platform/:username/audience', () => {
  it(
    'answers exactly what `sm-core audience --json` prints (days and k)',
    async () => {
      const [cli, r] = await Promise.all([
        cliJson('audience', 'alpha.one', '--days', '3', '--k', '2.5'),
        get('/api/v1/bloggers/instagram/alpha.one/audience?days=3&k=2.5'),
      ]);
      expect(r.status, r.text).toBe(200);
      expect(r.json).toEqual(cli);
      expect(r.json.shares.private).toMatchObject({ formula: 'share_private_v1', count: 1, denominator: 5, share: 0.2 });
      expect(r.json.daily.days).toHaveLength(3);
      expect(r.json.anomalies.k).toBe(2.5);
      const defaults = await get('/api/v1/bloggers/instagram/alpha.one/audience');
      expect(defaults.json.daily.days).toHaveLength(30);
      expect(defaults.json.anomalies.k).toBe(3);
    },
    SLOW,
  );

  it('400 on bad days or k or an unknown parameter; 404; 409 while the followers list never completed', async () => {
    const bad: Array<[string, string]> = [
      ['?days=367', 'days must be a whole number from 1 to 366, got "367"'],
      ['?k=0', 'k must be a number above 0 such as 3 or 2.5, got "0"'],
      ['?k=-1', 'k must be a number above 0 such as 3 or 2.5, got "-1"'],
      ['?window=3', 'unknown parameter "window"; allowed: days, k'],
    ];
    for (const [query, message] of bad) {
      const r = await get(`/api/v1/bloggers/instagram/alpha.one/audience${query}`);
      expect([r.status, r.json]).toEqual([400, { error: { code: 'invalid_parameter', message } }]);
    }
    expect((await get('/api/v1/bloggers/instagram/nobody.here/audience')).status).toBe(404);
    const r = await get('/api/v1/bloggers/instagram/delta.four/audience');
    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe('list_never_completed');
    expect(r.json.error.message).toMatch(/^@delta\.four's followers list has never been synced completely/);
  });
});

describe('GET /api/v1/overlap', () => {
  it(
    'answers exactly what `sm-core overlap --json [--list]` prints',
    async () => {
      const [two, three] = await Promise.all([
        cliJson('overlap', 'alpha.one', 'beta.two', '--list'),
        cliJson('overlap', 'alpha.one', 'beta.two', 'gamma.three'),
      ]);
      const [a2, a3] = await Promise.all([
        get('/api/v1/overlap?u=alpha.one&u=beta.two&list=true'),
        get('/api/v1/overlap?u=alpha.one&u=beta.two&u=gamma.three'),
      ]);
      expect(a2.status, a2.text).toBe(200);
      expect(a2.json).toEqual(two);
      expect(a2.json.pairs).toEqual([{ a: 'alpha.one', b: 'beta.two', shared: 3, union: 6, jaccard: 0.5 }]);
      expect(a2.json.shared_followers.map((s: { username: string }) => s.username)).toEqual(['user48213977', 'dan.d', 'eve.e']);
      expect(a3.status, a3.text).toBe(200);
      expect(a3.json).toEqual(three);
      expect(a3.json.reach).toBe(6); // A B C D E H
      expect(a3.json).not.toHaveProperty('shared_followers');
    },
    SLOW,
  );

  it(
    'pages the shared followers with limit and Link, like `--list --limit N`',
    async () => {
      const first = await get('/api/v1/overlap?u=alpha.one&u=beta.two&list=true&limit=2');
      expect(first.json).toEqual(await cliJson('overlap', 'alpha.one', 'beta.two', '--list', '--limit', '2'));
      const link = first.headers.get('link')!;
      expect(link).toMatch(/^<\/api\/v1\/overlap\?u=alpha\.one&u=beta\.two&list=true&limit=2&after=\d+>; rel="next"$/);
      const second = await get(link.slice(1, link.indexOf('>')));
      expect(second.json.shared_followers.map((s: { username: string }) => s.username)).toEqual(['eve.e']);
    },
    SLOW,
  );

  it('400 on too few or too many profiles, one named twice, limit without list; 404; 409', async () => {
    const bad: Array<[string, string]> = [
      ['?u=alpha.one', 'overlap compares 2 to 16 profiles: give u=<username> that many times (got 1)'],
      [
        `?${Array.from({ length: 17 }, (_, i) => `u=p${i}`).join('&')}`,
        'overlap compares 2 to 16 profiles: give u=<username> that many times (got 17)',
      ],
      ['?u=alpha.one&u=%40Alpha.One', '@alpha.one is named twice: give each profile once'],
      ['?u=alpha.one&u=beta.two&limit=5', 'limit and after apply to list=true only'],
      ['?u=alpha.one&u=beta.two&list=yes', 'list must be true or false, got "yes"'],
      ['?u=alpha.one&u=beta.two&list=true&list=true', 'parameter "list" is given more than once'],
      ['?u=alpha.one&v=beta.two', 'unknown parameter "v"; allowed: u, platform, list, limit, after'],
    ];
    for (const [query, message] of bad) {
      const r = await get(`/api/v1/overlap${query}`);
      expect([r.status, r.json]).toEqual([400, { error: { code: 'invalid_parameter', message } }]);
    }
    const missing = await get('/api/v1/overlap?u=alpha.one&u=nobody.here');
    expect([missing.status, missing.json.error.code]).toEqual([404, 'not_found']);
    expect((await get('/api/v1/overlap?u=alpha.one&u=beta.two&platform=tiktok')).status).toBe(404);
    const never = await get('/api/v1/overlap?u=alpha.one&u=delta.four');
    expect([never.status, never.json.error.code]).toEqual([409, 'list_never_completed']);
  });
});

it('the OpenAPI document lists the three paths with their 400, 404 and 409 answers', async () => {
  const doc = (await get('/api/v1/openapi.json')).json;
  for (const path of [
    '/api/v1/bloggers/{platform}/{username}/mutuals',
    '/api/v1/bloggers/{platform}/{username}/audience',
    '/api/v1/overlap',
  ]) {
    expect(Object.keys(doc.paths[path].get.responses).sort()).toEqual(['200', '400', '404', '409', '503']);
  }
  expect(doc.paths['/api/v1/overlap'].get.parameters.map((p: { name: string }) => p.name)).toEqual([
    'u',
    'platform',
    'list',
    'limit',
    'after',
  ]);
});

describe('the blogger page shows the same analyses (issue 17 with issue 16 landed)', () => {
  it('audience shares and mutuals counts of a profile with complete lists; the reason where a list never completed', async () => {
    const [audience, mutuals] = await Promise.all([
      get('/api/v1/bloggers/instagram/alpha.one/audience'),
      get('/api/v1/bloggers/instagram/alpha.one/mutuals'),
    ]);
    const page = await get('/bloggers/instagram/alpha.one');
    expect(page.status).toBe(200);
    const text = page.text.replace(/<[^>]+>/g, '');
    const c = mutuals.json.counts;
    expect(text).toContain(`Mutuals${c.mutuals}`);
    expect(text).toContain(`Not following back${c.not_following_back}`);
    expect(text).toContain(`Fans${c.fans}`);
    const priv = audience.json.shares.private;
    expect(text).toContain(`Private${Math.round(priv.share * 10_000) / 100}% (${priv.count} of ${priv.denominator}, share_private_v1)`);
    expect(text).toContain(`Of ${audience.json.followers} active followers, from run ${audience.json.source_run.run_id}`);

    const none = await get('/bloggers/instagram/delta.four');
    expect(none.status).toBe(200);
    expect(none.text).toMatch(/No audience figures: [^<]*never been synced completely/);
    expect(none.text).toMatch(/No mutuals: [^<]*never been synced completely/);
  });
});
