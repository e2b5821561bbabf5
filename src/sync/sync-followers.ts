// One page of a followers (or followings) run = one queue job = one provider request = one
// service_call. The page's rows, its service_call, the run's progress, the next page's job and this
// job's completion commit in ONE transaction: a crash neither loses nor repeats a committed page.
// The last page applies the completeness gate (./completeness.ts). ./lists.ts says what differs
// between the two lists.
import { retryingTransaction } from '../db/connection-loss.ts';
import type { Queryable } from '../db/database.ts';
import { upsertEdges } from '../db/queries/edges.ts';
import { dedupeByExtId, upsertFollowers } from '../db/queries/followers.ts';
import { beginRequest, finishJobCall, type RunForRequest, recordPage } from '../db/queries/job-calls.ts';
import { insertQuarantined } from '../db/queries/quarantined-records.ts';
import {
  callSummary,
  cursorSeenInRun,
  failServiceCall,
  insertFailedOverCalls,
  type NewServiceCall,
  startServiceCall,
  succeedServiceCall,
} from '../db/queries/service-calls.ts';
import { withAttemptGuard } from '../providers/attempt-guard.ts';
import type { CallResult, FollowersPage } from '../providers/types.ts';
import { syncFollowersJobSchema, type SyncFollowersJob } from '../queue/jobs.ts';
import { finishListRun, judgeUnreadableList } from './completeness.ts';
import type { JobAttemptInfo, SyncDeps } from './deps.ts';
import { sendJob } from './enqueue.ts';
import { FOLLOWERS, type ListSpec } from './lists.ts';
import { decideNextPage, normaliseCursor } from './pagination.ts';
import { ProviderNotConfigured, switchProviderIfDown } from './provider-switch.ts';
import { JobNotOwned, leaveLostRequest, requestGuard } from './request-guard.ts';
import {
  beginStep,
  claimNextIn,
  completeJob,
  completeJobIn,
  handleRequestFailure,
  isCommittedElsewhere,
  isStepResult,
  type StepResult,
} from './step.ts';

/**
 * Processes one `sync-followers` job (one page). A redelivered job whose page already committed,
 * or a job of a run that already ended, is a no-op.
 * @returns what happened to the run
 * @throws to let pg-boss retry the job (retryable provider errors while attempts remain)
 */
export function syncFollowersPage(deps: SyncDeps, job: JobAttemptInfo, signal?: AbortSignal): Promise<StepResult> {
  return syncListPage(FOLLOWERS, deps, job, signal);
}

/**
 * Processes one page job of `spec`'s list (see {@link syncFollowersPage}). A job that no longer
 * advances its run (the run ended, or a resume or --restart replaced the job) makes no request,
 * and a page whose job was replaced while its request was in flight is not stored.
 */
