// `sm-core worker` and SIGTERM (issue 6): a worker signalled in the middle of a page job exits within
// its grace period, and that page ends up committed exactly once: never lost, never doubled. The case
// where the page finishes within the grace is test/cli/sync-cli.test.ts; this is the other one: the page
// outlasts the grace, is aborted, and the next worker redoes it.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type FakeRocketServer, startFakeRocketServer } from '../../src/providers/sample/fake-rocket-server.ts';
import { runCli, startCli } from '../helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const API_KEY = 'test-key';
const PAGE1 = 'rocketapi-user-get_followers-page1.json';
const PAGE2 = 'rocketapi-user-get_followers-page2.json';

describe('sm-core worker: SIGTERM in the middle of a page', () => {
  let tdb: TestDatabase;
  let server: FakeRocketServer;
  const env = () => ({
    DATABASE_URL: tdb.url,
    ROCKET_API_HOST: server.url,
    ROCKET_API_KEY: API_KEY,
    SM_ENV: 'test',
    SM_LOG_LEVEL: 'info',
  });
  const q = async <T = Record<string, unknown>>(sql: string) => (await tdb.pool.query(sql)).rows as T[];

  beforeAll(async () => {
    tdb = await createTestDatabase();
    server = await startFakeRocketServer({ apiKey: API_KEY });
  });
  afterAll(async () => {
    await server.close();
    await tdb.drop();
  });
  beforeEach(async () => {
    server.reset();
    await tdb.pool.query('TRUNCATE job_calls, service_calls, subscriptions, followers, social_profiles RESTART IDENTITY CASCADE');
    await tdb.pool.query(`DELETE FROM pgboss.job WHERE name IN ('sync-profile', 'sync-followers')`);
    const queued = await runCli(['sync-profile', 'demo.blogger', '--followers', '--enqueue'], env());
    expect(queued.code, queued.stderr).toBe(0);
  });

  /** Starts a worker and waits until the page-2 request is at the provider (the job is mid-page). */
  async function workerMidPage(graceSeconds: number) {
    const worker = startCli(['worker', '--concurrency', '1', '--grace', String(graceSeconds)], env());
    await vi.waitFor(() => expect(server.requestsTo('get_followers')).toHaveLength(2), { timeout: 30_000, interval: 20 });
    return worker;
  }

  async function expectCompleteRunWithoutDoubles() {
    const runs = await q<{ kind: string; status: string; pages: number; items_seen: number }>(
      `SELECT kind, status, pages, items_seen FROM job_calls ORDER BY id`,
    );
    expect(runs).toEqual([
      { kind: 'profile', status: 'succeeded', pages: 1, items_seen: 0 },
      { kind: 'followers', status: 'succeeded', pages: 2, items_seen: 9 },
    ]);
    // one succeeded provider call per page, and 9 distinct followers with one edge each
    const pages = await q<{ sent: string | null; n: number }>(
      `SELECT cursor->>'sent' AS sent, count(*)::int AS n FROM service_calls WHERE kind <> 'profile' AND status = 'succeeded' GROUP BY 1 ORDER BY 1 NULLS FIRST`,
    );
    expect(pages.map((p) => p.n)).toEqual([1, 1]);
    expect(await q('SELECT count(*)::int AS n FROM followers')).toEqual([{ n: 9 }]);
    expect(await q('SELECT count(*)::int AS n, count(DISTINCT follower_id)::int AS d FROM subscriptions')).toEqual([{ n: 9, d: 9 }]);
  }

  it('a page that outlasts the grace period is aborted, and the next worker redoes it exactly once', async () => {
    server.script('get_followers', { fixture: PAGE1 }, { fixture: PAGE2, delayMs: 60_000 });
    const worker = await workerMidPage(1);
    const signalled = performance.now();
    worker.child.kill('SIGTERM');
    const result = await worker.done;
    expect((performance.now() - signalled) / 1000).toBeLessThan(15);
    // the aborted job is handed back to pg-boss for a retry, and the worker stops cleanly
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('job failed; pg-boss retries it');
    // nothing of page 2 was committed
    expect(await q(`SELECT count(*)::int AS n FROM followers`)).not.toEqual([{ n: 9 }]);
    const running = await q<{ status: string }>(`SELECT status FROM job_calls WHERE kind = 'followers'`);
    expect(running).toEqual([{ status: 'running' }]);

    // the next worker picks the page job up again (pg-boss retry) and finishes the run
    server.script('get_followers', { fixture: PAGE2 });
    const next = startCli(['worker', '--concurrency', '1'], env());
    await vi.waitFor(
      async () => expect(await q(`SELECT status FROM job_calls WHERE kind = 'followers'`)).toEqual([{ status: 'succeeded' }]),
      { timeout: 60_000, interval: 100 },
    );
    next.child.kill('SIGTERM');
    expect((await next.done).code).toBe(0);
    await expectCompleteRunWithoutDoubles();
  });
});
