// The public entry to start syncs: creates the run (job_calls) and its first queue job in one
// transaction. Used by the CLI, run-schedule and the HTTP layer. Single flight: while a run of the
// same kind is active for the profile, starting another returns that run (`attached: true`), after
// resuming or closing it when nobody advances it (./recover-runs.ts); `restart` replaces it instead.
import type { PgBoss, SendOptions } from 'pg-boss';
import type { Database, Queryable } from '../db/database.ts';
import {
  abandonJobCall,
  finishJobCall,
  findActiveJobCall,
  getJobCall,
  insertJobCall,
  setJobCallQueueJob,
  type JobCallRow,
  type RunKind,
  type RunStatus,
} from '../db/queries/job-calls.ts';
import { findProfile, getProfile, type ProfileRow } from '../db/queries/profiles.ts';
import { failRunningServiceCalls } from '../db/queries/service-calls.ts';
import type { ProfileQuery } from '../providers/types.ts';
import type { QueueName, SyncFollowersJob, SyncProfileJob } from '../queue/jobs.ts';
import { FOLLOWERS, FOLLOWINGS, type ListSpec } from './lists.ts';
import { QUEUE_OF, type RecoveryDeps, recoverRunById } from './recover-runs.ts';

/** A run that was started, or the active one a start attached to. */
export interface EnqueuedRun {
  runId: string;
  kind: RunKind;
  status: RunStatus;
  /** True when an active run already existed and no new one was created. */
  attached: boolean;
  /** The queue job that advances the run now. */
  queueJobId: string | null;
  /** Set when a list sync had to start with a profile sync (profile not stored yet). */
  via?: 'profile';
  /** `--restart`: the run in progress that was closed to start this one. */
  restarted?: string;
}

/**
 * Database and queue, the two things starting a run needs, plus the resume window used on an
 * active run nobody advances (./recover-runs.ts; 24 hours when absent), the completeness gate's
 * count age (SM_COUNT_MAX_AGE_MINUTES, 15 when absent) and how long a private profile spares its
 * list requests (SM_PRIVATE_MAX_AGE_HOURS, 24 when absent).
 */
export interface EnqueueDeps {
  db: Database;
  boss: PgBoss;
  settings?: Partial<RecoveryDeps['settings'] & { countMaxAgeMinutes: number; privateMaxAgeHours: number }>;
}

function recoveryOf(deps: EnqueueDeps): RecoveryDeps {
  return { db: deps.db, boss: deps.boss, settings: { runResumeHours: deps.settings?.runResumeHours ?? 24 } };
}

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
 * Inside an open transaction: creates a pending run of `spec`'s list for `profileId` (with the
 * profile's count as the list's expected size, for the completeness gate) and its page-1 job, or
 * returns the active run of that list.
 */
export async function startListRun(
  boss: PgBoss,
  db: Database,
  tx: Queryable,
  spec: ListSpec,
  profileId: string,
  parentJobCallId: string | null = null,
): Promise<{ run: JobCallRow; attached: boolean }> {
  const profile = await getProfile(tx, profileId);
  const expectedItems = profile ? spec.expectedCount(profile) : null;
  const expectedItemsAt = profile && expectedItems !== null ? spec.expectedCountAt(profile) : null;
  for (let attempt = 0; attempt < 3; attempt++) {
    const run = await insertJobCall(tx, {
      kind: spec.list,
      subjectId: profileId,
      params: {},
      parentJobCallId,
      expectedItems,
      expectedItemsAt,
    });
    if (run) {
      const job: SyncFollowersJob = { jobCallId: run.id, page: 1, cursor: null, provider: null, parentServiceCallId: null };
      const jobId = await sendJob(boss, db, tx, spec.queue, job);
      await setJobCallQueueJob(tx, run.id, jobId);
      return { run: { ...run, queueJobId: jobId }, attached: false };
    }
    const active = await findActiveJobCall(tx, spec.list, profileId);
    if (active) return { run: active, attached: true };
  }
  throw new Error(`could not start or find the ${spec.noun} run of profile ${profileId}`);
}

/** {@link startListRun} of the followers list (sync-profile --followers chains it). */
export function startFollowersRun(
  boss: PgBoss,
  db: Database,
  tx: Queryable,
  profileId: string,
  parentJobCallId: string | null = null,
): Promise<{ run: JobCallRow; attached: boolean }> {
  return startListRun(boss, db, tx, FOLLOWERS, profileId, parentJobCallId);
}

/**
 * Resumes or closes the run `runId` when it is still active but the queue holds no live job for it
 * (./recover-runs.ts).
 * @returns true when the run was closed (abandoned)
 */
export async function closeRunIfOrphaned(deps: EnqueueDeps, runId: string): Promise<boolean> {
  return (await recoverRunById(recoveryOf(deps), runId)) === 'abandoned';
}

