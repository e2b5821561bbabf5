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
      'invalid configuration: SM_ENV (one of development, test, production), DB_PORT, ' +
        'SM_LOG_LEVEL (one of fatal, error, warn, info, debug, trace, silent) (see .env.example)',
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
