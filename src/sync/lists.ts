// The two lists a profile has: its followers (accounts that follow it) and its followings (accounts
// it follows). Both are synced the same way, page by page (src/sync/sync-followers.ts); this table
// says what differs: the queue, the provider call, the edge table and the count the list is
// checked against.
import type { EdgeList } from '../db/queries/edges.ts';
import type { ProfileRow } from '../db/queries/profiles.ts';
import type { CallResult, FollowersPage, Provider } from '../providers/types.ts';
import type { QueueName } from '../queue/jobs.ts';

/** What a list sync needs to know about its list. */
export interface ListSpec {
  /** Run kind (job_calls.kind) and edge list: `followers` or `followings`. */
  list: EdgeList;
  /** Queue whose jobs are this list's pages (one job = one page = one provider request). */
  queue: QueueName;
  /** service_calls.kind of a page request. */
  callKind: 'followers_page' | 'followings_page';
  /** Plural noun for messages ("followers", "followings"). */
  noun: string;
  /** The provider request for one page. @throws ProviderError; Error when the provider cannot list it */
  fetchPage(
    provider: Provider,
    extId: string,
    cursor: string | null,
    pageSize: number,
    signal?: AbortSignal,
  ): Promise<CallResult<FollowersPage>>;
  /** The count the list is checked against (completeness gate): the profile's count at the run's start. */
  expectedCount(profile: ProfileRow): number | null;
  /** When that count was read from the provider (null: never); the gate needs it fresh (SM_COUNT_MAX_AGE_MINUTES). */
  expectedCountAt(profile: ProfileRow): Date | null;
}

/** A profile's followers: subscriptions (follower_id FOLLOWS social_profile_id). */
export const FOLLOWERS: ListSpec = {
  list: 'followers',
  queue: 'sync-followers',
  callKind: 'followers_page',
  noun: 'followers',
  fetchPage: (provider, extId, cursor, pageSize, signal) => provider.getFollowersPage(extId, cursor, pageSize, signal),
  expectedCount: (p) => p.followersCount,
  expectedCountAt: (p) => p.followersCountAt,
};

/** A profile's followings: followings (social_profile_id FOLLOWS followed_id). RocketAPI get_following (PROVIDERS.md §1.3). */
export const FOLLOWINGS: ListSpec = {
  list: 'followings',
  queue: 'sync-followings',
  callKind: 'followings_page',
  noun: 'followings',
  fetchPage: (provider, extId, cursor, pageSize, signal) => {
    if (!provider.getFollowingsPage) throw new Error(`provider "${provider.name}" cannot list followings`);
    return provider.getFollowingsPage(extId, cursor, pageSize, signal);
  },
  expectedCount: (p) => p.followsCount,
  expectedCountAt: (p) => p.followsCountAt,
};

/** The spec of a list by its name. */
export function listSpec(list: EdgeList): ListSpec {
  return list === 'followers' ? FOLLOWERS : FOLLOWINGS;
}
