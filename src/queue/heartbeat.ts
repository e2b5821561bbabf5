// Job heartbeats: while a worker holds a job it touches it every few seconds, so pg-boss can tell a
// live slow job from one whose worker died (SIGKILL, OOM, a lost host). A job whose heartbeat stops
// for `heartbeatSeconds` (src/queue/jobs.ts) is failed by pg-boss's supervision pass and retried by
// another worker: a killed worker's page resumes within seconds, not after `expireInSeconds`.
import type { PgBoss } from 'pg-boss';
import type { Logger } from '../logger.ts';
import type { JobAttemptInfo } from '../sync/deps.ts';
import { HEARTBEAT_SECONDS, type QueueName } from './jobs.ts';

/** Interval between touches (ms): a third of the queue's heartbeat, so two lost touches are survived. */
export const HEARTBEAT_TOUCH_MS = (HEARTBEAT_SECONDS * 1000) / 3;

/** A running heartbeat; `stop()` ends it (always call it once the job is settled). */
export interface Heartbeat {
  stop(): void;
}

/**
 * Touches `job` (fenced to this attempt) every `intervalMs` until stopped. A touch that fails (the
 * database is unreachable) is logged and tried again at the next beat; a touch that finds the
 * attempt gone (pg-boss already gave the job to another worker) is logged once as a warning: this
 * attempt may still commit, and the unique page commit (service_calls_queue_job_key) keeps one.
 */
export function startHeartbeat(
  boss: PgBoss,
  queue: QueueName,
  job: JobAttemptInfo,
  logger: Logger,
  intervalMs = HEARTBEAT_TOUCH_MS,
): Heartbeat {
  let lostLogged = false;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    boss
      .touch(queue, { id: job.id, retryCount: job.retryCount })
      .then((res) => {
        if ((res as { affected?: number }).affected === 0 && !lostLogged) {
          lostLogged = true;
          logger.warn({ job: job.id, queue }, 'job heartbeat: pg-boss no longer assigns this attempt to this worker');
        }
      })
      .catch((err: Error) => logger.warn({ job: job.id, queue, err: { message: err.message } }, 'job heartbeat failed; retrying'))
      .finally(() => {
        busy = false;
      });
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
