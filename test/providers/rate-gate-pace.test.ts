import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/db/database.ts';
import { reserveRequest } from '../../src/db/queries/provider-usage.ts';
import { ProviderError } from '../../src/errors.ts';
import { createLogger } from '../../src/logger.ts';
import { createDbRateGate, paceIntervalMs } from '../../src/providers/rate-gate.ts';
import { withRetry } from '../../src/providers/retry.ts';
import { createRocketClient, type RocketClient } from '../../src/providers/rocket/client.ts';
import { type FakeRocketServer, startFakeRocketServer } from '../../src/providers/sample/fake-rocket-server.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { TEST_KEY } from './helpers.ts';

const logger = createLogger('silent');
const noBudget = { maxRps: 0, dailyBudget: 0, monthlyBudget: 0 };

async function refusal(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

describe('sm_reserve_request on the server', () => {
  let tdb: TestDatabase;
  let db: Database;
  const usage = async (provider: string) =>
    (await tdb.pool.query(`SELECT period, requests FROM provider_usage WHERE provider = $1 ORDER BY period`, [provider])).rows;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    db = await openDatabase({ kind: 'server', connectionString: tdb.url }, logger);
  });
  afterAll(async () => {
    await db.close();
    await tdb.drop();
  });
  beforeEach(async () => {
    await tdb.pool.query('TRUNCATE provider_usage, provider_pace');
  });

  it('no lost updates: 60 concurrent reservations against a daily budget of 25 grant exactly 25', async () => {
    const limits = { maxRps: 0, dailyBudget: 25, monthlyBudget: 0 };
    const results = await Promise.all(
      Array.from({ length: 60 }, () => reserveRequest(db, 'rocket', limits, { intervalMs: 0, maxWaitMs: 0 })),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(25);
    expect(results.filter((r) => !r.ok && r.period === 'day')).toHaveLength(35);
    expect(await usage('rocket')).toEqual([
      { period: 'day', requests: 25 },
      { period: 'month', requests: 25 },
    ]);
  });

  it('a monthly refusal counts nothing; slots are one interval apart; a slot past the wait bound is refused', async () => {
    const monthly = { maxRps: 0, dailyBudget: 0, monthlyBudget: 1 };
    expect(await reserveRequest(db, 'scraper', monthly, { intervalMs: 0, maxWaitMs: 0 })).toMatchObject({ ok: true });
    expect(await reserveRequest(db, 'scraper', monthly, { intervalMs: 0, maxWaitMs: 0 })).toMatchObject({
      ok: false,
      period: 'month',
      limit: 1,
    });
    expect(await usage('scraper')).toEqual([
      { period: 'day', requests: 1 },
      { period: 'month', requests: 1 },
    ]);
    // 1 request per second: slots at +0, +1030, +2060 ms fit a 2500 ms wait bound; +3090 does not.
    const paced = { intervalMs: paceIntervalMs(1), maxWaitMs: 2500 };
    const results = await Promise.all(Array.from({ length: 4 }, () => reserveRequest(db, 'rocket', noBudget, paced)));
    const slots = results.flatMap((r) => (r.ok ? [r.slotMs] : [])).sort((a, b) => a - b);
    expect(slots).toHaveLength(3);
    expect(slots[1]! - slots[0]!).toBeGreaterThanOrEqual(paceIntervalMs(1) - 0.01);
    expect(slots[2]! - slots[1]!).toBeGreaterThanOrEqual(paceIntervalMs(1) - 0.01);
    const refused = results.find((r) => !r.ok);
    expect(refused).toMatchObject({ ok: false, period: 'second' });
    expect(refused && !refused.ok && refused.retryAfterSeconds).toBeGreaterThanOrEqual(3);
    expect(await usage('rocket')).toEqual([
      { period: 'day', requests: 3 },
      { period: 'month', requests: 3 },
    ]);
  });

  it('the gate waits in place for its slot, and refuses (rate_limited, not sent) past the wait bound', async () => {
    const gate = createDbRateGate(db, { rocket: { maxRps: 10, dailyBudget: 0, monthlyBudget: 0 } }, { maxWaitMs: 5000 });
    const started = performance.now();
    await gate.acquire('rocket');
    await gate.acquire('rocket');
    expect(performance.now() - started).toBeGreaterThanOrEqual(paceIntervalMs(10) - 2);
    // The next slot is 5 s away (many requests queued): with a 150 ms wait bound the request is refused, not sent.
    await tdb.pool.query(`UPDATE provider_pace SET next_at = clock_timestamp() + interval '5 seconds' WHERE provider = 'rocket'`);
    const impatient = createDbRateGate(db, { rocket: { maxRps: 10, dailyBudget: 0, monthlyBudget: 0 } }, { maxWaitMs: 150 });
    const err = await refusal(impatient.acquire('rocket'));
    expect(err.kind).toBe('rate_limited');
    expect(err.retryAfterSeconds).toBeGreaterThanOrEqual(4);
    expect(err.message).toMatch(/^rocket: not sent: the next request slot is more than the in-place wait away; retry in \d+ s$/);
    expect(await usage('rocket')).toEqual([
      { period: 'day', requests: 2 },
      { period: 'month', requests: 2 },
    ]);
  });
});

describe('C08 across processes: the provider asked to wait', () => {
  let tdb: TestDatabase;
  let db: Database;
  let server: FakeRocketServer;
  const clients: RocketClient[] = [];

  /** One "process": its own retry layer (with its own in-process window) and gate, sharing only the database. */
  function worker() {
    const client = createRocketClient({ host: server.url, apiKey: TEST_KEY, timeoutMs: 2000 });
    clients.push(client);
    const gate = createDbRateGate(db, { rocket: noBudget });
    return withRetry(client, { retries: 2, baseDelayMs: 1, retryAfterCapSeconds: 30, gate, logger });
  }

  beforeAll(async () => {
    tdb = await createTestDatabase();
    db = await openDatabase({ kind: 'server', connectionString: tdb.url }, logger);
    server = await startFakeRocketServer({ apiKey: TEST_KEY });
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    await server.close();
    await db.close();
    await tdb.drop();
  });

  it('a 429 with Retry-After 600 in one worker stops every worker for the window; nothing is sent inside it', async () => {
    server.script('get_followers', { status: 429, headers: { 'retry-after': '600' }, body: '{"detail":"Too many requests"}' });
    const a = worker();
    expect(await refusal(a.getFollowersPage('9000000006', 'c3', 50))).toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 600 });
    expect(server.requestsTo('get_followers')).toHaveLength(1);
    const b = worker(); // no in-process memory of that 429
    const err = await refusal(b.getFollowersPage('9000000006', 'c3', 50));
    expect(err.kind).toBe('rate_limited');
    expect(err.retryAfterSeconds).toBeGreaterThanOrEqual(598);
    expect(err.message).toMatch(
      /^rocket: not sent: the provider asked every worker to wait \(rate_limited: throttled \(HTTP 429, Retry-After 600 s\): Too many requests\); (600|599|598) s left$/,
    );
    expect(err.call).toMatchObject({ attempts: 0, requestUnits: 0 });
    expect(server.requestsTo('get_followers')).toHaveLength(1);
    const pace = await tdb.pool.query(`SELECT blocked_kind, blocked_until > now() + interval '590 seconds' AS long FROM provider_pace`);
    expect(pace.rows).toEqual([{ blocked_kind: 'rate_limited', long: true }]);
  });
});
