// Profile runs through real pg-boss on a real Postgres: upsert by (platform, ext_id), the chained
// followers run, and what provider errors do to the run (PROVIDER_ERROR_POLICY).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getJobCall, listChildJobCalls } from '../../src/db/queries/job-calls.ts';
import { listServiceCalls } from '../../src/db/queries/service-calls.ts';
import { EXIT, ProviderError } from '../../src/errors.ts';
import { enqueueProfileSync } from '../../src/sync/enqueue.ts';
import { exitCodeForRun } from '../../src/sync/outcome.ts';
import { createFakeProvider, follower, page, profile } from '../helpers/fake-provider.ts';
import { createSyncHarness, queuedJobs, rows, type SyncHarness } from '../helpers/sync.ts';

const fake = createFakeProvider('fake');
let h: SyncHarness;

beforeAll(async () => {
  h = await createSyncHarness(fake.asSet());
});
afterAll(async () => {
  await h.close();
});
beforeEach(() => {
  fake.followersScript.length = 0;
  fake.followersCalls.length = 0;
  fake.profileCalls.length = 0;
});

async function syncProfile(lookup: { username: string } | { id: string }, followers = false) {
  const r = await enqueueProfileSync(h.deps, { lookup, followers });
  expect(r).toMatchObject({ kind: 'profile', status: 'pending', attached: false });
  await h.drain();
  return (await getJobCall(h.deps.db, r.runId))!;
}

