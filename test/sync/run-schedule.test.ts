// run-schedule against the real database: each due entry is enqueued exactly once, even by two
// invocations at the same moment; failures are retried later; next_run_at moves on.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/db/database.ts';
import { claimDueSchedules, listSchedules, type ScheduleRow } from '../../src/db/queries/sync-schedules.ts';
import { createLogger } from '../../src/logger.ts';
import { startBoss } from '../../src/queue/boss.ts';
import { type EnqueueEntry, enqueueWith, runSchedule } from '../../src/sync/run-schedule.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { createFakeProvider, follower, page, profile } from '../helpers/fake-provider.ts';
import { addSchedules } from '../helpers/schedules.ts';
import { createSyncHarness, rows, type SyncHarness } from '../helpers/sync.ts';

const logger = createLogger('silent');

/** An enqueue stand-in that records which entries it was asked to start, yielding between calls. */
function recorder() {
  const calls: string[] = [];
  const enqueue: EnqueueEntry = async (entry) => {
    await new Promise((r) => setImmediate(r));
    calls.push(entry.username ?? entry.extId!);
    return { runs: [{ runId: String(calls.length), kind: 'profile', attached: false }], unsupported: [] };
  };
  return { calls, enqueue };
}

async function addDue(db: Database, names: string[], every = '24h') {
  await addSchedules(db, `username,every\n${names.map((n) => `${n},${every}`).join('\n')}\n`);
}

describe('run-schedule', () => {
  let tdb: TestDatabase;
  let a: Database;
  let b: Database;
  beforeAll(async () => {
    tdb = await createTestDatabase();
    a = await openDatabase({ kind: 'server', connectionString: tdb.url }, logger);
    b = await openDatabase({ kind: 'server', connectionString: tdb.url }, logger);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await tdb.drop();
  });
  beforeEach(async () => {
    await tdb.pool.query('DELETE FROM sync_schedules');
  });

  it('two invocations at the same moment enqueue each due entry exactly once', async () => {
    const names = Array.from({ length: 60 }, (_, i) => `blogger_${i}`);
    await addDue(a, names);
    const ra = recorder();
    const rb = recorder();
    // small batches so the two claimers interleave many times
    const [repA, repB] = await Promise.all([
      runSchedule(a, ra.enqueue, { batchSize: 3, logger }),
      runSchedule(b, rb.enqueue, { batchSize: 3, logger }),
    ]);
    // both really competed for the same rows (each took a share)
    expect(ra.calls.length).toBeGreaterThan(0);
    expect(rb.calls.length).toBeGreaterThan(0);
    const all = [...ra.calls, ...rb.calls].sort();
    expect(all).toEqual([...names].sort());
    expect(repA.items.length + repB.items.length).toBe(60);
    expect(repA.started + repB.started).toBe(60);
    // nothing is due any more: a third invocation enqueues nothing
    const rc = recorder();
    expect((await runSchedule(a, rc.enqueue)).items).toEqual([]);
    expect(rc.calls).toEqual([]);
    const rows = await listSchedules(a);
    for (const row of rows) {
      expect(row.lastEnqueuedAt).not.toBeNull();
      expect(row.nextRunAt.getTime() - row.lastEnqueuedAt!.getTime()).toBeGreaterThan(86_400_000 - 60_000);
    }
  });

  it('only due, enabled entries run, highest priority first; next_run_at moves by the interval', async () => {
    await addDue(a, ['low', 'high', 'later', 'off']);
    await tdb.pool.query(`UPDATE sync_schedules SET priority = 10 WHERE username = 'high'`);
    await tdb.pool.query(`UPDATE sync_schedules SET next_run_at = now() + interval '1 hour' WHERE username = 'later'`);
    await tdb.pool.query(`UPDATE sync_schedules SET enabled = false WHERE username = 'off'`);
    await tdb.pool.query(`UPDATE sync_schedules SET next_run_at = now() - interval '90 minutes' WHERE username IN ('low', 'high')`);
    const r = recorder();
    const report = await runSchedule(a, r.enqueue);
    expect(r.calls).toEqual(['high', 'low']);
    const item = report.items[0]!;
    // due 90 min ago, every 24h: next is due + 24h (the rhythm, not now + 24h)
    expect(item.nextRunAt.getTime() - item.dueAt.getTime()).toBe(86_400_000);
    const stored = (await listSchedules(a)).find((s) => s.username === 'high')!;
    expect(stored.nextRunAt).toEqual(item.nextRunAt);
    expect(stored.lastRunIds).toEqual(['1']);
  });

  it('an entry whose enqueue fails is reported, stays due, and is retried after the delay', async () => {
    await addDue(a, ['flaky', 'fine']);
    const failing: EnqueueEntry = async (entry) => {
      if (entry.username === 'flaky') throw new Error('queue unavailable');
      return { runs: [{ runId: '9', kind: 'profile', attached: true }], unsupported: ['followings'] };
    };
    const report = await runSchedule(a, failing, { retryAfterSeconds: 60 });
    expect(report.failed).toBe(1);
    expect(report.attached).toBe(1);
    expect(report.items.find((i) => i.username === 'flaky')).toMatchObject({ error: 'queue unavailable', runs: [] });
    expect(report.items.find((i) => i.username === 'fine')).toMatchObject({ unsupported: ['followings'] });
    // within the retry delay nothing is due; once it passes, the failed entry (only) is claimed again
    expect((await runSchedule(a, recorder().enqueue)).items).toEqual([]);
    await tdb.pool.query(`UPDATE sync_schedules SET claimed_until = now() - interval '1 second' WHERE claimed_until IS NOT NULL`);
    const retry = recorder();
    await runSchedule(a, retry.enqueue);
    expect(retry.calls).toEqual(['flaky']);
  });

  it('a claim left by a crashed invocation blocks others until its lease ends, then the entry runs', async () => {
    await addDue(a, ['orphan']);
    const claimed = await claimDueSchedules(a, 10, 300);
    expect(claimed.rows.map((r: ScheduleRow) => r.username)).toEqual(['orphan']);
    const r = recorder();
    await runSchedule(b, r.enqueue);
    expect(r.calls).toEqual([]);
    await tdb.pool.query(`UPDATE sync_schedules SET claimed_until = now() - interval '1 second'`);
    await runSchedule(b, r.enqueue);
    expect(r.calls).toEqual(['orphan']);
  });

  it('a cron entry moves to its next occurrence', async () => {
    await addSchedules(a, 'username,cron\ncronny,0 3 * * *\n');
    await tdb.pool.query(`UPDATE sync_schedules SET next_run_at = now() - interval '1 minute'`);
    const report = await runSchedule(a, recorder().enqueue);
    const next = report.items[0]!.nextRunAt;
    expect(next.getUTCHours()).toBe(3);
    expect(next.getUTCMinutes()).toBe(0);
    expect(next.getTime()).toBeGreaterThan(report.startedAt.getTime());
    expect(next.getTime() - report.startedAt.getTime()).toBeLessThanOrEqual(86_400_000);
  });
});

