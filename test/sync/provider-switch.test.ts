// Cursor stickiness when the cursor's provider stays down (issue 3 §3): RocketAPI serves the first
// pages of a followers run, then fails. Inside SM_CURSOR_PROVIDER_WAIT_SECONDS the run waits for it
// (a recovery keeps the cursor on RocketAPI); past the wait, or at once for a rejected key, the run
// starts its list again from page 1 on the scraper, recorded on the run, and no RocketAPI cursor ever
// reaches the scraper. The run stays one run and still ends complete: nothing is marked unfollowed.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getJobCall } from '../../src/db/queries/job-calls.ts';
import type { LoggedRequest, ScriptedResponse } from '../../src/providers/sample/fake-rocket-server.ts';
import { type FakeRocketServer, startFakeRocketServer } from '../../src/providers/sample/fake-rocket-server.ts';
import { generatedFollowerIds, type GeneratedProfile } from '../../src/providers/sample/generated-list.ts';
import { workQueues } from '../../src/queue/worker.ts';
import { enqueueFollowersSync, enqueueProfileSync } from '../../src/sync/enqueue.ts';
import { decideProviderSwitch, nextProviderName, RECHECK_SECONDS } from '../../src/sync/provider-switch.ts';
import { recoverRunById } from '../../src/sync/recover-runs.ts';
import { runCli } from '../helpers/cli.ts';
import { createSyncHarness, rows, type SyncHarness } from '../helpers/sync.ts';

const KEY = 'k-provider-switch';
const PAGE_SIZE = 10;
const PROFILE: GeneratedProfile = { id: '8500000001', username: 'switch.blogger', followers: 50 };
const PAGES = PROFILE.followers / PAGE_SIZE;

/** How RocketAPI's followers endpoint answers (the scraper, same server, is never affected). */
let rocketFollowers: (nth: number) => ScriptedResponse | undefined = () => undefined;
let rocketCount = 0;
const isRocket = (r: LoggedRequest) => r.headers['x-rapidapi-key'] === undefined;
const isFollowers = (r: LoggedRequest) => r.path === '/instagram/user/get_followers';

let server: FakeRocketServer;
const harnesses: SyncHarness[] = [];

beforeAll(async () => {
  server = await startFakeRocketServer({
    apiKey: KEY,
    generated: [PROFILE],
    intercept: (r) => (isFollowers(r) && isRocket(r) ? rocketFollowers(++rocketCount) : undefined),
  });
});
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
  rocketFollowers = () => undefined;
  rocketCount = 0;
  server.reset();
});
afterAll(async () => {
  await server.close();
});

/** A harness whose providers are RocketAPI then a RocketAPI-shaped RapidAPI host, with the profile stored. */
async function harness(waitSeconds: number): Promise<SyncHarness> {
  const h = await createSyncHarness(undefined, {
    ROCKET_API_HOST: server.url,
    ROCKET_API_KEY: KEY,
    RAPID_API_KEY: KEY,
    RAPID_SCRAPER_API_HOST: server.url,
    RAPID_SCRAPER_API_FAMILY: 'rocket',
    SM_PROVIDER_RETRIES: '1',
    SM_PROVIDER_RETRY_BASE_MS: '5',
    SM_FOLLOWERS_PAGE_SIZE: String(PAGE_SIZE),
    SM_CURSOR_PROVIDER_WAIT_SECONDS: String(waitSeconds),
  });
  harnesses.push(h);
  const r = await enqueueProfileSync(h.deps, { lookup: { username: PROFILE.username } });
  await h.drain();
  expect(await getJobCall(h.deps.db, r.runId)).toMatchObject({ status: 'succeeded' });
  server.reset();
  return h;
}

const down: ScriptedResponse = { status: 503, body: 'upstream down' };
const followerRequests = (rocket: boolean) => server.requests.filter((r) => isFollowers(r) && isRocket(r) === rocket);

/** Every edge of the profile, and its events by kind. */
async function edgesAndEvents(h: SyncHarness) {
  const edges = await rows<{ ext_id: string; active: boolean }>(
    h,
    `SELECT f.ext_id, s.active FROM subscriptions s JOIN followers f ON f.id = s.follower_id
     JOIN social_profiles p ON p.id = s.social_profile_id WHERE p.ext_id = $1 ORDER BY f.ext_id`,
    [PROFILE.id],
  );
  const events = await rows<{ event: string; n: number }>(
    h,
    'SELECT event, count(*)::int AS n FROM subscription_events GROUP BY event ORDER BY event',
  );
  return { edges, events };
}

