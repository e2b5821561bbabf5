// Queries on alert_deliveries and alert_attempts (sql/0013): the webhook POSTs owed at the end of a
// run, every attempt with the receiver's answer, and the dead letters. Also the one read the alerts
// need from the follower history: the accounts a given run gained or lost.
import type { Queryable } from '../database.ts';
import { countFromInt8, idFromInt8 } from '../int8.ts';

/** Delivery states: pending (queued or retrying), delivered (a 2xx), dead (attempts used up). */
export type AlertStatus = 'pending' | 'delivered' | 'dead';

/** One owed webhook POST. */
export interface AlertDeliveryRow {
  id: string;
  runId: string | null;
  profileId: string | null;
  event: string;
  targetHost: string;
  payload: Record<string, unknown>;
  status: AlertStatus;
  attempts: number;
  maxAttempts: number;
  lastHttpStatus: number | null;
  lastError: string | null;
  createdAt: Date;
  lastAttemptAt: Date | null;
  deliveredAt: Date | null;
}

const COLUMNS = `id, job_call_id, social_profile_id, event, target_host, payload, status, attempts, max_attempts,
  last_http_status, last_error, created_at, last_attempt_at, delivered_at`;

function fromRow(r: Record<string, unknown>): AlertDeliveryRow {
  return {
    id: idFromInt8(r.id as string),
    runId: r.job_call_id === null ? null : idFromInt8(r.job_call_id as string),
    profileId: r.social_profile_id === null ? null : idFromInt8(r.social_profile_id as string),
    event: r.event as string,
    targetHost: r.target_host as string,
    payload: r.payload as Record<string, unknown>,
    status: r.status as AlertStatus,
    attempts: r.attempts as number,
    maxAttempts: r.max_attempts as number,
    lastHttpStatus: r.last_http_status as number | null,
    lastError: r.last_error as string | null,
    createdAt: r.created_at as Date,
    lastAttemptAt: r.last_attempt_at as Date | null,
    deliveredAt: r.delivered_at as Date | null,
  };
}

/**
 * Records an owed POST. At most one per (run, event): a run end reported twice inserts nothing.
 * @returns the new row's id, or null when the run already has this alert
 */
export async function insertAlertDelivery(
  q: Queryable,
  d: { runId: string | null; profileId: string | null; event: string; targetHost: string; payload: object; maxAttempts: number },
): Promise<string | null> {
  const res = await q.query<{ id: string }>(
    `INSERT INTO alert_deliveries (job_call_id, social_profile_id, event, target_host, payload, max_attempts)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (job_call_id, event) WHERE job_call_id IS NOT NULL DO NOTHING
     RETURNING id`,
    [d.runId, d.profileId, d.event, d.targetHost, JSON.stringify(d.payload), d.maxAttempts],
  );
  return res.rows[0] ? idFromInt8(res.rows[0].id) : null;
}

/** True when the profile already has a growth.anomaly alert for this UTC day (`YYYY-MM-DD`; a day is judged once). */
export async function hasAnomalyAlert(q: Queryable, profileId: string, day: string): Promise<boolean> {
  const res = await q.query(
    `SELECT 1 FROM alert_deliveries WHERE social_profile_id = $1 AND event = 'growth.anomaly' AND payload -> 'growth' ->> 'day' = $2 LIMIT 1`,
    [profileId, day],
  );
  return res.rows.length > 0;
}

/** Stores the pg-boss job that carries a delivery. */
export async function setAlertQueueJob(q: Queryable, id: string, queueJobId: string): Promise<void> {
  await q.query('UPDATE alert_deliveries SET queue_job_id = $2 WHERE id = $1', [id, queueJobId]);
}

/** One delivery, or null. */
export async function getAlertDelivery(q: Queryable, id: string): Promise<AlertDeliveryRow | null> {
  const res = await q.query(`SELECT ${COLUMNS} FROM alert_deliveries WHERE id = $1`, [id]);
  return res.rows[0] ? fromRow(res.rows[0]) : null;
}

/**
 * Records one POST attempt and moves the delivery on: delivered on a 2xx, dead when this was its
 * last attempt, else still pending (one statement).
 * @returns the delivery after the attempt
 */
