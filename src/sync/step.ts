// What every sync step (one queue job = one provider request) shares: skipping redelivered work,
// completing the job, and turning a failed request into a retry, a deferral or the run's end.
import type { Queryable } from '../db/database.ts';
import { beginRequest, deferJobCall, finishJobCall, type JobCallRow, type RunForRequest, type RunStatus } from '../db/queries/job-calls.ts';
import { findProfile, markProfileIdNotFound, markProfileNotFound, markProfilePrivate } from '../db/queries/profiles.ts';
import {
  callSummary,
  failServiceCall,
  findCommittedServiceCall,
  insertFailedOverCalls,
  type ResultSummary,
} from '../db/queries/service-calls.ts';
import { ProviderError } from '../errors.ts';
import type { ProfileQuery } from '../providers/types.ts';
import { QUEUES, type QueueName } from '../queue/jobs.ts';
import type { JobAttemptInfo, SyncDeps } from './deps.ts';
import { sendJob } from './enqueue.ts';
import { classifyFailure, type FailureAction, failureKind } from './outcome.ts';

/** What one step did to its run. */
export interface StepResult {
  runId: string;
  /** True when the run reached a final status with this step. */
  ended: boolean;
  status: RunStatus;
  /** Nothing was done: the job's work had already committed, or its run had ended. */
  noop?: boolean;
  /** The run's next request waits until then (provider rate limit). */
  deferredUntil?: Date;
  note?: string;
  /** A job this step claimed for its worker in its own commit ({@link claimNextIn}): process it next, without a fetch. */
  next?: { queue: QueueName; job: JobAttemptInfo };
}

/**
 * Inside a step's commit transaction: claims the next ready job of `queue` (usually the page just
 * sent) for this worker, when the worker asked for it (`deps.prefetch`). The claim commits with the
 * page, so the worker goes from one page's commit to the next page's request without another fetch
 * (docs/performance.md, chain). A claimed job is active with a fresh heartbeat like a fetched one.
 * @returns the claimed job, or undefined
 */
export async function claimNextIn(deps: SyncDeps, tx: Queryable, queue: QueueName): Promise<StepResult['next']> {
  if (!deps.prefetch?.()) return undefined;
  const [job] = (await deps.boss.fetch<unknown>(queue, { includeMetadata: true, db: deps.db.bossDb(tx) })) as Array<{
    id: string;
    retryCount: number;
    retryLimit?: number;
    data: unknown;
  }>;
  if (!job) return undefined;
  return { queue, job: { id: job.id, retryCount: job.retryCount, retryLimit: job.retryLimit ?? QUEUES[queue].retryLimit, data: job.data } };
}

/** Completes a job outside any transaction (nothing else to commit with it). */
export async function completeJob(deps: SyncDeps, queue: QueueName, job: JobAttemptInfo, runId: string, note: string): Promise<StepResult> {
  await deps.boss.complete(queue, { id: job.id, retryCount: job.retryCount }, { noop: note });
  deps.logger.debug({ run: runId, job: job.id, note }, 'job skipped');
  return { runId, ended: false, status: 'running', noop: true, note };
}

/**
 * Starts the step's request on its run ({@link beginRequest}), or completes the job as a no-op when
 * its request already committed (a redelivered job) or its run already ended.
 * @returns the run, or the no-op result
 */
export async function beginStep(deps: SyncDeps, queue: QueueName, job: JobAttemptInfo, runId: string): Promise<RunForRequest | StepResult> {
  const run = await beginRequest(deps.db, runId, job.id);
  if (run) return run;
  const done = await findCommittedServiceCall(deps.db, job.id);
  return completeJob(deps, queue, job, runId, done ? `already committed as service_call ${done}` : 'run already ended');
}

/** Narrows {@link beginStep}'s answer. */
export function isStepResult(x: object): x is StepResult {
  return 'runId' in x;
}

/** True for the unique violation that means another attempt of this queue job committed first. */
export function isCommittedElsewhere(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string; message?: string };
  return e?.code === '23505' && (e.constraint === 'service_calls_queue_job_key' || /service_calls_queue_job_key/.test(e.message ?? ''));
}

/** A failed request in context. */
export interface RequestFailure {
  queue: QueueName;
  job: JobAttemptInfo;
  run: JobCallRow;
  serviceCallId: string;
  /** service_calls.kind of the request, its parent and the cursor it sent (for failed-over rows). */
  kind: string;
  parentServiceCallId: string | null;
  sent: string | null;
  err: unknown;
  /** The run's profile row, when stored. */
  profileId: string | null;
  /** How the profile was asked for (by id, a not-found answer flags it; by username, it does not). */
  lookup?: ProfileQuery;
  username?: string;
  /** Decided by the caller instead of classifyFailure (a provider switch's re-check: src/sync/provider-switch.ts). */
  action?: FailureAction;
}

function describe(f: RequestFailure): string {
  const who = f.username ? `@${f.username}` : f.lookup ? ('id' in f.lookup ? `id ${f.lookup.id}` : `@${f.lookup.username}`) : 'the profile';
  const msg = f.err instanceof Error ? f.err.message : String(f.err);
  switch (failureKind(f.err)) {
    case 'private':
      return `${who} is private: its followers cannot be read (${msg})`;
    case 'not_found':
      return `${who} was not found (${msg})`;
    default:
      return msg;
  }
}