describe('run-schedule with the real enqueue (src/sync/enqueue.ts) and pg-boss', () => {
  let h: SyncHarness;
  const fake = createFakeProvider();
  beforeAll(async () => {
    h = await createSyncHarness(fake.asSet());
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await h.tdb.pool.query('DELETE FROM sync_schedules');
    await h.tdb.pool.query('DELETE FROM job_calls');
    await h.tdb.pool.query(`DELETE FROM pgboss.job WHERE name IN ('sync-profile', 'sync-followers')`);
  });

  it('two invocations (two databases handles, two pg-boss instances) start each due profile exactly once', async () => {
    const names = Array.from({ length: 30 }, (_, i) => `star_${i}`);
    await addDue(h.deps.db, names);
    const other = await openDatabase({ kind: 'server', connectionString: h.tdb.url }, logger);
    const otherBoss = await startBoss(other, h.tdb.url, logger);
    try {
      const [ra, rb] = await Promise.all([
        runSchedule(h.deps.db, enqueueWith(h.deps), { batchSize: 4 }),
        runSchedule(other, enqueueWith({ db: other, boss: otherBoss }), { batchSize: 4 }),
      ]);
      expect(ra.items.length + rb.items.length).toBe(30);
      expect(ra.started + rb.started).toBe(30);
    } finally {
      await otherBoss.stop({ graceful: false, close: true });
      await other.close();
    }
    const runs = await rows<{ lookup: string; n: number }>(
      h,
      `SELECT params->>'lookup' AS lookup, count(*)::int AS n FROM job_calls WHERE kind = 'profile' GROUP BY 1 ORDER BY 1`,
    );
    expect(runs.map((r) => r.lookup)).toEqual(names.map((n) => `username:${n}`).sort());
    expect(runs.every((r) => r.n === 1)).toBe(true);
    const jobs = await rows<{ n: number }>(h, `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'sync-profile'`);
    expect(jobs[0]!.n).toBe(30);
  });

  it('a profile whose run is still in progress is not started again when its entry comes due', async () => {
    await addDue(h.deps.db, ['busy']);
    const first = await runSchedule(h.deps.db, enqueueWith(h.deps));
    expect(first.items[0]!.runs).toEqual([{ runId: expect.any(String), kind: 'profile', attached: false }]);
    // the entry is due again while the first run has not been worked yet
    await h.tdb.pool.query(`UPDATE sync_schedules SET next_run_at = now() - interval '1 second'`);
    const second = await runSchedule(h.deps.db, enqueueWith(h.deps));
    expect(second.items[0]!.runs).toEqual([{ runId: first.items[0]!.runs[0]!.runId, kind: 'profile', attached: true }]);
    expect(second.attached).toBe(1);
    const runs = await rows(h, `SELECT id FROM job_calls`);
    expect(runs).toHaveLength(1);
  });

  it('profile + followers + followings entries chain both list runs', async () => {
    fake.addProfile(profile('501', 'chained', { followersCount: 2, followsCount: 1 }));
    fake.followersScript.push(page([follower('9001'), follower('9002')]));
    fake.followingsScript.push(page([follower('9003')]));
    await addSchedules(h.deps.db, 'username,kinds\nchained,profile followers followings\n');
    const report = await runSchedule(h.deps.db, enqueueWith(h.deps));
    expect(report.items[0]!.unsupported).toEqual([]);
    await h.drain();
    const runs = await rows<{ kind: string; status: string }>(h, `SELECT kind, status FROM job_calls ORDER BY id`);
    expect(fake.followersCalls.map((c) => c.extId)).toEqual(['501']);
    expect(fake.followingsCalls.map((c) => c.extId)).toEqual(['501']);
    expect(runs).toEqual([
      { kind: 'profile', status: 'succeeded' },
      { kind: 'followers', status: 'succeeded' },
      { kind: 'followings', status: 'succeeded' },
    ]);
  });

  it('a followers entry without its profile (--no-profile) on a stale count records new followers, marks nobody unfollowed', async () => {
    fake.addProfile(profile('502', 'noprofile', { followersCount: 3 }));
    fake.followersScript.push(page([follower('9101'), follower('9102'), follower('9103')]));
    await addSchedules(h.deps.db, 'username,kinds\nnoprofile,profile followers\n');
    await runSchedule(h.deps.db, enqueueWith(h.deps));
    await h.drain();
    // A day later the count is stale; the entry reads the list only. One follower left, one came.
    await h.tdb.pool.query(
      `UPDATE social_profiles SET last_synced_at = now() - interval '1 day', followers_count_at = now() - interval '1 day' WHERE ext_id = '502'`,
    );
    await h.tdb.pool.query('DELETE FROM sync_schedules');
    await addSchedules(h.deps.db, 'username,kinds\nnoprofile,followers\n');
    fake.profileCalls.length = 0;
    fake.followersScript.push(page([follower('9101'), follower('9102'), follower('9104')]));
    await runSchedule(h.deps.db, enqueueWith(h.deps));
    await h.drain();
    expect(fake.profileCalls).toEqual([]);
    const [run] = await rows<{ status: string; outcome: string; items_gained: number; items_lost: number; completeness: string }>(
      h,
      `SELECT status, outcome, items_gained, items_lost, summary ->> 'completeness' AS completeness FROM job_calls
       WHERE kind = 'followers' ORDER BY id DESC LIMIT 1`,
    );
    expect(run).toEqual({ status: 'partial', outcome: 'stale_count', items_gained: 1, items_lost: 0, completeness: 'stale_count' });
    const active = await rows<{ n: number }>(
      h,
      `SELECT count(*)::int AS n FROM subscriptions s JOIN social_profiles p ON p.id = s.social_profile_id WHERE p.ext_id = '502' AND s.active`,
    );
    expect(active[0]!.n).toBe(4);
  });
});
