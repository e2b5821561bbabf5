// Queries on job_calls: one row per run (a profile sync, a followers sync). A run's progress lives
// here so any worker can continue it; at most one active run per (subject, kind) (sql/0003).
import type { Platform } from '../../providers/types.ts';
import type { Queryable } from '../database.ts';
import { countFromInt8, idFromInt8 } from '../int8.ts';

export type RunKind = 'profile' | 'followers' | 'followings';
export type RunStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'partial';

/** Statuses of a run still in progress (the single-flight index covers exactly these). */
export const ACTIVE_STATUSES: readonly RunStatus[] = ['pending', 'running'];

/** A run as stored. Ids are strings; counters are numbers. */
export interface JobCallRow {
  id: string;
  kind: RunKind;
  status: RunStatus;
  subjectId: string | null;
  parentJobCallId: string | null;
  params: Record<string, unknown>;
  summary: Record<string, unknown>;
  errorMessage: string | null;
  provider: string | null;
  cursor: string | null;
  pages: number;
  requests: number;
  itemsSeen: number;
  itemsNew: number;
  quarantined: number;
  sanitized: number;
  stallStreak: number;
  emptyStreak: number;
  outcome: string | null;
  queueJobId: string | null;
  deferredUntil: Date | null;
  /** A list run: the profile's followers/follows count when the run started (null when unknown). */
  expectedItems: number | null;
  /** When `expectedItems` was read from the provider (null when unknown; the completeness gate's freshness, sql/0011). */
  expectedItemsAt: Date | null;
  /** Minor record fields this run coerced to their type (src/providers/records.ts). */
  coerced: number;
  /** A list run: accounts gained (followed + refollowed, not baseline) / lost (unfollowed) by this run. */
  itemsGained: number;
  itemsLost: number;
  /** This run was the profile's baseline for its list (its first complete run). */
  baseline: boolean;
  /** A list run: times it started its list again on another provider (sql/0009). */
  listRestarts: number;
  /** When the run's current pass began (null when it never restarted): earlier pages do not count for the loop guards. */
  listRestartedAt: Date | null;
  /** Last sign of life: any progress, or a worker's heartbeat while a request is in flight. */
  updatedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  createdAt: Date;
}

/** Columns of a run, as {@link jobCallFromRow} reads them. */
export const JOB_CALL_COLUMNS = `id, kind, status, subject_id, parent_job_call_id, params, summary, error_message, provider, cursor,
  pages, requests, items_seen, items_new, quarantined, sanitized, stall_streak, empty_streak, outcome, queue_job_id,
  deferred_until, expected_items, expected_items_at, coerced, items_gained, items_lost, baseline, list_restarts, list_restarted_at, started_at, finished_at,
  created_at, updated_at`;

/** Maps a row selected with {@link JOB_CALL_COLUMNS}. */
export function jobCallFromRow(r: Record<string, unknown>): JobCallRow {
  const n = (k: string) => countFromInt8(r[k] as string | number) ?? 0;
  return {
    id: idFromInt8(r.id as string),
    kind: r.kind as RunKind,
    status: r.status as RunStatus,
    subjectId: r.subject_id === null ? null : idFromInt8(r.subject_id as string),
    parentJobCallId: r.parent_job_call_id === null ? null : idFromInt8(r.parent_job_call_id as string),
    params: (r.params ?? {}) as Record<string, unknown>,
    summary: (r.summary ?? {}) as Record<string, unknown>,
    errorMessage: r.error_message as string | null,
    provider: r.provider as string | null,
    cursor: r.cursor as string | null,
    pages: n('pages'),
    requests: n('requests'),
    itemsSeen: n('items_seen'),
    itemsNew: n('items_new'),
    quarantined: n('quarantined'),
    sanitized: n('sanitized'),
    stallStreak: n('stall_streak'),
    emptyStreak: n('empty_streak'),
    outcome: r.outcome as string | null,
    queueJobId: r.queue_job_id as string | null,
    deferredUntil: r.deferred_until as Date | null,
    expectedItems: countFromInt8(r.expected_items as string | null),
    expectedItemsAt: (r.expected_items_at ?? null) as Date | null,
    coerced: n('coerced'),
    itemsGained: n('items_gained'),
    itemsLost: n('items_lost'),
    baseline: r.baseline === true,
    listRestarts: n('list_restarts'),
    listRestartedAt: (r.list_restarted_at ?? null) as Date | null,
    updatedAt: r.updated_at as Date,
    startedAt: r.started_at as Date | null,
    finishedAt: r.finished_at as Date | null,
    createdAt: r.created_at as Date,
  };
}

