// One page of a followings run (the accounts a profile follows: RocketAPI get_following,
// PROVIDERS.md §1.3) = one queue job = one provider request. Same page step, loop guards,
// completeness gate and history as followers (./sync-followers.ts); edges go to `followings`
// (social_profile_id FOLLOWS followed_id), never to `subscriptions`.
import type { JobAttemptInfo, SyncDeps } from './deps.ts';
import { FOLLOWINGS } from './lists.ts';
import type { StepResult } from './step.ts';
import { syncListPage } from './sync-followers.ts';

/**
 * Processes one `sync-followings` job (one page). See syncFollowersPage for redelivery and fencing.
 * @throws to let pg-boss retry the job (retryable provider errors while attempts remain)
 */
export function syncFollowingsPage(deps: SyncDeps, job: JobAttemptInfo, signal?: AbortSignal): Promise<StepResult> {
  return syncListPage(FOLLOWINGS, deps, job, signal);
}
