// The RapidAPI scraper provider, both families, against the fake server (PROVIDERS.md §1 via RapidAPI, §2).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/errors.ts';
import { startFakeRocketServer, type FakeRocketServer } from '../../src/providers/sample/fake-rocket-server.ts';
import { createScraperClient, defaultScraperFamily, scraperBaseUrl, type ScraperClient } from '../../src/providers/scraper/client.ts';
import { TEST_KEY } from './helpers.ts';

let server: FakeRocketServer;
let scraper: ScraperClient;
let rocketShaped: ScraperClient;

beforeAll(async () => {
  server = await startFakeRocketServer({ apiKey: TEST_KEY });
  scraper = createScraperClient({ baseUrl: server.url, apiKey: TEST_KEY, family: 'scraperapi2', timeoutMs: 5_000 });
  rocketShaped = createScraperClient({ baseUrl: server.url, apiKey: TEST_KEY, family: 'rocket', timeoutMs: 5_000 });
});
afterAll(async () => {
  await scraper.close();
  await rocketShaped.close();
  await server.close();
});
beforeEach(() => server.reset());

async function failure(run: () => Promise<unknown>): Promise<ProviderError> {
  const err = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  expect(JSON.stringify({ m: (err as Error).message, r: (err as ProviderError).rawBody })).not.toContain(TEST_KEY);
  return err as ProviderError;
}

const PAGE1_TOKEN = 'QVFCX0ZBS0VfcmFwaWRfcGFnaW5hdGlvbl90b2tlbl8wMQ==';

describe('instagram-scraper-api2 family', () => {
  it('maps GET /v1/info (data.{...}, flat counts) with RapidAPI headers', async () => {
    const { data, call } = await scraper.getProfile({ username: 'demo.blogger' });
    expect(data.profile).toMatchObject({
      extId: '9100000001',
      username: 'demo.blogger',
      fullName: 'Demo Blogger ✨',
      followersCount: 9,
      followsCount: 5,
      postsCount: 89,
      url: 'https://demo-blog.example/links?src=ig&utm=1',
      isPrivate: false,
      recentPosts: [],
    });
    expect(data.profile.avatar).toContain('s1080x1080');
    expect((data.profile.raw as { bio_links: Array<{ link_id: unknown }> }).bio_links[0]!.link_id).toBe('17954900000000001');
    expect(call).toMatchObject({ provider: 'scraper', endpoint: 'v1/info', httpStatus: 200, attempts: 1 });
    const [req] = server.requestsTo('/v1/info');
    expect(req).toMatchObject({ method: 'GET', query: { username_or_id_or_url: 'demo.blogger' } });
    expect(req!.headers['x-rapidapi-key']).toBe(TEST_KEY);
    expect(req!.headers['x-rapidapi-host']).toBe(new URL(server.url).host);
    expect(req!.headers.authorization).toBeUndefined();
  });

  it('looks a profile up by id too', async () => {
    const { data } = await scraper.getProfile({ id: '9100000001' });
    expect(data.profile.username).toBe('demo.blogger');
    expect(server.requestsTo('/v1/info')[0]!.query).toEqual({ username_or_id_or_url: '9100000001' });
  });

  it('maps followers pages: data.items, top-level pagination_token, null on the last page', async () => {
    const p1 = (await scraper.getFollowersPage('9100000001', null, 50)).data;
    expect(p1.users.map((u) => u.extId)).toEqual(['9100000101', '9100000102', '9100000103', '9100000104', '9100000105', '9100000106']);
    expect(p1).toMatchObject({ nextCursor: PAGE1_TOKEN, hasMore: true, limited: false, quarantined: [] });
    const p2 = (await scraper.getFollowersPage('9100000001', p1.nextCursor, 50)).data;
    expect(p2.users.map((u) => `${u.extId}:${u.username}`)).toContain('9100000105:verified.bakery.official');
    expect(p2).toMatchObject({ nextCursor: null, hasMore: false });
    expect(server.requestsTo('/v1/followers').map((r) => r.query)).toEqual([
      { username_or_id_or_url: '9100000001' },
      { username_or_id_or_url: '9100000001', pagination_token: PAGE1_TOKEN },
    ]);
  });

  it('maps following page 1', async () => {
    const page = (await scraper.getFollowingsPage!('9100000001', null, 50)).data;
    expect(page.users.map((u) => u.username)).toEqual(['verified.bakery', 'noa.example']);
    expect(page.nextCursor).toBe('QVFCX0ZBS0VfZm9sbG93aW5nXzAx');
  });

  it('accepts data.pagination_token when the top level has none', async () => {
    server.script('/v1/followers', { body: '{"data":{"items":[{"id":"1","username":"a"}],"pagination_token":"tok2"}}' });
    expect((await scraper.getFollowersPage('9100000001', null, 50)).data.nextCursor).toBe('tok2');
  });

  it('not found ({"detail":"Not found"}, HTTP 404) -> not_found', async () => {
    expect(await failure(() => scraper.getProfile({ username: 'deleted.user.zz' }))).toMatchObject({ kind: 'not_found', httpStatus: 404 });
  });

  it('upstream errors ({"error":"no cookie available for use"}) -> transient, in a 500 or a 200', async () => {
    server.script(
      '/v1/followers',
      { status: 500, fixture: 'rapidapi-scraperapi2-error-upstream.json' },
      { status: 200, fixture: 'rapidapi-scraperapi2-error-upstream.json' },
    );
    const e1 = await failure(() => scraper.getFollowersPage('9100000001', null, 50));
    expect(e1).toMatchObject({ kind: 'transient', httpStatus: 500 });
    expect(e1.message).toContain('no cookie available for use');
    expect(await failure(() => scraper.getFollowersPage('9100000001', null, 50))).toMatchObject({ kind: 'transient', httpStatus: 200 });
  });

  it('a private target saying so in an error body -> private', async () => {
    server.script('/v1/followers', { status: 200, body: { status: 'error', message: 'This account is private' } });
    expect(await failure(() => scraper.getFollowersPage('9100000002', null, 50))).toMatchObject({ kind: 'private' });
  });

  it('an answer for another account than asked -> invalid_response', async () => {
    server.script('/v1/info', { fixture: 'rapidapi-scraperapi2-v1-info.json' });
    const err = await failure(() => scraper.getProfile({ username: 'small.handle' }));
    expect(err.kind).toBe('invalid_response');
    expect(err.message).toContain('asked for small.handle');
  });
});

