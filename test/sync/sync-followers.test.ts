// Followers runs through real pg-boss on a real Postgres: pagination, loop guards (C05-C07), batch
// dedupe (C15), big pages (C16), redelivery, a failed page transaction, single flight, provider errors.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getJobCall } from '../../src/db/queries/job-calls.ts';
import { listServiceCalls } from '../../src/db/queries/service-calls.ts';
import { EXIT, ProviderError } from '../../src/errors.ts';
import { processJob } from '../../src/queue/handlers.ts';
import { workQueues } from '../../src/queue/worker.ts';
import { enqueueFollowersSync, enqueueProfileSync } from '../../src/sync/enqueue.ts';
import { exitCodeForRun } from '../../src/sync/outcome.ts';
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
  fake.profileCalls.length = 0;
  fake.defaultFollowers = page([]);
});

/**
 * Stores a fresh profile (own ext id per test) and returns its row id and ext id. Its follower count
 * is 0 unless given, so the completeness gate (test/sync/follower-history.test.ts) never decides these runs.
 */
async function freshProfile(extra: Parameters<typeof profile>[2] = {}): Promise<{ id: string; extId: string; username: string }> {
  seq++;
  const extId = String(7_000_000 + seq);
  const username = `blogger.${seq}`;
  fake.addProfile(profile(extId, username, { followersCount: 0, ...extra }));
  const r = await enqueueProfileSync(h.deps, { lookup: { username } });
  await h.drain();
  const run = await getJobCall(h.deps.db, r.runId);
  expect(run?.status).toBe('succeeded');
  return { id: run!.subjectId!, extId, username };
}

/** Runs a followers sync of `profileId` to its end and returns the run. */
async function syncFollowers(profileId: string) {
  const r = await enqueueFollowersSync(h.deps, { profileId });
  await h.drain();
  return (await getJobCall(h.deps.db, r.runId))!;
}

async function edges(profileId: string): Promise<string[]> {
  const res = await rows<{ ext_id: string }>(
    h,
    `SELECT f.ext_id FROM subscriptions s JOIN followers f ON f.id = s.follower_id WHERE s.social_profile_id = $1 ORDER BY f.ext_id`,
    [profileId],
  );
  return res.map((r) => r.ext_id);
}

const users = (prefix: number, n: number) => Array.from({ length: n }, (_, i) => follower(String(prefix + i)));

