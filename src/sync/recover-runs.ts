// No run stays "running" forever (issue 4 §4). A run is advanced by one queue job at a time
// (job_calls.queue_job_id). A worker that dies while it holds a job stops that job's pg-boss
// heartbeat (src/queue/heartbeat.ts): pg-boss fails the attempt and hands the job, with the same
// cursor, to the next worker, so the run resumes from its last committed page by itself. What is
// left is a run whose job no longer lives: pg-boss gave up on it (its last attempt died too), or it
// is gone (deleted, cancelled). The sweep below finds those: a job that is gone is replaced and the
// run resumes from its last committed cursor, unless its last progress is older than
// SM_RUN_RESUME_HOURS (a provider cursor that old is not worth trusting); a job pg-boss failed is not
// retried forever: the run is closed as abandoned, partial when it stored pages.
import type { WebhookSettings } from '../config.ts';
import type { PgBoss } from 'pg-boss';
import type { Database, Queryable } from '../db/database.ts';
import { abandonJobCall, type JobCallRow, listActiveRuns, moveJobCallToJob, type RunKind } from '../db/queries/job-calls.ts';
import { failRunningServiceCalls, lastSucceededServiceCall } from '../db/queries/service-calls.ts';
import { pagesInPass } from '../db/queries/list-restarts.ts';
import type { Logger } from '../logger.ts';
import type { QueueName, SyncFollowersJob, SyncProfileJob } from '../queue/jobs.ts';
import { queueRunAlerts } from './alerts.ts';
import { sendJob } from './enqueue.ts';

/** Queue that advances runs of each kind. */
export const QUEUE_OF: Record<RunKind, QueueName> = {
  profile: 'sync-profile',
  followers: 'sync-followers',
  followings: 'sync-followings',
};

/** What recovery needs: the database, the queue and the resume window. */
export interface RecoveryDeps {
  db: Database;
  boss: PgBoss;
  logger?: Logger;
  settings: { runResumeHours: number };
  /** Change alerts: an abandoned run that ends failed raises run.failed (src/sync/alerts.ts). */
  alerts?: WebhookSettings | undefined;
}

/** What happened to one active run. */
export type Recovery = 'alive' | 'resumed' | 'abandoned';

/** Job states in which pg-boss still advances the run (a dead worker's `active` job comes back by heartbeat). */
const LIVE = new Set(['created', 'retry', 'active']);

/** Rebuilds the job that continues `run` from its last committed state (the run's columns are the truth). */
async function continuationOf(q: Queryable, run: JobCallRow): Promise<object> {
  if (run.kind === 'profile') {
    const key = String(run.params.lookup ?? '');
    const lookup = key.startsWith('id:') ? { id: key.slice(3) } : { username: key.replace(/^username:/, '') };
    const job: SyncProfileJob = { jobCallId: run.id, lookup, followers: run.params.followers === true };
    if (run.params.followings === true) job.followings = true;
    return job;
  }
  // After a provider switch the run's pages include the abandoned pass: number from the current one.
  const done = run.listRestartedAt ? await pagesInPass(q, run.id, run.listRestartedAt) : run.pages;
  const job: SyncFollowersJob = {
    jobCallId: run.id,
    page: done + 1,
    cursor: run.pages > 0 ? run.cursor : null,
    provider: run.pages > 0 ? run.provider : null,
    parentServiceCallId: await lastSucceededServiceCall(q, run.id),
  };
  return job;
}

/** The run changed while it was being recovered (another process did it): roll back and leave it. */
class RunMovedOn extends Error {}

async function abandon(deps: RecoveryDeps, run: JobCallRow, why: string): Promise<Recovery> {
  const closed = await deps.db.transaction(async (tx) => {
    await failRunningServiceCalls(tx, run.id, 'interrupted: the run was abandoned');
    return abandonJobCall(tx, run.id, run.queueJobId, `abandoned: ${why}`);
  });
  if (closed) deps.logger?.warn({ run: run.id, kind: run.kind }, `run abandoned: ${why}`);
  if (closed && deps.alerts) {
    // Never fails the sweep: an alert that cannot be queued is logged and dropped.
    await queueRunAlerts(deps, run.id).catch((err: Error) =>
      deps.logger?.error({ run: run.id, err: { message: err.message } }, 'could not queue the change alerts of an abandoned run'),
    );
  }
  return closed ? 'abandoned' : 'alive';
}

/**
 * Checks one active run and resumes or closes it when its queue job no longer lives.
 * @param idleSeconds since the run's last sign of life (job_calls.updated_at, database clock)
 * @returns `alive` (its job is waiting or being worked), `resumed` (a new job continues it from its
 *   last committed cursor) or `abandoned` (closed: partial when it stored pages, else failed)
 */
export async function recoverRun(deps: RecoveryDeps, run: JobCallRow, idleSeconds: number): Promise<Recovery> {
  const queue = QUEUE_OF[run.kind];
  const job = run.queueJobId ? await deps.boss.getJobById(queue, run.queueJobId) : null;
  if (job && LIVE.has(job.state)) return 'alive';
  if (job?.state === 'failed') return abandon(deps, run, `its queue job ${job.id} failed on its last attempt (its worker stopped)`);
  const why = job ? `its queue job ${job.id} is ${job.state}` : 'its queue job is gone';
  if (idleSeconds > deps.settings.runResumeHours * 3600)
    return abandon(deps, run, `${why}, and its last progress is older than SM_RUN_RESUME_HOURS`);
  const resumed = await deps.db
    .transaction(async (tx) => {
      await failRunningServiceCalls(tx, run.id, 'interrupted: the worker stopped before this request was recorded');
      const nextJobId = await sendJob(deps.boss, deps.db, tx, queue, await continuationOf(tx, run));
      if (!(await moveJobCallToJob(tx, run.id, run.queueJobId, nextJobId))) throw new RunMovedOn();
      return nextJobId;
    })
    .catch((err: unknown) => {
      if (err instanceof RunMovedOn) return null;
      throw err;
    });
  if (resumed) deps.logger?.warn({ run: run.id, kind: run.kind, job: resumed }, `run resumed from its last committed cursor: ${why}`);
  return resumed ? 'resumed' : 'alive';
}

/**
 * Sweeps every active run (`sm-core worker` at start and every minute; a sync command before it
 * attaches to a run and while it waits): resumes or closes the ones nobody advances.
 * @returns counts of runs resumed and abandoned
 */
export async function recoverRuns(deps: RecoveryDeps): Promise<{ resumed: number; abandoned: number }> {
  const totals = { resumed: 0, abandoned: 0 };
  for (const { run, idleSeconds } of await listActiveRuns(deps.db)) {
    const r = await recoverRun(deps, run, idleSeconds);
    if (r === 'resumed') totals.resumed++;
    if (r === 'abandoned') totals.abandoned++;
  }
  return totals;
}

/** Recovers one run by id when it is active. @returns what happened, or null when it is not active */
export async function recoverRunById(deps: RecoveryDeps, runId: string): Promise<Recovery | null> {
  const found = (await listActiveRuns(deps.db, runId))[0];
  return found ? recoverRun(deps, found.run, found.idleSeconds) : null;
}
