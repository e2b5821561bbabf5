// Resume and single flight (issue 4 §4): a run whose queue job no longer lives is noticed by a sweep
// and resumed from its last committed cursor (or closed as abandoned when too old, or when pg-boss
// gave up on its job); a superseded job makes no request and stores nothing; --restart starts over
// explicitly; a waiting (deferred) run is alive. (A worker killed while it holds a job is pg-boss's
// heartbeat: test/faults/worker-crash.test.ts.)
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getJobCall } from '../../src/db/queries/job-calls.ts';
import { listServiceCalls } from '../../src/db/queries/service-calls.ts';
import { ProviderError } from '../../src/errors.ts';
import { fetchNextJob, processJob } from '../../src/queue/handlers.ts';
import { enqueueFollowersSync, enqueueProfileSync } from '../../src/sync/enqueue.ts';
import { recoverRunById, recoverRuns } from '../../src/sync/recover-runs.ts';
import { createFakeProvider, follower, page, profile } from '../helpers/fake-provider.ts';
import { createSyncHarness, rows, type SyncHarness } from '../helpers/sync.ts';

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

const users = (from: number, n: number) => Array.from({ length: n }, (_, i) => follower(String(from + i)));

/** A stored profile whose followers list is three pages: 2 + 2 + 1 users, cursors c1, c2. */
async function threePageProfile(): Promise<{ id: string; base: number }> {
  seq++;
  const base = 20_000 + seq * 10;
  fake.addProfile(profile(String(8_800_000 + seq), `resume.${seq}`, { followersCount: 5 }));
  const r = await enqueueProfileSync(h.deps, { lookup: { username: `resume.${seq}` } });
  await h.drain();
  const byCursor: Record<string, ReturnType<typeof page>> = {
    '': page(users(base, 2), 'c1'),
    c1: page(users(base + 2, 2), 'c2'),
    c2: page(users(base + 4, 1)),
  };
  fake.defaultFollowers = (c) => byCursor[c.cursor ?? '']!;
  return { id: (await getJobCall(h.deps.db, r.runId))!.subjectId!, base };
}

/** Fetches the next sync-followers job the way a worker does (it becomes `active`) without working it. */
async function fetchWithoutWorking() {
  const next = await fetchNextJob(h.deps.boss, ['sync-followers']);
  expect(next).not.toBeNull();
  return next!.job;
}

/** The run's queue job disappears (deleted from the queue by hand, or by retention). */
async function loseJob(runId: string): Promise<void> {
  await h.tdb.pool.query('DELETE FROM pgboss.job WHERE id = (SELECT queue_job_id::uuid FROM job_calls WHERE id = $1)', [runId]);
}

/** Makes the run's last sign of life `seconds` old. */
async function age(runId: string, seconds: number): Promise<void> {
  await h.tdb.pool.query(`UPDATE job_calls SET updated_at = now() - make_interval(secs => $2) WHERE id = $1`, [runId, seconds]);
}

async function activeEdges(profileId: string): Promise<string[]> {
  const r = await rows<{ ext_id: string }>(
    h,
    'SELECT f.ext_id FROM subscriptions s JOIN followers f ON f.id = s.follower_id WHERE s.social_profile_id = $1 AND s.active ORDER BY 1',
    [profileId],
  );
  return r.map((x) => x.ext_id);
}

