// Data for the web page tests: real runs through the sync steps (fake provider, real Postgres and
// pg-boss), then snapshot times and counts set to known values so the chart can be checked point by
// point. Provider text is hostile on purpose: <script> in names and bios, an RTL override, emoji.
import { getJobCall } from '../../src/db/queries/job-calls.ts';
import { enqueueFollowersSync, enqueueProfileSync } from '../../src/sync/enqueue.ts';
import { createFakeProvider, follower, page, profile } from '../helpers/fake-provider.ts';
import { createSyncHarness, type SyncHarness } from '../helpers/sync.ts';

/** The blogger whose page the tests open. */
export const GROWTH = {
  extId: '9600000001',
  username: 'growth.blogger',
  fullName: '<script>window.__pwned = 1</script> Growth \u202Eevil\u202C 🎉',
  bio: 'Line one <img src=x onerror="window.__pwned = 2">\nمرحبا 👋',
};

/** Snapshots after the fixture, oldest first: the chart must show exactly these. */
export const SNAPSHOTS: Array<{ at: string; followers: number }> = [
  { at: '2026-10-01T08:00:00.000Z', followers: 1000 },
  { at: '2026-10-15T08:00:00.000Z', followers: 1250 },
  { at: '2026-11-01T08:00:00.000Z', followers: 1180 },
  { at: '2026-11-20T08:00:00.000Z', followers: 1420 },
];

/** Followers: run 1 sees A, B, C (baseline); run 2 sees A, C, D (D new, B lost). */
export const A = follower('9600000101', 'anna.first', { fullName: 'Anna 🌸' });
export const B = follower('9600000102', 'bob.leaves', { fullName: '\u202Egnol\u202C Bob' });
export const C = follower('9600000103', 'cleo.stays', { fullName: null });
export const D = follower('9600000104', 'dan.arrives', { fullName: '<b>Dan</b> & "friends"' });

/** What the fixture made. */
export interface PageFixture {
  h: SyncHarness;
  profileId: string;
  /** Followers runs: the baseline and the one with one new and one lost follower. */
  baselineRun: string;
  changeRun: string;
  close(): Promise<void>;
}

/** Builds the data in a fresh test database. */
export async function createPageFixture(): Promise<PageFixture> {
  const fake = createFakeProvider('fake');
  const h = await createSyncHarness(fake.asSet());
  const syncProfile = async () => {
    const r = await enqueueProfileSync(h.deps, { lookup: { username: GROWTH.username } });
    await h.drain();
    return (await getJobCall(h.deps.db, r.runId))!.subjectId!;
  };
  const syncFollowers = async (profileId: string) => {
    const r = await enqueueFollowersSync(h.deps, { profileId });
    await h.drain();
    return r.runId;
  };
  fake.addProfile(profile(GROWTH.extId, GROWTH.username, { fullName: GROWTH.fullName, bio: GROWTH.bio, followersCount: 3 }));
  const profileId = await syncProfile();
  // Two pages, so the run page shows a chain of calls with a cursor.
  fake.followersScript.push(page([A, B], 'cursor-page-2'), page([C]));
  const baselineRun = await syncFollowers(profileId);
  fake.followersScript.push(page([A, C, D]));
  const changeRun = await syncFollowers(profileId);
  for (let i = 1; i < SNAPSHOTS.length; i++) await syncProfile();
  const ids = await h.tdb.pool.query<{ id: string }>('SELECT id::text FROM profile_snapshots WHERE social_profile_id = $1 ORDER BY id', [
    profileId,
  ]);
  if (ids.rows.length !== SNAPSHOTS.length) throw new Error(`expected ${SNAPSHOTS.length} snapshots, got ${ids.rows.length}`);
  for (const [i, row] of ids.rows.entries()) {
    await h.tdb.pool.query('UPDATE profile_snapshots SET captured_at = $2, followers_count = $3 WHERE id = $1', [
      row.id,
      SNAPSHOTS[i]!.at,
      SNAPSHOTS[i]!.followers,
    ]);
  }
  await h.tdb.pool.query('UPDATE social_profiles SET followers_count = $2 WHERE id = $1', [profileId, SNAPSHOTS.at(-1)!.followers]);
  // Neighbours for the search: their handles start like the blogger's.
  for (const [extId, username, followersCount] of [
    ['9600000002', 'growth.daily', 52_000],
    ['9600000003', 'growthhacker', 870],
  ] as const) {
    fake.addProfile(profile(extId, username, { fullName: `Neighbour ${username}`, followersCount }));
    const r = await enqueueProfileSync(h.deps, { lookup: { username } });
    await h.drain();
    if ((await getJobCall(h.deps.db, r.runId))?.status !== 'succeeded') throw new Error(`profile sync of ${username} failed`);
  }
  return { h, profileId, baselineRun, changeRun, close: () => h.close() };
}
