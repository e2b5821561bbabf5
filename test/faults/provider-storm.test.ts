// Fault test: a provider storm (30% 5xx, 10% stalls past the timeout, bursts of 429 with
// Retry-After) against two real worker processes. The run must complete with exactly the right data,
// every request must be one the storm forced, within the retry budget of docs/providers.md, and
// every Retry-After must be honoured (C08, C10, C11 under load).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedFollowerIds, type GeneratedProfile } from '../../src/providers/sample/generated-list.ts';
import type { LoggedRequest } from '../../src/providers/sample/fake-rocket-server.ts';
import { QUEUES } from '../../src/queue/jobs.ts';
import { createFaultHarness, type FaultHarness, ledgerFacts, storedEdges } from '../helpers/faults.ts';
import { createStorm } from '../helpers/storm.ts';

const PROFILE: GeneratedProfile = { id: '8300000001', username: 'storm.target', followers: 1_500 };
const PAGES = Math.ceil(PROFILE.followers / 50);
const RETRIES = 2; // SM_PROVIDER_RETRIES default: in-place retries per job attempt
/** Requests one page may cost between two deferrals: (1 + in-place retries) x (1 + queue retries). */
const PAGE_BUDGET = (1 + RETRIES) * (1 + QUEUES['sync-followers'].retryLimit);
const RETRY_AFTER = 1;

const storm = createStorm({
  seed: Number(process.env.STORM_SEED ?? 7),
  serverErrors: 0.3,
  stalls: 0.1,
  burstEvery: 20,
  burstLength: 3,
  retryAfterSeconds: RETRY_AFTER,
});
let h: FaultHarness;

beforeAll(async () => {
  h = await createFaultHarness({ generated: [PROFILE], intercept: storm.intercept }, { SM_PROVIDER_TIMEOUT_MS: '1000' });
});
afterAll(async () => {
  await h?.close();
});

/** The request's page: the cursor it sent ('' for page 1), or 'profile'. */
const pageKey = (r: LoggedRequest) => (r.path.endsWith('/get_followers') ? String(r.body?.max_id ?? '') : 'profile');

describe('provider storm: 30% 5xx, 10% stalls past the timeout, bursts of 429 with Retry-After', () => {
  it('two workers complete the run with the right data, within the retry budget, honouring Retry-After', async () => {
    const workers = [h.startWorker(), h.startWorker()];
    const started = await h.enqueueFollowers({ username: PROFILE.username });
    const run = await h.followersRun(started);
    const ended = await h.waitForEnd(run.id, 200_000);

    expect(ended).toMatchObject({ status: 'succeeded', outcome: 'complete', pages: PAGES, itemsSeen: PROFILE.followers });
    expect(await storedEdges(h, PROFILE.id)).toEqual(generatedFollowerIds(PROFILE).sort());
    expect(await ledgerFacts(h, run.id)).toEqual({ pagesCommitted: PAGES, committedTwice: [], open: { runs: 0, calls: 0, jobs: 0 } });

    const requests = h.server.requests;
    const fault = (r: LoggedRequest) => storm.faults.get(r) ?? null;
    const counts = { '5xx': 0, stall: 0, '429': 0 };
    for (const r of requests) if (fault(r)) counts[fault(r)!]++;
    const t0 = requests[0]!.receivedAt;
    const timeline = requests.map((r) => `${pageKey(r).slice(-4)}:${fault(r) ?? r.answer?.status}@${r.receivedAt - t0}`).join(' ');
    // The storm really happened, in the planned shares (every full block of 10 requests outside
    // the bursts held 3 errors and 1 stall; a burst started at every 20th request).
    const blocks = Math.floor((requests.length - counts['429']) / 10);
    expect(counts['5xx']).toBeGreaterThanOrEqual(3 * blocks);
    expect(counts.stall).toBeGreaterThanOrEqual(blocks);
    expect(counts['429']).toBeGreaterThanOrEqual(3 * Math.floor(requests.length / 20) - 2);

    const byPage = Map.groupBy(requests, pageKey);
    expect(byPage.size).toBe(PAGES + 1);
    const deferrals = await h.q<{ sent: string | null; n: number }>(
      `SELECT coalesce(cursor ->> 'sent', '') AS sent, count(*)::int AS n FROM service_calls
       WHERE job_call_id = $1 AND result_summary ? 'deferred_seconds' GROUP BY 1`,
      [run.id],
    );
    const deferredTimes = new Map(deferrals.map((d) => [d.sent, d.n]));
    for (const [key, list] of byPage) {
      // Every request is one the storm forced, except exactly one good answer per page.
      const page = `page ${key} in ${timeline}`;
      expect(list.filter((r) => fault(r) === null).length, page).toBe(1);
      expect(list.at(-1)!.answer?.status, page).toBe(200);
      // Within the budget: PAGE_BUDGET requests per stretch between deferrals.
      expect(list.length, page).toBeLessThanOrEqual(PAGE_BUDGET * (1 + (deferredTimes.get(key) ?? 0)));
      // Retry-After honoured: after a 429, the same page is not asked again inside the window.
      for (let i = 0; i + 1 < list.length; i++) {
        if (fault(list[i]!) === '429')
          expect(list[i + 1]!.receivedAt - list[i]!.receivedAt, page).toBeGreaterThanOrEqual(RETRY_AFTER * 1000 - 25);
      }
    }
    expect(requests).toHaveLength(1 + PAGES + counts['5xx'] + counts.stall + counts['429']);
    // The ledger accounts for every request the provider saw (HTTP attempts of every service_call).
    const [ledger] = await h.q<{ attempts: number }>(
      `SELECT sum((result_summary ->> 'attempts')::int)::int AS attempts FROM service_calls WHERE job_call_id IN ($1, $2)`,
      [started.runId, run.id],
    );
    expect(ledger!.attempts, timeline).toBe(requests.length);

    for (const w of workers) w.child.kill('SIGTERM');
    for (const w of workers) expect((await w.done).code).toBe(0);
  }, 240_000);
});
