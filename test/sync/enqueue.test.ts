// sendJob: a job pg-boss did not accept is an error, never a silently lost page (CASES.md C12).
import type { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { lookupKey, sendJob } from '../../src/sync/enqueue.ts';
import { createFakeProvider } from '../helpers/fake-provider.ts';
import { createSyncHarness, type SyncHarness } from '../helpers/sync.ts';

let h: SyncHarness;
beforeAll(async () => {
  h = await createSyncHarness(createFakeProvider().asSet());
});
afterAll(async () => {
  await h.close();
});

describe('sendJob (C12)', () => {
  it('throws when pg-boss returns no id instead of losing the job', async () => {
    const boss = { send: async () => null } as unknown as PgBoss;
    await expect(sendJob(boss, h.deps.db as Database, h.deps.db, 'sync-followers', {})).rejects.toThrow(
      /did not accept the sync-followers job/,
    );
  });

  it('throws for a queue that does not exist (pg-boss >= 10 would drop the send)', async () => {
    await expect(sendJob(h.deps.boss, h.deps.db, h.deps.db, 'no-such-queue' as 'sync-followers', {})).rejects.toThrow(/does not exist/);
  });

  it('sends inside a transaction: a rolled-back transaction leaves no job', async () => {
    const before = (await h.tdb.pool.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'sync-profile'`)).rows[0].n;
    await expect(
      h.deps.db.transaction(async (tx) => {
        await sendJob(h.deps.boss, h.deps.db, tx, 'sync-profile', { jobCallId: '1', lookup: { username: 'x' } });
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    expect((await h.tdb.pool.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'sync-profile'`)).rows[0].n).toBe(before);
  });

  it('lookup keys are case-insensitive for usernames and exact for ids', () => {
    expect(lookupKey({ username: 'Demo.Blogger' })).toBe('username:demo.blogger');
    expect(lookupKey({ id: '17841401234567891' })).toBe('id:17841401234567891');
  });
});