describe('the cursor provider stays down: the list restarts on the next provider', () => {
  it('wait 0: RocketAPI fails on page 3, the list starts again on the scraper at page 1 and ends complete', async () => {
    const h = await harness(0);
    rocketFollowers = (nth) => (nth > 2 ? down : undefined);
    const r = await enqueueFollowersSync(h.deps, { profileId: (await rows<{ id: string }>(h, 'SELECT id FROM social_profiles'))[0]!.id });
    await h.drain();
    const run = (await getJobCall(h.deps.db, r.runId))!;
    expect(run).toMatchObject({ status: 'succeeded', outcome: 'complete', itemsSeen: PROFILE.followers, itemsLost: 0, listRestarts: 1 });
    expect(run.listRestartedAt).toBeInstanceOf(Date);
    expect(run.summary.list_restarts).toMatchObject([{ from: 'rocket', to: 'scraper', page: 3, kind: 'transient' }]);
    // RocketAPI: pages 1-2, then page 3's two attempts (SM_PROVIDER_RETRIES=1). The scraper: the whole
    // list from page 1, its first request without any cursor, each later one with a cursor it issued.
    expect(followerRequests(true).map((q) => q.answer?.status)).toEqual([200, 200, 503, 503]);
    const scraper = followerRequests(false);
    expect(scraper).toHaveLength(PAGES);
    expect(scraper[0]!.body?.max_id).toBeUndefined();
    const ledger = await rows<{
      provider: string;
      status: string;
      sent: string | null;
      received: string | null;
      switched_to: string | null;
    }>(
      h,
      `SELECT provider, status, cursor ->> 'sent' AS sent, cursor ->> 'received' AS received, result_summary ->> 'switched_to' AS switched_to
       FROM service_calls WHERE job_call_id = $1 ORDER BY id`,
      [run.id],
    );
    expect(ledger.map((c) => [c.provider, c.status, c.switched_to])).toEqual([
      ['rocket', 'succeeded', null],
      ['rocket', 'succeeded', null],
      ['rocket', 'failed', 'scraper'],
      ...Array.from({ length: PAGES }, () => ['scraper', 'succeeded', null]),
    ]);
    const scraperCalls = ledger.filter((c) => c.provider === 'scraper');
    expect(scraperCalls[0]!.sent).toBeNull();
    for (let i = 1; i < scraperCalls.length; i++) expect(scraperCalls[i]!.sent).toBe(scraperCalls[i - 1]!.received);
    // Every follower stored once and active; the first complete run is the baseline, nobody unfollowed.
    const { edges, events } = await edgesAndEvents(h);
    expect(edges.map((e) => e.ext_id)).toEqual(generatedFollowerIds(PROFILE).sort());
    expect(edges.every((e) => e.active)).toBe(true);
    expect(events).toEqual([{ event: 'followed', n: PROFILE.followers }]);
    // `runs show` tells the restart in its table AND in --json (found by a new user review: the JSON
    // of `runs` and `runs show` had no trace of it), and the failed request names the provider taken.
    const env = { DATABASE_URL: h.tdb.url, SM_LOG_LEVEL: 'silent' };
    const table = await runCli(['runs', 'show', run.id], env);
    expect(table.stdout).toMatch(/│ list restarted\s+│ on scraper at page 1: rocket failed page 3 \(transient\) for 0 s, /);
    const shown = JSON.parse((await runCli(['runs', 'show', run.id, '--json'], env)).stdout);
    expect(shown.run.list_restarts).toEqual([
      { from: 'rocket', to: 'scraper', page: 3, failing_seconds: 0, kind: 'transient', at: expect.stringMatching(/^\d{4}-.*Z$/) },
    ]);
    expect(shown.calls.map((c: { switched_to: string | null }) => c.switched_to)).toEqual(ledger.map((c) => c.switched_to));
    const listed = JSON.parse((await runCli(['runs', '--json'], env)).stdout) as Array<{ run_id: string; list_restarts: unknown[] }>;
    expect(listed.find((r) => r.run_id === run.id)?.list_restarts).toHaveLength(1);
    expect(listed.filter((r) => r.run_id !== run.id).every((r) => r.list_restarts.length === 0)).toBe(true);
    // The tables count the pages of both passes and say so (found by review: "pages 7" for a 5-page list, unexplained).
    expect((await runCli(['runs'], env)).stdout).toContain(`${PAGES + 2} (list restarted on scraper)`);
  }, 60_000);

  it('a rejected key (401) switches at once, even inside a long wait', async () => {
    const h = await harness(3600);
    rocketFollowers = (nth) => (nth === 2 ? { status: 401, fixture: 'rocketapi-error-invalid-token.json' } : undefined);
    const r = await enqueueFollowersSync(h.deps, { lookup: { username: PROFILE.username } });
    await h.drain();
    const run = (await getJobCall(h.deps.db, r.runId))!;
    expect(run).toMatchObject({ status: 'succeeded', itemsSeen: PROFILE.followers, listRestarts: 1 });
    expect(run.summary.list_restarts).toMatchObject([{ from: 'rocket', to: 'scraper', page: 2, kind: 'unauthorized' }]);
    expect(followerRequests(true).map((q) => q.answer?.status)).toEqual([200, 401]);
    expect(followerRequests(false)).toHaveLength(PAGES);
  }, 60_000);
});