/** A new run. `params.lookup` is the single-flight key while the subject is unknown. */
export interface NewJobCall {
  kind: RunKind;
  subjectId: string | null;
  params: Record<string, unknown> & { lookup?: string };
  parentJobCallId?: string | null;
  provider?: string | null;
  /** A list run: the list's expected size at its start (the profile's count). */
  expectedItems?: number | null;
  /** When that count was read from the provider. */
  expectedItemsAt?: Date | null;
}

/**
 * Inserts a pending run unless an active run of the same kind exists for the subject (or, without
 * a subject, for the same `params.lookup`).
 * @returns the new run, or null when single flight refused it (see {@link findActiveJobCall})
 */
export async function insertJobCall(q: Queryable, run: NewJobCall): Promise<JobCallRow | null> {
  const res = await q.query(
    `INSERT INTO job_calls (kind, subject_id, params, parent_job_call_id, provider, expected_items, expected_items_at)
     VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7)
     ON CONFLICT DO NOTHING
     RETURNING ${JOB_CALL_COLUMNS}`,
    [
      run.kind,
      run.subjectId,
      JSON.stringify(run.params),
      run.parentJobCallId ?? null,
      run.provider ?? null,
      run.expectedItems ?? null,
      run.expectedItemsAt ?? null,
    ],
  );
  return res.rows[0] ? jobCallFromRow(res.rows[0]) : null;
}

/** The active (pending/running) run of `kind` for a subject, or for a lookup key when the subject is unknown. */
export async function findActiveJobCall(
  q: Queryable,
  kind: RunKind,
  subjectId: string | null,
  lookup?: string,
): Promise<JobCallRow | null> {
  const res =
    subjectId !== null
      ? await q.query(
          `SELECT ${JOB_CALL_COLUMNS} FROM job_calls WHERE kind = $1 AND subject_id = $2 AND status IN ('pending', 'running')`,
          [kind, subjectId],
        )
      : await q.query(
          `SELECT ${JOB_CALL_COLUMNS} FROM job_calls WHERE kind = $1 AND subject_id IS NULL AND params ->> 'lookup' = $2 AND status IN ('pending', 'running')`,
          [kind, lookup ?? ''],
        );
  return res.rows[0] ? jobCallFromRow(res.rows[0]) : null;
}

