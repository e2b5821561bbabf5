// Follower history (issue 4): the scripted timeline with exact sets after each step, the
// completeness gate (limited, stalled C05, empty pages C07, short list, unknown count), baseline,
// events and intervals, quarantined accounts never unfollowed. Real Postgres and pg-boss, fake provider.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listEdgeEvents, sincePreviousCompleteRun } from '../../src/db/queries/edge-events.ts';
import { getJobCall, type JobCallRow } from '../../src/db/queries/job-calls.ts';
import { ProviderError } from '../../src/errors.ts';
import { judgeCompleteness } from '../../src/sync/completeness.ts';
import { enqueueFollowersSync, enqueueProfileSync } from '../../src/sync/enqueue.ts';
import { createFakeProvider, follower, page, profile } from '../helpers/fake-provider.ts';
import { createSyncHarness, queuedJobs, rows, type SyncHarness } from '../helpers/sync.ts';

const fake = createFakeProvider('fake');
let h: SyncHarness;
let seq = 0;

beforeAll(async () => {
  h = await createSyncHarness(fake.asSet());
});
afterAll(async () => {
  await h.close();
});
beforeEach(() => {
  fake.followersScript.length = 0;
  fake.followersCalls.length = 0;
  fake.defaultFollowers = page([]);
});

const A = follower('9500000001', 'anna.a');
const B = follower('9500000002', 'bob.b');
const C = follower('9500000003', 'cleo.c');
const D = follower('9500000004', 'dan.d');
const name = (extId: string) => ({ '9500000001': 'A', '9500000002': 'B', '9500000003': 'C', '9500000004': 'D' })[extId] ?? extId;

/** Stores (or re-syncs) the profile with `followersCount` and returns its row id. */
async function syncProfileWithCount(extId: string, username: string, followersCount: number | null): Promise<string> {
  fake.addProfile(profile(extId, username, { followersCount }));
  const r = await enqueueProfileSync(h.deps, { lookup: { username } });
  await h.drain();
  return (await getJobCall(h.deps.db, r.runId))!.subjectId!;
}

async function syncFollowers(profileId: string): Promise<JobCallRow> {
  const r = await enqueueFollowersSync(h.deps, { profileId });
  await h.drain();
  return (await getJobCall(h.deps.db, r.runId))!;
}

async function active(profileId: string): Promise<string[]> {
  const r = await rows<{ ext_id: string }>(
    h,
    'SELECT f.ext_id FROM subscriptions s JOIN followers f ON f.id = s.follower_id WHERE s.social_profile_id = $1 AND s.active ORDER BY 1',
    [profileId],
  );
  return r.map((x) => name(x.ext_id));
}

/** Events as [who, event, baseline, run]. */
async function events(profileId: string): Promise<Array<[string, string, boolean, string]>> {
  const r = await rows<{ ext_id: string; event: string; baseline: boolean; run: string }>(
    h,
    `SELECT f.ext_id, e.event, e.baseline, e.job_call_id::text AS run FROM subscription_events e
     JOIN followers f ON f.id = e.follower_id WHERE e.social_profile_id = $1 ORDER BY e.id`,
    [profileId],
  );
  return r.map((x) => [name(x.ext_id), x.event, x.baseline, x.run]);
}

/** New and lost since the previous complete run, as the CLI computes them. */
async function changes(profileId: string): Promise<{ gained: string[]; lost: string[] }> {
  const { afterRunId } = await sincePreviousCompleteRun(h.deps.db, 'followers', profileId);
  const get = async (filter: 'gained' | 'lost') =>
    (await listEdgeEvents(h.deps.db, 'followers', profileId, filter, { afterRunId }, { limit: 100 })).rows.map((r) => name(r.extId)).sort();
  return { gained: await get('gained'), lost: await get('lost') };
}