describe('sync-followers', () => {
  it('syncs every page, chaining service_calls with the cursors sent and received', async () => {
    const p = await freshProfile();
    fake.followersScript.push(page(users(100, 3), 'c1'), page(users(103, 2), 'c2'), page(users(105, 1)));
    const run = await syncFollowers(p.id);
    expect(run).toMatchObject({ status: 'succeeded', outcome: 'complete', pages: 3, requests: 3, itemsSeen: 6, itemsNew: 6, cursor: null });
    expect(fake.followersCalls.map((c) => c.cursor)).toEqual([null, 'c1', 'c2']);
    expect(fake.followersCalls.every((c) => c.extId === p.extId && c.pageSize === 50)).toBe(true);
    const calls = await listServiceCalls(h.deps.db, run.id);
    expect(calls.map((c) => [c.kind, c.status, c.cursor.sent, c.cursor.received, c.cursor.provider])).toEqual([
      ['followers_page', 'succeeded', null, 'c1', 'fake'],
      ['followers_page', 'succeeded', 'c1', 'c2', 'fake'],
      ['followers_page', 'succeeded', 'c2', null, 'fake'],
    ]);
    expect(calls[0]!.parentServiceCallId).toBeNull();
    expect(calls[1]!.parentServiceCallId).toBe(calls[0]!.id);
    expect(calls[2]!.parentServiceCallId).toBe(calls[1]!.id);
    expect(calls[0]!.resultSummary).toMatchObject({
      items: 3,
      new_items: 3,
      quarantined: 0,
      sanitized: 0,
      http_status: 200,
      latency_ms: 1,
    });
    expect(await edges(p.id)).toEqual(['100', '101', '102', '103', '104', '105']);
    expect(await queuedJobs(h, 'sync-followers')).toBe(0);
  });

  it('a second run sees the same edges as not new to the database but new to the run', async () => {
    const p = await freshProfile();
    fake.followersScript.push(page(users(200, 2)));
    await syncFollowers(p.id);
    fake.followersScript.push(page(users(200, 3)));
    const run = await syncFollowers(p.id);
    expect(run).toMatchObject({ status: 'succeeded', itemsSeen: 3, itemsNew: 1 });
    const [edge] = await rows(
      h,
      `SELECT followed_at < last_seen_at AS later, last_seen_job_call_id::text AS r FROM subscriptions s JOIN followers f ON f.id = s.follower_id WHERE f.ext_id = '200' AND s.social_profile_id = $1`,
      [p.id],
    );
    expect(edge).toEqual({ later: true, r: run.id });
  });

  describe('C05 repeating pages', () => {
    it('stops after 2 consecutive pages with no new ids: stalled, 3 calls, nothing queued', async () => {
      const p = await freshProfile();
      const ab = [follower('501'), follower('502')];
      fake.followersScript.push(page(ab, 'c1'), page(ab, 'c2'), page(ab, 'c3'), page(ab, 'c4'));
      const run = await syncFollowers(p.id);
      expect(run).toMatchObject({ status: 'partial', outcome: 'stalled', pages: 3, itemsSeen: 2 });
      expect(run.errorMessage).toMatch(/no new followers/);
      expect(fake.followersCalls).toHaveLength(3);
      expect(await queuedJobs(h, 'sync-followers')).toBe(0);
    });

    it('stops at once on a cursor already seen in this run', async () => {
      const p = await freshProfile();
      fake.followersScript.push(page(users(510, 2), 'c1'), page(users(512, 2), 'c1'), page(users(514, 2)));
      const run = await syncFollowers(p.id);
      expect(run).toMatchObject({ status: 'partial', outcome: 'cursor_loop', pages: 2, itemsSeen: 4 });
      expect(fake.followersCalls).toHaveLength(2);
      expect(await queuedJobs(h, 'sync-followers')).toBe(0);
    });
  });

  describe('C06 the last page', () => {
    const variants: Array<[string, Parameters<typeof page>[2]]> = [
      ['cursor absent', {}],
      ['cursor ""', { nextCursor: '' }],
      ['has_more:false beside a stale cursor', { nextCursor: 'stale', hasMore: false }],
    ];
    for (const [name, last] of variants) {
      it(`ends complete after exactly 2 calls (${name})`, async () => {
        const p = await freshProfile();
        fake.followersScript.push(page([follower('601')], 'c1'), page([follower('602')], null, last));
        const run = await syncFollowers(p.id);
        expect(run).toMatchObject({ status: 'succeeded', outcome: 'complete', pages: 2, itemsSeen: 2 });
        expect(fake.followersCalls).toHaveLength(2);
        expect(await edges(p.id)).toEqual(['601', '602']);
        expect(await queuedJobs(h, 'sync-followers')).toBe(0);
      });
    }
  });

  describe('C07 empty pages that claim more', () => {
    it('ends partial after 2 consecutive empty pages', async () => {
      const p = await freshProfile();
      fake.followersScript.push(
        page(users(700, 50), 'c1'),
        page([], 'c2', { hasMore: true }),
        page([], 'c3', { hasMore: true }),
        page(users(750, 1)),
      );
      const run = await syncFollowers(p.id);
      expect(run).toMatchObject({ status: 'partial', outcome: 'empty_pages', pages: 3, itemsSeen: 50 });
      expect(fake.followersCalls).toHaveLength(3);
      expect(await queuedJobs(h, 'sync-followers')).toBe(0);
    });

    it('has_more with a null cursor ends partial and never re-sends a null cursor', async () => {
      const p = await freshProfile();
      fake.followersScript.push(page(users(800, 50), 'c1'), page(users(850, 50), null, { hasMore: true }), page(users(900, 1)));
      const run = await syncFollowers(p.id);
      expect(run).toMatchObject({ status: 'partial', outcome: 'missing_cursor', pages: 2, itemsSeen: 100 });
      expect(fake.followersCalls.map((c) => c.cursor)).toEqual([null, 'c1']);
      expect(await queuedJobs(h, 'sync-followers')).toBe(0);
    });
  });

  it('C15: one account twice on a page is stored once, last wins, one edge', async () => {
    const p = await freshProfile();
    fake.followersScript.push(page([follower('9000000002', 'dup.a'), follower('9000000002', 'dup.a_new')]));
    const run = await syncFollowers(p.id);
    expect(run).toMatchObject({ status: 'succeeded', itemsSeen: 1 });
    expect(await rows(h, `SELECT username FROM followers WHERE ext_id = '9000000002'`)).toEqual([{ username: 'dup.a_new' }]);
    expect(await edges(p.id)).toEqual(['9000000002']);
  });

  it('C16: a page of 8,192 accounts (65,536 would-be parameters) is stored whole', async () => {
    const p = await freshProfile();
    fake.followersScript.push(page(users(10_000_000, 8192)));
    const run = await syncFollowers(p.id);
    expect(run).toMatchObject({ status: 'succeeded', itemsSeen: 8192, itemsNew: 8192 });
    const [n] = await rows<{ n: number }>(h, 'SELECT count(*)::int AS n FROM subscriptions WHERE social_profile_id = $1', [p.id]);
    expect(n!.n).toBe(8192);
  });

  it('a limited list (should_limit_list_of_followers) ends partial', async () => {
    const p = await freshProfile();
    fake.followersScript.push(page(users(950, 3), null, { limited: true }));
    const run = await syncFollowers(p.id);
    expect(run).toMatchObject({ status: 'partial', outcome: 'limited', pages: 1 });
  });

  it('quarantined records are stored with raw payload and reason; the rest of the page too', async () => {
    const p = await freshProfile();
    fake.followersScript.push(
      page(users(960, 2), null, { quarantined: [{ raw: { pk: 'x', username: 5 }, reason: 'username: expected string' }], sanitized: 1 }),
    );
    const run = await syncFollowers(p.id);
    expect(run).toMatchObject({ status: 'succeeded', itemsSeen: 2, quarantined: 1, sanitized: 1 });
    expect(await rows(h, 'SELECT kind, reason, raw_data FROM quarantined_records WHERE job_call_id = $1', [run.id])).toEqual([
      { kind: 'follower', reason: 'username: expected string', raw_data: { pk: 'x', username: 5 } },
    ]);
  });
  it('providers that failed before the answering one get their own failed ledger rows', async () => {
    const p = await freshProfile();
    const original = fake.getFollowersPage;
    fake.getFollowersPage = async (extId, cursor, size, signal) => {
      const r = await original(extId, cursor, size, signal);
      const failed = {
        provider: 'other',
        endpoint: 'v1/followers',
        httpStatus: 503,
        latencyMs: 12.4,
        attempts: 3,
        kind: 'transient',
        message: 'other: HTTP 503',
      };
      return { data: r.data, call: { ...r.call, requestUnits: 1, failedOver: [failed] } };
    };
    fake.followersScript.push(page(users(1600, 2)));
    try {
      const run = await syncFollowers(p.id);
      expect(run).toMatchObject({ status: 'succeeded', pages: 1 });
      const ledger = await listServiceCalls(h.deps.db, run.id);
      expect(ledger.map((c) => [c.status, c.cursor.provider, c.errorMessage])).toEqual([
        ['succeeded', 'fake', null],
        ['failed', 'other', 'other: HTTP 503'],
      ]);
      expect(ledger[0]!.resultSummary).toMatchObject({ request_units: 1 });
      expect(ledger[1]!.resultSummary).toMatchObject({
        error_kind: 'transient',
        http_status: 503,
        latency_ms: 12,
        attempts: 3,
        failed_over: true,
      });
    } finally {
      fake.getFollowersPage = original;
    }
  });
});

