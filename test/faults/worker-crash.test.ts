// Fault test: a worker process is SIGKILLed at a random page of a followers sync and restarted.
// Real processes (`sm-core worker`), real Postgres and pg-boss, a fake RocketAPI serving a generated
// list on loopback. The run must complete with exactly the expected edges, no page committed twice,
// nothing left running; the job the dead worker held comes back through pg-boss's heartbeat expiry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedFollowerIds, type GeneratedProfile } from '../../src/providers/sample/generated-list.ts';
import { QUEUES } from '../../src/queue/jobs.ts';
import { createFaultHarness, type FaultHarness, followerRequests, ledgerFacts, storedEdges, waitFor } from '../helpers/faults.ts';

const PROFILE: GeneratedProfile = { id: '8100000001', username: 'crash.target', followers: 1_000 };
const PAGES = Math.ceil(PROFILE.followers / 50);

let h: FaultHarness;
/** Called for every follower-page request the fake server receives (1-based page number). */
let onPage: (page: number) => void = () => {};

beforeAll(async () => {
  h = await createFaultHarness({
    generated: [PROFILE],
    intercept: (req) => {
      if (req.path.endsWith('/get_followers')) onPage(followerRequests(h.server).length);
      return undefined;
    },
  });
});
afterAll(async () => {
  await h?.close();
});

describe('SIGKILL a worker mid-sync, then restart it', () => {
  it('the run completes with exactly the expected edges, each page committed once, nothing left running', async () => {
    // A random page between 3 and PAGES - 3, and a random moment after its request arrived (0-15 ms:
    // inside the request, the commit, or the fetch of the next job).
    const killPage = 3 + Math.floor(Math.random() * (PAGES - 5));
    const killDelayMs = Math.floor(Math.random() * 16);
    const first = h.startWorker();
    let killedAt = 0;
    onPage = (page) => {
      if (page === killPage && !killedAt) {
        killedAt = Date.now();
        setTimeout(() => first.child.kill('SIGKILL'), killDelayMs);
      }
    };
    const started = await h.enqueueFollowers({ username: PROFILE.username });
    const run = await h.followersRun(started);
    const crashed = await first.done;
    expect(crashed.signal, `killed at page ${killPage} + ${killDelayMs} ms`).toBe('SIGKILL');

    const committedBeforeRestart = (await ledgerFacts(h, run.id)).pagesCommitted;
    expect(committedBeforeRestart).toBeLessThan(PAGES);
    const second = h.startWorker();
    const ended = await h.waitForEnd(run.id, 240_000);
    const recoveredAfterMs = Date.now() - killedAt;

    expect(ended).toMatchObject({ status: 'succeeded', outcome: 'complete', pages: PAGES, itemsSeen: PROFILE.followers });
    expect(await storedEdges(h, PROFILE.id)).toEqual(generatedFollowerIds(PROFILE).sort());
    const facts = await ledgerFacts(h, run.id);
    expect(facts).toEqual({ pagesCommitted: PAGES, committedTwice: [], open: { runs: 0, calls: 0, jobs: 0 } });
    // Cost: every page requested once, plus at most the one request the dead worker had in flight.
    const requests = followerRequests(h.server, PROFILE.id).length;
    expect(requests).toBeGreaterThanOrEqual(PAGES);
    expect(requests).toBeLessThanOrEqual(PAGES + 1);
    // Recovered through the heartbeat (10 s) + a supervision pass (10 s) + the retry delay, not by
    // waiting for the job to expire (expireInSeconds): ~30 s on an idle machine.
    expect(recoveredAfterMs).toBeLessThan(QUEUES['sync-followers'].expireInSeconds * 1000);

    second.child.kill('SIGTERM');
    const stopped = await second.done;
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).not.toMatch(/"level":(50|60)/);
  }, 300_000);

  it('a worker killed while idle leaves nothing behind; a new run completes on the restarted worker', async () => {
    const idle = h.startWorker();
    await waitFor('the worker to register with pg-boss', async () => /worker started/.test(idle.stderr()));
    idle.child.kill('SIGKILL');
    await idle.done;
    const again = h.startWorker();
    const started = await h.enqueueFollowers({ username: PROFILE.username });
    const ended = await h.waitForEnd(started.runId, 120_000);
    expect(ended).toMatchObject({ kind: 'followers', status: 'succeeded', pages: PAGES });
    expect((await ledgerFacts(h, ended.id)).open).toEqual({ runs: 0, calls: 0, jobs: 0 });
    again.child.kill('SIGTERM');
    expect((await again.done).code).toBe(0);
  }, 180_000);
});
