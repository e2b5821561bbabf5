// The public entry to start syncs: creates the run (job_calls) and its first queue job in one
// transaction. Used by the CLI, run-schedule and the HTTP layer. Single flight: while a run of the
// same kind is active for the profile, starting another returns that run (`attached: true`).
import type { PgBoss, SendOptions } from 'pg-boss';
import type { Database, Queryable } from '../db/database.ts';
import {
  abandonJobCall,
  findActiveJobCall,
  getJobCall,
  insertJobCall,
  setJobCallQueueJob,
  type JobCallRow,
  type RunKind,
  type RunStatus,
} from '../db/queries/job-calls.ts';
import { findProfile } from '../db/queries/profiles.ts';
import type { ProfileQuery } from '../providers/types.ts';
import type { QueueName, SyncFollowersJob, SyncProfileJob } from '../queue/jobs.ts';

/** A run that was started, or the active one a start attached to. */
export interface EnqueuedRun {
  runId: string;
  kind: RunKind;
  status: RunStatus;
  /** True when an active run already existed and no new one was created. */
  attached: boolean;
  /** The queue job that advances the run now. */
  queueJobId: string | null;
  /** Set when a followers sync had to start with a profile sync (profile not stored yet). */
  via?: 'profile';
}

/** Database and queue, the two things starting a run needs. */
export interface EnqueueDeps {
  db: Database;
  boss: PgBoss;
}

/** Queue that advances runs of each kind. */
const QUEUE_OF: Record<RunKind, QueueName | null> = { profile: 'sync-profile', followers: 'sync-followers', followings: null };

/** Single-flight key of a lookup: `username:<lowercase>` or `id:<ext id>`. */
export function lookupKey(lookup: ProfileQuery): string {
  return 'id' in lookup ? `id:${lookup.id}` : `username:${lookup.username.toLowerCase()}`;
}

/**
 * Sends a job through `q` (an open transaction commits it with the caller's rows).
 * @returns the job id
 * @throws Error when pg-boss returns no id: the queue is missing or a dedup key swallowed it (CASES.md C12)
 */
export async function sendJob(
  boss: PgBoss,
  db: Database,
  q: Queryable,
  queue: QueueName,
  data: object,
  options: SendOptions = {},
): Promise<string> {
  const id = await boss.send(queue, data, { ...options, db: db.bossDb(q) });
  if (!id) throw new Error(`pg-boss did not accept the ${queue} job (queue missing or deduplicated); run \`sm-core migrate\``);
  return id;
}

function toEnqueued(run: JobCallRow, attached: boolean): EnqueuedRun {
  return { runId: run.id, kind: run.kind, status: run.status, attached, queueJobId: run.queueJobId };
}

/**
 * Inside an open transaction: creates a pending followers run for `profileId` and its page-1 job,
 * or returns the active followers run of that profile.
 */
export async function startFollowersRun(
  boss: PgBoss,
  db: Database,
  tx: Queryable,
  profileId: string,
  parentJobCallId: string | null = null,
): Promise<{ run: JobCallRow; attached: boolean }> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const run = await insertJobCall(tx, { kind: 'followers', subjectId: profileId, params: {}, parentJobCallId });
    if (run) {
      const job: SyncFollowersJob = { jobCallId: run.id, page: 1, cursor: null, provider: null, parentServiceCallId: null };
      const jobId = await sendJob(boss, db, tx, 'sync-followers', job);
      await setJobCallQueueJob(tx, run.id, jobId);
      return { run: { ...run, queueJobId: jobId }, attached: false };
    }
    const active = await findActiveJobCall(tx, 'followers', profileId);
    if (active) return { run: active, attached: true };
  }
  throw new Error(`could not start or find the followers run of profile ${profileId}`);
}

/**
 * Closes `run` as abandoned when the queue no longer holds a live job for it (its worker died after
 * the queue's last retry): single flight must never be blocked by a run nobody advances.
 * @returns true when the run was closed
 */
async function closeIfOrphaned(boss: PgBoss, db: Database, run: JobCallRow): Promise<boolean> {
  const queue = QUEUE_OF[run.kind];
  if (!queue) return false;
  const job = run.queueJobId ? await boss.getJobById(queue, run.queueJobId) : null;
  if (job && (job.state === 'created' || job.state === 'retry' || job.state === 'active')) return false;
  return abandonJobCall(db, run.id, run.queueJobId, `abandoned: its queue job ${run.queueJobId ?? '(none)'} is ${job?.state ?? 'gone'}`);
}