describe('sync-profile', () => {
  it('upserts the profile by (platform, ext_id) with counts, raw payload and last_synced_at; one request, one service_call', async () => {
    fake.addProfile(
      profile('17841401234567891', 'big.id', {
        followersCount: 1_234_567,
        followsCount: 321,
        postsCount: 89,
        raw: { id: '17841401234567891', n: 1 },
      }),
    );
    const run = await syncProfile({ username: 'Big.Id' });
    expect(run).toMatchObject({ kind: 'profile', status: 'succeeded', outcome: 'complete', pages: 1, requests: 1, errorMessage: null });
    expect(run.startedAt).toBeInstanceOf(Date);
    expect(run.finishedAt).toBeInstanceOf(Date);
    const [p] = await rows(
      h,
      'SELECT id::text, ext_id, username, followers_count, follows_count, posts_count, raw_data, last_synced_at IS NOT NULL AS synced FROM social_profiles WHERE ext_id = $1',
      ['17841401234567891'],
    );
    expect(p).toMatchObject({
      ext_id: '17841401234567891',
      username: 'big.id',
      followers_count: '1234567',
      follows_count: '321',
      posts_count: '89',
      raw_data: { id: '17841401234567891', n: 1 },
      synced: true,
    });
    expect(run.subjectId).toBe(p!.id);
    const calls = await listServiceCalls(h.deps.db, run.id);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ kind: 'profile', status: 'succeeded', cursor: { provider: 'fake', sent: null, received: null } });
    expect(calls[0]!.resultSummary).toMatchObject({ items: 1, http_status: 200, latency_ms: 1, endpoint: 'instagram/user/get_info' });
    // A second sync (by id) updates the same row, renamed.
    fake.addProfile(profile('17841401234567891', 'big.id.renamed', { followersCount: 1_234_568 }));
    const again = await syncProfile({ id: '17841401234567891' });
    expect(again.subjectId).toBe(p!.id);
    expect(await rows(h, 'SELECT username, followers_count FROM social_profiles WHERE ext_id = $1', ['17841401234567891'])).toEqual([
      { username: 'big.id.renamed', followers_count: '1234568' },
    ]);
  });

  it('--followers chains the followers run after success', async () => {
    fake.addProfile(profile('8000001', 'chain.me', { followersCount: 3 }));
    fake.followersScript.push(page([follower('1'), follower('2')], 'c1'), page([follower('3')]));
    const run = await syncProfile({ username: 'chain.me' }, true);
    const [child] = await listChildJobCalls(h.deps.db, run.id);
    expect(run.summary).toMatchObject({ followers_job_call_id: child!.id, username: 'chain.me' });
    expect(child).toMatchObject({ kind: 'followers', status: 'succeeded', subjectId: run.subjectId, pages: 2, itemsSeen: 3 });
  });

  it('a private profile is stored; its followers are not requested (skipped_private)', async () => {
    fake.addProfile(profile('8000002', 'quiet.gardener', { isPrivate: true }));
    const run = await syncProfile({ username: 'quiet.gardener' }, true);
    expect(run).toMatchObject({ status: 'succeeded', summary: { followers: 'skipped_private' } });
    expect(fake.followersCalls).toHaveLength(0);
    expect(await listChildJobCalls(h.deps.db, run.id)).toEqual([]);
    expect(await rows(h, 'SELECT is_private FROM social_profiles WHERE ext_id = $1', ['8000002'])).toEqual([{ is_private: true }]);
  });

  it('not found by id: the run fails at once (no retry) and the stored profile is marked not found', async () => {
    fake.addProfile(profile('8000003', 'gone.soon'));
    await syncProfile({ username: 'gone.soon' });
    fake.profiles.set('id:8000003', new ProviderError('not_found', 'fake', 'user not found', { httpStatus: 404 }));
    fake.profileCalls.length = 0;
    const run = await syncProfile({ id: '8000003' });
    expect(run).toMatchObject({
      status: 'failed',
      outcome: 'not_found',
      requests: 1,
      errorMessage: 'id 8000003 was not found (fake: user not found)',
    });
    expect(exitCodeForRun(run)).toBe(EXIT.notFound);
    expect(fake.profileCalls).toHaveLength(1);
    expect(await rows(h, 'SELECT not_found_at IS NOT NULL AS gone FROM social_profiles WHERE ext_id = $1', ['8000003'])).toEqual([
      { gone: true },
    ]);
    const calls = await listServiceCalls(h.deps.db, run.id);
    expect(calls.map((c) => [c.status, c.resultSummary.error_kind, c.resultSummary.http_status])).toEqual([['failed', 'not_found', 404]]);
  });

  it('not found by username: a renamed account stored under that name is NOT flagged; the run says so', async () => {
    // Found by a new user review: `sync-profile old.name` after the account renamed itself to new.name
    // set not_found_at on the live account. A username is only a lookup key (renamed, reused).
    fake.addProfile(profile('8000005', 'old.name', { followersCount: 70 }));
    await syncProfile({ username: 'old.name' });
    fake.profiles.delete('username:old.name');
    fake.profiles.set('username:old.name', new ProviderError('not_found', 'fake', 'user not found', { httpStatus: 404 }));
    const run = await syncProfile({ username: 'old.name' });
    expect(run).toMatchObject({ status: 'failed', outcome: 'not_found', requests: 1 });
    expect(run.errorMessage).toBe(
      '@old.name was not found (fake: user not found); the username no longer resolves, so the stored account @old.name ' +
        '(id 8000005) is not flagged: it may have been renamed (check: sm-core sync-profile --id 8000005)',
    );
    expect(exitCodeForRun(run)).toBe(EXIT.notFound);
    expect(await rows(h, 'SELECT username, not_found_at FROM social_profiles WHERE ext_id = $1', ['8000005'])).toEqual([
      { username: 'old.name', not_found_at: null },
    ]);
    const [call] = await listServiceCalls(h.deps.db, run.id);
    expect(call).toMatchObject({ status: 'failed', errorMessage: run.errorMessage });
    // The same account by id: alive under its new name, still not flagged, and the rename recorded.
    fake.addProfile(profile('8000005', 'new.name', { followersCount: 71 }));
    expect(await syncProfile({ id: '8000005' })).toMatchObject({ status: 'succeeded' });
    expect(await rows(h, 'SELECT username, followers_count, not_found_at FROM social_profiles WHERE ext_id = $1', ['8000005'])).toEqual([
      { username: 'new.name', followers_count: '71', not_found_at: null },
    ]);
    expect(await rows(h, 'SELECT old_username, new_username FROM username_history WHERE ext_id = $1', ['8000005'])).toEqual([
      { old_username: 'old.name', new_username: 'new.name' },
    ]);
  });

  it('not found by a username that nothing stored has: the run fails, nothing is flagged', async () => {
    fake.profiles.set('username:never.was', new ProviderError('not_found', 'fake', 'user not found', { httpStatus: 404 }));
    const run = await syncProfile({ username: 'never.was' });
    expect(run).toMatchObject({ status: 'failed', outcome: 'not_found', errorMessage: '@never.was was not found (fake: user not found)' });
    expect(
      await rows(h, 'SELECT count(*)::int AS n FROM social_profiles WHERE not_found_at IS NOT NULL AND ext_id <> $1', ['8000003']),
    ).toEqual([{ n: 0 }]);
  });

  it('a transient error is retried by pg-boss; the ledger keeps both requests', async () => {
    let calls = 0;
    const ok = profile('8000004', 'flaky.one');
    fake.profiles.set('username:flaky.one', ok);
    const original = fake.getProfile;
    fake.getProfile = async (q, s) => {
      if (++calls === 1) throw new ProviderError('transient', 'fake', 'HTTP 503', { httpStatus: 503 });
      return original(q, s);
    };
    try {
      const run = await syncProfile({ username: 'flaky.one' });
      expect(run).toMatchObject({ status: 'succeeded', requests: 2, pages: 1 });
      const ledger = await listServiceCalls(h.deps.db, run.id);
      expect(ledger.map((c) => [c.status, c.resultSummary.error_kind ?? null])).toEqual([
        ['failed', 'transient'],
        ['succeeded', null],
      ]);
    } finally {
      fake.getProfile = original;
    }
  });

  it('retries end with the queue retryLimit: the run fails with the last error kept', async () => {
    fake.profiles.set('username:always.down', new ProviderError('transient', 'fake', 'HTTP 502 from upstream', { httpStatus: 502 }));
    const run = await syncProfile({ username: 'always.down' });
    expect(run).toMatchObject({ status: 'failed', outcome: 'transient', requests: 3 });
    expect(run.errorMessage).toMatch(/HTTP 502/);
    expect(exitCodeForRun(run)).toBe(EXIT.runFailed);
    expect(await queuedJobs(h, 'sync-profile')).toBe(0);
  });

  it('an unauthorized key fails the run without retry (exit 11)', async () => {
    fake.profiles.set(
      'username:who.knows',
      new ProviderError('unauthorized', 'fake', 'invalid API key: check ROCKET_API_KEY', { httpStatus: 401 }),
    );
    const run = await syncProfile({ username: 'who.knows' });
    expect(run).toMatchObject({ status: 'failed', outcome: 'unauthorized', requests: 1 });
    expect(exitCodeForRun(run)).toBe(EXIT.unauthorized);
  });
});