describe('a switched run that loses its job, and a provider no longer configured', () => {
  it('a resumed run numbers its next page from the current pass, with the current pass cursor and provider', async () => {
    // Found by review: recovery numbered the next page from job_calls.pages, which counts the abandoned pass too.
    const h = await harness(0);
    rocketFollowers = (nth) => (nth > 2 ? down : undefined);
    const r = await enqueueFollowersSync(h.deps, { lookup: { username: PROFILE.username } });
    await h.drain({ recover: false, shouldStop: () => followerRequests(false).length >= 2 });
    const before = (await getJobCall(h.deps.db, r.runId))!;
    expect(before).toMatchObject({ status: 'running', listRestarts: 1, provider: 'scraper' });
    const inPass = before.pages - 2; // RocketAPI committed pages 1-2 of the abandoned pass
    expect(inPass).toBeGreaterThanOrEqual(2);
    expect(inPass).toBeLessThan(PAGES);
    // The worker died with the run's job: the job is gone.
    await h.tdb.pool.query('DELETE FROM pgboss.job WHERE id = $1', [before.queueJobId]);
    expect(await recoverRunById(h.deps, r.runId)).toBe('resumed');
    const resumed = (await getJobCall(h.deps.db, r.runId))!;
    const [job] = await rows<{ data: { page: number; cursor: string; provider: string } }>(h, 'SELECT data FROM pgboss.job WHERE id = $1', [
      resumed.queueJobId,
    ]);
    expect(job!.data).toMatchObject({ page: inPass + 1, cursor: before.cursor, provider: 'scraper' });
    await h.drain();
    expect(await getJobCall(h.deps.db, r.runId)).toMatchObject({ status: 'succeeded', itemsSeen: PROFILE.followers, listRestarts: 1 });
  }, 60_000);

  it('the provider that issued the cursor is no longer configured: the list restarts at once on a configured one', async () => {
    // Found by review: the run failed ("not configured") although the scraper was there to serve the list.
    const h = await harness(3600);
    // Page 1 goes through the fallback chain (RocketAPI answers); RocketAPI is then gone from this process.
    const deps = {
      ...h.deps,
      providers: {
        ...h.deps.providers,
        names: ['scraper'],
        byName: (n: string) => (n === 'scraper' ? h.deps.providers.byName(n) : undefined),
      },
    };
    const r = await enqueueFollowersSync(deps, { lookup: { username: PROFILE.username } });
    await workQueues(deps, { idleMs: 10, stopWhenIdle: true });
    const run = (await getJobCall(h.deps.db, r.runId))!;
    expect(run).toMatchObject({ status: 'succeeded', itemsSeen: PROFILE.followers, listRestarts: 1 });
    expect(run.summary.list_restarts).toMatchObject([{ from: 'rocket', to: 'scraper', page: 2, kind: 'not_configured' }]);
    expect(followerRequests(true)).toHaveLength(1);
    expect(followerRequests(false)).toHaveLength(PAGES);
  }, 60_000);
});

