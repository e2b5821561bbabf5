// Fault test C13: one profile's page keeps failing into pg-boss retry while a second start for the
// same profile arrives and runs for other profiles are queued behind it. The other profiles must
// drain to 0 while the stuck one waits; the stuck profile never has two jobs alive at once; once
// its provider recovers, its run completes from the same cursor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GeneratedProfile, generatedFollowerIds } from '../../src/providers/sample/generated-list.ts';
import { createFaultHarness, type FaultHarness, ledgerFacts, storedEdges, waitFor } from '../helpers/faults.ts';

const STUCK: GeneratedProfile = { id: '8600000001', username: 'stuck.key', followers: 120 };
const OTHERS: GeneratedProfile[] = [2, 3, 4, 5].map((n) => ({ id: `860000000${n}`, username: `other.key${n}`, followers: 100 }));

let h: FaultHarness;
let stuck = true;

beforeAll(async () => {
  h = await createFaultHarness({
    generated: [STUCK, ...OTHERS],
    intercept: (req) =>
      stuck && req.path.endsWith('/get_followers') && String(req.body?.id) === STUCK.id
        ? { status: 503, body: 'upstream down' }
        : undefined,
  });
});
afterAll(async () => {
  await h?.close();
});

/** Live (created, retry or active) queue jobs of a run. */
async function liveJobs(runId: string): Promise<{ state: string }[]> {
  return h.q(
    `SELECT state FROM pgboss.job WHERE name = 'sync-followers' AND data ->> 'jobCallId' = $1 AND state IN ('created', 'retry', 'active')`,
    [runId],
  );
}

describe('C13 one key stuck must not stall the others', () => {
  it('other profiles drain while one page waits in retry; the stuck profile never runs twice at once; it then completes', async () => {
    const worker = h.startWorker();
    const x = await h.followersRun(await h.enqueueFollowers({ username: STUCK.username }));
    await waitFor('the stuck page to fall into pg-boss retry', async () => (await liveJobs(x.id)).some((j) => j.state === 'retry'), 60_000);

    // Y: the same profile again while X waits in retry -> attaches, no second job.
    const y = await h.enqueueFollowers({ username: STUCK.username });
    expect(y).toMatchObject({ runId: x.id, attached: true });

    let maxLive = 0;
    const sampler = setInterval(() => {
      void liveJobs(x.id).then((jobs) => {
        maxLive = Math.max(maxLive, jobs.length);
      });
    }, 50);
    try {
      const others = [];
      for (const p of OTHERS) others.push(await h.followersRun(await h.enqueueFollowers({ username: p.username })));
      for (const run of others) expect(await h.waitForEnd(run.id, 60_000)).toMatchObject({ status: 'succeeded', pages: 2 });
      // Drained to 0 while the stuck run still waits.
      const [queued] = await h.q<{ n: number }>(
        `SELECT count(*)::int AS n FROM pgboss.job WHERE name IN ('sync-followers', 'sync-profile')
         AND state IN ('created', 'retry', 'active') AND (data ->> 'jobCallId') <> $1`,
        [x.id],
      );
      expect(queued!.n).toBe(0);
      expect((await h.q<{ status: string }>('SELECT status FROM job_calls WHERE id = $1', [x.id]))[0]!.status).toBe('running');

      stuck = false;
      const ended = await h.waitForEnd(x.id, 90_000);
      expect(ended).toMatchObject({ status: 'succeeded', pages: 3, itemsSeen: STUCK.followers });
      expect(await storedEdges(h, STUCK.id)).toEqual(generatedFollowerIds(STUCK).sort());
      expect((await ledgerFacts(h, x.id)).committedTwice).toEqual([]);
      for (const p of OTHERS) expect(await storedEdges(h, p.id)).toHaveLength(p.followers);
    } finally {
      clearInterval(sampler);
    }
    expect(maxLive).toBe(1);
    // The failed attempts are in the ledger with their error, never swallowed.
    const failed = await h.q<{ n: number }>(
      `SELECT count(*)::int AS n FROM service_calls WHERE job_call_id = $1 AND status = 'failed' AND error_message LIKE '%503%'`,
      [x.id],
    );
    expect(failed[0]!.n).toBeGreaterThanOrEqual(1);
    expect(worker.stderr()).toMatch(/job failed; pg-boss retries it/);
  }, 240_000);
});