/**
 * Closes the run `runId` as abandoned when it is still active but the queue holds no live job for it.
 * @returns true when the run was closed
 */
export async function closeRunIfOrphaned(deps: EnqueueDeps, runId: string): Promise<boolean> {
  const run = await getJobCall(deps.db, runId);
  return run !== null && (run.status === 'pending' || run.status === 'running') && closeIfOrphaned(deps.boss, deps.db, run);
}

/** Runs `start` until it creates a run or attaches to a live one (closing orphaned runs in between). */
async function startOrAttach(
  deps: EnqueueDeps,
  start: (tx: Queryable) => Promise<{ run: JobCallRow; attached: boolean }>,
): Promise<EnqueuedRun> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const { run, attached } = await deps.db.transaction(start);
    if (!attached || !(await closeIfOrphaned(deps.boss, deps.db, run))) return toEnqueued(run, attached);
  }
  throw new Error('could not start a run: an active run keeps reappearing');
}

/**
 * Starts a profile sync (one provider request), optionally chaining a followers sync after success.
 * @param req.lookup `{username}` or `{id}` (the provider's user id, a decimal string)
 * @param req.unlessStored refuse (internal ProfileStoredMeanwhile) when the profile, absent at the
 *   start, was stored by a concurrent run before ours was inserted (followers syncs by lookup)
 * @returns the new run, or the active profile run for the same profile (attached)
 */
export async function enqueueProfileSync(
  deps: EnqueueDeps,
  req: { lookup: ProfileQuery; followers?: boolean; unlessStored?: boolean },
): Promise<EnqueuedRun> {
  const known = await findProfile(deps.db, req.lookup);
  const lookup = lookupKey(req.lookup);
  return startOrAttach(deps, async (tx) => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const params = { lookup, followers: req.followers === true };
      const run = await insertJobCall(tx, { kind: 'profile', subjectId: known?.id ?? null, params });
      // Another process's profile run committed the profile between our lookup and this insert:
      // roll back (no second profile request) and let the caller start from the stored profile.
      if (run && req.unlessStored && !known && (await findProfile(tx, req.lookup))) throw new ProfileStoredMeanwhile();
      if (run) {
        const job: SyncProfileJob = { jobCallId: run.id, lookup: req.lookup, followers: req.followers === true };
        const jobId = await sendJob(deps.boss, deps.db, tx, 'sync-profile', job);
        await setJobCallQueueJob(tx, run.id, jobId);
        return { run: { ...run, queueJobId: jobId }, attached: false };
      }
      const active = await findActiveJobCall(tx, 'profile', known?.id ?? null, lookup);
      if (active) return { run: active, attached: true };
    }
    throw new Error(`could not start or find the profile run for ${lookup}`);
  });
}

/**
 * Starts a followers sync of a stored profile (`{profileId}`) or of a lookup. A lookup whose profile
 * is not stored yet starts a profile sync that chains the followers sync (`via: 'profile'`): the
 * provider needs the profile's id, and the edges need its row.
 */
export async function enqueueFollowersSync(deps: EnqueueDeps, req: { profileId: string } | { lookup: ProfileQuery }): Promise<EnqueuedRun> {
  if ('profileId' in req) return startOrAttach(deps, (tx) => startFollowersRun(deps.boss, deps.db, tx, req.profileId));
  for (let attempt = 0; attempt < 3; attempt++) {
    const known = await findProfile(deps.db, req.lookup);
    if (known) return startOrAttach(deps, (tx) => startFollowersRun(deps.boss, deps.db, tx, known.id));
    try {
      return { ...(await enqueueProfileSync(deps, { lookup: req.lookup, followers: true, unlessStored: true })), via: 'profile' };
    } catch (err) {
      if (!(err instanceof ProfileStoredMeanwhile)) throw err;
    }
  }
  throw new Error(`could not start the followers run of ${lookupKey(req.lookup)}`);
}

/** Thrown inside a start transaction to roll it back: the profile was stored by another process meanwhile. */
class ProfileStoredMeanwhile extends Error {}