describe('the cursor provider recovers inside the wait: the cursor stays with it', () => {
  it('RocketAPI fails page 3 once, the job is retried on RocketAPI with the same cursor; the scraper is never asked', async () => {
    const h = await harness(600);
    rocketFollowers = (nth) => (nth === 3 || nth === 4 ? down : undefined);
    const r = await enqueueFollowersSync(h.deps, { lookup: { username: PROFILE.username } });
    await h.drain();
    const run = (await getJobCall(h.deps.db, r.runId))!;
    expect(run).toMatchObject({ status: 'succeeded', itemsSeen: PROFILE.followers, listRestarts: 0, pages: PAGES });
    expect(run.listRestartedAt).toBeNull();
    const rocket = followerRequests(true);
    expect(rocket.map((q) => q.answer?.status)).toEqual([200, 200, 503, 503, 200, 200, 200]);
    expect(rocket[4]!.body?.max_id).toBe(rocket[2]!.body?.max_id);
    expect(followerRequests(false)).toHaveLength(0);
  }, 60_000);

  it('an outage past the job retries waits (deferred, not failed) and switches once the wait is over', async () => {
    const h = await harness(2);
    rocketFollowers = (nth) => (nth > 1 ? down : undefined);
    const r = await enqueueFollowersSync(h.deps, { lookup: { username: PROFILE.username } });
    await h.drain();
    // Retries used up inside the 2 s wait: the page waits for RocketAPI instead of failing the run.
    const waiting = (await getJobCall(h.deps.db, r.runId))!;
    expect(waiting).toMatchObject({ status: 'running', listRestarts: 0, pages: 1 });
    expect(waiting.deferredUntil).toBeInstanceOf(Date);
    expect(followerRequests(false)).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, waiting.deferredUntil!.getTime() - Date.now()) + 200));
    await h.drain();
    const run = (await getJobCall(h.deps.db, r.runId))!;
    expect(run).toMatchObject({ status: 'succeeded', itemsSeen: PROFILE.followers, listRestarts: 1 });
    expect(run.summary.list_restarts).toMatchObject([{ from: 'rocket', to: 'scraper', page: 2, kind: 'transient' }]);
    expect((run.summary.list_restarts as Array<{ failing_seconds: number }>)[0]!.failing_seconds).toBeGreaterThanOrEqual(2);
    expect(followerRequests(false)).toHaveLength(PAGES);
  }, 60_000);
});

describe('decideProviderSwitch', () => {
  const base = { failingSeconds: 10, waitSeconds: 900, next: 'scraper' } as const;
  it('keeps definitive answers, non-provider errors and the last provider as usual', () => {
    expect(decideProviderSwitch({ ...base, kind: 'not_found', action: { action: 'end', outcome: 'not_found' } })).toEqual({
      switch: false,
    });
    expect(decideProviderSwitch({ ...base, kind: 'error', action: { action: 'retry' } })).toEqual({ switch: false });
    expect(decideProviderSwitch({ ...base, kind: 'unauthorized', next: null, action: { action: 'end', outcome: 'unauthorized' } })).toEqual(
      {
        switch: false,
      },
    );
  });
  it('retries and short deferrals inside the wait stay; a deferral past the wait switches', () => {
    expect(decideProviderSwitch({ ...base, kind: 'transient', action: { action: 'retry' } })).toEqual({ switch: false });
    expect(decideProviderSwitch({ ...base, kind: 'rate_limited', action: { action: 'defer', seconds: 60 } })).toEqual({ switch: false });
    expect(decideProviderSwitch({ ...base, kind: 'rate_limited', action: { action: 'defer', seconds: 891 } })).toEqual({
      switch: true,
      to: 'scraper',
    });
  });
  it('an outage with no retries left is re-checked until the wait is over, then switches', () => {
    const end = { action: 'end', outcome: 'transient' } as const;
    expect(decideProviderSwitch({ ...base, kind: 'transient', action: end })).toEqual({
      switch: false,
      action: { action: 'defer', seconds: RECHECK_SECONDS },
    });
    expect(decideProviderSwitch({ ...base, failingSeconds: 880, kind: 'transient', action: end })).toEqual({
      switch: false,
      action: { action: 'defer', seconds: 20 },
    });
    expect(decideProviderSwitch({ ...base, failingSeconds: 900, kind: 'transient', action: { action: 'retry' } })).toEqual({
      switch: true,
      to: 'scraper',
    });
  });
  it('a spent quota with no reset inside a day switches at once', () => {
    expect(decideProviderSwitch({ ...base, kind: 'quota_exhausted', action: { action: 'end', outcome: 'quota_exhausted' } })).toEqual({
      switch: true,
      to: 'scraper',
    });
  });
  it('nextProviderName follows the priority order and never wraps around', () => {
    expect(nextProviderName(['rocket', 'scraper'], 'rocket')).toBe('scraper');
    expect(nextProviderName(['rocket', 'scraper'], 'scraper')).toBeNull();
    expect(nextProviderName(['scraper'], 'rocket')).toBe('scraper');
  });
});