describe('redelivery and crashes', () => {
  it('a redelivered job whose page already committed is a no-op', async () => {
    const p = await freshProfile();
    fake.followersScript.push(page(users(1100, 2), 'c1'), page(users(1102, 2)));
    const run = await syncFollowers(p.id);
    const calls = await listServiceCalls(h.deps.db, run.id);
    const [job] = await rows<{ id: string; data: unknown }>(h, 'SELECT id::text, data FROM pgboss.job WHERE id = $1', [
      calls[1]!.queueJobId,
    ]);
    const before = fake.followersCalls.length;
    const result = await processJob(h.deps, 'sync-followers', { id: job!.id, retryCount: 0, retryLimit: 5, data: job!.data });
    expect(result).toMatchObject({ noop: true });
    expect(fake.followersCalls.length).toBe(before);
    expect(await getJobCall(h.deps.db, run.id)).toMatchObject({ pages: 2, requests: 2, itemsSeen: 4 });
    expect(await listServiceCalls(h.deps.db, run.id)).toHaveLength(2);
  });

  it('a page whose transaction fails leaves no half page; the retry commits it once', async () => {
    const p = await freshProfile();
    const byCursor: Record<string, ReturnType<typeof page>> = {
      '': page(users(1200, 2), 'c1'),
      c1: page(users(1202, 2), 'c2'),
      c2: page(users(1204, 1)),
    };
    fake.defaultFollowers = (c) => byCursor[c.cursor ?? '']!;
    const realTx = h.deps.db.transaction.bind(h.deps.db);
    let crashed = false;
    const crashingDb = {
      ...h.deps.db,
      transaction: (async (fn) =>
        realTx(async (tx) => {
          const out = await fn(tx);
          // Crash on the 2nd page, after every statement ran and before COMMIT.
          if (!crashed && fake.followersCalls.length === 2) {
            crashed = true;
            throw new Error('simulated crash before COMMIT');
          }
          return out;
        })) as typeof realTx,
    };
    const r = await enqueueFollowersSync(h.deps, { profileId: p.id });
    // Work until the crashed job is handed back to pg-boss.
    await workQueues({ ...h.deps, db: crashingDb }, { idleMs: 10, shouldStop: (last) => last === null, stopWhenIdle: true });
    expect(crashed).toBe(true);
    expect(await getJobCall(h.deps.db, r.runId)).toMatchObject({ status: 'running', pages: 1, cursor: 'c1', itemsSeen: 2, requests: 2 });
    expect(await edges(p.id)).toEqual(['1200', '1201']);
    expect(await rows(h, `SELECT count(*)::int AS n FROM followers WHERE ext_id IN ('1202', '1203')`)).toEqual([{ n: 0 }]);
    // The retry continues from the committed cursor.
    await h.drain();
    const run = (await getJobCall(h.deps.db, r.runId))!;
    expect(run).toMatchObject({ status: 'succeeded', pages: 3, requests: 4, itemsSeen: 5 });
    expect(fake.followersCalls.map((c) => c.cursor)).toEqual([null, 'c1', 'c1', 'c2']);
    expect(await edges(p.id)).toEqual(['1200', '1201', '1202', '1203', '1204']);
    const calls = await listServiceCalls(h.deps.db, run.id);
    expect(calls.map((c) => [c.status, c.cursor.sent])).toEqual([
      ['succeeded', null],
      ['failed', 'c1'],
      ['succeeded', 'c1'],
      ['succeeded', 'c2'],
    ]);
    expect(calls[1]!.errorMessage).toMatch(/interrupted/);
    expect(calls[2]!.queueJobId).toBe(calls[1]!.queueJobId);
    expect(calls[3]!.parentServiceCallId).toBe(calls[2]!.id);
  });
});

