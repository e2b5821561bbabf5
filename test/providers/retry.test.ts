// Retries in place, Retry-After handling and the per-provider wait window (CASES.md C08, C10, C11).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/errors.ts';
import { withAttemptGuard } from '../../src/providers/attempt-guard.ts';
import { type RetryOptions, withRetry } from '../../src/providers/retry.ts';
import type { Provider } from '../../src/providers/types.ts';
import { createRocketClient, type RocketClient } from '../../src/providers/rocket/client.ts';
import { startFakeRocketServer, type FakeRocketServer } from '../../src/providers/sample/fake-rocket-server.ts';
import { envelopeText, TEST_KEY } from './helpers.ts';

let server: FakeRocketServer;
let rocket: RocketClient;
let clock: number;
let sleeps: number[];

beforeAll(async () => {
  server = await startFakeRocketServer({ apiKey: TEST_KEY });
  rocket = createRocketClient({ host: server.url, apiKey: TEST_KEY, timeoutMs: 2_000 });
});
afterAll(async () => {
  await rocket.close();
  await server.close();
});
beforeEach(() => {
  server.reset();
  clock = Date.parse('2026-01-01T00:00:00Z');
  sleeps = [];
});

/** The rocket client with retries; a fake clock, and sleeps recorded instead of waited. */
function retried(overrides: Partial<RetryOptions> = {}) {
  return withRetry(rocket, {
    retries: 2,
    baseDelayMs: 5,
    retryAfterCapSeconds: 30,
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...overrides,
  });
}

const LAST_PAGE = envelopeText('{"users":[{"pk":"9000000010","username":"after.wait"}],"next_max_id":null,"has_more":false}');

async function failure(run: () => Promise<unknown>): Promise<ProviderError> {
  const err = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

describe('C10: POST reads are retried', () => {
  it('503 then 200 -> the page comes back after 2 calls with the same request body', async () => {
    server.script('get_followers', { status: 503, body: '<html>503</html>' }, { body: LAST_PAGE });
    const { data, call } = await retried().getFollowersPage('9000000006', 'c1', 50);
    expect(data.users.map((u) => u.username)).toEqual(['after.wait']);
    expect(call).toMatchObject({ provider: 'rocket', endpoint: 'instagram/user/get_followers', httpStatus: 200, attempts: 2 });
    const reqs = server.requestsTo('get_followers');
    expect(reqs).toHaveLength(2);
    expect(reqs.map((r) => r.rawBody)).toEqual([
      '{"id":"9000000006","count":50,"max_id":"c1"}',
      '{"id":"9000000006","count":50,"max_id":"c1"}',
    ]);
  });

  it('429 with Retry-After 120 -> thrown with 120 s for the sync layer to defer, never capped to 30 s; one call only', async () => {
    server.script('get_followers', { status: 429, headers: { 'retry-after': '120' }, body: '{"detail":"throttled"}' }, { body: LAST_PAGE });
    const provider = retried({ retryAfterCapSeconds: 30 });
    const err = await failure(() => provider.getFollowersPage('9000000006', 'c1', 50));
    expect(err).toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 120 });
    expect(err.call).toMatchObject({ attempts: 1, httpStatus: 429, endpoint: 'instagram/user/get_followers' });
    expect(server.requestsTo('get_followers')).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('a Retry-After within the cap is waited in place, then the call succeeds', async () => {
    server.script('get_followers', { status: 429, headers: { 'retry-after': '2' }, body: '{}' }, { body: LAST_PAGE });
    const { call } = await retried({ retryAfterCapSeconds: 30 }).getFollowersPage('9000000006', 'c1', 50);
    expect(call.attempts).toBe(2);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThan(2_000 - 25); // Retry-After minus the backoff already waited (<= 10 ms)
    expect(sleeps[0]).toBeLessThanOrEqual(2_000);
  });
});

describe('C08: throttled page', () => {
  it('429 Retry-After 600 -> deferred with the same cursor; no call inside the window; then continues from that page', async () => {
    server.script('get_followers', { status: 429, headers: { 'retry-after': '600' }, body: '{}' }, { body: LAST_PAGE });
    const provider = retried();
    expect(await failure(() => provider.getFollowersPage('9100000001', 'c3', 50))).toMatchObject({
      kind: 'rate_limited',
      retryAfterSeconds: 600,
    });
    clock += 599_000;
    const refused = await failure(() => provider.getFollowersPage('9100000001', 'c3', 50));
    expect(refused).toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 1 });
    expect(refused.call).toMatchObject({ attempts: 0, httpStatus: null });
    expect(refused.message).toContain('not sent');
    expect(server.requestsTo('get_followers')).toHaveLength(1);
    clock += 1_000;
    const { data } = await provider.getFollowersPage('9100000001', 'c3', 50);
    expect(data.users).toHaveLength(1);
    expect(server.requestsTo('get_followers').map((r) => r.body?.max_id)).toEqual(['c3', 'c3']);
  });

  it('variant: HTTP 400 feedback_required -> rate limit with the configured floor (600 s), not a permanent error', async () => {
    server.script('get_followers', {
      status: 400,
      body: '{"message":"feedback_required","spam":true,"status":"fail","feedback_title":"Try Again Later"}',
    });
    const provider = retried();
    const err = await failure(() => provider.getFollowersPage('9100000001', 'c3', 50));
    expect(err).toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 600, httpStatus: 400 });
    await failure(() => provider.getFollowersPage('9100000001', 'c3', 50));
    expect(server.requestsTo('get_followers')).toHaveLength(1);
  });
});