describe('a run whose queue job no longer lives', () => {
  it('is resumed from its last committed cursor: exact edges, no committed page fetched twice', async () => {
    const p = await threePageProfile();
    const r = await enqueueFollowersSync(h.deps, { profileId: p.id });
    // Page 1 commits; page 2's job is taken by a worker, then lost from the queue.
    const first = await fetchWithoutWorking();
    await processJob(h.deps, 'sync-followers', first);
    const dead = await fetchWithoutWorking();
    expect(dead.data).toMatchObject({ page: 2, cursor: 'c1' });
    // While its job lives (here: active) the run is alive: nothing is resumed.
    expect(await recoverRuns(h.deps)).toEqual({ resumed: 0, abandoned: 0 });
    await loseJob(r.runId);
    expect(await recoverRuns(h.deps)).toEqual({ resumed: 1, abandoned: 0 });
    const resumed = (await getJobCall(h.deps.db, r.runId))!;
    expect(resumed.queueJobId).not.toBe(dead.id);
    expect(await rows(h, 'SELECT state, data FROM pgboss.job WHERE id = $1', [resumed.queueJobId])).toEqual([
      { state: 'created', data: expect.objectContaining({ page: 2, cursor: 'c1', provider: 'fake' }) },
    ]);
    // The worker that held the lost job comes back: its job no longer advances the run, so it makes no request.
    const late = await processJob(h.deps, 'sync-followers', dead);
    expect(late).toMatchObject({ noop: true });
    expect(fake.followersCalls.map((c) => c.cursor)).toEqual([null]);

    await h.drain();
    const run = (await getJobCall(h.deps.db, r.runId))!;
    expect(run).toMatchObject({ status: 'succeeded', pages: 3, itemsSeen: 5 });
    expect(fake.followersCalls.map((c) => c.cursor)).toEqual([null, 'c1', 'c2']);
    expect(await activeEdges(p.id)).toEqual(users(p.base, 5).map((u) => u.extId));
    const calls = await listServiceCalls(h.deps.db, run.id);
    expect(calls.map((c) => [c.status, c.cursor.sent])).toEqual([
      ['succeeded', null],
      ['succeeded', 'c1'],
      ['succeeded', 'c2'],
    ]);
    expect(calls[1]!.parentServiceCallId).toBe(calls[0]!.id);
  });

  it('a request in flight when its job was lost is closed, its answer not stored, and its page asked again once', async () => {
    const p = await threePageProfile();
    const r = await enqueueFollowersSync(h.deps, { profileId: p.id });
    await processJob(h.deps, 'sync-followers', await fetchWithoutWorking());
    const dead = await fetchWithoutWorking();
    // The worker sent page 2's request (its service_call is running), then died before the answer.
    let release!: () => void;
    const hang = new Promise<void>((resolve) => {
      release = resolve;
    });
    fake.followersScript.push(async () => {
      await hang;
      return page(users(p.base + 2, 2), 'c2');
    });
    const inFlight = processJob(h.deps, 'sync-followers', dead);
    await expect.poll(() => fake.followersCalls.length).toBe(2);
    await loseJob(r.runId);
    expect(await recoverRunById(h.deps, r.runId)).toBe('resumed');
    // The zombie's answer arrives after the resume: fenced, nothing stored by it.
    release();
    expect(await inFlight).toMatchObject({ noop: true, note: 'superseded' });
    await h.drain();
    const run = (await getJobCall(h.deps.db, r.runId))!;
    expect(run).toMatchObject({ status: 'succeeded', pages: 3, itemsSeen: 5 });
    expect(fake.followersCalls.map((c) => c.cursor)).toEqual([null, 'c1', 'c1', 'c2']);
    const calls = await listServiceCalls(h.deps.db, run.id);
    expect(calls.map((c) => [c.status, c.cursor.sent])).toEqual([
      ['succeeded', null],
      ['failed', 'c1'],
      ['succeeded', 'c1'],
      ['succeeded', 'c2'],
    ]);
    expect(calls[1]!.errorMessage).toMatch(/superseded/);
    expect(await activeEdges(p.id)).toEqual(users(p.base, 5).map((u) => u.extId));
  });

  it('is closed as abandoned (partial, nothing unfollowed) when its last progress is older than the resume window', async () => {
    const p = await threePageProfile();
    await enqueueFollowersSync(h.deps, { profileId: p.id });
    await h.drain();
    fake.defaultFollowers = page([]);
    fake.followersScript.push(page(users(p.base, 1), 'c1'));
    const r = await enqueueFollowersSync(h.deps, { profileId: p.id });
    await processJob(h.deps, 'sync-followers', await fetchWithoutWorking());
    await fetchWithoutWorking();
    await loseJob(r.runId);
    await age(r.runId, 25 * 3600);
    expect(await recoverRuns(h.deps)).toEqual({ resumed: 0, abandoned: 1 });
    const run = (await getJobCall(h.deps.db, r.runId))!;
    expect(run).toMatchObject({ status: 'partial', outcome: 'abandoned', pages: 1, itemsLost: 0, queueJobId: null });
    expect(run.errorMessage).toMatch(/SM_RUN_RESUME_HOURS/);
    expect(await activeEdges(p.id)).toHaveLength(5);
    // The next start begins a new run at page 1.
    const next = await enqueueFollowersSync(h.deps, { profileId: p.id });
    expect(next).toMatchObject({ attached: false });
    expect(next.runId).not.toBe(r.runId);
  });

  it('a run waiting out a rate limit (deferred job) is alive, however old', async () => {
    const p = await threePageProfile();
    fake.defaultFollowers = page([]);
    fake.followersScript.push(new ProviderError('rate_limited', 'fake', 'HTTP 429', { httpStatus: 429, retryAfterSeconds: 3600 }));
    const r = await enqueueFollowersSync(h.deps, { profileId: p.id });
    await h.drain();
    await age(r.runId, 48 * 3600);
    expect(await recoverRunById(h.deps, r.runId)).toBe('alive');
    expect(await getJobCall(h.deps.db, r.runId)).toMatchObject({ status: 'running' });
    // Close it for the next tests.
    await enqueueFollowersSync(h.deps, { profileId: p.id, restart: true });
    await h.drain();
  });
});