describe('the scripted timeline (exact sets after each step)', () => {
  it('baseline, new and lost, a partial run that changes nothing, a re-follow with both intervals', async () => {
    const p = await syncProfileWithCount('9500000100', 'timeline.blogger', 3);

    // Sync 1 sees A, B, C: the baseline. Nothing is new, nothing lost.
    fake.followersScript.push(page([A, B], 'c1'), page([C]));
    const s1 = await syncFollowers(p);
    expect(s1).toMatchObject({ status: 'succeeded', outcome: 'complete', expectedItems: 3, itemsSeen: 3, baseline: true });
    expect(s1).toMatchObject({ itemsGained: 0, itemsLost: 0 });
    expect(await active(p)).toEqual(['A', 'B', 'C']);
    expect(await events(p)).toEqual([
      ['A', 'followed', true, s1.id],
      ['B', 'followed', true, s1.id],
      ['C', 'followed', true, s1.id],
    ]);
    expect(await changes(p)).toEqual({ gained: [], lost: [] });

    // Sync 2 sees B, C, D: A lost, D new.
    fake.followersScript.push(page([B, C], 'c1'), page([D]));
    const s2 = await syncFollowers(p);
    expect(s2).toMatchObject({ status: 'succeeded', itemsSeen: 3, itemsGained: 1, itemsLost: 1, baseline: false });
    expect(await active(p)).toEqual(['B', 'C', 'D']);
    expect((await events(p)).slice(3)).toEqual([
      ['D', 'followed', false, s2.id],
      ['A', 'unfollowed', false, s2.id],
    ]);
    expect(await changes(p)).toEqual({ gained: ['D'], lost: ['A'] });
    const [a] = await rows(
      h,
      `SELECT s.active, s.unfollowed_at IS NOT NULL AS gone FROM subscriptions s JOIN followers f ON f.id = s.follower_id
      WHERE f.ext_id = $1 AND s.social_profile_id = $2`,
      [A.extId, p],
    );
    expect(a).toEqual({ active: false, gone: true });

    // Sync 3 is cut short and misses C (the profile now counts 4): partial, C stays active, nothing lost.
    await syncProfileWithCount('9500000100', 'timeline.blogger', 4);
    fake.followersScript.push(page([B], 'c1'), page([D]));
    const s3 = await syncFollowers(p);
    expect(s3).toMatchObject({ status: 'partial', outcome: 'short_list', expectedItems: 4, itemsSeen: 2, itemsLost: 0, baseline: false });
    expect(s3.errorMessage).toMatch(/2 of 4 accounts \(50%, below SM_COMPLETENESS_MIN_SHARE=0\.9\)/);
    expect(await active(p)).toEqual(['B', 'C', 'D']);
    expect((await events(p)).length).toBe(5);
    const [c] = await rows<{ last: string }>(
      h,
      `SELECT s.last_seen_job_call_id::text AS last FROM subscriptions s JOIN followers f ON f.id = s.follower_id
      WHERE f.ext_id = $1 AND s.social_profile_id = $2`,
      [C.extId, p],
    );
    expect(c!.last).toBe(s2.id);
    // Still the changes of sync 2: a partial run is not a "complete run" to compare against.
    expect(await changes(p)).toEqual({ gained: ['D'], lost: ['A'] });

    // Sync 4 is complete with A, B, C, D: A re-followed, with both intervals kept.
    fake.followersScript.push(page([A, B], 'c1'), page([C, D]));
    const s4 = await syncFollowers(p);
    expect(s4).toMatchObject({ status: 'succeeded', itemsSeen: 4, itemsGained: 1, itemsLost: 0 });
    expect(await active(p)).toEqual(['A', 'B', 'C', 'D']);
    expect((await events(p)).slice(5)).toEqual([['A', 'refollowed', false, s4.id]]);
    expect(await changes(p)).toEqual({ gained: ['A'], lost: [] });
    const intervals = await rows<{ started: string; ended: string | null }>(
      h,
      `SELECT i.started_job_call_id::text AS started, i.ended_job_call_id::text AS ended FROM subscription_intervals i
       JOIN followers f ON f.id = i.follower_id WHERE f.ext_id = $1 AND i.social_profile_id = $2 ORDER BY i.started_at`,
      [A.extId, p],
    );
    expect(intervals).toEqual([
      { started: s1.id, ended: s2.id },
      { started: s4.id, ended: null },
    ]);
    // first seen never moves: A's followed_at is still sync 1's time.
    const [first] = await rows<{ same: boolean }>(
      h,
      `SELECT s.followed_at = (SELECT occurred_at FROM subscription_events WHERE follower_id = s.follower_id AND social_profile_id = s.social_profile_id AND event = 'followed') AS same
       FROM subscriptions s JOIN followers f ON f.id = s.follower_id WHERE f.ext_id = $1 AND s.social_profile_id = $2`,
      [A.extId, p],
    );
    expect(first!.same).toBe(true);
  });
});

