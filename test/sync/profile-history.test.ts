// Identity, growth and direction (issue 4 §5, §6, §7, §8): the provider id is the identity (renames
// kept in username_history, released usernames never collide in any order on a page), private
// profiles are stored with counts and a snapshot, every profile sync writes a snapshot with its
// engagement rate and formula id, and followings are their own edge table.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getJobCall, type JobCallRow } from '../../src/db/queries/job-calls.ts';
import { findProfile } from '../../src/db/queries/profiles.ts';
import { ENGAGEMENT_FORMULA, engagementRate } from '../../src/sync/engagement.ts';
import { enqueueFollowersSync, enqueueFollowingsSync, enqueueProfileSync } from '../../src/sync/enqueue.ts';
import { createFakeProvider, follower, page, profile } from '../helpers/fake-provider.ts';
import { createSyncHarness, queuedJobs, rows, type SyncHarness } from '../helpers/sync.ts';

const fake = createFakeProvider('fake');
let h: SyncHarness;

beforeAll(async () => {
  // Share 0: these runs are about identity and direction; the completeness gate has its own tests.
  h = await createSyncHarness(fake.asSet(), { SM_COMPLETENESS_MIN_SHARE: '0' });
});
afterAll(async () => {
  await h.close();
});
beforeEach(() => {
  fake.followersScript.length = 0;
  fake.followingsScript.length = 0;
  fake.followersCalls.length = 0;
  fake.followingsCalls.length = 0;
  fake.defaultFollowers = page([]);
});

async function syncProfile(username: string): Promise<JobCallRow> {
  const r = await enqueueProfileSync(h.deps, { lookup: { username } });
  await h.drain();
  return (await getJobCall(h.deps.db, r.runId))!;
}

async function syncFollowers(profileId: string): Promise<JobCallRow> {
  const r = await enqueueFollowersSync(h.deps, { profileId });
  await h.drain();
  return (await getJobCall(h.deps.db, r.runId))!;
}

const accounts = (...extIds: string[]) =>
  rows<{ ext_id: string; username: string }>(h, 'SELECT ext_id, username FROM followers WHERE ext_id = ANY($1) ORDER BY ext_id', [extIds]);
const history = (...extIds: string[]) =>
  rows(h, 'SELECT ext_id, old_username, new_username, seen_in FROM username_history WHERE ext_id = ANY($1) ORDER BY id', [extIds]);

