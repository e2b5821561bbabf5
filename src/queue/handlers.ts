// Queue name -> sync step. A handler parses nothing itself: the step validates its payload, does
// its one provider request and commits; this module only dispatches, fails jobs for pg-boss to
// retry, closes a run whose last attempt broke, and reports finished runs to monitoring.
import type { PgBoss } from 'pg-boss';
import { finishJobCall } from '../db/queries/job-calls.ts';
import { getRunReport, httpRequests, providerCalls } from '../db/queries/run-reports.ts';
import { jobLogger } from '../logger.ts';
import { recordJobEvent } from '../monitoring/newrelic.ts';
import type { JobAttemptInfo, SyncDeps } from '../sync/deps.ts';
import { queueRunAlerts } from '../sync/alerts.ts';
import type { StepResult } from '../sync/step.ts';
import { syncFollowersPage } from '../sync/sync-followers.ts';
import { syncFollowingsPage } from '../sync/sync-followings.ts';
import { syncProfile } from '../sync/sync-profile.ts';
import { startHeartbeat } from './heartbeat.ts';
import { QUEUES, type QueueName } from './jobs.ts';

/** A sync step run for one job. */
export type JobHandler = (deps: SyncDeps, job: JobAttemptInfo, signal?: AbortSignal) => Promise<StepResult>;

/** The handler of every queue (a queue without one would never drain: checked by the type). */
export const HANDLERS: Record<QueueName, JobHandler> = {
  'sync-profile': syncProfile,
  'sync-followers': syncFollowersPage,
  'sync-followings': syncFollowingsPage,
};

/** Queues in the order a worker polls them: runs in progress (pages) before new runs (profiles). */
export const WORK_ORDER: readonly QueueName[] = ['sync-followers', 'sync-followings', 'sync-profile'];

/** A job as fetched with metadata (its attempt and retry limit). */
interface FetchedJob {
  id: string;
  retryCount: number;
  retryLimit?: number;
  data: unknown;
}

/**
 * Fetches one job from the first queue in `queues` that has one ready.
 * @returns the queue and the job, or null when every queue is empty
 */
export async function fetchNextJob(boss: PgBoss, queues: readonly QueueName[]): Promise<{ queue: QueueName; job: JobAttemptInfo } | null> {
  for (const queue of queues) {
    const [job] = (await boss.fetch<unknown>(queue, { includeMetadata: true })) as FetchedJob[];
    if (job) {
      return {
        queue,
        job: { id: job.id, retryCount: job.retryCount, retryLimit: job.retryLimit ?? QUEUES[queue].retryLimit, data: job.data },
      };
    }
  }
  return null;
}

function runIdOf(job: JobAttemptInfo): string | null {
  const id = (job.data as { jobCallId?: unknown } | null)?.jobCallId;
  return typeof id === 'string' ? id : null;
}

/**
 * Runs the handler of `queue` for `job`. When the step throws (a retryable failure), the job is
 * failed so pg-boss retries it later; on its last attempt the run is closed as failed first, so no
 * run waits for a job that will never come.
 * @returns the step's result, or null when the job was handed back for a retry
 */
export async function processJob(deps: SyncDeps, queue: QueueName, job: JobAttemptInfo, signal?: AbortSignal): Promise<StepResult | null> {
  const runId = runIdOf(job);
  const log = jobLogger(deps.logger, { runId: runId ?? '?', jobId: job.id, queue });
  const heartbeat = startHeartbeat(deps.boss, queue, job, log);
  try {
    const started = performance.now();
    const result = await HANDLERS[queue]({ ...deps, logger: log }, job, signal);
    heartbeat.stop();
    // After the commit: benchmarks time the gap from here to the next page's request (docs/performance.md).
    log.debug({ ms: Math.round(performance.now() - started), ended: result.ended }, 'job done');
    if (result.ended) await reportRunEnd(deps, result.runId, queue, log);
    return result;
  } catch (err) {
    heartbeat.stop();
    const message = err instanceof Error ? err.message : String(err);
    const lastAttempt = job.retryCount >= job.retryLimit;
    log.warn(
      { attempt: job.retryCount, retryLimit: job.retryLimit, err: { message } },
      lastAttempt ? 'job failed on its last attempt' : 'job failed; pg-boss retries it',
    );
    try {
      if (lastAttempt && runId) {
        await finishJobCall(deps.db, runId, { status: 'failed', outcome: 'error', errorMessage: message });
        await reportRunEnd(deps, runId, queue, log);
      }
      await deps.boss.fail(queue, { id: job.id, retryCount: job.retryCount }, { message });
    } catch (failErr) {
      // The database is unreachable: the job expires and pg-boss retries it (expireInSeconds).
      log.error({ err: { message: (failErr as Error).message } }, 'could not record the job failure');
    }
    return null;
  }
}

/**
 * Logs a finished run (info), records it as a monitoring event (a no-op without
 * NEW_RELIC_LICENSE_KEY) and queues its change alerts (a no-op without SM_WEBHOOK_URL). Alerts never
 * fail the run: an error queueing them is logged and dropped.
 */
async function reportRunEnd(deps: SyncDeps, runId: string, queue: QueueName, log: SyncDeps['logger']): Promise<void> {
  if (deps.alerts) {
    try {
      const queued = await queueRunAlerts(deps, runId);
      if (queued.length) log.info({ alerts: queued.length }, 'change alerts queued');
    } catch (err) {
      log.error({ err: { message: (err as Error).message } }, 'could not queue the change alerts of this run; the run is not affected');
    }
  }
  const run = await getRunReport(deps.db, runId);
  if (!run) return;
  const requests = httpRequests(run);
  const calls = providerCalls(run);
  log.info(
    { kind: run.kind, status: run.status, outcome: run.outcome, pages: run.pages, followers: run.itemsSeen, requests, calls },
    `${run.kind} run ${run.id} ${run.status}`,
  );
  recordJobEvent({
    kind: run.kind,
    status: run.status,
    durationMs: run.startedAt && run.finishedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : 0,
    items: run.kind === 'profile' ? run.pages : run.itemsSeen,
    requests,
    calls,
    runId: run.id,
    queue,
    ...(run.provider ? { provider: run.provider } : {}),
  });
}