export async function syncListPage(spec: ListSpec, deps: SyncDeps, job: JobAttemptInfo, signal?: AbortSignal): Promise<StepResult> {
  const QUEUE = spec.queue;
  const data = syncFollowersJobSchema.parse(job.data);
  // A job claimed in the previous page's commit arrives begun: no database round trip before its request.
  const run = job.begun?.run ?? (await beginStep(deps, QUEUE, job, data.jobCallId));
  if (isStepResult(run)) return run;
  const providerName = data.provider ?? deps.providers.primary.name;
  // Page 1 has no cursor yet: the fallback chain (`primary`) serves it, and the provider that answers
  // owns the cursor. Later pages go only to the provider that issued their cursor (issue 3 §2, §3).
  const provider = data.provider === null ? deps.providers.primary : deps.providers.byName(data.provider);
  const serviceCallId = job.begun?.serviceCallId ?? (await startServiceCall(deps.db, pageCall(spec, run.id, data, providerName, job.id)));
  let result: CallResult<FollowersPage>;
  try {
    if (!run.subjectExtId) throw new Error(`run ${run.id} has no stored profile to read followers of`);
    if (!provider) throw new ProviderNotConfigured(providerName);
    const subject = run.subjectExtId;
    result = await withAttemptGuard(requestGuard(deps, QUEUE, job, serviceCallId), () =>
      spec.fetchPage(provider, subject, data.cursor, deps.settings.followersPageSize, signal),
    );
  } catch (err) {
    if (err instanceof JobNotOwned) return leaveLostRequest(deps, job, run.id, serviceCallId, err);
    const pinned = await switchProviderIfDown(deps, { spec, job, data, run, serviceCallId, err });
    if (isStepResult(pinned)) return pinned;
    return handleRequestFailure(deps, {
      ...pinned,
      queue: QUEUE,
      job,
      run,
      serviceCallId,
      kind: spec.callKind,
      parentServiceCallId: data.parentServiceCallId,
      sent: data.cursor,
      err,
      profileId: run.subjectId,
      username: run.subjectUsername ?? undefined,
    });
  }
  try {
    return await commitPage(spec, deps, job, data, run, serviceCallId, result);
  } catch (err) {
    if (isCommittedElsewhere(err)) return completeJob(deps, QUEUE, job, run.id, 'page committed by another attempt');
    if (err instanceof Superseded) {
      // The page's transaction rolled back: nothing of it is stored (a closed or replaced run must
      // never mark edges seen after a newer run started).
      return deps.db.transaction(async (tx) => {
        await failServiceCall(tx, serviceCallId, 'superseded: the run ended or moved to another job while this request was in flight', {
          items: result.data.users.length,
        });
        await completeJobIn(deps, tx, QUEUE, job, { superseded: true });
        return { runId: run.id, ended: false, status: run.status, noop: true, note: 'superseded' };
      });
    }
    throw err;
  }
}

/** SM_COUNT_MAX_AGE_MINUTES's default, for deps built without it (tests). */
const DEFAULT_COUNT_MAX_AGE_MINUTES = 15;

/** The run no longer belongs to this job (ended, resumed with a new job, or restarted). */
class Superseded extends Error {}

