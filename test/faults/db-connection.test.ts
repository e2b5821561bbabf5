// Fault test C17: the database ends the app's connections (pg_terminate_backend of every backend
// with application_name 'sm-core' in the test database) while a worker process is idle, and while
// a page is being written. The worker must survive, log it, and the run must complete with nothing
// lost, nothing committed twice, and no extra provider request.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedFollowerIds, type GeneratedProfile } from '../../src/providers/sample/generated-list.ts';
import { createFaultHarness, type FaultHarness, followerRequests, ledgerFacts, storedEdges, waitFor } from '../helpers/faults.ts';
import type { CliProcess } from '../helpers/cli.ts';

const IDLE: GeneratedProfile = { id: '8200000001', username: 'idle.target', followers: 250 };
const BUSY: GeneratedProfile = { id: '8200000002', username: 'busy.target', followers: 300 };
const pages = (p: GeneratedProfile) => Math.ceil(p.followers / 50);

let h: FaultHarness;
let worker: CliProcess;

/** Ends every 'sm-core' backend of the test database (never another database's). @returns how many */
async function terminateApp(): Promise<number> {
  const rows = await h.q<{ ok: boolean }>(
    `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = 'sm-core' AND datname = current_database()`,
  );
  return rows.filter((r) => r.ok).length;
}

beforeAll(async () => {
  h = await createFaultHarness({ generated: [IDLE, BUSY] });
  worker = h.startWorker();
  await waitFor('the worker to start', () => /worker started/.test(worker.stderr()), 30_000);
});
afterAll(async () => {
  await h?.close();
});

describe('C17 dropped database connections', () => {
  it('while idle: the worker survives, logs it, and the next run completes', async () => {
    // The worker's pool and pg-boss's connections (incl. LISTEN) exist once it has polled.
    await waitFor('sm-core connections', async () => (await terminateCount()) >= 2, 30_000);
    expect(await terminateApp()).toBeGreaterThanOrEqual(2);
    // pg-boss's 'error' events reach the log (never swallowed), and the process carries on.
    await waitFor('the loss to be logged', () => /"msg":"pg-boss error"/.test(worker.stderr()), 30_000);
    expect(worker.child.exitCode).toBeNull();

    const started = await h.enqueueFollowers({ username: IDLE.username });
    const run = await h.followersRun(started);
    const ended = await h.waitForEnd(run.id, 120_000);
    expect(ended).toMatchObject({ status: 'succeeded', pages: pages(IDLE), itemsSeen: IDLE.followers });
    expect(await storedEdges(h, IDLE.id)).toEqual(generatedFollowerIds(IDLE).sort());
    expect(followerRequests(h.server, IDLE.id)).toHaveLength(pages(IDLE));
    expect(worker.child.exitCode).toBeNull();
  }, 180_000);

  it('while a page is being written: the page commits once, without a second provider request', async () => {
    // Hold the subscriptions table so page 1's transaction blocks half-way (followers written,
    // edges not yet): the moment the connections are ended, a page is being written.
    const locker = new pg.Client({ connectionString: h.tdb.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE subscriptions IN SHARE ROW EXCLUSIVE MODE');
      const started = await h.enqueueFollowers({ username: BUSY.username });
      const run = await h.followersRun(started);
      await waitFor(
        'page 1 to block inside its transaction',
        async () =>
          (
            await h.q(
              `SELECT 1 FROM pg_stat_activity WHERE application_name = 'sm-core' AND datname = current_database()
               AND wait_event_type = 'Lock' AND query ILIKE '%INSERT INTO subscriptions%'`,
            )
          ).length === 1,
        30_000,
      );
      const logBefore = worker.stderr().length;
      expect(await terminateApp()).toBeGreaterThanOrEqual(1);
      await locker.query('COMMIT');

      const ended = await h.waitForEnd(run.id, 120_000);
      expect(ended).toMatchObject({ status: 'succeeded', outcome: 'complete', pages: pages(BUSY), itemsSeen: BUSY.followers });
      expect(await storedEdges(h, BUSY.id)).toEqual(generatedFollowerIds(BUSY).sort());
      const facts = await ledgerFacts(h, run.id);
      expect(facts).toEqual({ pagesCommitted: pages(BUSY), committedTwice: [], open: { runs: 0, calls: 0, jobs: 0 } });
      // The page was committed again in place: each page requested exactly once.
      expect(followerRequests(h.server, BUSY.id)).toHaveLength(pages(BUSY));
      expect(worker.stderr().slice(logBefore)).toMatch(/database connection lost during page commit; retrying/);
      expect(worker.child.exitCode).toBeNull();
    } finally {
      await locker.end();
    }
  }, 180_000);

  it('the worker still stops cleanly on SIGTERM', async () => {
    worker.child.kill('SIGTERM');
    const res = await worker.done;
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/worker stopped/);
  }, 30_000);
});

async function terminateCount(): Promise<number> {
  const [row] = await h.q<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'sm-core' AND datname = current_database()`,
  );
  return row!.n;
}