/** Reads one run. @param forUpdate lock the row until the transaction ends */
export async function getJobCall(q: Queryable, id: string, forUpdate = false): Promise<JobCallRow | null> {
  const res = await q.query(`SELECT ${JOB_CALL_COLUMNS} FROM job_calls WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return res.rows[0] ? jobCallFromRow(res.rows[0]) : null;
}

/** Runs started by `parentId` (a profile run's chained followers run). */
export async function listChildJobCalls(q: Queryable, parentId: string): Promise<JobCallRow[]> {
  const res = await q.query(`SELECT ${JOB_CALL_COLUMNS} FROM job_calls WHERE parent_job_call_id = $1 ORDER BY id`, [parentId]);
  return res.rows.map(jobCallFromRow);
}

/** A profile run by username that found no account, for a stored profile (the username stopped resolving). */
export interface UsernameMiss {
  runId: string;
  /** The username asked for (lower case, as in the run's lookup key). */
  username: string;
  /** When the run ended. */
  at: Date;
}

/**
 * The newest profile run of the stored profile `profileId` that looked it up by username and ended
 * not_found after `after` (the profile's last successful sync; null: any time). Such a run does not
 * flag the profile (src/sync/step.ts flagNotFound): this is where `show` finds it.
 * @returns the miss, or null
 */
export async function findUsernameMiss(q: Queryable, profileId: string, after: Date | null): Promise<UsernameMiss | null> {
  const res = await q.query<{ id: string; lookup: string; finished_at: Date }>(
    `SELECT id, params ->> 'lookup' AS lookup, finished_at FROM job_calls
     WHERE subject_id = $1 AND kind = 'profile' AND outcome = 'not_found' AND params ->> 'lookup' LIKE 'username:%'
       AND finished_at > coalesce($2::timestamptz, '-infinity')
     ORDER BY finished_at DESC, id DESC LIMIT 1`,
    [profileId, after],
  );
  const r = res.rows[0];
  return r ? { runId: idFromInt8(r.id), username: r.lookup.slice('username:'.length), at: r.finished_at } : null;
}

/** Records which pg-boss job now advances the run (null when none: the run is ending). */
export async function setJobCallQueueJob(q: Queryable, id: string, queueJobId: string | null): Promise<void> {
  await q.query('UPDATE job_calls SET queue_job_id = $2, updated_at = now() WHERE id = $1', [id, queueJobId]);
}

/** A run about to make a request, with its subject's identity (one statement, no extra reads). */
export interface RunForRequest extends JobCallRow {
  /** social_profiles platform / ext_id / username of the run's subject (null without a subject). */
  subjectPlatform: Platform | null;
  subjectExtId: string | null;
  subjectUsername: string | null;
  /** The subject is stored as private (its last profile sync said so, or a list request was refused as private). */
  subjectPrivate: boolean;
}

/**
 * Marks a provider request starting, in ONE statement: pending -> running (started_at set once),
 * requests + 1, any deferral cleared; unless the run already ended, this queue job's request
 * already committed (a redelivered job: see service_calls.queue_job_id), or another queue job now
 * advances the run (this job was superseded, e.g. by a resume: src/sync/recover-runs.ts).
 * @returns the run with its subject's ext id and username, or null when nothing may be requested
 */
export async function beginRequest(q: Queryable, id: string, queueJobId: string): Promise<RunForRequest | null> {
  const res = await q.query(
    `UPDATE job_calls jc SET status = 'running', started_at = coalesce(started_at, now()), requests = requests + 1,
       deferred_until = NULL, updated_at = now()
     WHERE id = $1 AND status IN ('pending', 'running')
       AND NOT EXISTS (SELECT 1 FROM service_calls sc WHERE sc.queue_job_id = $2 AND sc.status = 'succeeded')
       AND (jc.queue_job_id IS NULL OR jc.queue_job_id = $2)
     RETURNING ${JOB_CALL_COLUMNS},
       (SELECT sp.platform FROM social_profiles sp WHERE sp.id = jc.subject_id) AS subject_platform,
       (SELECT sp.ext_id FROM social_profiles sp WHERE sp.id = jc.subject_id) AS subject_ext_id,
       (SELECT sp.username FROM social_profiles sp WHERE sp.id = jc.subject_id) AS subject_username,
       (SELECT sp.is_private FROM social_profiles sp WHERE sp.id = jc.subject_id) AS subject_private`,
    [id, queueJobId],
  );
  const r = res.rows[0];
  if (!r) return null;
  return {
    ...jobCallFromRow(r),
    subjectPlatform: r.subject_platform as Platform | null,
    subjectExtId: r.subject_ext_id as string | null,
    subjectUsername: r.subject_username as string | null,
    subjectPrivate: r.subject_private === true,
  };
}

/** One committed page's effect on its run. */
export interface PageProgress {
  provider: string;
  /** The cursor the next page sends (null when the run ends). */
  cursor: string | null;
  newInRun: number;
  newEdges: number;
  /** Accounts gained on this page (non-baseline followed + refollowed events). */
  gained?: number;
  quarantined: number;
  sanitized: number;
  /** Minor record fields coerced on this page. */
  coerced?: number;
  stallStreak: number;
  emptyStreak: number;
  /** The next page's pg-boss job, or null when the run ends with this page. */
  queueJobId: string | null;
  /** The job that made this page: the update only applies while it still advances the run. */
  fromJobId?: string;
}

/**
 * Adds one committed page to the run's counters and moves its cursor, fenced: only while the run is
 * active and still advanced by `fromJobId` (the page's own job).
 * @returns the run after the update, or null when the run ended or another job took it over (the
 *   caller must roll the page back)
 */
export async function recordPage(q: Queryable, id: string, p: PageProgress): Promise<JobCallRow | null> {
  const res = await q.query(
    `UPDATE job_calls SET pages = pages + 1, provider = $2, cursor = $3, items_seen = items_seen + $4,
       items_new = items_new + $5, quarantined = quarantined + $6, sanitized = sanitized + $7,
       stall_streak = $8, empty_streak = $9, queue_job_id = $10, items_gained = items_gained + $11, coerced = coerced + $13,
       updated_at = now()
     WHERE id = $1 AND status IN ('pending', 'running') AND ($12::text IS NULL OR queue_job_id IS NULL OR queue_job_id = $12)
     RETURNING ${JOB_CALL_COLUMNS}`,
    [
      id,
      p.provider,
      p.cursor,
      p.newInRun,
      p.newEdges,
      p.quarantined,
      p.sanitized,
      p.stallStreak,
      p.emptyStreak,
      p.queueJobId,
      p.gained ?? 0,
      p.fromJobId ?? null,
      p.coerced ?? 0,
    ],
  );
  return res.rows[0] ? jobCallFromRow(res.rows[0]) : null;
}

/** How a run ended. */
export interface RunEnd {
  status: Exclude<RunStatus, 'pending' | 'running'>;
  outcome: string;
  errorMessage?: string | null;
  subjectId?: string | null;
  /** Merged into the run's `summary`. */
  summary?: Record<string, unknown>;
  /** Also counts one more request or page (a profile run's only call). */
  addPage?: boolean;
  sanitized?: number;
  /** A complete list run: edges it turned inactive, and whether it became the profile's baseline. */
  itemsLost?: number;
  baseline?: boolean;
  /** Minor record fields coerced by this step (a profile run's only call). */
  coerced?: number;
}

/**
 * Ends an active run: final status, outcome, error, finished_at; the pending job pointer is cleared.
 * @returns false when the run had already ended (nothing changed)
 */
export async function finishJobCall(q: Queryable, id: string, end: RunEnd): Promise<boolean> {
  const res = await q.query(
    `UPDATE job_calls SET status = $2, outcome = $3, error_message = $4, subject_id = coalesce($5, subject_id),
       summary = summary || $6::jsonb, pages = pages + $7, sanitized = sanitized + $8, queue_job_id = NULL,
       deferred_until = NULL, started_at = coalesce(started_at, now()), finished_at = now(), updated_at = now(),
       items_lost = items_lost + $9, baseline = baseline OR $10, coerced = coerced + $11
     WHERE id = $1 AND status IN ('pending', 'running')`,
    [
      id,
      end.status,
      end.outcome,
      end.errorMessage ?? null,
      end.subjectId ?? null,
      JSON.stringify(end.summary ?? {}),
      end.addPage ? 1 : 0,
      end.sanitized ?? 0,
      end.itemsLost ?? 0,
      end.baseline === true,
      end.coerced ?? 0,
    ],
  );
  return res.rowCount > 0;
}

/** Records that the run's next page waits until `until` (provider rate limit) in job `queueJobId`. */
export async function deferJobCall(q: Queryable, id: string, until: Date, queueJobId: string): Promise<void> {
  await q.query('UPDATE job_calls SET deferred_until = $2, queue_job_id = $3, updated_at = now() WHERE id = $1', [id, until, queueJobId]);
}

/**
 * Closes an active run that nobody advances any more (its worker died past the queue's retries and
 * it was too old to resume, or `--restart` replaced it): status partial when it committed pages
 * (what it saw is stored; nothing was unfollowed), else failed. Only when `queueJobId` is still the
 * run's job (a run another worker just moved on is left alone).
 * @param outcome `abandoned` or `restarted`
 * @returns true when the run was closed
 */
export async function abandonJobCall(
  q: Queryable,
  id: string,
  queueJobId: string | null,
  reason: string,
  outcome: 'abandoned' | 'restarted' = 'abandoned',
): Promise<boolean> {
  const res = await q.query(
    `UPDATE job_calls SET status = CASE WHEN pages > 0 THEN 'partial' ELSE 'failed' END, outcome = $4, error_message = $3,
       queue_job_id = NULL, deferred_until = NULL, finished_at = now(), updated_at = now()
     WHERE id = $1 AND status IN ('pending', 'running') AND queue_job_id IS NOT DISTINCT FROM $2`,
    [id, queueJobId, reason, outcome],
  );
  return res.rowCount > 0;
}

/** Active runs (every kind), oldest first, with `idleSeconds` since their last sign of life (database clock); one run with `onlyId`. */
export async function listActiveRuns(q: Queryable, onlyId?: string): Promise<Array<{ run: JobCallRow; idleSeconds: number }>> {
  const res = await q.query(
    `SELECT ${JOB_CALL_COLUMNS}, extract(epoch FROM now() - updated_at)::float8 AS idle_seconds
     FROM job_calls WHERE status IN ('pending', 'running') AND ($1::bigint IS NULL OR id = $1) ORDER BY id`,
    [onlyId ?? null],
  );
  return res.rows.map((r) => ({ run: jobCallFromRow(r), idleSeconds: Number(r.idle_seconds) }));
}

/** Points an active run at the queue job that now advances it (a resumed run). @returns false when it ended meanwhile */
export async function moveJobCallToJob(q: Queryable, id: string, fromJobId: string | null, toJobId: string): Promise<boolean> {
  const res = await q.query(
    `UPDATE job_calls SET queue_job_id = $3, deferred_until = NULL, updated_at = now()
     WHERE id = $1 AND status IN ('pending', 'running') AND queue_job_id IS NOT DISTINCT FROM $2`,
    [id, fromJobId, toJobId],
  );
  return res.rowCount > 0;
}
