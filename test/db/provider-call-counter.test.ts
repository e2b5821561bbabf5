// The /metrics counter of provider requests (src/db/queries/run-stats.ts): incremental, so a scrape
// does not count the whole ledger, yet always equal to a full count of service_calls by provider and
// status, including rows still running, rows that finish later and rows too young to fold in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countProviderCalls, createProviderCallCounter } from '../../src/db/queries/run-stats.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

let tdb: TestDatabase;
let runId: string;

beforeAll(async () => {
  tdb = await createTestDatabase();
  runId = (await tdb.pool.query(`INSERT INTO job_calls (kind, status) VALUES ('followers', 'running') RETURNING id`)).rows[0].id;
});
afterAll(async () => {
  await tdb?.drop();
});

/** Inserts a service_call; `ageSeconds` back-dates its creation. @returns its id */
async function call(provider: string, status: string, ageSeconds: number): Promise<string> {
  const res = await tdb.pool.query(
    `INSERT INTO service_calls (job_call_id, kind, status, provider, created_at)
     VALUES ($1, 'followers_page', $2, $3, now() - make_interval(secs => $4)) RETURNING id`,
    [runId, status, provider, ageSeconds],
  );
  return res.rows[0].id;
}

describe('createProviderCallCounter', () => {
  it('folds settled rows once, counts the rest at every scrape, and always equals a full count', async () => {
    const counter = createProviderCallCounter();
    const db = { query: tdb.pool.query.bind(tdb.pool) } as never;
    const ids = [
      await call('rocket', 'succeeded', 7200),
      await call('rocket', 'failed', 7200),
      await call('scraper', 'succeeded', 7200),
      await call('rocket', 'running', 7200), // a request in flight (or a dead worker's): the watermark stops below it
      await call('rocket', 'succeeded', 7200),
      await call('rocket', 'succeeded', 5), // too young to fold in: a lower id may still commit
    ];
    const agree = async () => expect(await counter.count(db)).toEqual(await countProviderCalls(tdb.pool));

    await agree();
    expect(counter.watermark()).toBe(ids[2]);
    expect(await counter.count(db)).toEqual([
      { provider: 'rocket', outcome: 'failed', count: 1 },
      { provider: 'rocket', outcome: 'running', count: 1 },
      { provider: 'rocket', outcome: 'succeeded', count: 3 },
      { provider: 'scraper', outcome: 'succeeded', count: 1 },
    ]);

    // The request in flight finishes: it is counted under its final status, once.
    await tdb.pool.query(`UPDATE service_calls SET status = 'failed' WHERE id = $1`, [ids[3]]);
    await agree();
    expect(counter.watermark()).toBe(ids[4]);

    // The young row settles; new rows arrive.
    await tdb.pool.query(`UPDATE service_calls SET created_at = now() - interval '1 hour' WHERE id = $1`, [ids[5]]);
    await call('scraper', 'failed', 3600);
    const last = await call('scraper', 'succeeded', 3600);
    await agree();
    expect(counter.watermark()).toBe(last);
    expect(await counter.count(db)).toEqual([
      { provider: 'rocket', outcome: 'failed', count: 2 },
      { provider: 'rocket', outcome: 'succeeded', count: 3 },
      { provider: 'scraper', outcome: 'failed', count: 1 },
      { provider: 'scraper', outcome: 'succeeded', count: 2 },
    ]);
    // Nothing new: the watermark stays and the totals do not drift.
    await agree();
    expect(counter.watermark()).toBe(last);
  });
});
