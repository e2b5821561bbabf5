// When a schedule entry is due: `--every 24h` intervals and standard 5-field cron expressions
// (parsed by cron-parser, the parser pg-boss itself uses). Pure functions, no I/O.
import { CronExpressionParser } from 'cron-parser';
import { UsageError } from '../errors.ts';

/** How often an entry runs: exactly one of an interval (seconds) or a cron expression in a timezone. */
export type ScheduleTiming = { everySeconds: number; cron?: undefined } | { cron: string; timezone: string; everySeconds?: undefined };

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** Shortest interval: run-schedule works at minute granularity (cron, `worker --schedule`). */
export const MIN_EVERY_SECONDS = 60;

/**
 * Parses an interval such as `90m`, `24h`, `7d`, `1h30m` (units s, m, h, d, w) into seconds.
 * @throws UsageError for any other shape or an interval under 60 s
 */
export function parseEvery(text: string): number {
  const value = text.trim().toLowerCase();
  if (!/^(\d+[smhdw])+$/.test(value)) throw new UsageError(`invalid interval "${text}": use a number and a unit, e.g. 30m, 24h, 7d, 1h30m`);
  let seconds = 0;
  for (const [, n, unit] of value.matchAll(/(\d+)([smhdw])/g)) seconds += Number(n) * UNIT_SECONDS[unit!]!;
  if (seconds < MIN_EVERY_SECONDS) throw new UsageError(`invalid interval "${text}": the shortest is 1m (run-schedule works per minute)`);
  if (seconds > 366 * 86_400) throw new UsageError(`invalid interval "${text}": the longest is 366d`);
  return seconds;
}

/** Formats seconds the way `--every` takes them: 86400 -> `24h`... (`1d` is shown as `24h`), 5400 -> `1h30m`. */
export function formatEvery(seconds: number): string {
  if (seconds % 604_800 === 0) return `${seconds / 604_800}w`;
  if (seconds % 86_400 === 0 && seconds > 86_400) return `${seconds / 86_400}d`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}` || '0s';
}

/**
 * Checks a cron expression: standard 5 fields (minute hour day-of-month month day-of-week) or a macro
 * such as `@daily`; seconds fields and `@secondly` are refused (run-schedule works per minute).
 * @throws UsageError naming what is wrong
 */
export function validateCron(expression: string, timezone = 'UTC'): void {
  const expr = expression.trim();
  validateTimezone(timezone);
  const macro = expr.startsWith('@');
  if (macro ? expr === '@secondly' : expr.split(/\s+/).length !== 5) {
    throw new UsageError(`invalid cron expression "${expression}": use 5 fields (minute hour day month weekday), e.g. "0 3 * * *"`);
  }
  try {
    CronExpressionParser.parse(expr, { tz: timezone });
  } catch (err) {
    throw new UsageError(`invalid cron expression "${expression}": ${(err as Error).message}`);
  }
}

/** @throws UsageError when `timezone` is not an IANA zone name Node knows (e.g. `Europe/Berlin`). */
export function validateTimezone(timezone: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    throw new UsageError(`invalid timezone "${timezone}": use an IANA name such as UTC or Europe/Berlin`);
  }
}

/** First cron occurrence strictly after `after`. */
function nextCron(expression: string, timezone: string, after: Date): Date {
  return CronExpressionParser.parse(expression.trim(), { tz: timezone, currentDate: after }).next().toDate();
}

/**
 * When a new (or re-timed) entry first becomes due: at once for an interval, at the next
 * occurrence after `now` for a cron expression.
 */
export function firstRunAt(timing: ScheduleTiming, now: Date): Date {
  return timing.cron !== undefined ? nextCron(timing.cron, timing.timezone, now) : now;
}

/**
 * When an entry that was due at `dueAt` and enqueued at `now` runs next.
 * Interval: `dueAt + k * every` for the smallest k that lands after `now`, so the rhythm does not
 * drift by the claim delay and a long pause does not cause a burst of catch-up runs.
 * Cron: the first occurrence after `now` (missed occurrences are not replayed).
 */
export function nextRunAt(timing: ScheduleTiming, dueAt: Date, now: Date): Date {
  if (timing.cron !== undefined) return nextCron(timing.cron, timing.timezone, now);
  const stepMs = timing.everySeconds * 1000;
  const behindMs = now.getTime() - dueAt.getTime();
  const steps = behindMs < 0 ? 1 : Math.floor(behindMs / stepMs) + 1;
  return new Date(dueAt.getTime() + steps * stepMs);
}
