// Queries behind a list run's provider switch (sql/0009; src/sync/provider-switch.ts): how long the
// cursor's provider has been failing in a run, and the restart of the run's list on another provider.
import type { Queryable } from '../database.ts';
import { type JobCallRow, JOB_CALL_COLUMNS, jobCallFromRow } from './job-calls.ts';

/**
 * When `provider` started failing for run `jobCallId`: the start of its earliest request in this run
 * that did not succeed (failed, or the one still running) after its last successful request. The
 * database clock is used for both ends, so the caller compares with `now` from the same answer.
 * @returns `since` (null when no request of that provider failed since its last success) and the database's `now`
 */
export async function providerFailingSince(q: Queryable, jobCallId: string, provider: string): Promise<{ since: Date | null; now: Date }> {
  const res = await q.query<{ since: Date | null; now: Date }>(
    `SELECT min(sc.started_at) AS since, now() AS now FROM service_calls sc
     WHERE sc.job_call_id = $1 AND sc.provider = $2 AND sc.status IN ('failed', 'running')
       AND sc.started_at > coalesce((SELECT max(ok.started_at) FROM service_calls ok
                                     WHERE ok.job_call_id = $1 AND ok.provider = $2 AND ok.status = 'succeeded'), '-infinity')`,
    [jobCallId, provider],
  );
  return { since: res.rows[0]?.since ?? null, now: res.rows[0]?.now ?? new Date() };
}

/** One restart, as appended to the run's `summary.list_restarts` (shown by `sm-core runs show`). */
export interface ListRestart {
  /** Provider whose cursor was dropped, and the provider the list starts again on. */
  from: string;
  to: string;
  /** Page of the abandoned pass that could not be fetched (1-based). */
  page: number;
  /** Seconds `from` had been failing when the run gave up on it. */
  failingSeconds: number;
  /** Error kind of the last failure (src/errors.ts ProviderErrorKind). */
  kind: string;
}

/**
 * Starts the run's list again from page 1 on `restart.to`, in the caller's transaction: the run's
 * counters of the pass (cursor, loop-guard streaks) are reset, `list_restarts` + 1,
 * `list_restarted_at = now()`, the restart appended to `summary.list_restarts`, and `queueJobId`
 * (the page 1 job already sent) becomes the run's job. Only while `fromJobId` is still the run's job.
 * @returns the updated run, or null when the run ended or moved on meanwhile (nothing changed)
 */
export async function restartListRun(
  q: Queryable,
  id: string,
  restart: ListRestart,
  queueJobId: string,
  fromJobId: string,
): Promise<JobCallRow | null> {
  const entry = { from: restart.from, to: restart.to, page: restart.page, failing_seconds: restart.failingSeconds, kind: restart.kind };
  const res = await q.query(
    `UPDATE job_calls SET provider = $2, cursor = NULL, stall_streak = 0, empty_streak = 0, deferred_until = NULL,
       queue_job_id = $3, list_restarts = list_restarts + 1, list_restarted_at = now(), updated_at = now(),
       summary = jsonb_set(summary, '{list_restarts}',
         coalesce(summary -> 'list_restarts', '[]'::jsonb) || jsonb_build_array($4::jsonb || jsonb_build_object('at', now())))
     WHERE id = $1 AND status IN ('pending', 'running') AND (queue_job_id IS NULL OR queue_job_id = $5)
     RETURNING ${JOB_CALL_COLUMNS}`,
    [id, restart.to, queueJobId, JSON.stringify(entry), fromJobId],
  );
  return res.rows[0] ? jobCallFromRow(res.rows[0]) : null;
}

/**
 * Pages committed in the run's current pass: its succeeded requests started since the pass began
 * (`list_restarted_at`). A resumed run numbers its next page from this, not from `job_calls.pages`,
 * which also counts the abandoned pass.
 */
export async function pagesInPass(q: Queryable, jobCallId: string, passStartedAt: Date): Promise<number> {
  const res = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM service_calls WHERE job_call_id = $1 AND status = 'succeeded' AND started_at >= $2`,
    [jobCallId, passStartedAt],
  );
  return res.rows[0]?.n ?? 0;
}
