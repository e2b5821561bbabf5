// Before every HTTP attempt of a step's provider request (the first and each retry in place): is
// this worker's queue job still the one that owns the request, and is the attempt on the run's
// ledger? Only then does it leave (issue 13 §4; docs/reliability.md "Write-ahead ledger").
import { abandonServiceCall, recordAttempt } from '../db/queries/service-calls.ts';
import type { AttemptGuard } from '../providers/attempt-guard.ts';
import type { QueueName } from '../queue/jobs.ts';
import type { JobAttemptInfo, SyncDeps } from './deps.ts';
import type { StepResult } from './step.ts';

/** The step's job no longer owns its request: nothing was sent for this attempt. */
export class JobNotOwned extends Error {}

/**
 * The guard of one request ({@link AttemptGuard}), checked right before each HTTP attempt leaves:
 * 1. ownership: the job's attempt is still active at pg-boss (`touch`, fenced to this attempt, which
 *    also refreshes its heartbeat); a worker that was frozen past the heartbeat and thawed after
 *    pg-boss failed or handed on its job stops here;
 * 2. write-ahead: the attempt is added to the request's service_call (request_units, attempt) while
 *    that row is still running; another attempt of the same job that took the page over has closed it.
 * So the ledger holds every request the provider received, even when the worker is killed mid-request
 * (at most one more: a kill between this write and the send).
 * @throws JobNotOwned from `beforeSend` when either check fails
 */
export function requestGuard(deps: SyncDeps, queue: QueueName, job: JobAttemptInfo, serviceCallId: string): AttemptGuard {
  return {
    async beforeSend() {
      const touched = (await deps.boss.touch(queue, { id: job.id, retryCount: job.retryCount })) as { affected?: number };
      if (touched.affected === 0) {
        throw new JobNotOwned(`not sent: pg-boss no longer assigns job ${job.id} (attempt ${job.retryCount}) to this worker`);
      }
      if (!(await recordAttempt(deps.db, serviceCallId))) {
        throw new JobNotOwned(`not sent: another attempt of job ${job.id} took over this request`);
      }
    },
  };
}

/**
 * Ends a step whose job lost its request before sending: the request's service_call is closed when
 * still running (its recorded attempts stay), the job is left to the worker that owns it now, and
 * the step is a no-op.
 */
export async function leaveLostRequest(
  deps: SyncDeps,
  job: JobAttemptInfo,
  runId: string,
  serviceCallId: string,
  err: JobNotOwned,
): Promise<StepResult> {
  deps.logger.warn({ run: runId, job: job.id, attempt: job.retryCount }, err.message);
  await abandonServiceCall(deps.db, serviceCallId, err.message);
  return { runId, ended: false, status: 'running', noop: true, note: err.message };
}
