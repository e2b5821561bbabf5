// Interval and cron timing of schedule entries: parsing, first due time, next due time.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.ts';
import { firstRunAt, formatEvery, nextRunAt, parseEvery, validateCron } from '../../src/sync/schedule-timing.ts';

const at = (iso: string) => new Date(iso);

describe('schedule timing', () => {
  it('parses intervals in s/m/h/d/w and combinations', () => {
    expect(parseEvery('24h')).toBe(86_400);
    expect(parseEvery('30m')).toBe(1_800);
    expect(parseEvery('1h30m')).toBe(5_400);
    expect(parseEvery('7d')).toBe(604_800);
    expect(parseEvery(' 2W ')).toBe(1_209_600);
    expect(parseEvery('90s')).toBe(90);
  });

  it('refuses bad or too-short intervals with a usage error', () => {
    for (const bad of ['24', 'h', '1.5h', '-1h', '30s', '0m', '1y', '', '400d']) {
      expect(() => parseEvery(bad), bad).toThrow(UsageError);
    }
  });

  it('formats seconds back to the --every form', () => {
    expect([86_400, 1_800, 5_400, 604_800, 172_800, 90].map(formatEvery)).toEqual(['24h', '30m', '1h30m', '1w', '2d', '1m30s']);
  });

  it('accepts 5-field cron and macros; refuses seconds fields, garbage and unknown timezones', () => {
    expect(() => validateCron('0 3 * * *')).not.toThrow();
    expect(() => validateCron('*/15 * * * 1-5', 'Europe/Berlin')).not.toThrow();
    expect(() => validateCron('@daily')).not.toThrow();
    for (const bad of ['0 0 3 * * *', '@secondly', '61 * * * *', 'every day', '* * *'])
      expect(() => validateCron(bad), bad).toThrow(UsageError);
    expect(() => validateCron('0 3 * * *', 'Mars/Olympus')).toThrow(/invalid timezone/);
  });

  it('an interval entry is due at once; then keeps its rhythm despite a late claim', () => {
    const now = at('2026-03-01T10:00:30Z');
    expect(firstRunAt({ everySeconds: 86_400 }, now)).toEqual(now);
    // due 10:00:00, claimed 30 s late: next is 10:00:00 tomorrow, not 10:00:30
    expect(nextRunAt({ everySeconds: 86_400 }, at('2026-03-01T10:00:00Z'), now)).toEqual(at('2026-03-02T10:00:00Z'));
  });

  it('an interval entry paused for days runs once, at the next slot after now (no catch-up burst)', () => {
    const next = nextRunAt({ everySeconds: 3_600 }, at('2026-03-01T00:15:00Z'), at('2026-03-04T09:40:00Z'));
    expect(next).toEqual(at('2026-03-04T10:15:00Z'));
    // exactly on a slot boundary: the next slot, never now itself
    expect(nextRunAt({ everySeconds: 3_600 }, at('2026-03-01T00:00:00Z'), at('2026-03-01T02:00:00Z'))).toEqual(at('2026-03-01T03:00:00Z'));
  });

  it('a cron entry is due at its next occurrence, in its timezone', () => {
    const now = at('2026-03-01T10:00:00Z');
    expect(firstRunAt({ cron: '0 3 * * *', timezone: 'UTC' }, now)).toEqual(at('2026-03-02T03:00:00Z'));
    // 03:00 in Berlin (UTC+1 in March before DST) = 02:00 UTC
    expect(firstRunAt({ cron: '0 3 * * *', timezone: 'Europe/Berlin' }, now)).toEqual(at('2026-03-02T02:00:00Z'));
    // after a run claimed at 03:00:20, the next is tomorrow 03:00 (missed occurrences are not replayed)
    expect(nextRunAt({ cron: '0 3 * * *', timezone: 'UTC' }, at('2026-03-02T03:00:00Z'), at('2026-03-05T03:00:20Z'))).toEqual(
      at('2026-03-06T03:00:00Z'),
    );
    expect(nextRunAt({ cron: '*/15 * * * *', timezone: 'UTC' }, at('2026-03-01T10:00:00Z'), at('2026-03-01T10:07:00Z'))).toEqual(
      at('2026-03-01T10:15:00Z'),
    );
  });
});