async function commitPage(
  spec: ListSpec,
  deps: SyncDeps,
  job: JobAttemptInfo,
  data: SyncFollowersJob,
  run: RunForRequest,
  serviceCallId: string,
  result: CallResult<FollowersPage>,
): Promise<StepResult> {
  const page = result.data;
  const provider = result.call.provider;
  const users = dedupeByExtId(page.users);
  const QUEUE = spec.queue;
  // A lost connection rolls the page back: commit it again rather than pay for the request again.
  return retryingTransaction(deps.db, { what: 'page commit', logger: deps.logger }, async (tx) => {
    await upsertFollowers(tx, users, run.id);
    const edges = await upsertEdges(tx, spec.list, {
      profileId: run.subjectId!,
      platform: run.subjectPlatform ?? 'instagram',
      extIds: users.map((u) => u.extId),
      jobCallId: run.id,
      passStartedAt: run.listRestartedAt,
    });
    await insertQuarantined(tx, { jobCallId: run.id, serviceCallId, kind: 'follower', records: page.quarantined });
    const nextCursor = normaliseCursor(page.nextCursor);
    const decision = decideNextPage({
      page: data.page,
      users: users.length,
      // After a provider switch the new pass re-reads accounts the run saw: the guards count per pass.
      newInRun: edges.newInPass,
      nextCursor,
      hasMore: page.hasMore,
      limited: page.limited,
      cursorSeen:
        nextCursor !== null && (nextCursor === data.cursor || (await cursorSeenInRun(tx, run.id, nextCursor, run.listRestartedAt))),
      stallStreak: run.stallStreak,
      emptyStreak: run.emptyStreak,
      maxPages: deps.settings.maxPages,
    });
    await insertFailedOverCalls(tx, {
      jobCallId: run.id,
      parentServiceCallId: data.parentServiceCallId,
      kind: spec.callKind,
      sent: data.cursor,
      calls: result.call.failedOver ?? [],
    });
    await succeedServiceCall(
      tx,
      serviceCallId,
      { received: page.nextCursor, call: result.call },
      {
        items: page.users.length,
        new_items: edges.newEdges,
        quarantined: page.quarantined.length,
        sanitized: page.sanitized,
        ...(page.coerced ? { coerced: page.coerced } : {}),
        ...callSummary(result.call),
        ...(page.hasMore !== null ? { has_more: page.hasMore } : {}),
        ...(page.limited ? { limited: true } : {}),
      },
    );
    let nextJobId: string | null = null;
    if (decision.next === 'continue') {
      const next: SyncFollowersJob = {
        jobCallId: run.id,
        page: data.page + 1,
        cursor: decision.cursor,
        provider,
        parentServiceCallId: serviceCallId,
      };
      nextJobId = await sendJob(deps.boss, deps.db, tx, QUEUE, next);
    }
    const progress = await recordPage(tx, run.id, {
      provider,
      cursor: decision.next === 'continue' ? decision.cursor : null,
      newInRun: edges.newInRun,
      newEdges: edges.newEdges,
      gained: edges.gained,
      quarantined: page.quarantined.length,
      sanitized: page.sanitized,
      coerced: page.coerced ?? 0,
      stallStreak: decision.stallStreak,
      emptyStreak: decision.emptyStreak,
      queueJobId: nextJobId,
      fromJobId: job.id,
    });
    if (!progress) throw new Superseded();
    const profile = { id: run.subjectId!, platform: run.subjectPlatform ?? 'instagram' };
    const unreadable = judgeUnreadableList({
      page: data.page,
      users: users.length,
      quarantined: page.quarantined.length,
      seenInRun: progress.itemsSeen + progress.quarantined,
      ended: decision,
      isPrivate: run.subjectPrivate,
      expected: progress.expectedItems,
      noun: spec.noun,
    });
    let end: { status: 'succeeded' | 'partial' | 'failed'; reason: string | null } | null = null;
    if (unreadable) {
      // Private or restricted: one request, nothing changed, its own outcome (exit 9).
      await finishJobCall(tx, run.id, {
        status: 'failed',
        outcome: unreadable.outcome,
        errorMessage: unreadable.reason,
        summary: { completeness: unreadable.outcome },
      });
      end = { status: 'failed', reason: unreadable.reason };
    } else if (decision.next === 'end') {
      end = await finishListRun(tx, spec.list, progress, profile, decision, {
        minShare: deps.settings.completenessMinShare,
        countMaxAgeMinutes: deps.settings.countMaxAgeMinutes ?? DEFAULT_COUNT_MAX_AGE_MINUTES,
      });
    }
    await completeJobIn(deps, tx, QUEUE, job, null);
    deps.logger.debug(
      { run: run.id, page: data.page, users: users.length, new: edges.newInRun, next: decision.next },
      `${spec.noun} page committed`,
    );
    if (end) return { runId: run.id, ended: true, status: end.status, note: end.reason ?? 'last page' };
    const next = await claimNextIn(deps, tx, QUEUE);
    if (next) await beginClaimed(spec, deps, tx, next.job, run.id);
    return { runId: run.id, ended: false, status: progress.status, ...(next ? { next } : {}) };
  });
}

/** The service_call of a page request. */
function pageCall(spec: ListSpec, runId: string, data: SyncFollowersJob, provider: string, queueJobId: string): NewServiceCall {
  return {
    jobCallId: runId,
    parentServiceCallId: data.parentServiceCallId,
    kind: spec.callKind,
    provider,
    sent: data.cursor,
    queueJobId,
  };
}

/**
 * When the job claimed in this commit is this run's next page, begins its request in the same
 * transaction (run counters, its service_call), so the worker sends it right after COMMIT.
 */
async function beginClaimed(spec: ListSpec, deps: SyncDeps, tx: Queryable, claimed: JobAttemptInfo, runId: string): Promise<void> {
  const parsed = syncFollowersJobSchema.safeParse(claimed.data);
  if (!parsed.success || parsed.data.jobCallId !== runId) return;
  const run = await beginRequest(tx, runId, claimed.id);
  if (!run) return;
  const providerName = parsed.data.provider ?? deps.providers.primary.name;
  claimed.begun = { run, serviceCallId: await startServiceCall(tx, pageCall(spec, run.id, parsed.data, providerName, claimed.id)) };
}
