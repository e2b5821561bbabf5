// Every RocketAPI failure shape (fixtures + CASES.md C08/C09) through msw on the global fetch.
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PROVIDER_ERROR_POLICY, ProviderError } from '../../src/errors.ts';
import { createRocketClient } from '../../src/providers/rocket/client.ts';
import { envelopeText, rocketSample, TEST_KEY } from './helpers.ts';

const HOST = 'https://rocket.test.invalid';
const msw = setupServer();
const rocket = createRocketClient({ host: HOST, apiKey: TEST_KEY, timeoutMs: 5_000 });

beforeAll(() => msw.listen({ onUnhandledFrame: 'error' }));
afterEach(() => msw.resetHandlers());
afterAll(async () => {
  msw.close();
  await rocket.close();
});

/** Answers every RocketAPI route with `body` (text) and `status`. */
function answer(body: string, status = 200, headers: Record<string, string> = {}) {
  msw.use(
    http.post(
      `${HOST}/instagram/user/:method`,
      () => new HttpResponse(body, { status, headers: { 'content-type': 'application/json', ...headers } }),
    ),
  );
}

async function failure(run: () => Promise<unknown>): Promise<ProviderError> {
  const err = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  const pe = err as ProviderError;
  const everything = JSON.stringify({ message: pe.message, stack: pe.stack, rawBody: pe.rawBody, call: pe.call });
  expect(everything).not.toContain(TEST_KEY);
  return pe;
}

const profile = () => rocket.getProfile({ username: 'demo.blogger' });
const followers = () => rocket.getFollowersPage('9100000001', 'c1', 50);

describe('errors inside a 200 (C09)', () => {
  it('(a) inner 404 -> not_found, definitive (no retry, no fallback)', async () => {
    answer(rocketSample('rocketapi-error-not-found.json'));
    const err = await failure(() => rocket.getProfile({ id: '9100000999' }));
    expect(err).toMatchObject({ kind: 'not_found', httpStatus: 200 });
    expect(err.call).toMatchObject({ provider: 'rocket', endpoint: 'instagram/user/get_info_by_id', httpStatus: 200 });
    expect(PROVIDER_ERROR_POLICY[err.kind]).toMatchObject({ retry: false, fallback: false, definitive: true });
  });

  it('inner 404 with a text/html empty body (unknown username) -> not_found', async () => {
    answer(rocketSample('rocketapi-error-not-found-username.json'));
    expect(await failure(profile)).toMatchObject({ kind: 'not_found' });
  });

  it('(b) inner 200 with content_type text/html -> transient (retryable)', async () => {
    answer(envelopeText('"<html>login</html>"', 200, 'text/html; charset="utf-8"'));
    const err = await failure(followers);
    expect(err.kind).toBe('transient');
    expect(err.message).toContain('text/html');
    expect(PROVIDER_ERROR_POLICY[err.kind].retry).toBe(true);
  });

  it('(c) status not "done" -> transient (retryable)', async () => {
    answer(rocketSample('rocketapi-error-status-not-done.json'));
    const err = await failure(followers);
    expect(err.kind).toBe('transient');
    expect(err.message).toContain('FAKE: request could not be completed');
  });

  it('inner 400 "Not authorized to view user" -> private, definitive', async () => {
    answer(rocketSample('rocketapi-error-private-followers.json'));
    const err = await failure(followers);
    expect(err.kind).toBe('private');
    expect(PROVIDER_ERROR_POLICY.private.definitive).toBe(true);
  });

  it('inner 429 (Instagram throttle) -> rate_limited', async () => {
    answer(rocketSample('rocketapi-error-instagram-rate-limited.json'));
    expect(await failure(followers)).toMatchObject({ kind: 'rate_limited' });
  });

  it('C08 variant: feedback_required (outer 400 and inner 400) -> rate_limited with the configured floor', async () => {
    const body = '{"message":"feedback_required","spam":true,"status":"fail","feedback_title":"Try Again Later"}';
    answer(body, 400);
    expect(await failure(followers)).toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 600, httpStatus: 400 });
    answer(envelopeText(body, 400));
    expect(await failure(followers)).toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 600, httpStatus: 200 });
    const custom = createRocketClient({ host: HOST, apiKey: TEST_KEY, timeoutMs: 5_000, feedbackDeferSeconds: 900 });
    expect(await failure(() => custom.getFollowersPage('1', null, 50))).toMatchObject({ retryAfterSeconds: 900 });
    await custom.close();
  });

  it('never stores an error as an empty page: a 200 without users -> invalid_response with the raw body', async () => {
    answer(envelopeText('{"status":"ok","message":"nothing here"}'));
    const err = await failure(followers);
    expect(err.kind).toBe('invalid_response');
    expect(err.rawBody).toContain('nothing here');
    expect(err.message).toContain('users');
  });
});

describe('outer HTTP statuses', () => {
  it('401 invalid token -> unauthorized, hint names the config key, never the key', async () => {
    answer(rocketSample('rocketapi-error-invalid-token.json'), 401, { 'www-authenticate': 'Token' });
    const err = await failure(profile);
    expect(err).toMatchObject({ kind: 'unauthorized', httpStatus: 401 });
    expect(err.message).toBe('rocket: API key rejected (HTTP 401): Invalid token.; check ROCKET_API_KEY');
  });

  it('402 quota -> quota_exhausted (falls back, no retry)', async () => {
    answer(rocketSample('rocketapi-error-quota-exhausted.json'), 402);
    const err = await failure(profile);
    expect(err).toMatchObject({ kind: 'quota_exhausted', httpStatus: 402 });
    expect(PROVIDER_ERROR_POLICY[err.kind]).toMatchObject({ retry: false, fallback: true });
  });

  it('429 with Retry-After 120 -> rate_limited with retryAfterSeconds 120 (never capped here)', async () => {
    answer('{"detail":"Request was throttled."}', 429, { 'retry-after': '120' });
    expect(await failure(followers)).toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 120, httpStatus: 429 });
    answer('{"detail":"Request was throttled."}', 429, { 'retry-after': '600' });
    expect(await failure(followers)).toMatchObject({ retryAfterSeconds: 600 });
  });

  it('503 and 502 -> transient', async () => {
    answer('<html>Service Unavailable</html>', 503);
    expect(await failure(followers)).toMatchObject({ kind: 'transient', httpStatus: 503 });
    answer('', 502);
    expect(await failure(followers)).toMatchObject({ kind: 'transient', httpStatus: 502 });
  });

  it('a 200 that is not JSON -> invalid_response with the raw body kept (truncated)', async () => {
    answer(`<html>${'x'.repeat(10_000)}</html>`, 200, { 'content-type': 'text/html' });
    const err = await failure(followers);
    expect(err.kind).toBe('invalid_response');
    expect(err.rawBody!.startsWith('<html>xxx')).toBe(true);
    expect(err.rawBody!.length).toBeLessThanOrEqual(4096);
  });

  it('a body that fails the schema -> invalid_response with the raw body', async () => {
    answer(envelopeText('{"users":"not a list","next_max_id":"c2"}'));
    const err = await failure(followers);
    expect(err.kind).toBe('invalid_response');
    expect(err.rawBody).toContain('not a list');
    answer(envelopeText('{"data":{"user":{"id":"1"}}}'));
    const err2 = await failure(profile);
    expect(err2.kind).toBe('invalid_response');
    expect(err2.message).toContain('username');
  });

  it('data.user null -> not_found', async () => {
    answer(envelopeText('{"data":{"user":null},"status":"ok"}'));
    expect(await failure(profile)).toMatchObject({ kind: 'not_found' });
  });
});
