// Fault test (issue 13 §4): every request the provider received is on the run's ledger, and none is
// sent after a page is lost. Real `sm-core worker` processes, real PostgreSQL and pg-boss, a fake
// RocketAPI serving generated lists on loopback.
// - SIGKILL while a request is in flight (the profile's, then a page's): the attempt was written to
//   service_calls before it left, so the run's ledger equals the provider's count.
// - SIGSTOP while a page request is in flight, past the provider timeout, thawed after another worker
//   took the page over: the thawed worker's timeout fires, and its retry checks ownership first and
//   sends nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type GeneratedProfile,
  generatedCursor,
  generatedFollowerIds,
  generatedRoutes,
} from '../../src/providers/sample/generated-list.ts';
import type { LoggedRequest, ScriptedResponse } from '../../src/providers/sample/fake-rocket-server.ts';
import { createFaultHarness, type FaultHarness, followerRequests, ledgerFacts, storedEdges, waitFor } from '../helpers/faults.ts';

const KILLED: GeneratedProfile = { id: '8140000001', username: 'ledger.kill', followers: 200 };
const FROZEN: GeneratedProfile = { id: '8140000002', username: 'ledger.freeze', followers: 150 };
const generated = generatedRoutes([KILLED, FROZEN]);

let h: FaultHarness;
/** Decides, per request, whether to hold its answer back (the test acts on it meanwhile). */
let hold: (req: LoggedRequest) => ScriptedResponse | undefined = () => undefined;

beforeAll(async () => {
  h = await createFaultHarness({ generated: [KILLED, FROZEN], intercept: (req) => hold(req) });
});
afterAll(async () => {
  await h?.close();
});

/** The generated answer to `req`, sent `delayMs` late. */
function late(req: LoggedRequest, delayMs: number): ScriptedResponse {
  const a = generated({ method: req.method, path: req.path, body: req.body })!;
  return { status: a.status, body: a.body, delayMs };
}

/** Requests the provider received about a profile, by endpoint. */
function received(p: GeneratedProfile) {
  return {
    profile: h.server.requests.filter((r) => /get_info/.test(r.path) && (r.body?.username === p.username || String(r.body?.id) === p.id))
      .length,
    pages: followerRequests(h.server, p.id).length,
  };
}

/** The ledger of a run: HTTP requests recorded (sum of request_units) and queue-job attempts (job_calls.requests). */
async function ledger(runId: string) {
  const [row] = await h.q<{ units: number; requests: number }>(
    `SELECT (SELECT coalesce(sum(request_units), 0)::int FROM service_calls WHERE job_call_id = $1) AS units,
            (SELECT requests FROM job_calls WHERE id = $1) AS requests`,
    [runId],
  );
  return row!;
}