describe('RapidAPI gateway errors (PROVIDERS.md §2.0)', () => {
  it('401 invalid key and 403 not subscribed -> unauthorized (check RAPID_API_KEY)', async () => {
    server.script(
      '/v1/info',
      { status: 401, fixture: 'rapidapi-gateway-401-invalid-key.json' },
      { status: 403, fixture: 'rapidapi-gateway-403-not-subscribed.json' },
    );
    const e401 = await failure(() => scraper.getProfile({ username: 'demo.blogger' }));
    expect(e401).toMatchObject({ kind: 'unauthorized', httpStatus: 401 });
    expect(e401.message).toContain('check RAPID_API_KEY');
    const e403 = await failure(() => scraper.getProfile({ username: 'demo.blogger' }));
    expect(e403).toMatchObject({ kind: 'unauthorized', httpStatus: 403 });
    expect(e403.message).toContain('You are not subscribed to this API.');
  });

  it('a wrong key at the fake gateway -> unauthorized', async () => {
    const wrong = createScraperClient({ baseUrl: server.url, apiKey: 'rapid_wrong_555', family: 'scraperapi2', timeoutMs: 5_000 });
    try {
      expect(await failure(() => wrong.getProfile({ username: 'demo.blogger' }))).toMatchObject({ kind: 'unauthorized' });
    } finally {
      await wrong.close();
    }
  });

  it('429 per second -> rate_limited (no Retry-After); 429 monthly quota -> quota_exhausted until the reset', async () => {
    server.script(
      '/v1/followers',
      { status: 429, fixture: 'rapidapi-gateway-429-rate-limit.json', headers: { 'x-ratelimit-requests-remaining': '990' } },
      {
        status: 429,
        fixture: 'rapidapi-gateway-429-monthly-quota.json',
        headers: { 'x-ratelimit-requests-remaining': '0', 'x-ratelimit-requests-reset': '86400' },
      },
    );
    const perSecond = await failure(() => scraper.getFollowersPage('9100000001', null, 50));
    expect(perSecond).toMatchObject({ kind: 'rate_limited', httpStatus: 429, retryAfterSeconds: undefined });
    const monthly = await failure(() => scraper.getFollowersPage('9100000001', null, 50));
    expect(monthly).toMatchObject({ kind: 'quota_exhausted', httpStatus: 429, retryAfterSeconds: 86400 });
    expect(monthly.message).toContain('MONTHLY quota');
  });
});

describe('RocketAPI-shaped host behind RapidAPI', () => {
  it('POSTs the RocketAPI routes with X-RapidAPI-Key/Host and unwraps the envelope', async () => {
    const { data, call } = await rocketShaped.getProfile({ username: 'demo.blogger' });
    expect(data.profile).toMatchObject({ extId: '9100000001', followersCount: 9 });
    expect(call).toMatchObject({ provider: 'scraper', endpoint: 'instagram/user/get_info' });
    const [req] = server.requestsTo('get_info');
    expect(req!.headers['x-rapidapi-key']).toBe(TEST_KEY);
    expect(req!.headers['x-rapidapi-host']).toBe(new URL(server.url).host);
    expect(req!.headers.authorization).toBeUndefined();
    const page = (await rocketShaped.getFollowersPage('9100000001', null, 50)).data;
    expect(page.users).toHaveLength(6);
  });

  it('a gateway 401 names RAPID_API_KEY', async () => {
    server.script('get_info', { status: 401, fixture: 'rapidapi-gateway-401-invalid-key.json' });
    expect((await failure(() => rocketShaped.getProfile({ username: 'demo.blogger' }))).message).toContain('check RAPID_API_KEY');
  });
});

describe('family and host defaults', () => {
  it('guesses the family from the host name', () => {
    expect(defaultScraperFamily('rocketapi-for-instagram.p.rapidapi.com')).toBe('rocket');
    expect(defaultScraperFamily('starapi1.p.rapidapi.com')).toBe('rocket');
    expect(defaultScraperFamily('instagram-scraper-api2.p.rapidapi.com')).toBe('scraperapi2');
    expect(defaultScraperFamily('social-api4.p.rapidapi.com')).toBe('scraperapi2');
  });

  it('turns a bare host into an https base URL', () => {
    expect(scraperBaseUrl('instagram-scraper-api2.p.rapidapi.com')).toBe('https://instagram-scraper-api2.p.rapidapi.com');
    expect(scraperBaseUrl('http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080');
  });
});
