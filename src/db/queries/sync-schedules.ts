// Queries on sync_schedules (sql/0005_schedules.sql): batch upsert for add/import, list, remove,
// and run-schedule's claim / complete / release of due entries.
import type { Queryable } from '../database.ts';

/** What an entry syncs, in canonical order. */
export const SCHEDULE_KINDS = ['profile', 'followers', 'followings'] as const;
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];

/** One sync_schedules row. Ids are strings (bigint); exactly one of everySeconds / cron is set. */
export interface ScheduleRow {
  id: string;
  platform: string;
  username: string | null;
  extId: string | null;
  kinds: ScheduleKind[];
  everySeconds: number | null;
  cron: string | null;
  timezone: string;
  enabled: boolean;
  priority: number;
  nextRunAt: Date;
  lastEnqueuedAt: Date | null;
  lastRunIds: string[] | null;
  createdAt: Date;
  updatedAt: Date;
}

/** An entry to store: identity (username and/or extId), what, when, and its first due time. */
export interface ScheduleUpsert {
  platform: string;
  username: string | null;
  extId: string | null;
  kinds: ScheduleKind[];
  everySeconds: number | null;
  cron: string | null;
  timezone: string;
  enabled: boolean;
  priority: number;
  /** Due time for a new entry, or for an existing one whose timing (interval/cron/timezone) changed. */
  firstRunAt: Date;
}

/** Outcome of one upserted entry. */
export type UpsertOutcome = 'added' | 'updated' | 'unchanged';

/** The select list of a ScheduleRow; `a` qualifies the columns (needed where another relation has an `id`). */
const columns = (a = '') => `${a}id::text AS id, ${a}platform, ${a}username, ${a}ext_id AS "extId", ${a}kinds,
  ${a}every_seconds AS "everySeconds", ${a}cron, ${a}timezone, ${a}enabled, ${a}priority, ${a}next_run_at AS "nextRunAt",
  ${a}last_enqueued_at AS "lastEnqueuedAt", ${a}last_run_ids AS "lastRunIds", ${a}created_at AS "createdAt", ${a}updated_at AS "updatedAt"`;

/** The entry's identity, as the generated `target` column computes it. */
export function scheduleTarget(e: { username: string | null; extId: string | null }): string {
  return e.extId !== null ? `id:${e.extId}` : `username:${(e.username ?? '').toLowerCase()}`;
}

/**
 * Inserts or updates entries in ONE statement (unnest arrays: no parameter limit). An existing
 * entry (same platform + target) is only written when something differs, so re-importing the same
 * list changes no row, not even updated_at. Its next_run_at is reset to `firstRunAt` only when its
 * timing changed. Callers dedupe by target first (two rows with one target in a statement is an error).
 * @returns the outcome per input, in input order
 */
export async function upsertSchedules(q: Queryable, entries: readonly ScheduleUpsert[]): Promise<UpsertOutcome[]> {
  if (entries.length === 0) return [];
  const col = <K extends keyof ScheduleUpsert>(k: K) => entries.map((e) => e[k]);
  const res = await q.query<{ target: string; platform: string; inserted: boolean }>(
    `INSERT INTO sync_schedules AS s (platform, username, ext_id, kinds, every_seconds, cron, timezone, enabled, priority, next_run_at)
     SELECT platform, username, ext_id, string_to_array(kinds, ','), every_seconds, cron, timezone, enabled, priority, first_run_at
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[], $8::bool[], $9::int[], $10::timestamptz[])
         AS t (platform, username, ext_id, kinds, every_seconds, cron, timezone, enabled, priority, first_run_at)
     ON CONFLICT (platform, target) DO UPDATE SET
       username = COALESCE(EXCLUDED.username, s.username),
       kinds = EXCLUDED.kinds,
       every_seconds = EXCLUDED.every_seconds,
       cron = EXCLUDED.cron,
       timezone = EXCLUDED.timezone,
       enabled = EXCLUDED.enabled,
       priority = EXCLUDED.priority,
       next_run_at = CASE
         WHEN (s.every_seconds, s.cron, s.timezone) IS DISTINCT FROM (EXCLUDED.every_seconds, EXCLUDED.cron, EXCLUDED.timezone)
         THEN EXCLUDED.next_run_at ELSE s.next_run_at END,
       updated_at = now()
     WHERE (s.username, s.kinds, s.every_seconds, s.cron, s.timezone, s.enabled, s.priority)
       IS DISTINCT FROM (COALESCE(EXCLUDED.username, s.username), EXCLUDED.kinds, EXCLUDED.every_seconds, EXCLUDED.cron,
                         EXCLUDED.timezone, EXCLUDED.enabled, EXCLUDED.priority)
     RETURNING s.target, s.platform, (s.xmax = 0) AS inserted`,
    [
      col('platform'),
      col('username'),
      col('extId'),
      entries.map((e) => e.kinds.join(',')),
      col('everySeconds'),
      col('cron'),
      col('timezone'),
      col('enabled'),
      col('priority'),
      col('firstRunAt'),
    ],
  );
  const written = new Map(res.rows.map((r) => [`${r.platform}\n${r.target}`, r.inserted ? 'added' : 'updated'] as const));
  return entries.map((e) => written.get(`${e.platform}\n${scheduleTarget(e)}`) ?? 'unchanged');
}