describe('write-ahead ledger', () => {
  it('SIGKILL during the profile request and during a page request: the ledger equals what the provider received', async () => {
    const signalled: string[] = [];
    let worker = h.startWorker();
    const killOnArrival = (req: LoggedRequest): ScriptedResponse | undefined => {
      const isProfile = /get_info/.test(req.path) && req.body?.username === KILLED.username;
      const isPage3 = req.path.endsWith('/get_followers') && req.body?.max_id === generatedCursor(100);
      const what = isProfile ? 'profile' : isPage3 ? 'page 3' : null;
      if (!what || signalled.includes(what)) return undefined;
      signalled.push(what);
      const victim = worker;
      setImmediate(() => victim.child.kill('SIGKILL'));
      return late(req, 60_000); // still in flight when the worker dies
    };
    hold = killOnArrival;

    const started = await h.enqueueFollowers({ username: KILLED.username });
    expect((await worker.done).signal).toBe('SIGKILL');
    worker = h.startWorker(); // takes the profile job over (heartbeat expiry), dies on page 3
    const run = await h.followersRun(started);
    expect((await worker.done).signal).toBe('SIGKILL');
    worker = h.startWorker();
    const ended = await h.waitForEnd(run.id, 120_000);
    hold = () => undefined;

    expect(signalled).toEqual(['profile', 'page 3']);
    expect(ended).toMatchObject({ status: 'succeeded', outcome: 'complete', pages: 4, itemsSeen: KILLED.followers });
    expect(await storedEdges(h, KILLED.id)).toEqual(generatedFollowerIds(KILLED).sort());
    expect(await ledgerFacts(h, run.id)).toEqual({ pagesCommitted: 4, committedTwice: [], open: { runs: 0, calls: 0, jobs: 0 } });

    // The provider saw each killed request twice: 2 profile requests, 4 pages + 1.
    expect(received(KILLED)).toEqual({ profile: 2, pages: 5 });
    expect(await ledger(started.runId)).toEqual({ units: 2, requests: 2 });
    expect(await ledger(run.id)).toEqual({ units: 5, requests: 5 });
    // The killed page's row was closed by the attempt that took it over, its sent request kept.
    const interrupted = await h.q<{ kind: string; units: number; error: string }>(
      `SELECT kind, request_units AS units, error_message AS error FROM service_calls
       WHERE job_call_id = ANY($1::bigint[]) AND status = 'failed' ORDER BY id`,
      [[started.runId, run.id]],
    );
    expect(interrupted.map((r) => [r.kind, r.units])).toEqual([
      ['profile', 1],
      ['followers_page', 1],
    ]);
    expect(interrupted[1]!.error).toMatch(/^interrupted/);
    // `sm-core usage` counts the same requests (the rate gate's reservations).
    const [usage] = await h.q<{ n: number }>(`SELECT sum(requests)::int AS n FROM provider_usage WHERE period = 'day'`);
    expect(usage!.n).toBe(7);

    worker.child.kill('SIGTERM');
    expect((await worker.done).code).toBe(0);
  }, 240_000);

  it('a worker frozen past the provider timeout and thawed after the page was taken over sends no retry for it', async () => {
    const page2 = generatedCursor(50);
    let frozenPid: number | undefined;
    const frozen = h.startWorker({ SM_PROVIDER_TIMEOUT_MS: '1000', SM_PROVIDER_RETRIES: '2' });
    hold = (req) => {
      if (frozenPid !== undefined || !req.path.endsWith('/get_followers') || req.body?.max_id !== page2) return undefined;
      frozenPid = frozen.child.pid!;
      setImmediate(() => process.kill(frozenPid!, 'SIGSTOP'));
      return { stall: 'headers' }; // the request stays in flight; its timeout fires once the worker wakes
    };
    try {
      const started = await h.enqueueFollowers({ username: FROZEN.username });
      const run = await h.followersRun(started);
      await waitFor('the frozen worker', () => frozenPid !== undefined, 60_000);
      const other = h.startWorker();
      const ended = await h.waitForEnd(run.id, 120_000);
      expect(ended).toMatchObject({ status: 'succeeded', outcome: 'complete', pages: 3, itemsSeen: FROZEN.followers });
      expect(followerRequests(h.server, FROZEN.id).filter((r) => r.body?.max_id === page2)).toHaveLength(2);

      process.kill(frozenPid!, 'SIGCONT');
      await waitFor(
        'the thawed worker to find its job gone',
        () => /not sent: pg-boss no longer assigns job/.test(frozen.stderr()),
        60_000,
      );
      // Its retry never left: page 2 was asked for twice in all (the frozen attempt, the takeover).
      expect(followerRequests(h.server, FROZEN.id).filter((r) => r.body?.max_id === page2)).toHaveLength(2);
      expect(received(FROZEN)).toEqual({ profile: 1, pages: 3 + 1 });
      expect(await ledger(run.id)).toMatchObject({ units: 4 });
      expect(await storedEdges(h, FROZEN.id)).toEqual(generatedFollowerIds(FROZEN).sort());
      expect(await ledgerFacts(h, run.id)).toEqual({ pagesCommitted: 3, committedTwice: [], open: { runs: 0, calls: 0, jobs: 0 } });

      for (const w of [frozen, other]) w.child.kill('SIGTERM');
      expect((await frozen.done).code).toBe(0);
      expect((await other.done).code).toBe(0);
    } finally {
      if (frozenPid !== undefined && frozen.child.exitCode === null) process.kill(frozenPid, 'SIGCONT');
      hold = () => undefined;
    }
  }, 240_000);
});
