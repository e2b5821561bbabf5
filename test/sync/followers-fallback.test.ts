// Fallback inside a followers run (issue 3 §2, §3): RocketAPI down, page 1 comes from the scraper
// through the fallback chain, the cursor belongs to the scraper, so later pages stay there even once
// RocketAPI is back. The ledger columns record who was asked, what it cost, and who answered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJobCall } from '../../src/db/queries/job-calls.ts';
import { type FakeRocketServer, startFakeRocketServer } from '../../src/providers/sample/fake-rocket-server.ts';
import { enqueueFollowersSync, enqueueProfileSync } from '../../src/sync/enqueue.ts';
import { createSyncHarness, rows, type SyncHarness } from '../helpers/sync.ts';

const KEY = 'k-followers-fallback';
let server: FakeRocketServer;
let h: SyncHarness;

beforeAll(async () => {
  server = await startFakeRocketServer({ apiKey: KEY });
  h = await createSyncHarness(undefined, {
    ROCKET_API_HOST: server.url,
    ROCKET_API_KEY: KEY,
    RAPID_API_KEY: KEY,
    RAPID_SCRAPER_API_HOST: server.url,
    RAPID_SCRAPER_API_FAMILY: 'scraperapi2',
    SM_PROVIDER_RETRIES: '1',
    SM_PROVIDER_RETRY_BASE_MS: '5',
  });
  const r = await enqueueProfileSync(h.deps, { lookup: { username: 'demo.blogger' } });
  await h.drain();
  expect(await getJobCall(h.deps.db, r.runId)).toMatchObject({ status: 'succeeded' });
});
afterAll(async () => {
  await h.close();
  await server.close();
});

describe('followers run with RocketAPI down', () => {
  it('page 1 falls back to the scraper; later pages stay on the scraper; the ledger shows each request', async () => {
    server.reset();
    server.script('get_followers', { status: 503, body: 'down' }, { status: 503, body: 'down' });
    const r = await enqueueFollowersSync(h.deps, { lookup: { username: 'demo.blogger' } });
    await h.drain();
    const run = (await getJobCall(h.deps.db, r.runId))!;
    expect(run).toMatchObject({ status: 'succeeded', pages: 2 });
    // RocketAPI got page 1's two attempts only; it has recovered since, but the cursor is the scraper's.
    expect(server.requestsTo('get_followers')).toHaveLength(2);
    expect(server.requestsTo('/v1/followers')).toHaveLength(2);
    expect(server.requestsTo('/v1/followers')[1]!.query.pagination_token).toBeTruthy();
    const ledger = await rows(
      h,
      `SELECT status, provider, endpoint, http_status, attempt, request_units, cursor ->> 'provider' AS cursor_provider
       FROM service_calls WHERE job_call_id = $1 ORDER BY id`,
      [run.id],
    );
    const scraperPage = {
      status: 'succeeded',
      provider: 'scraper',
      endpoint: 'v1/followers',
      http_status: 200,
      attempt: 1,
      request_units: 1,
    };
    const rocketDown = {
      status: 'failed',
      provider: 'rocket',
      endpoint: 'instagram/user/get_followers',
      http_status: 503,
      attempt: 2,
      request_units: 2,
    };
    expect(ledger).toEqual([
      { ...scraperPage, cursor_provider: 'scraper' },
      { ...rocketDown, cursor_provider: 'rocket' }, // page 1's failed-over request: two attempts, both billable
      { ...scraperPage, cursor_provider: 'scraper' },
    ]);
  });
});