describe('only a complete run turns unseen edges into unfollows', () => {
  async function withBaseline(count: number): Promise<string> {
    seq++;
    const p = await syncProfileWithCount(String(9_600_000_000 + seq), `gate.${seq}`, count);
    fake.followersScript.push(page([A, B, C]));
    expect(await syncFollowers(p)).toMatchObject({ status: 'succeeded', baseline: true });
    fake.followersCalls.length = 0;
    return p;
  }
  const unchanged = async (p: string, run: JobCallRow) => {
    expect(await active(p)).toEqual(['A', 'B', 'C']);
    expect(run.itemsLost).toBe(0);
    expect((await events(p)).filter(([, e]) => e === 'unfollowed')).toEqual([]);
  };

  it('should_limit_list_of_followers: partial (limited), nothing lost', async () => {
    const p = await withBaseline(3);
    fake.followersScript.push(page([A], null, { limited: true }));
    const run = await syncFollowers(p);
    expect(run).toMatchObject({ status: 'partial', outcome: 'limited' });
    await unchanged(p, run);
  });

  it('C05 repeating pages: stalled after at most 3 calls, partial, nothing lost, nothing queued', async () => {
    const p = await withBaseline(3);
    fake.followersScript.push(page([A, B], 'c1'), page([A, B], 'c2'), page([A, B], 'c3'), page([A, B], 'c4'));
    const run = await syncFollowers(p);
    expect(run).toMatchObject({ status: 'partial', outcome: 'stalled' });
    expect(fake.followersCalls.length).toBeLessThanOrEqual(3);
    expect(await queuedJobs(h, 'sync-followers')).toBe(0);
    await unchanged(p, run);
  });

  it('C05 variant: a cursor already seen in this run ends it at once, partial, nothing lost', async () => {
    const p = await withBaseline(3);
    fake.followersScript.push(page([A], 'c1'), page([B], 'c1'));
    const run = await syncFollowers(p);
    expect(run).toMatchObject({ status: 'partial', outcome: 'cursor_loop', pages: 2 });
    expect(fake.followersCalls).toHaveLength(2);
    await unchanged(p, run);
  });

  it('C07 empty pages that claim more: partial after 2 empty pages, nothing lost', async () => {
    const p = await withBaseline(3);
    fake.followersScript.push(page([A], 'c1'), page([], 'c2', { hasMore: true }), page([], 'c3', { hasMore: true }));
    const run = await syncFollowers(p);
    expect(run).toMatchObject({ status: 'partial', outcome: 'empty_pages', pages: 3 });
    expect(fake.followersCalls.map((c) => c.cursor)).toEqual([null, 'c1', 'c2']);
    expect(await queuedJobs(h, 'sync-followers')).toBe(0);
    await unchanged(p, run);
  });

  it('C07 variant: has_more with a null cursor ends partial at once, never re-enqueued with a null cursor', async () => {
    const p = await withBaseline(3);
    fake.followersScript.push(page([A, B], null, { hasMore: true }));
    const run = await syncFollowers(p);
    expect(run).toMatchObject({ status: 'partial', outcome: 'missing_cursor', pages: 1 });
    expect(fake.followersCalls).toHaveLength(1);
    expect(await queuedJobs(h, 'sync-followers')).toBe(0);
    await unchanged(p, run);
  });

  it('a failed run (provider error after page 1) adds what it saw and changes nothing else', async () => {
    const p = await withBaseline(3);
    fake.followersScript.push(page([A, D], 'c1'), new ProviderError('unauthorized', 'fake', 'key rejected'));
    const run = await syncFollowers(p);
    expect(run).toMatchObject({ status: 'failed', outcome: 'unauthorized', itemsSeen: 2 });
    expect(await active(p)).toEqual(['A', 'B', 'C', 'D']);
    expect((await events(p)).filter(([, e]) => e === 'unfollowed')).toEqual([]);
  });

  it('a profile without a follower count never records unfollows (unknown_count)', async () => {
    const p = await withBaseline(3);
    await syncProfileWithCount(
      (await rows<{ ext_id: string }>(h, 'SELECT ext_id FROM social_profiles WHERE id = $1', [p]))[0]!.ext_id,
      `gate.${seq}`,
      null,
    );
    // The stored count is kept when a payload lacks it, so clear it to model a profile never counted.
    await h.tdb.pool.query('UPDATE social_profiles SET followers_count = NULL WHERE id = $1', [p]);
    fake.followersScript.push(page([A]));
    const run = await syncFollowers(p);
    expect(run).toMatchObject({ status: 'partial', outcome: 'unknown_count', expectedItems: null });
    await unchanged(p, run);
  });

  it('an account set aside in quarantine by a complete run is not unfollowed', async () => {
    const p = await withBaseline(3);
    fake.followersScript.push({
      ...page([A, B]),
      quarantined: [{ raw: { pk: C.extId, username: 42 }, reason: 'username: expected string' }],
    });
    // 2 valid of 3: complete only because the count says 2 (the quarantined one is not "seen").
    await h.tdb.pool.query('UPDATE social_profiles SET followers_count = 2 WHERE id = $1', [p]);
    const complete = await syncFollowers(p);
    expect(complete).toMatchObject({ status: 'succeeded', itemsLost: 0 });
    expect(await active(p)).toEqual(['A', 'B', 'C']);
  });
});

describe('the completeness gate (pure)', () => {
  it('needs pagination to end normally and the share of the count', () => {
    expect(judgeCompleteness(9, 10, 0.9)).toEqual({ complete: true, share: 0.9 });
    expect(judgeCompleteness(8, 10, 0.9)).toMatchObject({ complete: false, outcome: 'short_list', share: 0.8 });
    expect(judgeCompleteness(9, 1_234_567, 0.9)).toMatchObject({ complete: false, outcome: 'short_list' });
    expect(judgeCompleteness(0, 0, 0.9)).toEqual({ complete: true, share: null });
    expect(judgeCompleteness(12, 10, 0.9)).toEqual({ complete: true, share: 1.2 });
    expect(judgeCompleteness(5, null, 0.9)).toMatchObject({ complete: false, outcome: 'unknown_count' });
    expect(judgeCompleteness(1, 10, 0)).toMatchObject({ complete: true });
    expect(judgeCompleteness(9, 10, 1)).toMatchObject({ complete: false });
  });
});
