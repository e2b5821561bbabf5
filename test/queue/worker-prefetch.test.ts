// The queue loop's claim of the next page inside a page's commit (src/sync/step.ts claimNextIn):
// the slot goes from commit to the next request without a fetch; a stopping loop claims nothing
// more and leaves no job active.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJobCall } from '../../src/db/queries/job-calls.ts';
import { listServiceCalls } from '../../src/db/queries/service-calls.ts';
import { workQueues } from '../../src/queue/worker.ts';
import { enqueueFollowersSync, enqueueProfileSync } from '../../src/sync/enqueue.ts';
import type { StepResult } from '../../src/sync/step.ts';
import { createFakeProvider, follower, page, profile } from '../helpers/fake-provider.ts';
import { createSyncHarness, rows, type SyncHarness } from '../helpers/sync.ts';

const fake = createFakeProvider('fake');
let h: SyncHarness;

beforeAll(async () => {
  h = await createSyncHarness(fake.asSet());
});
afterAll(async () => {
  await h.close();
});

/** A stored profile whose follower count matches the pages scripted below (so the completeness gate passes). */
async function storedProfile(extId: string, username: string, followersCount: number): Promise<string> {
  fake.addProfile(profile(extId, username, { followersCount }));
  const r = await enqueueProfileSync(h.deps, { lookup: { username } });
  await h.drain();
  return (await getJobCall(h.deps.db, r.runId))!.subjectId!;
}

describe('claiming the next page in the commit', () => {
  it('each page commit claims the next page job, which the same slot runs next', async () => {
    const profileId = await storedProfile('7100001', 'prefetch.a', 4);
    fake.followersScript.push(page([follower('1')], 'c1'), page([follower('2')], 'c2'), page([follower('3')], 'c3'), page([follower('4')]));
    const run = await enqueueFollowersSync(h.deps, { profileId });
    const steps: StepResult[] = [];
    await h.drain({ onStep: (_q, r) => r && steps.push(r) });
    expect((await getJobCall(h.deps.db, run.runId))!).toMatchObject({ status: 'succeeded', pages: 4 });
    const calls = await listServiceCalls(h.deps.db, run.runId);
    // Pages 1-3 claimed pages 2-4: the job each claim returned is the job that made the next request.
    expect(steps.map((s) => s.next?.job.id ?? null)).toEqual([calls[1]!.queueJobId, calls[2]!.queueJobId, calls[3]!.queueJobId, null]);
  });

  it('a loop told to stop runs the page it already claimed, claims nothing more, and leaves no job active', async () => {
    const profileId = await storedProfile('7100002', 'prefetch.b', 3);
    fake.followersScript.push(page([follower('11')], 'd1'), page([follower('12')], 'd2'), page([follower('13')]));
    const run = await enqueueFollowersSync(h.deps, { profileId });
    const stop = new AbortController();
    const steps: StepResult[] = [];
    await workQueues(h.deps, {
      idleMs: 10,
      stopSignal: stop.signal,
      onStep: (_q, r) => {
        if (r) steps.push(r);
        stop.abort(); // after the first page (which claimed page 2)
      },
    });
    expect(steps).toHaveLength(2);
    expect(steps[0]!.next).toBeDefined();
    expect(steps[1]!.next).toBeUndefined();
    expect((await getJobCall(h.deps.db, run.runId))!).toMatchObject({ status: 'running', pages: 2 });
    const jobs = await rows<{ state: string }>(
      h,
      `SELECT state FROM pgboss.job WHERE name = 'sync-followers' AND data ->> 'jobCallId' = $1 AND state IN ('created', 'retry', 'active')`,
      [run.runId],
    );
    expect(jobs).toEqual([{ state: 'created' }]);
    await h.drain();
    expect((await getJobCall(h.deps.db, run.runId))!).toMatchObject({ status: 'succeeded', pages: 3 });
  });
});
