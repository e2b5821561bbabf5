import { describe, expect, it } from 'vitest';
import { parseLookup } from '../../src/cli/lookup.ts';
import { EXIT, UsageError } from '../../src/errors.ts';

/** The UsageError message parseLookup throws for these arguments (fails the test when it does not throw). */
function usageMessage(username: string | undefined, id?: string): string {
  try {
    parseLookup(username, id);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(EXIT.usage);
    return (err as Error).message;
  }
  throw new Error(`parseLookup(${JSON.stringify(username)}) did not throw`);
}

describe('parseLookup (sync-profile / sync-followers <username>)', () => {
  it('accepts @name and profile URLs like `schedule add`, lower-cased', () => {
    expect(parseLookup('demo.blogger', undefined)).toEqual({ username: 'demo.blogger' });
    // Found by a new user: `sync-profile @Demo.Blogger` asked the provider for "Demo.Blogger", got not found,
    // and flagged the stored demo.blogger as not found.
    expect(parseLookup('@Demo.Blogger', undefined)).toEqual({ username: 'demo.blogger' });
    expect(parseLookup('https://www.instagram.com/demo.blogger/', undefined)).toEqual({ username: 'demo.blogger' });
    expect(parseLookup(' anna_k.2 ', undefined)).toEqual({ username: 'anna_k.2' });
    expect(parseLookup(undefined, '9100000001')).toEqual({ id: '9100000001' });
  });

  it('refuses what cannot be an Instagram username before any paid request (exit 2)', () => {
    // Each of these cost a provider request (and `@` 3 failed job attempts with a raw zod dump, exit 6).
    expect(usageMessage('@')).toBe('missing <username> (or --id <ext_id>)');
    expect(usageMessage('')).toBe('missing <username> (or --id <ext_id>)');
    expect(usageMessage('demo blogger')).toBe('invalid username "demo blogger": an Instagram username is 1-30 letters, digits, "." or "_"');
    expect(usageMessage('дема.блогер')).toMatch(/^invalid username "дема\.блогер"/);
    expect(usageMessage('x\u0001y')).toMatch(/^invalid username "x\?y"/);
    const long = usageMessage('a'.repeat(5000));
    expect(long).toBe(`invalid username "${'a'.repeat(40)}...": an Instagram username is 1-30 letters, digits, "." or "_"`);
    expect(usageMessage('a'.repeat(31))).toMatch(/^invalid username/);
    expect(usageMessage('demo', '1')).toBe('give either <username> or --id <ext_id>, not both');
  });
});
