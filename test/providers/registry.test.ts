import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { ConfigError } from '../../src/errors.ts';
import { createLogger } from '../../src/logger.ts';
import { createProviders, SAMPLE_WARNING } from '../../src/providers/registry.ts';
import { startFakeRocketServer } from '../../src/providers/sample/fake-rocket-server.ts';
import { TEST_KEY } from './helpers.ts';

const logger = createLogger('silent');

afterEach(() => vi.restoreAllMocks());

describe('createProviders', () => {
  it('without ROCKET_API_KEY (not production): serves the bundled SAMPLE data on loopback, with a loud warning', async () => {
    const writes: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    const config = loadConfig({ SM_ENV: 'test' });
    const providers = await createProviders(config, logger);
    try {
      expect(providers.sample).toBe(true);
      expect(writes).toEqual([`${SAMPLE_WARNING}\n`]);
      expect(SAMPLE_WARNING).toContain('using bundled SAMPLE data (no ROCKET_API_KEY set)');
      expect(providers.providers.map((p) => p.name)).toEqual(['rocket']);
      expect(providers.byName('rocket')).toBe(providers.primary);
      expect(providers.byName('scraper')).toBeUndefined();
      const { data } = await providers.primary.getProfile({ username: 'demo.blogger' });
      expect(data.profile).toMatchObject({ extId: '9100000001', followersCount: 9 });
      const p1 = await providers.primary.getFollowersPage('9100000001', null, 50);
      const p2 = await providers.primary.getFollowersPage('9100000001', p1.data.nextCursor, 50);
      expect(p1.data.users.length + p2.data.users.length).toBe(11);
      expect(p2.data.nextCursor).toBeNull();
    } finally {
      await providers.close();
    }
  });

  it('with ROCKET_API_KEY: talks to ROCKET_API_HOST with Token auth', async () => {
    const server = await startFakeRocketServer({ apiKey: TEST_KEY });
    const config = loadConfig({ SM_ENV: 'test', ROCKET_API_KEY: TEST_KEY, ROCKET_API_HOST: `${server.url}/` });
    const providers = await createProviders(config, logger);
    try {
      expect(providers.sample).toBe(false);
      await providers.primary.getProfile({ id: '9100000106' });
      expect(server.requests).toHaveLength(1);
      expect(server.requests[0]).toMatchObject({ path: '/instagram/user/get_info_by_id', headers: { authorization: `Token ${TEST_KEY}` } });
    } finally {
      await providers.close();
      await server.close();
    }
  });

  it('in production without any key: ConfigError', async () => {
    const config = { ...loadConfig({ SM_ENV: 'test' }), env: 'production' as const };
    await expect(createProviders(config, logger)).rejects.toBeInstanceOf(ConfigError);
  });
});
