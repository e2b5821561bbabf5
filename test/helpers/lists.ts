// Stores a profile and completes its followers (and followings) lists once each through the fake
// provider and the real queue: the fixture of the analysis tests (test/cli/analytics.test.ts,
// test/http/analytics.test.ts).
import { expect } from 'vitest';
import { getJobCall } from '../../src/db/queries/job-calls.ts';
import type { FollowerRecord, ProfileRecord } from '../../src/providers/types.ts';
import { enqueueFollowersSync, enqueueFollowingsSync, enqueueProfileSync } from '../../src/sync/enqueue.ts';
import { type createFakeProvider, page } from './fake-provider.ts';
import type { SyncHarness } from './sync.ts';

/**
 * Syncs `record` and then, when given, one complete run of its followers list and of its followings
 * list (each one page). @returns the profile's row id
 */
export async function storeWithLists(
  h: SyncHarness,
  fake: ReturnType<typeof createFakeProvider>,
  record: ProfileRecord,
  followers: FollowerRecord[] | null,
  followings: FollowerRecord[] | null,
): Promise<string> {
  fake.addProfile(record);
  const p = await enqueueProfileSync(h.deps, { lookup: { username: record.username } });
  await h.drain();
  const id = (await getJobCall(h.deps.db, p.runId))!.subjectId!;
  if (followers) {
    fake.followersScript.push(page(followers));
    const f = await enqueueFollowersSync(h.deps, { profileId: id });
    await h.drain();
    expect((await getJobCall(h.deps.db, f.runId))!.status).toBe('succeeded');
  }
  if (followings) {
    fake.followingsScript.push(page(followings));
    const g = await enqueueFollowingsSync(h.deps, { profileId: id });
    await h.drain();
    expect((await getJobCall(h.deps.db, g.runId))!.status).toBe('succeeded');
  }
  return id;
}
