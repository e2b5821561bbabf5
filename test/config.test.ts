import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { ConfigError, EXIT } from '../src/errors.ts';

/** The ConfigError message loadConfig throws for this environment. */
function configMessage(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env, '/nonexistent');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(EXIT.config);
    return (err as Error).message;
  }
  throw new Error('loadConfig did not throw');
}

describe('loadConfig errors', () => {
  it('a DATABASE_URL that is not a postgres URL is a configuration error (exit 3), value not echoed', () => {
    // Found by a new user: DATABASE_URL=notaurl ended in "internal error: Invalid URL" (exit 1).
    const message = configMessage({ DATABASE_URL: 'notaurl-secret-value' });
    expect(message).toBe('invalid configuration: DATABASE_URL (a postgres:// or postgresql:// URL) (see .env.example)');
    expect(configMessage({ DATABASE_URL: 'mysql://u:pw@h/db' })).toMatch(/^invalid configuration: DATABASE_URL \(/);
    expect(loadConfig({ DATABASE_URL: 'postgresql://u:p@127.0.0.1:5432/x' }, '/nonexistent').database.kind).toBe('server');
    expect(loadConfig({ DATABASE_URL: 'postgres:///x?host=/var/run/postgresql' }, '/nonexistent').database.kind).toBe('server');
  });

  it('an invalid choice names the accepted values, never the value given', () => {
    expect(configMessage({ SM_ENV: 'bogus' })).toBe(
      'invalid configuration: SM_ENV (one of development, test, production) (see .env.example)',
    );
    expect(configMessage({ SM_ENV: 'bogus', SM_LOG_LEVEL: 'loud', DB_PORT: 'x' })).toBe(
      'invalid configuration: SM_ENV (one of development, test, production), DB_PORT (a whole number >= 1), ' +
        'SM_LOG_LEVEL (one of fatal, error, warn, info, debug, trace, silent) (see .env.example)',
    );
  });

  it('a bad number, URL or list says what the key accepts, never the value given', () => {
    // Found by a new user review: SM_CURSOR_PROVIDER_WAIT_SECONDS=-1 was refused with the key's name only.
    for (const bad of ['-1', 'soon', '1.5'])
      expect(configMessage({ SM_CURSOR_PROVIDER_WAIT_SECONDS: bad }), bad).toBe(
        'invalid configuration: SM_CURSOR_PROVIDER_WAIT_SECONDS (a whole number >= 0) (see .env.example)',
      );
    expect(
      configMessage({ ROCKET_API_HOST: 'v1 rocketapi', SM_PROVIDER_PRIORITY: 'rocket;scraper', SM_COMPLETENESS_MIN_SHARE: '90%' }),
    ).toBe(
      'invalid configuration: ROCKET_API_HOST (a URL such as https://v1.rocketapi.io), ' +
        'SM_PROVIDER_PRIORITY (a comma list of rocket, scraper), SM_COMPLETENESS_MIN_SHARE (a number from 0 to 1) (see .env.example)',
    );
  });

  it('SM_FOLLOWERS_PAGE_SIZE above what RocketAPI accepts (50) is refused with the allowed range', () => {
    // Found by a new user review: SM_FOLLOWERS_PAGE_SIZE=200 was accepted and silently cut to 50 per request.
    const range =
      'invalid configuration: SM_FOLLOWERS_PAGE_SIZE (an integer 1-50: RocketAPI accepts at most 50 accounts per page) (see .env.example)';
    for (const bad of ['51', '200', '0', '-5', '12.5', 'lots']) expect(configMessage({ SM_FOLLOWERS_PAGE_SIZE: bad }), bad).toBe(range);
    for (const [given, size] of [
      ['1', 1],
      ['50', 50],
      ['', 50],
      [undefined, 50],
    ] as const) {
      expect(loadConfig({ SM_FOLLOWERS_PAGE_SIZE: given }, '/nonexistent').followersPageSize, String(given)).toBe(size);
    }
  });
});

describe('pool and load limits', () => {
  it('default to a pool of 10 with 8 search slots, and refuse search slots that would take the whole pool', () => {
    expect(loadConfig({}, '/nonexistent')).toMatchObject({
      dbPoolSize: 10,
      http: { searchConcurrency: 8, searchQueue: 32, searchWaitMs: 1000, healthTimeoutMs: 1000 },
    });
    expect(loadConfig({ SM_DB_POOL_SIZE: '20', SM_HTTP_SEARCH_CONCURRENCY: '19' }, '/nonexistent').http.searchConcurrency).toBe(19);
    expect(configMessage({ SM_DB_POOL_SIZE: '4', SM_HTTP_SEARCH_CONCURRENCY: '4' })).toBe(
      'invalid configuration: SM_HTTP_SEARCH_CONCURRENCY must be below SM_DB_POOL_SIZE (4) (see .env.example)',
    );
    expect(configMessage({ SM_DB_POOL_SIZE: '1' })).toBe('invalid configuration: SM_DB_POOL_SIZE (a whole number >= 2) (see .env.example)');
  });
});

describe('whole-number settings', () => {
  it('take decimal digits (spaces around allowed) and refuse hex, exponent, binary and fractions instead of reading them as numbers', () => {
    expect(loadConfig({ SM_DB_IDLE_SECONDS: ' 16 ' }, '/nonexistent').dbIdleSeconds).toBe(16);
    for (const bad of ['0x10', '1e3', '0b1', '2.5', '-1', '+3']) {
      expect(configMessage({ SM_DB_IDLE_SECONDS: bad }), bad).toBe(
        'invalid configuration: SM_DB_IDLE_SECONDS (a whole number >= 0) (see .env.example)',
      );
    }
    expect(configMessage({ DB_PORT: '0x1538' })).toBe('invalid configuration: DB_PORT (a whole number >= 1) (see .env.example)');
  });
});

describe('the embedded database and sample data', () => {
  const where = (env: NodeJS.ProcessEnv) => {
    const db = loadConfig(env, '/work/x').database;
    return db.kind === 'embedded' ? `${db.dataDir}#${db.database}` : db.kind;
  };
  it('sample data (no usable provider) goes to its own database of the embedded server, real data to sm_core: they never mix', () => {
    // Found by a new user review: the README's offline demo stored invented accounts in ./.sm-core,
    // the same database a later run with ROCKET_API_KEY filled with real ones (and search mixed both).
    expect(where({})).toBe('/work/x/.sm-core#sm_core_sample');
    expect(loadConfig({}, '/work/x').sampleData).toBe(true);
    expect(where({ ROCKET_API_KEY: 'k1234' })).toBe('/work/x/.sm-core#sm_core');
    expect(where({ SM_DATA_DIR: '/data/sm', ROCKET_API_KEY: 'k1234' })).toBe('/data/sm#sm_core');
    expect(where({ SM_DATA_DIR: '/data/sm' })).toBe('/data/sm#sm_core_sample');
    // The scraper counts only with its host; a key for a provider left out of the priority does not count.
    expect(where({ RAPID_API_KEY: 'k1234' })).toBe('/work/x/.sm-core#sm_core_sample');
    expect(where({ RAPID_API_KEY: 'k1234', RAPID_SCRAPER_API_HOST: 'h.example' })).toBe('/work/x/.sm-core#sm_core');
    expect(where({ ROCKET_API_KEY: 'k1234', SM_PROVIDER_PRIORITY: 'scraper' })).toBe('/work/x/.sm-core#sm_core_sample');
    // Replayed cassettes are recorded real answers, not sample data.
    expect(where({ SM_REPLAY_DIR: '/tmp/cassettes' })).toBe('/work/x/.sm-core#sm_core');
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db' }, '/work/x').sampleData).toBe(true);
  });

  it('sample accounts go into a configured server only when asked (SM_SAMPLE_TO_SERVER)', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db' }, '/work/x').sampleToServer).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db', SM_SAMPLE_TO_SERVER: 'true' }, '/work/x').sampleToServer).toBe(true);
    expect(() => loadConfig({ SM_SAMPLE_TO_SERVER: 'maybe' }, '/work/x')).toThrow(/SM_SAMPLE_TO_SERVER \(one of 0, 1, true, false\)/);
  });

  it('SM_DB_IDLE_SECONDS sets how long the embedded server outlives its last client', () => {
    const db = loadConfig({ SM_DB_IDLE_SECONDS: '0' }, '/work/x').database;
    expect(db).toEqual({ kind: 'embedded', dataDir: '/work/x/.sm-core', database: 'sm_core_sample', idleSeconds: 0 });
    expect(loadConfig({}, '/work/x').dbIdleSeconds).toBe(5);
  });
});

