// Schedule entries: add, import (idempotent), list, remove. The CLI's `schedule` command calls these.
import type { Queryable } from '../db/database.ts';
import {
  dbNow,
  deleteSchedules,
  listSchedules,
  type ScheduleRow,
  type UpsertOutcome,
  upsertSchedules,
} from '../db/queries/sync-schedules.ts';
import type { ScheduleSpec } from './schedule-file.ts';
import { firstRunAt, formatEvery } from './schedule-timing.ts';

export { listSchedules };

/** What `schedule add` / `schedule import` did. */
export interface SaveReport {
  added: number;
  updated: number;
  unchanged: number;
  /** Per spec, in input order. */
  outcomes: Array<{ spec: ScheduleSpec; outcome: UpsertOutcome }>;
}

/**
 * Stores specs (one statement): new entries are added, changed ones updated, identical ones left
 * untouched, so saving the same list twice reports everything `unchanged` the second time.
 * A new entry (or one whose timing changed) is first due at once for an interval, at the next
 * occurrence for a cron expression. Specs must be unique by identity (parseScheduleFile dedupes).
 */
export async function saveSchedules(q: Queryable, specs: readonly ScheduleSpec[]): Promise<SaveReport> {
  const now = await dbNow(q);
  const outcomes = await upsertSchedules(
    q,
    specs.map((s) => ({
      platform: s.platform,
      username: s.username,
      extId: s.extId,
      kinds: s.kinds,
      everySeconds: s.timing.everySeconds ?? null,
      cron: s.timing.cron ?? null,
      timezone: s.timing.cron !== undefined ? s.timing.timezone : 'UTC',
      enabled: s.enabled,
      priority: s.priority,
      firstRunAt: firstRunAt(s.timing, now),
    })),
  );
  const count = (o: UpsertOutcome) => outcomes.filter((x) => x === o).length;
  return {
    added: count('added'),
    updated: count('updated'),
    unchanged: count('unchanged'),
    outcomes: specs.map((spec, i) => ({ spec, outcome: outcomes[i]! })),
  };
}

/**
 * Removes the entries of one account (by username, case-insensitive, or by provider id).
 * @returns the removed rows; empty when there was none
 */
export async function removeSchedule(
  q: Queryable,
  platform: string,
  who: { username: string } | { extId: string },
): Promise<ScheduleRow[]> {
  return deleteSchedules(q, platform, who);
}

/** `@anna.k`, or `id 1234` when only the id is known. */
export function describeWho(row: { username: string | null; extId: string | null }): string {
  return row.username !== null ? `@${row.username}` : `id ${row.extId}`;
}

/** `every 24h` or `cron "0 3 * * *" (Europe/Berlin)`. */
export function describeTiming(row: { everySeconds: number | null; cron: string | null; timezone: string }): string {
  if (row.everySeconds !== null) return `every ${formatEvery(row.everySeconds)}`;
  return `cron "${row.cron}"${row.timezone === 'UTC' ? '' : ` (${row.timezone})`}`;
}

/** A row as printed by `schedule list --json` (ids as strings, times as ISO 8601). */
export function scheduleToJson(row: ScheduleRow): Record<string, unknown> {
  return {
    id: row.id,
    platform: row.platform,
    username: row.username,
    ext_id: row.extId,
    kinds: row.kinds,
    every: row.everySeconds === null ? null : formatEvery(row.everySeconds),
    every_seconds: row.everySeconds,
    cron: row.cron,
    timezone: row.timezone,
    enabled: row.enabled,
    priority: row.priority,
    next_run_at: row.nextRunAt.toISOString(),
    last_enqueued_at: row.lastEnqueuedAt?.toISOString() ?? null,
    last_run_ids: row.lastRunIds ?? [],
  };
}