describe('identity: the provider id, not the username', () => {
  it('a follower rename updates the username, keeps the old one, and is the same edge (no new follower)', async () => {
    fake.addProfile(profile('9700000001', 'rename.host', { followersCount: 1 }));
    const p = (await syncProfile('rename.host')).subjectId!;
    fake.followersScript.push(page([follower('9700000101', 'old.name')]));
    await syncFollowers(p);
    fake.followersScript.push(page([follower('9700000101', 'new.name')]));
    const run = await syncFollowers(p);
    expect(run).toMatchObject({ status: 'succeeded', itemsGained: 0, itemsLost: 0 });
    expect(await accounts('9700000101')).toEqual([{ ext_id: '9700000101', username: 'new.name' }]);
    expect(await history('9700000101')).toEqual([
      { ext_id: '9700000101', old_username: 'old.name', new_username: 'new.name', seen_in: 'list' },
    ]);
    expect(await rows(h, 'SELECT count(*)::int AS n FROM subscriptions WHERE social_profile_id = $1', [p])).toEqual([{ n: 1 }]);
  });

  for (const order of ['taker first', 'releaser first'] as const) {
    it(`a username released by one account and taken by another on the same page: no conflict (${order})`, async () => {
      const base = order === 'taker first' ? 9_700_000_200 : 9_700_000_300;
      const [a, b, c] = [String(base + 1), String(base + 2), String(base + 3)];
      const host = `swap.host.${base}`;
      fake.addProfile(profile(String(base), host, { followersCount: 3 }));
      const p = (await syncProfile(host)).subjectId!;
      fake.followersScript.push(page([follower(a, `bob.${base}`), follower(c, `alpha.${base}`)]));
      await syncFollowers(p);
      // a gives up bob.* (now bob.old.*), new account b takes bob.*; c and a also swap nothing else.
      const taker = follower(b, `bob.${base}`);
      const releaser = follower(a, `bob.old.${base}`);
      fake.followersScript.push(
        page(order === 'taker first' ? [taker, releaser, follower(c, `alpha.${base}`)] : [releaser, taker, follower(c, `alpha.${base}`)]),
      );
      const run = await syncFollowers(p);
      expect(run).toMatchObject({ status: 'succeeded', itemsSeen: 3, itemsGained: 1 });
      expect(await accounts(a, b, c)).toEqual([
        { ext_id: a, username: `bob.old.${base}` },
        { ext_id: b, username: `bob.${base}` },
        { ext_id: c, username: `alpha.${base}` },
      ]);
      expect(await history(a, b, c)).toEqual([
        { ext_id: a, old_username: `bob.${base}`, new_username: `bob.old.${base}`, seen_in: 'list' },
      ]);
    });
  }

  it('two accounts swapping usernames on one page: both stored, both renames kept', async () => {
    fake.addProfile(profile('9700000400', 'swap.both', { followersCount: 2 }));
    const p = (await syncProfile('swap.both')).subjectId!;
    fake.followersScript.push(page([follower('9700000401', 'left.side'), follower('9700000402', 'right.side')]));
    await syncFollowers(p);
    fake.followersScript.push(page([follower('9700000401', 'right.side'), follower('9700000402', 'left.side')]));
    expect(await syncFollowers(p)).toMatchObject({ status: 'succeeded' });
    expect(await accounts('9700000401', '9700000402')).toEqual([
      { ext_id: '9700000401', username: 'right.side' },
      { ext_id: '9700000402', username: 'left.side' },
    ]);
    expect(await history('9700000401', '9700000402')).toHaveLength(2);
  });

  it('a profile rename keeps the old username; another profile may take it later', async () => {
    fake.addProfile(profile('9700000500', 'brand.old'));
    await syncProfile('brand.old');
    fake.profiles.delete('username:brand.old');
    fake.addProfile(profile('9700000500', 'brand.new'));
    const renamed = await syncProfile('brand.new');
    fake.addProfile(profile('9700000501', 'brand.old'));
    await syncProfile('brand.old');
    expect(
      await rows(h, `SELECT ext_id, username FROM social_profiles WHERE ext_id IN ('9700000500', '9700000501') ORDER BY ext_id`),
    ).toEqual([
      { ext_id: '9700000500', username: 'brand.new' },
      { ext_id: '9700000501', username: 'brand.old' },
    ]);
    expect(
      await rows(
        h,
        `SELECT old_username, new_username, seen_in, job_call_id::text AS run FROM username_history WHERE ext_id = '9700000500'`,
      ),
    ).toEqual([{ old_username: 'brand.old', new_username: 'brand.new', seen_in: 'profile', run: renamed.id }]);
    expect((await findProfile(h.deps.db, { username: 'brand.old' }))?.extId).toBe('9700000501');
  });

  it('no unique index on a username anywhere in the schema', async () => {
    const unique = await rows<{ indexname: string; indexdef: string }>(
      h,
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND indexdef ILIKE 'CREATE UNIQUE%'`,
    );
    expect(unique.length).toBeGreaterThan(0);
    // The indexed columns/expressions: what follows "USING btree".
    expect(unique.filter((i) => /username/i.test(i.indexdef.replace(/^.* USING \w+ /, ''))).map((i) => i.indexname)).toEqual([]);
  });
});

describe('growth snapshots', () => {
  it('every profile sync writes a snapshot with counts, the engagement rate and its formula id', async () => {
    const posts = [
      { extId: 'p1', likes: 100, comments: 10, takenAt: 1_700_000_300 },
      { extId: 'p2', likes: 50, comments: 0, takenAt: 1_700_000_200 },
    ];
    fake.addProfile(profile('9700000600', 'growing', { followersCount: 1000, followsCount: 7, postsCount: 2, recentPosts: posts }));
    const first = await syncProfile('growing');
    fake.addProfile(profile('9700000600', 'growing', { followersCount: 1100, followsCount: 8, postsCount: 3, recentPosts: posts }));
    const second = await syncProfile('growing');
    const snaps = await rows(
      h,
      `SELECT job_call_id::text AS run, followers_count, follows_count, posts_count, is_private, engagement_rate, engagement_formula, engagement_posts
       FROM profile_snapshots WHERE social_profile_id = $1 ORDER BY captured_at, id`,
      [first.subjectId],
    );
    expect(snaps).toEqual([
      {
        run: first.id,
        followers_count: '1000',
        follows_count: '7',
        posts_count: '2',
        is_private: false,
        engagement_rate: '0.08',
        engagement_formula: ENGAGEMENT_FORMULA,
        engagement_posts: 2,
      },
      {
        run: second.id,
        followers_count: '1100',
        follows_count: '8',
        posts_count: '3',
        is_private: false,
        engagement_rate: '0.0727272727',
        engagement_formula: ENGAGEMENT_FORMULA,
        engagement_posts: 2,
      },
    ]);
    expect(await rows(h, 'SELECT engagement_rate FROM social_profiles WHERE id = $1', [first.subjectId])).toEqual([
      { engagement_rate: '0.072727' },
    ]);
  });

  it('a private profile is stored with its counts and a snapshot; its engagement rate is null; its list is not requested', async () => {
    fake.addProfile(profile('9700000700', 'closed.door', { isPrivate: true, followersCount: 87, followsCount: 140, postsCount: 12 }));
    const r = await enqueueProfileSync(h.deps, { lookup: { username: 'closed.door' }, followers: true });
    await h.drain();
    const run = (await getJobCall(h.deps.db, r.runId))!;
    expect(run.summary).toMatchObject({ followers: 'skipped_private' });
    expect(fake.followersCalls).toHaveLength(0);
    expect(
      await rows(h, 'SELECT followers_count, follows_count, posts_count, is_private FROM social_profiles WHERE id = $1', [run.subjectId]),
    ).toEqual([{ followers_count: '87', follows_count: '140', posts_count: '12', is_private: true }]);
    expect(
      await rows(
        h,
        'SELECT followers_count, is_private, engagement_rate, engagement_posts FROM profile_snapshots WHERE social_profile_id = $1',
        [run.subjectId],
      ),
    ).toEqual([{ followers_count: '87', is_private: true, engagement_rate: null, engagement_posts: 0 }]);
  });

  it('the formula: latest 12 posts by time, null without posts or followers', () => {
    const posts = Array.from({ length: 13 }, (_, i) => ({
      extId: `p${i}`,
      likes: i === 0 ? 1_000_000 : 10,
      comments: 2,
      takenAt: 1_700_000_000 + i,
    }));
    // p0 is the oldest of 13: left out.
    expect(engagementRate(posts, 100)).toEqual({ rate: 0.12, formula: ENGAGEMENT_FORMULA, posts: 12 });
    expect(engagementRate([], 100)).toEqual({ rate: null, formula: ENGAGEMENT_FORMULA, posts: 0 });
    expect(engagementRate(posts.slice(1, 3), null)).toMatchObject({ rate: null, posts: 2 });
    expect(engagementRate(posts.slice(1, 3), 0)).toMatchObject({ rate: null });
  });
});

describe('followings: the accounts a profile follows', () => {
  it('are stored in their own edge table, never mixed with followers; direction is in the names', async () => {
    fake.addProfile(profile('9700000800', 'two.ways', { followersCount: 2, followsCount: 2 }));
    const p = (await syncProfile('two.ways')).subjectId!;
    const [x, y, z] = [follower('9700000801', 'x.both'), follower('9700000802', 'y.followed'), follower('9700000803', 'z.follower')];
    fake.followersScript.push(page([z, x]));
    fake.followingsScript.push(page([x], 'f1'), page([y]));
    const followers = await syncFollowers(p);
    const r = await enqueueFollowingsSync(h.deps, { profileId: p });
    await h.drain();
    const followings = (await getJobCall(h.deps.db, r.runId))!;
    expect(followings).toMatchObject({ kind: 'followings', status: 'succeeded', pages: 2, itemsSeen: 2, expectedItems: 2, baseline: true });
    expect(fake.followingsCalls.map((c) => [c.extId, c.cursor])).toEqual([
      ['9700000800', null],
      ['9700000800', 'f1'],
    ]);
    expect(
      await rows(
        h,
        `SELECT a.username FROM followings e JOIN followers a ON a.id = e.followed_id WHERE e.social_profile_id = $1 AND e.active ORDER BY 1`,
        [p],
      ),
    ).toEqual([{ username: 'x.both' }, { username: 'y.followed' }]);
    expect(
      await rows(
        h,
        `SELECT a.username FROM subscriptions e JOIN followers a ON a.id = e.follower_id WHERE e.social_profile_id = $1 AND e.active ORDER BY 1`,
        [p],
      ),
    ).toEqual([{ username: 'x.both' }, { username: 'z.follower' }]);
    expect(
      await rows(h, `SELECT event, baseline, job_call_id::text AS run FROM following_events WHERE social_profile_id = $1 ORDER BY id`, [p]),
    ).toEqual([
      { event: 'followed', baseline: true, run: followings.id },
      { event: 'followed', baseline: true, run: followings.id },
    ]);
    expect(await rows(h, `SELECT count(*)::int AS n FROM subscription_events WHERE job_call_id = $1`, [followings.id])).toEqual([{ n: 0 }]);
    expect(await rows(h, `SELECT kind FROM service_calls WHERE job_call_id = $1`, [followings.id])).toEqual([
      { kind: 'followings_page' },
      { kind: 'followings_page' },
    ]);

    // The profile stops following y: a complete followings run records it; its followers are untouched.
    fake.followingsScript.push(page([x]));
    await h.tdb.pool.query('UPDATE social_profiles SET follows_count = 1 WHERE id = $1', [p]);
    const again = await enqueueFollowingsSync(h.deps, { profileId: p });
    await h.drain();
    expect(await getJobCall(h.deps.db, again.runId)).toMatchObject({ status: 'succeeded', itemsLost: 1 });
    expect(
      await rows(
        h,
        `SELECT a.username, e.active FROM followings e JOIN followers a ON a.id = e.followed_id WHERE e.social_profile_id = $1 ORDER BY 1`,
        [p],
      ),
    ).toEqual([
      { username: 'x.both', active: true },
      { username: 'y.followed', active: false },
    ]);
    expect(await rows(h, 'SELECT count(*)::int AS n FROM subscriptions WHERE social_profile_id = $1 AND active', [p])).toEqual([{ n: 2 }]);
    expect(followers.status).toBe('succeeded');
    expect(await queuedJobs(h, 'sync-followings')).toBe(0);
  });

  it('a followings sync of a profile not stored yet starts with its profile sync', async () => {
    fake.addProfile(profile('9700000900', 'unknown.yet', { followsCount: 1 }));
    fake.followingsScript.push(page([follower('9700000901', 'only.one')]));
    const r = await enqueueFollowingsSync(h.deps, { lookup: { username: 'unknown.yet' } });
    expect(r).toMatchObject({ kind: 'profile', via: 'profile' });
    await h.drain();
    const run = (await getJobCall(h.deps.db, r.runId))!;
    const child = (await getJobCall(h.deps.db, String(run.summary.followings_job_call_id)))!;
    expect(child).toMatchObject({ kind: 'followings', status: 'succeeded', itemsSeen: 1, parentJobCallId: run.id });
    expect(run.summary.followers_job_call_id).toBeUndefined();
  });
});
