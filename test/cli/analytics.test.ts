// The analysis commands (issue 16 §1-3) as subprocesses on a real Postgres filled by scripted runs of
// the fake provider (followers and followings known in advance): exact mutual / not-following-back /
// fan sets, overlap sets and Jaccard values, quality shares on known counts, an anomaly fixture, and
// the refusal (exit 12) while a list never completed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueProfileSync } from '../../src/sync/enqueue.ts';
import { runCli } from '../helpers/cli.ts';
import { createFakeProvider, follower, profile } from '../helpers/fake-provider.ts';
import { storeWithLists } from '../helpers/lists.ts';
import { createSyncHarness, type SyncHarness } from '../helpers/sync.ts';

const SLOW = 120_000;
const fake = createFakeProvider('fake');
let h: SyncHarness;
let env: Record<string, string>;
const cli = (...args: string[]) => runCli(args, env);

// Accounts A..J; bot-like handles: C (5 digits in a row), H (6+ chars, more than half digits).
const acct = {
  A: follower('9600000101', 'anna.a', { isPrivate: true, raw: { pk: '9600000101', has_anonymous_profile_picture: true } }),
  B: follower('9600000102', 'bob.b', { isVerified: true, raw: { pk: '9600000102', has_anonymous_profile_picture: false } }),
  C: follower('9600000103', 'user48213977', { raw: { pk: '9600000103', has_anonymous_profile_picture: true } }),
  D: follower('9600000104', 'dan.d', { isPrivate: true, raw: { pk: '9600000104', has_anonymous_profile_picture: false } }),
  E: follower('9600000105', 'eve.e'),
  F: follower('9600000106', 'fay.f'),
  G: follower('9600000107', 'gus.g'),
  H: follower('9600000108', 'h1234x5'),
  I: follower('9600000109', 'ivy.i'),
  J: follower('9600000110', 'jon.j'),
};
type Key = keyof typeof acct;
const names = (keys: Key[]) => keys.map((k) => acct[k].username).sort();

/** Stores a profile and runs its followers (and followings) lists once, each complete. */
const store = (extId: string, username: string, followers: Key[], followings: Key[] | null) =>
  storeWithLists(
    h,
    fake,
    profile(extId, username, { followersCount: followers.length, followsCount: followings?.length ?? 0 }),
    followers.map((k) => acct[k]),
    followings?.map((k) => acct[k]) ?? null,
  );

beforeAll(async () => {
  h = await createSyncHarness(fake.asSet());
  env = { DATABASE_URL: h.tdb.url, SM_LOG_LEVEL: 'warn' };
  await store('9600000001', 'alpha.one', ['A', 'B', 'C', 'D', 'E'], ['B', 'C', 'F', 'G']);
  await store('9600000002', 'beta.two', ['C', 'D', 'E', 'H'], null);
  await store('9600000003', 'gamma.three', ['A', 'E', 'H', 'I', 'J'], null);
}, SLOW);
afterAll(async () => {
  await h.close();
});

describe('sm-core mutuals', () => {
  it(
    "mutuals, not following back and fans: exact sets, counts and both lists' freshness",
    async () => {
      const [m, n, f] = await Promise.all([
        cli('mutuals', 'alpha.one', '--json'),
        cli('mutuals', 'alpha.one', '--not-following-back', '--json'),
        cli('mutuals', 'alpha.one', '--fans', '--json'),
      ]);
      for (const r of [m, n, f]) expect(r.code, r.stderr).toBe(0);
      const [mj, nj, fj] = [m, n, f].map((r) => JSON.parse(r.stdout));
      expect(mj.accounts.map((a: { username: string }) => a.username).sort()).toEqual(names(['B', 'C']));
      expect(nj.accounts.map((a: { username: string }) => a.username).sort()).toEqual(names(['F', 'G']));
      expect(fj.accounts.map((a: { username: string }) => a.username).sort()).toEqual(names(['A', 'D', 'E']));
      expect(mj.counts).toEqual({ followers: 5, followings: 4, mutuals: 2, not_following_back: 2, fans: 3 });
      expect(mj.lists.followers.active).toBe(5);
      expect(mj.lists.followers.last_complete_run.run_id).toMatch(/^\d+$/);
      expect(mj.lists.followings.last_complete_run.finished_at).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(fj.view).toBe('fans');
    },
    SLOW,
  );

  it(
    'table and CSV',
    async () => {
      const [t, c] = await Promise.all([cli('mutuals', '@alpha.one'), cli('mutuals', 'alpha.one', '--fans', '--csv')]);
      expect(t.code, t.stderr).toBe(0);
      expect(t.stdout).toContain('@alpha.one: followers the profile also follows (mutual follows)');
      expect(t.stdout).toMatch(/followers list: {2}5 active, as of the last complete run: run \d+, /);
      expect(t.stdout).toContain('mutuals 2 · not following back 2 · fans 3');
      expect(t.stdout).toContain('@bob.b');
      expect(c.code, c.stderr).toBe(0);
      expect(c.stdout.split('\n')).toEqual([
        'ext_id,username,full_name,is_private,is_verified',
        '9600000101,anna.a,,true,false',
        '9600000104,dan.d,,true,false',
        '9600000105,eve.e,,false,false',
        '',
      ]);
      expect(c.stderr).toMatch(/^@alpha\.one: followers the profile does not follow back; followers as of run \d+/);
    },
    SLOW,
  );

  it(
    'refuses with exit 12 while the followings list never completed; exit 8 for a profile not stored',
    async () => {
      const [r, missing] = await Promise.all([cli('mutuals', 'beta.two'), cli('mutuals', 'nobody.here')]);
      expect(r.code).toBe(12);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        "sm-core: @beta.two's followings list has never been synced completely, so who follows back cannot be judged: run `sm-core sync-followings beta.two` first\n",
      );
      expect(missing.code).toBe(8);
    },
    SLOW,
  );
});