describe('change alerts configuration (SM_WEBHOOK_*)', () => {
  it('off without a URL; a URL needs a secret of 16+ characters; both are secrets', () => {
    expect(loadConfig({}, '/nonexistent').webhook).toBeUndefined();
    expect(configMessage({ SM_WEBHOOK_URL: 'https://hooks.example.test/T0KEN' })).toBe(
      'SM_WEBHOOK_SECRET must be set with SM_WEBHOOK_URL: every alert is signed (see .env.example)',
    );
    expect(configMessage({ SM_WEBHOOK_URL: 'ftp://hooks.example.test/x', SM_WEBHOOK_SECRET: 'a'.repeat(16) })).toBe(
      'invalid configuration: SM_WEBHOOK_URL (an http:// or https:// URL) (see .env.example)',
    );
    expect(configMessage({ SM_WEBHOOK_URL: 'https://h.example.test/', SM_WEBHOOK_SECRET: 'short-secret' })).toBe(
      'invalid configuration: SM_WEBHOOK_SECRET (at least 16 characters) (see .env.example)',
    );
    const c = loadConfig({ SM_WEBHOOK_URL: 'https://hooks.example.test/T0KEN', SM_WEBHOOK_SECRET: 'webhook-secret-0123' }, '/nonexistent');
    expect(c.webhook).toEqual({
      url: 'https://hooks.example.test/T0KEN',
      secret: 'webhook-secret-0123',
      maxAttempts: 8,
      retrySeconds: 30,
      timeoutMs: 10_000,
      listMax: 20,
    });
    expect(c.secrets).toEqual(expect.arrayContaining(['https://hooks.example.test/T0KEN', 'webhook-secret-0123']));
  });
});