describe('provider errors on a page', () => {
  it('private: the run ends after one call with a clear status; edges untouched; the profile flagged private', async () => {
    const p = await freshProfile();
    fake.followersScript.push(page(users(1300, 2)));
    await syncFollowers(p.id);
    fake.followersScript.push(new ProviderError('private', 'fake', 'Not authorized to view user', { httpStatus: 200 }));
    const run = await syncFollowers(p.id);
    expect(run).toMatchObject({ status: 'failed', outcome: 'private', requests: 1, pages: 0 });
    expect(run.errorMessage).toMatch(/is private: its followers cannot be read/);
    expect(exitCodeForRun(run)).toBe(EXIT.private);
    expect(fake.followersCalls).toHaveLength(2);
    expect(await edges(p.id)).toEqual(['1300', '1301']);
    expect(await rows(h, 'SELECT s.active FROM subscriptions s WHERE s.social_profile_id = $1', [p.id])).toEqual([
      { active: true },
      { active: true },
    ]);
    expect(await rows(h, 'SELECT is_private FROM social_profiles WHERE id = $1', [p.id])).toEqual([{ is_private: true }]);
  });

  it('rate limited beyond the in-place wait: the same page is deferred by Retry-After, then continues', async () => {
    const p = await freshProfile();
    fake.followersScript.push(
      page(users(1400, 2), 'c1'),
      new ProviderError('rate_limited', 'fake', 'HTTP 429', { httpStatus: 429, retryAfterSeconds: 600 }),
      page(users(1402, 1)),
    );
    const r = await enqueueFollowersSync(h.deps, { profileId: p.id });
    const before = Date.now();
    await h.drain();
    let run = (await getJobCall(h.deps.db, r.runId))!;
    expect(run).toMatchObject({ status: 'running', pages: 1, cursor: 'c1', requests: 2 });
    expect(run.deferredUntil!.getTime()).toBeGreaterThanOrEqual(before + 600_000);
    const waiting = await rows<{ start_after: Date; data: { cursor: string; page: number } }>(
      h,
      `SELECT start_after, data FROM pgboss.job WHERE name = 'sync-followers' AND state = 'created' AND id = $1`,
      [run.queueJobId],
    );
    expect(waiting).toHaveLength(1);
    expect(waiting[0]!.data).toMatchObject({ cursor: 'c1', page: 2 });
    expect(waiting[0]!.start_after.getTime()).toBeGreaterThanOrEqual(before + 600_000);
    expect(fake.followersCalls).toHaveLength(2);
    // Nothing runs inside the window; once it has passed, the run continues from the same cursor.
    await h.drain();
    expect(fake.followersCalls).toHaveLength(2);
    await h.tdb.pool.query(`UPDATE pgboss.job SET start_after = now() WHERE id = $1`, [run.queueJobId]);
    await h.drain();
    run = (await getJobCall(h.deps.db, r.runId))!;
    expect(run).toMatchObject({ status: 'succeeded', pages: 2, requests: 3, itemsSeen: 3, deferredUntil: null });
    expect(fake.followersCalls.map((c) => c.cursor)).toEqual([null, 'c1', 'c1']);
    const ledger = await listServiceCalls(h.deps.db, run.id);
    expect(ledger.map((c) => [c.status, c.cursor.sent, c.resultSummary.error_kind ?? null])).toEqual([
      ['succeeded', null, null],
      ['failed', 'c1', 'rate_limited'],
      ['succeeded', 'c1', null],
    ]);
    expect(ledger[1]!.resultSummary).toMatchObject({ deferred_seconds: 600, http_status: 429 });
  });

  it('a definitive not_found on a page fails the run and marks the profile not found', async () => {
    const p = await freshProfile();
    fake.followersScript.push(new ProviderError('not_found', 'fake', 'User not found', { httpStatus: 200 }));
    const run = await syncFollowers(p.id);
    expect(run).toMatchObject({ status: 'failed', outcome: 'not_found', requests: 1 });
    expect(await rows(h, 'SELECT not_found_at IS NOT NULL AS gone FROM social_profiles WHERE id = $1', [p.id])).toEqual([{ gone: true }]);
  });
});

