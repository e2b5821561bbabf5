// `run-schedule`: enqueue every due schedule entry once, then return. Safe to overlap: entries are
// claimed (FOR UPDATE SKIP LOCKED + lease) before they are enqueued, and starting a sync of a
// profile that has an active run attaches to that run instead of starting another (single flight).
import type { Queryable } from '../db/database.ts';
import { claimDueSchedules, completeClaim, releaseClaim, type ScheduleKind, type ScheduleRow } from '../db/queries/sync-schedules.ts';
import type { Logger } from '../logger.ts';
import type { ProfileQuery } from '../providers/types.ts';
import { type EnqueueDeps, enqueueFollowersSync, enqueueFollowingsSync, enqueueProfileSync } from './enqueue.ts';
import { nextRunAt, type ScheduleTiming } from './schedule-timing.ts';

/** A run that an entry started, or the active run it attached to. */
export interface ScheduledRun {
  /** job_calls.id. */
  runId: string;
  kind: string;
  /** True when the profile already had an active run of this kind: nothing new was enqueued. */
  attached: boolean;
}

/**
 * Starts the syncs one entry asks for and returns their runs; kinds it cannot start are listed in
 * `unsupported`. Throws when the queue or database refuses (the entry is then retried later).
 */
export type EnqueueEntry = (entry: ScheduleRow) => Promise<{ runs: ScheduledRun[]; unsupported: ScheduleKind[] }>;

/**
 * The real {@link EnqueueEntry}, on src/sync/enqueue.ts: `profile` (+ `followers`, `followings`)
 * starts a profile run that chains those list runs after success; `followers` or `followings` alone
 * start that list run (through a profile run when the profile is not stored yet). Single flight lives there: a profile with an
 * active run of a kind gets no second one (the result says `attached`), enforced by the unique
 * index on active job_calls, which also covers what a pg-boss singletonKey would.
 */
export function enqueueWith(deps: EnqueueDeps): EnqueueEntry {
  return async (entry) => {
    const lookup: ProfileQuery = entry.extId !== null ? { id: entry.extId } : { username: entry.username! };
    const kinds = new Set(entry.kinds);
    const runs: ScheduledRun[] = [];
    if (kinds.has('profile')) {
      const run = await enqueueProfileSync(deps, { lookup, followers: kinds.has('followers'), followings: kinds.has('followings') });
      runs.push({ runId: run.runId, kind: run.kind, attached: run.attached });
    } else {
      for (const [kind, enqueue] of [
        ['followers', enqueueFollowersSync],
        ['followings', enqueueFollowingsSync],
      ] as const) {
        if (!kinds.has(kind)) continue;
        const run = await enqueue(deps, { lookup });
        runs.push({ runId: run.runId, kind: run.kind, attached: run.attached });
      }
    }
    return { runs, unsupported: [] };
  };
}

/** One entry that run-schedule handled. */
export interface RunScheduleItem {
  scheduleId: string;
  platform: string;
  username: string | null;
  extId: string | null;
  kinds: ScheduleKind[];
  /** When it was due. */
  dueAt: Date;
  runs: ScheduledRun[];
  unsupported: ScheduleKind[];
  /** Set when enqueueing failed; the entry is retried after {@link RunScheduleOptions.retryAfterSeconds}. */
  error?: string;
  /** Its next due time (unchanged when it failed). */
  nextRunAt: Date;
}

/** What one run-schedule invocation did. */
export interface RunScheduleReport {
  /** Database time of the first claim. */
  startedAt: Date;
  items: RunScheduleItem[];
  /** Runs newly started (not attached). */
  started: number;
  /** Entries whose profile already had an active run. */
  attached: number;
  failed: number;
}

/** Tuning of {@link runSchedule}; the defaults suit cron and `worker --schedule`. */
export interface RunScheduleOptions {
  /** Entries claimed per statement (default 100). */
  batchSize?: number;
  /** Upper bound on entries handled in one invocation (default 10,000); the rest wait for the next tick. */
  maxEntries?: number;
  /** How long a claim holds before another invocation may take the entry (seconds, default 300). */
  leaseSeconds?: number;
  /** A failed entry is retried after this many seconds (default 60). */
  retryAfterSeconds?: number;
  logger?: Logger;
}

/** The entry's timing as the timing functions take it. */
export function timingOf(row: Pick<ScheduleRow, 'everySeconds' | 'cron' | 'timezone'>): ScheduleTiming {
  return row.cron !== null ? { cron: row.cron, timezone: row.timezone } : { everySeconds: row.everySeconds! };
}

/**
 * Claims due entries batch by batch and enqueues each through `enqueue`, then moves its next_run_at
 * forward (interval: keeps the rhythm; cron: next occurrence). Returns when nothing is due.
 * Never throws for one entry's failure: it is reported, its claim released with a retry delay.
 * @throws only when the database itself fails while claiming
 */
export async function runSchedule(db: Queryable, enqueue: EnqueueEntry, options: RunScheduleOptions = {}): Promise<RunScheduleReport> {
  const batchSize = options.batchSize ?? 100;
  const maxEntries = options.maxEntries ?? 10_000;
  const leaseSeconds = options.leaseSeconds ?? 300;
  const retryAfterSeconds = options.retryAfterSeconds ?? 60;
  const items: RunScheduleItem[] = [];
  let startedAt: Date | undefined;
  while (items.length < maxEntries) {
    const { rows, now } = await claimDueSchedules(db, Math.min(batchSize, maxEntries - items.length), leaseSeconds);
    startedAt ??= now;
    if (rows.length === 0) break;
    for (const row of rows) items.push(await handleEntry(db, enqueue, row, now, retryAfterSeconds, options.logger));
  }
  const runs = items.flatMap((i) => i.runs);
  return {
    startedAt: startedAt ?? new Date(),
    items,
    started: runs.filter((r) => !r.attached).length,
    attached: runs.filter((r) => r.attached).length,
    failed: items.filter((i) => i.error !== undefined).length,
  };
}

async function handleEntry(
  db: Queryable,
  enqueue: EnqueueEntry,
  row: ScheduleRow,
  now: Date,
  retryAfterSeconds: number,
  logger: Logger | undefined,
): Promise<RunScheduleItem> {
  const base = {
    scheduleId: row.id,
    platform: row.platform,
    username: row.username,
    extId: row.extId,
    kinds: row.kinds,
    dueAt: row.nextRunAt,
  };
  try {
    const { runs, unsupported } = await enqueue(row);
    const next = nextRunAt(timingOf(row), row.nextRunAt, now);
    await completeClaim(
      db,
      row.id,
      next,
      runs.map((r) => r.runId),
    );
    logger?.info({ scheduleId: row.id, username: row.username, runs, unsupported, nextRunAt: next }, 'schedule entry enqueued');
    return { ...base, runs, unsupported, nextRunAt: next };
  } catch (err) {
    const message = (err as Error).message;
    logger?.warn({ scheduleId: row.id, username: row.username, err: { message } }, 'schedule entry not enqueued; retried later');
    await releaseClaim(db, row.id, retryAfterSeconds);
    return { ...base, runs: [], unsupported: [], error: message, nextRunAt: row.nextRunAt };
  }
}
