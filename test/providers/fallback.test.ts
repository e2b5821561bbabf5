// Priority and fallback across providers (issue 3 §2), built from configuration like the CLI does.
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { AppError, ProviderError } from '../../src/errors.ts';
import { createProviders, type Providers } from '../../src/providers/registry.ts';
import { startFakeRocketServer, type FakeRocketServer } from '../../src/providers/sample/fake-rocket-server.ts';
import { TEST_KEY } from './helpers.ts';

let server: FakeRocketServer;
let warnings: string[];
const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line).msg as string) });
let built: Providers | undefined;

beforeAll(async () => {
  server = await startFakeRocketServer({ apiKey: TEST_KEY });
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  warnings = [];
});
afterEach(async () => {
  await built?.close();
  built = undefined;
});

/** Both providers on the fake server: rocket on /instagram/user/*, the scraper (scraperapi2) on /v1/*. */
async function providers(env: Record<string, string> = {}): Promise<Providers> {
  const config = loadConfig({
    SM_ENV: 'test',
    ROCKET_API_KEY: TEST_KEY,
    ROCKET_API_HOST: server.url,
    RAPID_API_KEY: TEST_KEY,
    RAPID_SCRAPER_API_HOST: server.url,
    RAPID_SCRAPER_API_FAMILY: 'scraperapi2',
    SM_PROVIDER_RETRIES: '1',
    SM_PROVIDER_RETRY_BASE_MS: '5',
    ...env,
  });
  built = await createProviders(config, logger);
  return built;
}

const rocketDown = (route: string, times = 2) =>
  server.script(route, ...Array.from({ length: times }, () => ({ status: 503, body: 'down' })));

describe('priority', () => {
  it('defaults to rocket,scraper; SM_PROVIDER_PRIORITY reorders', async () => {
    expect((await providers()).providers.map((p) => p.name)).toEqual(['rocket', 'scraper']);
    await built!.close();
    const reordered = await providers({ SM_PROVIDER_PRIORITY: 'scraper,rocket' });
    expect(reordered.providers.map((p) => p.name)).toEqual(['scraper', 'rocket']);
    expect(reordered.primary.name).toBe('scraper');
    await reordered.primary.getProfile({ username: 'demo.blogger' });
    expect(server.requestsTo('/v1/info')).toHaveLength(1);
    expect(server.requestsTo('get_info')).toHaveLength(0);
  });

  it('a keyless provider is skipped with a warning, not an error', async () => {
    const p = await providers({ ROCKET_API_KEY: '' });
    expect(p.providers.map((x) => x.name)).toEqual(['scraper']);
    expect(p.sample).toBe(false);
    expect(warnings).toEqual(['provider rocket skipped: ROCKET_API_KEY not set']);
    expect((await p.primary.getProfile({ username: 'demo.blogger' })).call.provider).toBe('scraper');
  });

  it('rejects an unknown provider name in SM_PROVIDER_PRIORITY', () => {
    expect(() => loadConfig({ SM_ENV: 'test', SM_PROVIDER_PRIORITY: 'rocket,hiker' })).toThrow(/SM_PROVIDER_PRIORITY/);
  });
});

describe('fallback', () => {
  it('RocketAPI down: the profile and the first page come from the scraper; later pages stay on the scraper', async () => {
    const p = await providers();
    rocketDown('get_info');
    const profile = await p.primary.getProfile({ username: 'demo.blogger' });
    expect(profile.data.profile).toMatchObject({ extId: '9100000001', followersCount: 9 });
    expect(profile.call.provider).toBe('scraper');
    expect(profile.call.failedOver).toEqual([
      expect.objectContaining({ provider: 'rocket', kind: 'transient', httpStatus: 503, attempts: 2, endpoint: 'instagram/user/get_info' }),
    ]);
    expect(warnings.some((w) => w.startsWith('falling back to scraper'))).toBe(true);

    rocketDown('get_followers');
    const page1 = await p.primary.getFollowersPage('9100000001', null, 50);
    expect(page1.call.provider).toBe('scraper');
    const issuer = p.byName(page1.call.provider)!;
    const page2 = await issuer.getFollowersPage('9100000001', page1.data.nextCursor, 50);
    expect(page2.call.provider).toBe('scraper');
    expect(page2.data.nextCursor).toBeNull();
    expect(server.requestsTo('get_followers')).toHaveLength(2); // page 1 attempts only: the cursor never went to rocket
    expect(server.requestsTo('/v1/followers').map((r) => r.query.pagination_token)).toEqual([undefined, page1.data.nextCursor]);
  });

  it('a definitive answer does not fall through: not_found and private', async () => {
    const p = await providers();
    await expect(p.primary.getProfile({ username: 'deleted.user.zz' })).rejects.toMatchObject({ kind: 'not_found', provider: 'rocket' });
    await expect(p.primary.getFollowersPage('9100000002', null, 50)).rejects.toMatchObject({ kind: 'private', provider: 'rocket' });
    expect(server.requests.filter((r) => r.path.startsWith('/v1/'))).toHaveLength(0);
  });

  it('auth, quota and long throttles fall through', async () => {
    const p = await providers();
    server.script('get_info', { status: 401, fixture: 'rocketapi-error-invalid-token.json' });
    expect((await p.primary.getProfile({ username: 'demo.blogger' })).call.provider).toBe('scraper');
    server.script('get_info', { status: 402, fixture: 'rocketapi-error-quota-exhausted.json' });
    expect((await p.primary.getProfile({ username: 'demo.blogger' })).call.failedOver?.[0]?.kind).toBe('quota_exhausted');
    server.script('get_followers', { status: 429, headers: { 'retry-after': '600' }, body: '{}' });
    const page = await p.primary.getFollowersPage('9100000001', null, 50);
    expect(page.call.provider).toBe('scraper');
    // inside rocket's 600 s window the fallback goes straight to the scraper, without calling rocket
    const before = server.requestsTo('get_followers').length;
    expect((await p.primary.getFollowersPage('9100000001', null, 50)).call.failedOver?.[0]).toMatchObject({
      provider: 'rocket',
      attempts: 0,
    });
    expect(server.requestsTo('get_followers')).toHaveLength(before);
    // the window holds for every endpoint of that provider
    expect((await p.primary.getProfile({ username: 'demo.blogger' })).call.provider).toBe('scraper');
  });

  it('a short throttle is retried in place on the same provider', async () => {
    const p = await providers();
    server.script('get_info', { status: 429, headers: { 'retry-after': '0' }, body: '{}' });
    const short = await p.primary.getProfile({ username: 'demo.blogger' });
    expect(short.call).toMatchObject({ provider: 'rocket', attempts: 2 });
  });

  it('every provider failing throws the last error, with the earlier ones in call.failedOver', async () => {
    const p = await providers();
    rocketDown('get_info');
    server.script('/v1/info', { status: 502, body: '' }, { status: 502, body: '' });
    const err = await p.primary.getProfile({ username: 'demo.blogger' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ kind: 'transient', provider: 'scraper' });
    expect((err as ProviderError).call?.failedOver?.map((f) => f.provider)).toEqual(['rocket']);
  });

  it('a page with a cursor is refused by the multi-provider facade (cursors never cross providers)', async () => {
    const p = await providers();
    await expect(p.primary.getFollowersPage('9100000001', 'QVFE', 50)).rejects.toBeInstanceOf(AppError);
    expect(server.requests).toHaveLength(0);
  });
});
