// Queries on service_calls: one row per provider request inside a run. Pages chain through
// parent_service_call_id; `cursor` = {provider, sent, received}; `queue_job_id` = the pg-boss job
// that made the call (unique among succeeded rows, so a redelivered job finds its committed page).
import type { CallInfo, FailedCall } from '../../providers/types.ts';
import type { Queryable } from '../database.ts';
import { idFromInt8 } from '../int8.ts';

/** What a request's row records about its result (service_calls.result_summary). */
export interface ResultSummary {
  items?: number;
  new_items?: number;
  quarantined?: number;
  sanitized?: number;
  http_status?: number | null;
  latency_ms?: number;
  attempts?: number;
  endpoint?: string;
  request_units?: number;
  error_kind?: string;
  [key: string]: unknown;
}

/** The ledger facts of a call as stored in result_summary: HTTP status, latency (ms), attempts, endpoint, request units. */
export function callSummary(call: CallInfo): ResultSummary {
  return {
    http_status: call.httpStatus,
    latency_ms: Math.round(call.latencyMs),
    attempts: call.attempts,
    endpoint: call.endpoint,
    ...(call.requestUnits === undefined ? {} : { request_units: call.requestUnits }),
  };
}

/** A stored provider request. */
export interface ServiceCallRow {
  id: string;
  jobCallId: string;
  parentServiceCallId: string | null;
  kind: string;
  status: string;
  cursor: { provider?: string; sent?: string | null; received?: string | null };
  resultSummary: ResultSummary;
  errorMessage: string | null;
  queueJobId: string | null;
  /** HTTP requests this call sent (request_units: in-place retries included; 0 when refused before sending or still running). */
  requestUnits: number;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** A request about to be made. */
export interface NewServiceCall {
  jobCallId: string;
  parentServiceCallId: string | null;
  /** `profile`, `followers_page`... */
  kind: string;
  provider: string;
  /** Cursor sent with the request (null for page 1 and non-list calls). */
  sent: string | null;
  queueJobId: string | null;
}

/**
 * Inserts the row of a request that starts now (status running). An earlier attempt of the same
 * queue job still marked running (its worker died mid-request) is closed as failed first.
 * @returns the new row's id
 */
export async function startServiceCall(q: Queryable, c: NewServiceCall): Promise<string> {
  const res = await q.query<{ id: string }>(
    `WITH stale AS (
       UPDATE service_calls SET status = 'failed', finished_at = now(), updated_at = now(),
         error_message = 'interrupted: the worker stopped before this request''s answer was recorded (request_units: attempts sent)'
       WHERE $6::text IS NOT NULL AND queue_job_id = $6 AND status = 'running'
       RETURNING id
     )
     INSERT INTO service_calls (job_call_id, parent_service_call_id, kind, status, cursor, queue_job_id, provider, started_at)
     SELECT $1, $2, $3, 'running', jsonb_build_object('provider', $4::text, 'sent', $5::text), $6, $4, now()
     FROM (SELECT count(*) FROM stale) s
     RETURNING id`,
    [c.jobCallId, c.parentServiceCallId, c.kind, c.provider, c.sent, c.queueJobId],
  );
  return idFromInt8(res.rows[0]!.id);
}

/**
 * Write-ahead ledger (issue 13 §4): records one HTTP attempt on a request still running, right
 * before it is sent, so a worker killed mid-request leaves the attempt counted. Fenced: a request
 * another attempt of the same queue job has closed (startServiceCall) records nothing.
 * @returns false when the row is no longer running (the caller must not send)
 */
export async function recordAttempt(q: Queryable, id: string): Promise<boolean> {
  const res = await q.query(
    `UPDATE service_calls SET request_units = request_units + 1, attempt = coalesce(attempt, 0) + 1, updated_at = now()
     WHERE id = $1 AND status = 'running'`,
    [id],
  );
  return res.rowCount > 0;
}

/**
 * Closes a request whose attempt lost its queue job before sending (failed, message kept), only
 * while it is still running: its recorded attempts stay as they are.
 */
export async function abandonServiceCall(q: Queryable, id: string, errorMessage: string): Promise<void> {
  await q.query(
    `UPDATE service_calls SET status = 'failed', error_message = $2, finished_at = now(), updated_at = now()
     WHERE id = $1 AND status = 'running'`,
    [id, errorMessage],
  );
}

/** The committed (succeeded) request of a queue job, if its page already committed. */
export async function findCommittedServiceCall(q: Queryable, queueJobId: string): Promise<string | null> {
  const res = await q.query<{ id: string }>(`SELECT id FROM service_calls WHERE queue_job_id = $1 AND status = 'succeeded'`, [queueJobId]);
  return res.rows[0] ? idFromInt8(res.rows[0].id) : null;
}

/**
 * Marks a request succeeded with the cursor it received and its result summary.
 * @throws pg unique violation (23505, service_calls_queue_job_key) when another attempt of the same
 *   queue job already committed: the caller must treat the page as done
 */
export async function succeedServiceCall(
  q: Queryable,
  id: string,
  answer: { received: string | null; call: CallInfo },
  summary: ResultSummary,
): Promise<void> {
  const l = ledger(answer.call);
  await q.query(
    `UPDATE service_calls SET status = 'succeeded',
       cursor = cursor || jsonb_build_object('provider', $2::text, 'received', $3::text),
       result_summary = $4::jsonb, provider = $2, endpoint = $5, http_status = $6, latency_ms = $7, attempt = $8,
       request_units = $9, finished_at = now(), updated_at = now()
     WHERE id = $1`,
    [id, answer.call.provider, answer.received, JSON.stringify(summary), l.endpoint, l.httpStatus, l.latencyMs, l.attempt, l.requestUnits],
  );
}

/**
 * The ledger columns of a call (sql/0004): request units default to the HTTP attempts made. Without
 * call facts (an error that carries none) `attempt` and `requestUnits` are null: the attempts the
 * write-ahead ledger recorded ({@link recordAttempt}) stay.
 */
function ledger(call: CallInfo | undefined) {
  return {
    endpoint: call?.endpoint ?? null,
    httpStatus: call?.httpStatus ?? null,
    latencyMs: call ? Math.round(call.latencyMs) : null,
    attempt: call?.attempts ?? null,
    requestUnits: call ? (call.requestUnits ?? call.attempts) : null,
  };
}

/**
 * Records, in ONE statement, the providers that failed before another one answered (fallback):
 * each a failed row with the same parent and cursor sent as the request they preceded.
 * @returns rows inserted
 */
export async function insertFailedOverCalls(
  q: Queryable,
  c: { jobCallId: string; parentServiceCallId: string | null; kind: string; sent: string | null; calls: readonly FailedCall[] },
): Promise<number> {
  if (c.calls.length === 0) return 0;
  const rows = c.calls.map((f) => ({ f, l: ledger(f) }));
  const res = await q.query(
    `INSERT INTO service_calls (job_call_id, parent_service_call_id, kind, status, cursor, result_summary, error_message,
       provider, endpoint, http_status, latency_ms, attempt, request_units, started_at, finished_at)
     SELECT $1, $2, $3, 'failed', jsonb_build_object('provider', f.provider, 'sent', $4::text), f.summary, f.message,
       f.provider, f.endpoint, f.http_status, f.latency_ms, f.attempt, f.units, now(), now()
     FROM unnest($5::text[], $6::jsonb[], $7::text[], $8::text[], $9::int[], $10::int[], $11::int[], $12::int[])
       AS f (provider, summary, message, endpoint, http_status, latency_ms, attempt, units)`,
    [
      c.jobCallId,
      c.parentServiceCallId,
      c.kind,
      c.sent,
      rows.map(({ f }) => f.provider),
      rows.map(({ f }) => JSON.stringify({ ...callSummary(f), error_kind: f.kind, failed_over: true })),
      rows.map(({ f }) => f.message),
      rows.map(({ l }) => l.endpoint),
      rows.map(({ l }) => l.httpStatus),
      rows.map(({ l }) => l.latencyMs),
      rows.map(({ l }) => l.attempt),
      rows.map(({ l }) => l.requestUnits),
    ],
  );
  return res.rowCount;
}

/**
 * Marks a request failed, keeping the error message (never a secret: ProviderError messages carry
 * none) and, when the provider reported them, the call's ledger facts (sql/0004).
 */
export async function failServiceCall(
  q: Queryable,
  id: string,
  errorMessage: string,
  summary: ResultSummary,
  call?: CallInfo,
): Promise<void> {
  const l = ledger(call);
  await q.query(
    `UPDATE service_calls SET status = 'failed', error_message = $2, result_summary = $3::jsonb,
       provider = coalesce($4, provider), endpoint = $5, http_status = $6, latency_ms = $7, attempt = coalesce($8, attempt),
       request_units = coalesce($9, request_units),
       finished_at = now(), updated_at = now()
     WHERE id = $1`,
    [id, errorMessage, JSON.stringify(summary), call?.provider ?? null, l.endpoint, l.httpStatus, l.latencyMs, l.attempt, l.requestUnits],
  );
}

/**
 * True when a succeeded request of this run already received `cursor` (loop guard, CASES.md C05).
 * @param since only requests started from then on (the run's current pass after a provider switch: sql/0009)
 */
export async function cursorSeenInRun(q: Queryable, jobCallId: string, cursor: string, since: Date | null = null): Promise<boolean> {
  const res = await q.query(
    `SELECT 1 FROM service_calls WHERE job_call_id = $1 AND cursor ->> 'received' = $2 AND status = 'succeeded'
       AND ($3::timestamptz IS NULL OR started_at >= $3) LIMIT 1`,
    [jobCallId, cursor, since],
  );
  return res.rowCount > 0;
}

/** Closes the requests of a run still marked running (their worker died): failed with `message`. @returns rows closed */
export async function failRunningServiceCalls(q: Queryable, jobCallId: string, message: string): Promise<number> {
  const res = await q.query(
    `UPDATE service_calls SET status = 'failed', error_message = $2, finished_at = now(), updated_at = now()
     WHERE job_call_id = $1 AND status = 'running'`,
    [jobCallId, message],
  );
  return res.rowCount;
}

/** The newest succeeded request of a run (the parent of its next page), or null. */
export async function lastSucceededServiceCall(q: Queryable, jobCallId: string): Promise<string | null> {
  const res = await q.query<{ id: string }>(
    `SELECT id FROM service_calls WHERE job_call_id = $1 AND status = 'succeeded' ORDER BY id DESC LIMIT 1`,
    [jobCallId],
  );
  return res.rows[0] ? idFromInt8(res.rows[0].id) : null;
}

/** Every request of a run, oldest first; with `page`, at most `limit` of them after the first `offset`. */
export async function listServiceCalls(
  q: Queryable,
  jobCallId: string,
  page?: { limit: number; offset: number },
): Promise<ServiceCallRow[]> {
  const res = await q.query<Record<string, unknown>>(
    `SELECT id, job_call_id, parent_service_call_id, kind, status, cursor, result_summary, error_message, queue_job_id,
       request_units, started_at, finished_at
     FROM service_calls WHERE job_call_id = $1 ORDER BY id LIMIT $2 OFFSET $3`,
    [jobCallId, page?.limit ?? null, page?.offset ?? 0],
  );
  return res.rows.map((r) => ({
    id: idFromInt8(r.id as string),
    jobCallId: idFromInt8(r.job_call_id as string),
    parentServiceCallId: r.parent_service_call_id === null ? null : idFromInt8(r.parent_service_call_id as string),
    kind: r.kind as string,
    status: r.status as string,
    cursor: r.cursor as ServiceCallRow['cursor'],
    resultSummary: r.result_summary as ResultSummary,
    errorMessage: r.error_message as string | null,
    queueJobId: r.queue_job_id as string | null,
    requestUnits: Number(r.request_units ?? 0),
    startedAt: r.started_at as Date | null,
    finishedAt: r.finished_at as Date | null,
  }));
}