describe('sm-core overlap', () => {
  it(
    'two profiles: shared followers, Jaccard, reach, and --list',
    async () => {
      const r = await cli('overlap', 'alpha.one', 'beta.two', '--list', '--json');
      expect(r.code, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(j.formula).toBe('overlap_v1');
      expect(j.profiles.map((p: { username: string; followers: number }) => [p.username, p.followers])).toEqual([
        ['alpha.one', 5],
        ['beta.two', 4],
      ]);
      expect(j.pairs).toEqual([{ a: 'alpha.one', b: 'beta.two', shared: 3, union: 6, jaccard: 0.5 }]);
      expect(j.reach).toBe(6);
      expect(j.shared_followers.map((s: { username: string; follows: string[] }) => [s.username, s.follows])).toEqual([
        ['user48213977', ['alpha.one', 'beta.two']],
        ['dan.d', ['alpha.one', 'beta.two']],
        ['eve.e', ['alpha.one', 'beta.two']],
      ]);
    },
    SLOW,
  );

  it(
    'three profiles: every pair and the unique reach (the one-pass query), as a table and CSV',
    async () => {
      const [j, t, c] = await Promise.all([
        cli('overlap', 'alpha.one', 'beta.two', 'gamma.three', '--json'),
        cli('overlap', 'alpha.one', 'beta.two', 'gamma.three'),
        cli('overlap', 'alpha.one', 'beta.two', 'gamma.three', '--list', '--csv'),
      ]);
      expect(j.code, j.stderr).toBe(0);
      const o = JSON.parse(j.stdout);
      expect(o.pairs).toEqual([
        { a: 'alpha.one', b: 'beta.two', shared: 3, union: 6, jaccard: 0.5 },
        { a: 'alpha.one', b: 'gamma.three', shared: 2, union: 8, jaccard: 0.25 },
        { a: 'beta.two', b: 'gamma.three', shared: 2, union: 7, jaccard: 0.285714 },
      ]);
      expect(o.reach).toBe(8);
      expect(t.code, t.stderr).toBe(0);
      expect(t.stdout).toContain('unique reach: 8 distinct followers across the 3 profiles');
      expect(t.stdout).toMatch(/@beta\.two\s+│ @gamma\.three\s+│ 2\s+│ 7\s+│ 0\.2857/);
      expect(c.code, c.stderr).toBe(0);
      expect(c.stdout.split('\n')).toEqual([
        'ext_id,username,full_name,follows',
        '9600000101,anna.a,,alpha.one gamma.three',
        '9600000103,user48213977,,alpha.one beta.two',
        '9600000104,dan.d,,alpha.one beta.two',
        '9600000105,eve.e,,alpha.one beta.two gamma.three',
        '9600000108,h1234x5,,beta.two gamma.three',
        '',
      ]);
    },
    SLOW,
  );

  it(
    'usage errors: one profile, the same profile twice',
    async () => {
      const [one, twice] = await Promise.all([cli('overlap', 'alpha.one'), cli('overlap', 'alpha.one', '@Alpha.One')]);
      expect(one.code).toBe(2);
      expect(one.stderr).toBe('sm-core: overlap compares 2 to 16 profiles (got 1)\n');
      expect(twice.code).toBe(2);
      expect(twice.stderr).toBe('sm-core: @alpha.one is named twice: give each profile once\n');
    },
    SLOW,
  );
});

describe('sm-core audience', () => {
  it(
    'quality shares with their formula, count, denominator and source run',
    async () => {
      const r = await cli('audience', 'alpha.one', '--json', '--days', '3');
      expect(r.code, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(j.followers).toBe(5);
      expect(j.source_run.run_id).toMatch(/^\d+$/);
      // A, D private; B verified; A, C without picture of the 4 whose record has the flag (A-D); C bot-like.
      expect(j.shares.private).toMatchObject({ formula: 'share_private_v1', count: 2, denominator: 5, share: 0.4 });
      expect(j.shares.verified).toMatchObject({ formula: 'share_verified_v1', count: 1, denominator: 5, share: 0.2 });
      expect(j.shares.no_profile_picture).toMatchObject({ formula: 'share_no_picture_v1', count: 2, denominator: 4, share: 0.5 });
      expect(j.shares.bot_like_handle).toMatchObject({ formula: 'bot_handle_v1', count: 1, denominator: 5, share: 0.2 });
      // Today: the baseline run ended (observed), but baseline follows are not "gained".
      const today = j.daily.days.at(-1);
      expect(today).toMatchObject({ gained: 0, lost: 0, net: 0, observed: true, anomaly: false });
      expect(j.daily.days).toHaveLength(3);
      const g = await cli('audience', 'gamma.three', '--json');
      expect(JSON.parse(g.stdout).shares.bot_like_handle).toMatchObject({ count: 1, denominator: 5 });
    },
    SLOW,
  );

  it(
    'a growth anomaly: the day whose net change lies beyond k standard deviations of the trailing window',
    async () => {
      // delta.four: complete runs on each of the last 11 days; net +2 or +3 a day (gained events),
      // then +40 today. Trailing window of today: 10 observed days, mean 2.5, sigma 0.5 -> floor 1.
      const id = await store('9600000004', 'delta.four', ['A'], null);
      await h.tdb.pool.query(
        `WITH days AS (SELECT d, (current_date - d) AS back FROM generate_series(0, 10) AS d),
       runs AS (
         INSERT INTO job_calls (subject_id, kind, status, outcome, started_at, finished_at)
         SELECT $1, 'followers', 'succeeded', 'complete', (current_date - d) + time '12:00', (current_date - d) + time '12:30' FROM days
         RETURNING id, finished_at
       ), accounts AS (
         INSERT INTO followers (platform, ext_id, username)
         SELECT 'instagram', (9610000000 + r.id * 100 + n)::text, 'fixture.' || r.id || '.' || n
         FROM runs r CROSS JOIN generate_series(1, CASE WHEN r.finished_at::date = current_date THEN 40
                                                        WHEN extract(day FROM r.finished_at)::int % 2 = 0 THEN 2 ELSE 3 END) AS n
         RETURNING id, ext_id
       )
       INSERT INTO subscription_events (social_profile_id, follower_id, event, baseline, job_call_id, occurred_at)
       SELECT $1, a.id, 'followed', false, r.id, r.finished_at
       FROM accounts a JOIN runs r ON (a.ext_id::bigint - 9610000000) / 100 = r.id`,
        [id],
      );
      const r = await cli('audience', 'delta.four', '--json', '--days', '2');
      expect(r.code, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(j.anomalies).toMatchObject({ formula: 'growth_anomaly_v1', k: 3, trailing_days: 14, min_observed_days: 5, min_sigma: 1 });
      const [yesterday, today] = j.daily.days;
      expect(yesterday.anomaly).toBe(false);
      expect(today).toMatchObject({ gained: 40, lost: 0, net: 40, observed: true, anomaly: true, trailing_observed_days: 10 });
      expect(today.trailing_mean).toBeGreaterThanOrEqual(2);
      expect(today.trailing_mean).toBeLessThanOrEqual(3);
      expect(j.anomalies.days).toEqual([today.day]);
      const t = await cli('audience', 'delta.four', '--days', '2', '--k', '50');
      expect(t.code, t.stderr).toBe(0);
      expect(t.stdout).toMatch(/growth anomalies \(growth_anomaly_v1: \|net - mean\| > 50 x max\(sigma, 1\).*: none\n$/);
    },
    SLOW,
  );

  it(
    'refuses with exit 12 while the followers list never completed',
    async () => {
      fake.addProfile(profile('9600000005', 'epsilon.five', { followersCount: 3 }));
      await enqueueProfileSync(h.deps, { lookup: { username: 'epsilon.five' } });
      await h.drain();
      const r = await cli('audience', 'epsilon.five');
      expect(r.code).toBe(12);
      expect(r.stderr).toMatch(
        /^sm-core: @epsilon\.five's followers list has never been synced completely, so its audience cannot be judged/,
      );
    },
    SLOW,
  );
});