export async function recordAlertAttempt(
  q: Queryable,
  id: string,
  a: { httpStatus: number | null; error: string | null; latencyMs: number },
): Promise<AlertDeliveryRow> {
  const ok = a.httpStatus !== null && a.httpStatus >= 200 && a.httpStatus < 300;
  const res = await q.query(
    `WITH d AS (
       UPDATE alert_deliveries SET attempts = attempts + 1, last_http_status = $2, last_error = $3, last_attempt_at = now(),
         status = CASE WHEN $4 THEN 'delivered' WHEN attempts + 1 >= max_attempts THEN 'dead' ELSE 'pending' END,
         delivered_at = CASE WHEN $4 THEN now() END
       WHERE id = $1 RETURNING ${COLUMNS}
     ), a AS (
       INSERT INTO alert_attempts (alert_delivery_id, attempt, http_status, error, latency_ms)
       SELECT id, attempts, $2, $3, $5 FROM d
     )
     SELECT * FROM d`,
    [id, a.httpStatus, a.error, ok, Math.round(a.latencyMs)],
  );
  return fromRow(res.rows[0]!);
}

/** One recorded attempt. */
export interface AlertAttemptRow {
  attempt: number;
  httpStatus: number | null;
  error: string | null;
  latencyMs: number | null;
  attemptedAt: Date;
}

/** Deliveries, newest first, with their attempts (oldest first). */
export async function listAlertDeliveries(
  q: Queryable,
  f: { status?: AlertStatus | null; limit: number },
): Promise<Array<AlertDeliveryRow & { attemptLog: AlertAttemptRow[] }>> {
  const res = await q.query(
    `SELECT ${COLUMNS.replace(/(\w+)/g, 'd.$1')},
            (SELECT coalesce(jsonb_agg(jsonb_build_object('attempt', a.attempt, 'http_status', a.http_status, 'error', a.error,
                      'latency_ms', a.latency_ms, 'attempted_at', a.attempted_at) ORDER BY a.attempt), '[]'::jsonb)
             FROM alert_attempts a WHERE a.alert_delivery_id = d.id) AS attempt_log
     FROM alert_deliveries d WHERE ($1::text IS NULL OR d.status = $1)
     ORDER BY d.created_at DESC, d.id DESC LIMIT $2`,
    [f.status ?? null, f.limit],
  );
  return res.rows.map((r) => ({
    ...fromRow(r),
    attemptLog: (r.attempt_log as Array<Record<string, unknown>>).map((a) => ({
      attempt: a.attempt as number,
      httpStatus: a.http_status as number | null,
      error: a.error as string | null,
      latencyMs: a.latency_ms as number | null,
      attemptedAt: new Date(a.attempted_at as string),
    })),
  }));
}

/** An account a run gained or lost. */
export interface RunChangeAccount {
  ext_id: string;
  username: string;
}

/**
 * The followers a run gained (followed + refollowed, not baseline) or lost (unfollowed): the first
 * `limit` accounts (oldest event first) and the total.
 */
export async function listRunFollowerChanges(
  q: Queryable,
  runId: string,
  which: 'gained' | 'lost',
  limit: number,
): Promise<{ total: number; accounts: RunChangeAccount[] }> {
  const res = await q.query<{ ext_id: string | null; username: string | null; total: string }>(
    `WITH ev AS (
       SELECT v.id, v.follower_id FROM subscription_events v
       WHERE v.job_call_id = $1
         AND (CASE WHEN $2 = 'lost' THEN v.event = 'unfollowed' ELSE v.event IN ('followed', 'refollowed') AND NOT v.baseline END)
     )
     SELECT a.ext_id, a.username, (SELECT count(*) FROM ev) AS total
     FROM (SELECT 1) one
     LEFT JOIN LATERAL (SELECT f.ext_id, f.username, ev.id FROM ev JOIN followers f ON f.id = ev.follower_id ORDER BY ev.id LIMIT $3) a ON true
     ORDER BY a.id`,
    [runId, which, limit],
  );
  const total = countFromInt8(res.rows[0]?.total) ?? 0;
  const accounts = res.rows.filter((r) => r.ext_id !== null).map((r) => ({ ext_id: r.ext_id!, username: r.username! }));
  return { total, accounts };
}