describe('a run whose job pg-boss gave up on (its last attempt died)', () => {
  it('is closed as abandoned: partial, nothing unfollowed, not retried forever', async () => {
    const p = await threePageProfile();
    const r = await enqueueFollowersSync(h.deps, { profileId: p.id });
    await processJob(h.deps, 'sync-followers', await fetchWithoutWorking());
    const held = await fetchWithoutWorking();
    // What pg-boss's supervision does to a job whose heartbeat stopped on its last attempt.
    await h.tdb.pool.query(`UPDATE pgboss.job SET state = 'failed', completed_on = now() WHERE id = $1`, [held.id]);
    expect(await recoverRunById(h.deps, r.runId)).toBe('abandoned');
    const run = (await getJobCall(h.deps.db, r.runId))!;
    expect(run).toMatchObject({ status: 'partial', outcome: 'abandoned', pages: 1, itemsLost: 0 });
    expect(run.errorMessage).toMatch(/failed on its last attempt/);
  });
});

describe('--restart', () => {
  it('closes the run in progress as partial (restarted) and starts over at page 1', async () => {
    const p = await threePageProfile();
    const old = await enqueueFollowersSync(h.deps, { profileId: p.id });
    await processJob(h.deps, 'sync-followers', await fetchWithoutWorking());
    const attached = await enqueueFollowersSync(h.deps, { profileId: p.id });
    expect(attached).toMatchObject({ runId: old.runId, attached: true });
    const fresh = await enqueueFollowersSync(h.deps, { profileId: p.id, restart: true });
    expect(fresh).toMatchObject({ attached: false, restarted: old.runId });
    expect(await getJobCall(h.deps.db, old.runId)).toMatchObject({ status: 'partial', outcome: 'restarted', pages: 1 });
    await h.drain();
    expect(await getJobCall(h.deps.db, fresh.runId)).toMatchObject({ status: 'succeeded', pages: 3, itemsSeen: 5 });
    expect(fake.followersCalls.map((c) => c.cursor)).toEqual([null, null, 'c1', 'c2']);
    expect(
      await rows(
        h,
        `SELECT count(*)::int AS n FROM job_calls WHERE subject_id = $1 AND kind = 'followers' AND status IN ('pending', 'running')`,
        [p.id],
      ),
    ).toEqual([{ n: 0 }]);
  });
});
