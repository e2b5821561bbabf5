// A profile run: one queue job, one provider request, one service_call; the profile upserted by
// (platform, ext_id). With `followers`, the followers run is started in the same transaction.
import { retryingTransaction } from '../db/connection-loss.ts';
import { finishJobCall } from '../db/queries/job-calls.ts';
import { insertProfileSnapshot } from '../db/queries/profile-snapshots.ts';
import { upsertProfile } from '../db/queries/profiles.ts';
import { callSummary, insertFailedOverCalls, startServiceCall, succeedServiceCall } from '../db/queries/service-calls.ts';
import { withAttemptGuard } from '../providers/attempt-guard.ts';
import type { CallResult, ProfileResult } from '../providers/types.ts';
import { syncProfileJobSchema } from '../queue/jobs.ts';
import type { JobAttemptInfo, SyncDeps } from './deps.ts';
import { engagementRate } from './engagement.ts';
import { startFollowersRun, startListRun } from './enqueue.ts';
import { FOLLOWINGS } from './lists.ts';
import { JobNotOwned, leaveLostRequest, requestGuard } from './request-guard.ts';
import {
  beginStep,
  completeJob,
  completeJobIn,
  handleRequestFailure,
  isCommittedElsewhere,
  isStepResult,
  type StepResult,
} from './step.ts';

const QUEUE = 'sync-profile';

/**
 * Processes one `sync-profile` job. On success the run ends succeeded with the profile as its
 * subject; its summary names the chained followers run (`followers_job_call_id`), or says why none
 * was started (`followers: 'skipped_private'`: a private profile's list cannot be read, and every
 * request costs money).
 * @throws to let pg-boss retry the job (retryable provider errors while attempts remain)
 */
export async function syncProfile(deps: SyncDeps, job: JobAttemptInfo, signal?: AbortSignal): Promise<StepResult> {
  const data = syncProfileJobSchema.parse(job.data);
  const run = await beginStep(deps, QUEUE, job, data.jobCallId);
  if (isStepResult(run)) return run;
  const provider = deps.providers.primary;
  const serviceCallId = await startServiceCall(deps.db, {
    jobCallId: run.id,
    parentServiceCallId: null,
    kind: 'profile',
    provider: provider.name,
    sent: null,
    queueJobId: job.id,
  });
  let result: CallResult<ProfileResult>;
  try {
    result = await withAttemptGuard(requestGuard(deps, QUEUE, job, serviceCallId), () => provider.getProfile(data.lookup, signal));
  } catch (err) {
    if (err instanceof JobNotOwned) return leaveLostRequest(deps, job, run.id, serviceCallId, err);
    return handleRequestFailure(deps, {
      queue: QUEUE,
      job,
      run,
      serviceCallId,
      kind: 'profile',
      parentServiceCallId: null,
      sent: null,
      err,
      profileId: run.subjectId,
      lookup: data.lookup,
    });
  }
  try {
    // A lost connection rolls the profile back: commit it again rather than pay for the request again.
    return await retryingTransaction(deps.db, { what: 'profile commit', logger: deps.logger }, async (tx) => {
      const record = result.data.profile;
      const profile = await upsertProfile(tx, record, run.id);
      const er = engagementRate(record.recentPosts, record.followersCount ?? profile.followersCount);
      await insertProfileSnapshot(tx, {
        profileId: profile.id,
        jobCallId: run.id,
        followersCount: record.followersCount,
        followsCount: record.followsCount,
        postsCount: record.postsCount,
        isPrivate: record.isPrivate,
        engagementRate: er.rate,
        engagementFormula: er.formula,
        engagementPosts: er.posts,
      });
      await insertFailedOverCalls(tx, {
        jobCallId: run.id,
        parentServiceCallId: null,
        kind: 'profile',
        sent: null,
        calls: result.call.failedOver ?? [],
      });
      await succeedServiceCall(
        tx,
        serviceCallId,
        { received: null, call: result.call },
        {
          items: 1,
          sanitized: result.data.sanitized,
          ...(result.data.coerced ? { coerced: result.data.coerced } : {}),
          ...callSummary(result.call),
        },
      );
      const summary: Record<string, unknown> = { profile_id: profile.id, ext_id: profile.extId, username: profile.username };
      if (data.followers && profile.isPrivate) summary.followers = 'skipped_private';
      else if (data.followers) {
        const child = await startFollowersRun(deps.boss, deps.db, tx, profile.id, run.id);
        summary.followers_job_call_id = child.run.id;
        if (child.attached) summary.followers_attached = true;
      }
      if (data.followings && profile.isPrivate) summary.followings = 'skipped_private';
      else if (data.followings) {
        const child = await startListRun(deps.boss, deps.db, tx, FOLLOWINGS, profile.id, run.id);
        summary.followings_job_call_id = child.run.id;
      }
      await finishJobCall(tx, run.id, {
        status: 'succeeded',
        outcome: 'complete',
        subjectId: profile.id,
        summary,
        addPage: true,
        sanitized: result.data.sanitized,
        coerced: result.data.coerced ?? 0,
      });
      await completeJobIn(deps, tx, QUEUE, job, null);
      return { runId: run.id, ended: true, status: 'succeeded' as const };
    });
  } catch (err) {
    if (isCommittedElsewhere(err)) return completeJob(deps, QUEUE, job, run.id, 'profile committed by another attempt');
    throw err;
  }
}