/** Runs `start` until it creates a run or attaches to a live one (resuming or closing an orphaned run in between). */
async function startOrAttach(
  deps: EnqueueDeps,
  start: (tx: Queryable) => Promise<{ run: JobCallRow; attached: boolean }>,
): Promise<EnqueuedRun> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const { run, attached } = await deps.db.transaction(start);
    if (!attached) return toEnqueued(run, false);
    const state = await recoverRunById(recoveryOf(deps), run.id);
    if (state !== 'abandoned' && state !== null) return toEnqueued((await getJobCall(deps.db, run.id)) ?? run, true);
  }
  throw new Error('could not start a run: an active run keeps reappearing');
}

/**
 * Starts a profile sync (one provider request), optionally chaining a followers or followings sync after success.
 * @param req.lookup `{username}` or `{id}` (the provider's user id, a decimal string)
 * @param req.unlessStored refuse (internal ProfileStoredMeanwhile) when the profile, absent at the
 *   start, was stored by a concurrent run before ours was inserted (followers syncs by lookup)
 * @returns the new run, or the active profile run for the same profile (attached)
 */
export async function enqueueProfileSync(
  deps: EnqueueDeps,
  req: { lookup: ProfileQuery; followers?: boolean; followings?: boolean; unlessStored?: boolean },
): Promise<EnqueuedRun> {
  const known = await findProfile(deps.db, req.lookup);
  const lookup = lookupKey(req.lookup);
  return startOrAttach(deps, async (tx) => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const params = { lookup, followers: req.followers === true, ...(req.followings ? { followings: true } : {}) };
      const run = await insertJobCall(tx, { kind: 'profile', subjectId: known?.id ?? null, params });
      // Another process's profile run committed the profile between our lookup and this insert:
      // roll back (no second profile request) and let the caller start from the stored profile.
      if (run && req.unlessStored && !known && (await findProfile(tx, req.lookup))) throw new ProfileStoredMeanwhile();
      if (run) {
        const job: SyncProfileJob = { jobCallId: run.id, lookup: req.lookup, followers: req.followers === true };
        if (req.followings) job.followings = true;
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
 * Inside an open transaction: closes the active run of `kind` for the profile (`--restart`): its
 * queue job is cancelled and it ends partial when it stored pages (nothing unfollowed), else failed.
 * @returns the closed run's id, or null when none was active
 */
async function closeActiveRun(deps: EnqueueDeps, tx: Queryable, kind: RunKind, profileId: string): Promise<string | null> {
  const active = await findActiveJobCall(tx, kind, profileId);
  if (!active) return null;
  if (active.queueJobId) await deps.boss.cancel(QUEUE_OF[kind], active.queueJobId, { db: deps.db.bossDb(tx) });
  await failRunningServiceCalls(tx, active.id, 'interrupted: the run was restarted');
  await abandonJobCall(tx, active.id, active.queueJobId, 'restarted: replaced by a new run (--restart)', 'restarted');
  return active.id;
}

/**
 * True when a profile sync found `profile` private less than SM_PRIVATE_MAX_AGE_HOURS ago: its lists
 * are not requested again (docs/history.md "Private and missing profiles").
 */
export function knownPrivate(profile: ProfileRow, privateMaxAgeHours: number, now = Date.now()): boolean {
  if (!profile.isPrivate || !profile.lastSyncedAt || privateMaxAgeHours <= 0) return false;
  return now - profile.lastSyncedAt.getTime() < privateMaxAgeHours * 3_600_000;
}

/**
 * True when the count a list run of `profile` would be checked against was read more than
 * SM_COUNT_MAX_AGE_MINUTES ago (or never): such a run could not mark unfollows.
 */
export function countIsStale(spec: ListSpec, profile: ProfileRow, countMaxAgeMinutes: number, now = Date.now()): boolean {
  const at = spec.expectedCountAt(profile);
  return spec.expectedCount(profile) === null || !at || now - at.getTime() > countMaxAgeMinutes * 60_000;
}

/**
 * Inside an open transaction: a list run of a profile known private ({@link knownPrivate}) that ends
 * at once, failed with outcome `private` (exit 9) and no provider request, unless a run of that
 * list is already active (returned to attach to).
 */
async function endKnownPrivate(tx: Queryable, spec: ListSpec, profile: ProfileRow): Promise<{ run: JobCallRow; attached: boolean }> {
  const run = await insertJobCall(tx, { kind: spec.list, subjectId: profile.id, params: { requested: false } });
  if (!run) {
    const active = await findActiveJobCall(tx, spec.list, profile.id);
    if (active) return { run: active, attached: true };
    throw new Error(`could not start or find the ${spec.noun} run of profile ${profile.id}`);
  }
  const since = profile.lastSyncedAt!.toISOString();
  const reason =
    `@${profile.username} is private (profile sync ${since}): its ${spec.noun} were not requested ` +
    '(SM_PRIVATE_MAX_AGE_HOURS; sync the profile again to check)';
  await finishJobCall(tx, run.id, { status: 'failed', outcome: 'private', errorMessage: reason, summary: { requested: false } });
  return { run: (await getJobCall(tx, run.id)) ?? run, attached: false };
}

/**
 * Starts (or attaches to) the `spec` run of a stored profile; `restart` closes the active one first.
 * A profile known private ends its run at once with no request ({@link endKnownPrivate}).
 */
async function startStored(deps: EnqueueDeps, spec: ListSpec, profileId: string, restart: boolean): Promise<EnqueuedRun> {
  let restarted: string | null = null;
  const privateHours = deps.settings?.privateMaxAgeHours ?? 24;
  const started = await startOrAttach(deps, async (tx) => {
    if (restart) restarted = (await closeActiveRun(deps, tx, spec.list, profileId)) ?? restarted;
    const profile = await getProfile(tx, profileId);
    if (profile && knownPrivate(profile, privateHours)) return endKnownPrivate(tx, spec, profile);
    return startListRun(deps.boss, deps.db, tx, spec, profileId);
  });
  return restarted ? { ...started, restarted } : started;
}

/**
 * Refreshes the profile before its list (`refreshCount`): a profile run by id that chains the list
 * run, so the count is read in the same run (one more request). A `restart` closes the active run
 * of the list first.
 */
async function startViaProfile(deps: EnqueueDeps, spec: ListSpec, profile: ProfileRow, restart: boolean): Promise<EnqueuedRun> {
  const restarted = restart ? await deps.db.transaction((tx) => closeActiveRun(deps, tx, spec.list, profile.id)) : null;
  const chain = spec.list === 'followers' ? { followers: true } : { followings: true };
  const started = await enqueueProfileSync(deps, { lookup: { id: profile.extId }, ...chain });
  return { ...started, via: 'profile', ...(restarted ? { restarted } : {}) };
}

/**
 * Starts a list sync (followers or followings) of a stored profile (`{profileId}`) or of a lookup.
 * A lookup whose profile is not stored yet starts a profile sync that chains the list sync
 * (`via: 'profile'`): the provider needs the profile's id, and the edges need its row. With
 * `restart`, an active run of that list is closed first and a new one starts at page 1; otherwise an
 * active run is attached to (and resumed when nobody advances it).
 * With `refreshCount`, a stored profile whose count is stale ({@link countIsStale}) and that has no
 * active run of the list is synced first, chaining the list run (one more request; the run can then
 * mark unfollows). Without it such a run records new accounts but marks nobody unfollowed.
 */
export async function enqueueListSync(
  deps: EnqueueDeps,
  spec: ListSpec,
  req: ({ profileId: string } | { lookup: ProfileQuery }) & { restart?: boolean; refreshCount?: boolean },
): Promise<EnqueuedRun> {
  const restart = req.restart === true;
  const stored = async (profile: ProfileRow | null, id: string): Promise<EnqueuedRun> => {
    const maxAge = deps.settings?.countMaxAgeMinutes ?? 15;
    if (
      profile &&
      req.refreshCount &&
      !knownPrivate(profile, deps.settings?.privateMaxAgeHours ?? 24) &&
      countIsStale(spec, profile, maxAge) &&
      (restart || !(await findActiveJobCall(deps.db, spec.list, profile.id)))
    ) {
      return startViaProfile(deps, spec, profile, restart);
    }
    return startStored(deps, spec, id, restart);
  };
  if ('profileId' in req) return stored(await getProfile(deps.db, req.profileId), req.profileId);
  const chain = spec.list === 'followers' ? { followers: true } : { followings: true };
  for (let attempt = 0; attempt < 3; attempt++) {
    const known = await findProfile(deps.db, req.lookup);
    if (known) return stored(known, known.id);
    try {
      return { ...(await enqueueProfileSync(deps, { lookup: req.lookup, ...chain, unlessStored: true })), via: 'profile' };
    } catch (err) {
      if (!(err instanceof ProfileStoredMeanwhile)) throw err;
    }
  }
  throw new Error(`could not start the ${spec.noun} run of ${lookupKey(req.lookup)}`);
}

/** {@link enqueueListSync} of the followers list. */
export function enqueueFollowersSync(
  deps: EnqueueDeps,
  req: ({ profileId: string } | { lookup: ProfileQuery }) & { restart?: boolean; refreshCount?: boolean },
): Promise<EnqueuedRun> {
  return enqueueListSync(deps, FOLLOWERS, req);
}

/** {@link enqueueListSync} of the followings list. */
export function enqueueFollowingsSync(
  deps: EnqueueDeps,
  req: ({ profileId: string } | { lookup: ProfileQuery }) & { restart?: boolean; refreshCount?: boolean },
): Promise<EnqueuedRun> {
  return enqueueListSync(deps, FOLLOWINGS, req);
}

/** Thrown inside a start transaction to roll it back: the profile was stored by another process meanwhile. */
class ProfileStoredMeanwhile extends Error {}