/** All entries of a platform (or all platforms), highest priority first, then by who. */
export async function listSchedules(q: Queryable, platform?: string): Promise<ScheduleRow[]> {
  const res = await q.query<ScheduleRow>(
    `SELECT ${columns()} FROM sync_schedules WHERE ($1::text IS NULL OR platform = $1)
     ORDER BY priority DESC, lower(coalesce(username, ext_id)), id`,
    [platform ?? null],
  );
  return res.rows;
}

/**
 * Deletes the entries of one account: by provider id, or by username (case-insensitive).
 * @returns the deleted rows (none when nothing matched)
 */
export async function deleteSchedules(
  q: Queryable,
  platform: string,
  who: { username: string } | { extId: string },
): Promise<ScheduleRow[]> {
  const res = await q.query<ScheduleRow>(
    `DELETE FROM sync_schedules
      WHERE platform = $1 AND ($2::text IS NULL OR lower(username) = lower($2)) AND ($3::text IS NULL OR ext_id = $3)
      RETURNING ${columns()}`,
    [platform, 'username' in who ? who.username : null, 'extId' in who ? who.extId : null],
  );
  return res.rows;
}

/**
 * Claims up to `limit` due entries (enabled, next_run_at <= now, not leased) for `leaseSeconds`,
 * highest priority first. FOR UPDATE SKIP LOCKED plus the lease make concurrent claimers take
 * disjoint sets: an entry is claimed by exactly one run-schedule until completed or released, or
 * until its lease runs out (a claimer that died).
 * @returns the claimed rows (sorted by priority desc, next_run_at) and the database's clock
 */
export async function claimDueSchedules(q: Queryable, limit: number, leaseSeconds: number): Promise<{ rows: ScheduleRow[]; now: Date }> {
  const res = await q.query<ScheduleRow & { claimedAt: Date }>(
    `WITH due AS (
       SELECT id FROM sync_schedules
        WHERE enabled AND next_run_at <= now() AND (claimed_until IS NULL OR claimed_until <= now())
        ORDER BY priority DESC, next_run_at, id
        LIMIT $1
        FOR UPDATE SKIP LOCKED
     )
     UPDATE sync_schedules s SET claimed_until = now() + make_interval(secs => $2)
       FROM due WHERE s.id = due.id
     RETURNING ${columns('s.')}, now() AS "claimedAt"`,
    [limit, leaseSeconds],
  );
  const rows = res.rows.sort(
    (a, b) => b.priority - a.priority || a.nextRunAt.getTime() - b.nextRunAt.getTime() || Number(a.id) - Number(b.id),
  );
  const now = rows[0]?.claimedAt ?? (await dbNow(q));
  return { rows: rows.map(({ claimedAt: _, ...row }) => row), now };
}

/** Ends a claim after the entry was enqueued: next due time, enqueue time, the runs it started or joined. */
export async function completeClaim(q: Queryable, id: string, nextRunAt: Date, runIds: string[]): Promise<void> {
  await q.query(
    `UPDATE sync_schedules SET next_run_at = $2, last_enqueued_at = now(), last_run_ids = $3::text[], claimed_until = NULL WHERE id = $1`,
    [id, nextRunAt, runIds],
  );
}

/** Ends a failed claim: the entry stays due and is retried after `retryAfterSeconds`. */
export async function releaseClaim(q: Queryable, id: string, retryAfterSeconds: number): Promise<void> {
  await q.query(`UPDATE sync_schedules SET claimed_until = now() + make_interval(secs => $2) WHERE id = $1`, [id, retryAfterSeconds]);
}

/** The database's clock (one clock for every run-schedule, whatever machine it runs on). */
export async function dbNow(q: Queryable): Promise<Date> {
  const res = await q.query<{ now: Date }>('SELECT now() AS now');
  return res.rows[0]!.now;
}