/**
 * The result_summary of a failed request: the ledger facts of its call (callSummary), its error kind
 * (failureKind) and the HTTP status it got, when the provider answered at all.
 */
export function failureSummary(err: unknown): ResultSummary {
  const call = err instanceof ProviderError ? err.call : undefined;
  return {
    ...(call ? callSummary(call) : {}),
    error_kind: failureKind(err),
    http_status: err instanceof ProviderError ? (err.httpStatus ?? call?.httpStatus ?? null) : null,
  };
}

/** Completes the job inside the transaction `tx` (it commits with the step's rows). */
export async function completeJobIn(
  deps: SyncDeps,
  tx: Queryable,
  queue: QueueName,
  job: JobAttemptInfo,
  output: object | null,
): Promise<void> {
  await deps.boss.complete(queue, { id: job.id, retryCount: job.retryCount }, output, { db: deps.db.bossDb(tx) });
}

/**
 * Flags the account of a not-found answer, when the answer was about an account: a lookup by
 * provider id, or a list page (always requested by the stored profile's id). A lookup by username
 * flags nothing: Instagram usernames are renamed and reused, so the account stored under that name
 * may be alive under another one (docs/history.md). The miss stays on the run (outcome not_found),
 * and the message says which stored account was left unflagged and how to check it.
 * @returns the run's error message
 */
async function flagNotFound(tx: Queryable, f: RequestFailure, message: string): Promise<string> {
  if (f.lookup && 'id' in f.lookup) {
    await markProfileNotFound(tx, f.lookup);
    return message;
  }
  if (!f.lookup) {
    if (f.profileId) await markProfileIdNotFound(tx, f.profileId);
    return message;
  }
  const stored = await findProfile(tx, f.lookup);
  if (!stored) return message;
  return (
    `${message}; the username no longer resolves, so the stored account @${stored.username} (id ${stored.extId}) is not ` +
    `flagged: it may have been renamed (check: sm-core sync-profile --id ${stored.extId})`
  );
}

/**
 * Records a failed request and acts on it (PROVIDER_ERROR_POLICY through {@link classifyFailure}):
 * - retry: the service_call is marked failed and the error rethrown, so pg-boss retries the job;
 * - defer: the same job (same cursor) is re-sent with `startAfter`, and this one completes, in one transaction;
 * - end: the run is marked failed with the error (a private profile is flagged private; a missing
 *   one not found, unless it was looked up by username: {@link flagNotFound}; edges stay untouched),
 *   and the job completes.
 * @throws the original error when the job should be retried
 */
export async function handleRequestFailure(deps: SyncDeps, f: RequestFailure): Promise<StepResult> {
  const action = f.action ?? classifyFailure(f.err, f.job, deps.settings.rateLimitFloorSeconds);
  const kind = failureKind(f.err);
  const message = describe(f);
  const call = f.err instanceof ProviderError ? f.err.call : undefined;
  const summary = failureSummary(f.err);
  deps.logger.warn({ run: f.run.id, job: f.job.id, kind, action: action.action, attempt: f.job.retryCount }, message);
  const failedOver = {
    jobCallId: f.run.id,
    parentServiceCallId: f.parentServiceCallId,
    kind: f.kind,
    sent: f.sent,
    calls: (f.err instanceof ProviderError && f.err.call?.failedOver) || [],
  };
  if (action.action === 'retry') {
    await insertFailedOverCalls(deps.db, failedOver);
    await failServiceCall(deps.db, f.serviceCallId, message, { ...summary, will_retry: true }, call);
    throw f.err;
  }
  if (action.action === 'defer') {
    const until = new Date(Date.now() + action.seconds * 1000);
    return deps.db.transaction(async (tx) => {
      await insertFailedOverCalls(tx, failedOver);
      await failServiceCall(tx, f.serviceCallId, message, { ...summary, deferred_seconds: action.seconds }, call);
      const nextJobId = await sendJob(deps.boss, deps.db, tx, f.queue, f.job.data as object, { startAfter: until });
      await deferJobCall(tx, f.run.id, until, nextJobId);
      await completeJobIn(deps, tx, f.queue, f.job, { deferred: nextJobId });
      return { runId: f.run.id, ended: false, status: 'running' as const, deferredUntil: until, note: message };
    });
  }
  return deps.db.transaction(async (tx) => {
    const reason = action.outcome === 'not_found' ? await flagNotFound(tx, f, message) : message;
    await insertFailedOverCalls(tx, failedOver);
    await failServiceCall(tx, f.serviceCallId, reason, summary, call);
    if (action.outcome === 'private' && f.profileId) await markProfilePrivate(tx, f.profileId);
    await finishJobCall(tx, f.run.id, { status: 'failed', outcome: action.outcome, errorMessage: reason });
    await completeJobIn(deps, tx, f.queue, f.job, { failed: action.outcome });
    return { runId: f.run.id, ended: true, status: 'failed' as const, note: reason };
  });
}