describe('single flight', () => {
  it('two concurrent starts of one profile give one run; the second attaches', async () => {
    const p = await freshProfile();
    const [a, b] = await Promise.all([
      enqueueFollowersSync(h.deps, { profileId: p.id }),
      enqueueFollowersSync(h.deps, { profileId: p.id }),
    ]);
    expect(a.runId).toBe(b.runId);
    expect([a.attached, b.attached].sort()).toEqual([false, true]);
    expect(await rows(h, `SELECT count(*)::int AS n FROM job_calls WHERE subject_id = $1 AND kind = 'followers'`, [p.id])).toEqual([
      { n: 1 },
    ]);
    expect(await queuedJobs(h, 'sync-followers')).toBe(1);
    await h.drain();
    const next = await enqueueFollowersSync(h.deps, { profileId: p.id });
    expect(next.runId).not.toBe(a.runId);
    expect(next.attached).toBe(false);
    await h.drain();
  });

  it('an active run whose queue job is gone is resumed with a new job; a second start attaches to it', async () => {
    const p = await freshProfile();
    const first = await enqueueFollowersSync(h.deps, { profileId: p.id });
    await h.tdb.pool.query(`DELETE FROM pgboss.job WHERE id = $1`, [first.queueJobId]);
    const second = await enqueueFollowersSync(h.deps, { profileId: p.id });
    expect(second).toMatchObject({ runId: first.runId, attached: true });
    expect(second.queueJobId).not.toBe(first.queueJobId);
    await h.drain();
    expect(await getJobCall(h.deps.db, first.runId)).toMatchObject({ status: 'succeeded', pages: 1 });
  });

  it('a followers sync of a profile not stored yet starts with its profile sync', async () => {
    fake.addProfile(profile('7999999', 'not.yet.stored', { followersCount: 2 }));
    fake.followersScript.push(page(users(1500, 2)));
    const r = await enqueueFollowersSync(h.deps, { lookup: { username: 'not.yet.stored' } });
    expect(r).toMatchObject({ kind: 'profile', via: 'profile', attached: false });
    await h.drain();
    const run = (await getJobCall(h.deps.db, r.runId))!;
    const child = (await getJobCall(h.deps.db, String(run.summary.followers_job_call_id)))!;
    expect(child).toMatchObject({ kind: 'followers', status: 'succeeded', itemsSeen: 2, parentJobCallId: run.id });
  });
});