describe('retry policy per kind', () => {
  it('transient failures are retried `retries` times with growing backoff, then thrown with the attempt count', async () => {
    server.script('get_info', { status: 502, body: '' }, { status: 503, body: '' }, { status: 504, body: '' });
    const err = await failure(() => retried().getProfile({ username: 'demo.blogger' }));
    expect(err).toMatchObject({ kind: 'transient', httpStatus: 504 });
    expect(err.call).toMatchObject({ attempts: 3, endpoint: 'instagram/user/get_info' });
    expect(server.requestsTo('get_info')).toHaveLength(3);
  });

  it('C09: inner 404 is not retried (one call); status not done is retried', async () => {
    const provider = retried();
    server.script('get_info_by_id', { fixture: 'rocketapi-error-not-found.json' });
    expect(await failure(() => provider.getProfile({ id: '9100000999' }))).toMatchObject({ kind: 'not_found' });
    expect(server.requestsTo('get_info_by_id')).toHaveLength(1);
    server.script('get_followers', { fixture: 'rocketapi-error-status-not-done.json' });
    const { call } = await provider.getFollowersPage('9100000001', null, 50);
    expect(call.attempts).toBe(2);
  });

  it('unauthorized and quota are not retried; a quota with a reset time blocks the provider until then', async () => {
    const provider = retried();
    server.script('get_info', { status: 401, fixture: 'rocketapi-error-invalid-token.json' });
    expect(await failure(() => provider.getProfile({ username: 'demo.blogger' }))).toMatchObject({ kind: 'unauthorized' });
    expect(server.requestsTo('get_info')).toHaveLength(1);
    server.script('get_info', {
      status: 429,
      headers: { 'x-ratelimit-requests-reset': '3600' },
      fixture: 'rapidapi-gateway-429-monthly-quota.json',
    });
    expect(await failure(() => provider.getProfile({ username: 'demo.blogger' }))).toMatchObject({
      kind: 'quota_exhausted',
      retryAfterSeconds: 3600,
    });
    expect(await failure(() => provider.getProfile({ username: 'demo.blogger' }))).toMatchObject({
      kind: 'quota_exhausted',
      call: { attempts: 0 },
    });
    expect(server.requestsTo('get_info')).toHaveLength(2);
  });

  it('C11: a stalled answer times out within the budget and is retried', async () => {
    const quick = createRocketClient({ host: server.url, apiKey: TEST_KEY, timeoutMs: 200 });
    try {
      server.script('get_followers', { stall: 'headers' }, { body: LAST_PAGE });
      const provider = withRetry(quick, { retries: 1, baseDelayMs: 5, retryAfterCapSeconds: 30 });
      const { call } = await provider.getFollowersPage('9100000001', 'c1', 50);
      expect(call.attempts).toBe(2);
      expect(call.latencyMs).toBeGreaterThanOrEqual(195);
    } finally {
      await quick.close();
    }
  });
});

describe('attempt guard (issue 13 §4)', () => {
  it('runs before every attempt, the first and each retry; a guard that throws stops the call unsent and unretried', async () => {
    server.script(
      'get_followers',
      { status: 503, body: '<html>503</html>' },
      { status: 503, body: '<html>503</html>' },
      { body: LAST_PAGE },
    );
    const seen: string[] = [];
    let allowed = 2;
    const guard = {
      async beforeSend(a: { provider: string; endpoint: string }) {
        seen.push(`${a.provider}/${a.endpoint}`);
        if (allowed-- <= 0) throw new Error('not sent: the job is gone');
      },
    };
    const err = await withAttemptGuard(guard, () => retried().getFollowersPage('9000000007', 'c1', 50)).catch((e: unknown) => e);
    expect(err).toMatchObject({ message: 'not sent: the job is gone' });
    expect(seen).toEqual(['rocket/followers', 'rocket/followers', 'rocket/followers']);
    // Two attempts left; the third was refused by the guard before a byte was sent.
    expect(server.requestsTo('get_followers')).toHaveLength(2);
  });
});

describe('unreachable providers are not retried like a 5xx', () => {
  /** A provider whose every request fails the same way; counts the requests. */
  function failing(transport: 'refused' | 'dns' | 'tls' | 'bad_port') {
    let calls = 0;
    const provider: Provider = {
      name: 'rocket',
      getProfile: async () => {
        calls++;
        throw new ProviderError('unreachable', 'rocket', `cannot connect (${transport})`, { transport });
      },
      getFollowersPage: async () => {
        throw new Error('not used');
      },
    };
    return { provider, calls: () => calls };
  }

  it('a refused connection: one retry after the first backoff, then thrown with attempts 2', async () => {
    const f = failing('refused');
    const err = await failure(() =>
      withRetry(f.provider, { retries: 5, baseDelayMs: 5, retryAfterCapSeconds: 30 }).getProfile({ username: 'x' }),
    );
    expect(err.kind).toBe('unreachable');
    expect(f.calls()).toBe(2);
    expect(err.call).toMatchObject({ attempts: 2 });
  });

  it('DNS, TLS and bad-port failures: no retry at all', async () => {
    for (const transport of ['dns', 'tls', 'bad_port'] as const) {
      const f = failing(transport);
      const err = await failure(() =>
        withRetry(f.provider, { retries: 5, baseDelayMs: 5, retryAfterCapSeconds: 30 }).getProfile({ username: 'x' }),
      );
      expect(err.kind, transport).toBe('unreachable');
      expect(f.calls(), transport).toBe(1);
    }
  });
});
