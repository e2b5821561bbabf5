// Rate limits and budgets shared across processes through Postgres (issue 3 §7).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { reserveRequest } from '../../src/db/queries/provider-usage.ts';
import { createProviders } from '../../src/providers/registry.ts';
import { paceIntervalMs, secondsUntilReset } from '../../src/providers/rate-gate.ts';
import { startFakeRocketServer, type FakeRocketServer } from '../../src/providers/sample/fake-rocket-server.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { TEST_KEY } from './helpers.ts';

const run = promisify(execFile);
const logger = pino({ level: 'silent' });
let tdb: TestDatabase;
let db: Database;
let server: FakeRocketServer;

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await openDatabase({ kind: 'server', connectionString: tdb.url }, logger);
  server = await startFakeRocketServer({ apiKey: TEST_KEY });
});
afterAll(async () => {
  await server.close();
  await db.close();
  await tdb.drop();
});
beforeEach(async () => {
  server.reset();
  await tdb.pool.query('DELETE FROM provider_usage');
  await tdb.pool.query('DELETE FROM provider_pace');
});

describe('two worker processes share the limits', () => {
  it('never more than 2 requests per second in total, and 7 requests a day in total: the rest refused, never sent', async () => {
    const script = fileURLToPath(new URL('./gate-worker.ts', import.meta.url));
    const env = { ...process.env, GATE_DATABASE_URL: tdb.url, GATE_FAKE_URL: server.url, GATE_KEY: TEST_KEY, GATE_REQUESTS: '6' };
    const started = Date.now();
    const outputs = await Promise.all([run(process.execPath, [script], { env }), run(process.execPath, [script], { env })]);
    const results = outputs.map((o) => JSON.parse(o.stdout) as { sent: number; refused: number });
    expect(results.reduce((n, r) => n + r.sent, 0)).toBe(7);
    expect(results.reduce((n, r) => n + r.refused, 0)).toBe(5);
    expect(server.requestsTo('get_info')).toHaveLength(7);
    // Paced for both processes together: 7 request starts at 2 per second are 6 intervals apart at least.
    expect(Date.now() - started).toBeGreaterThanOrEqual(6 * paceIntervalMs(2));
    const pace = await tdb.pool.query(`SELECT provider FROM provider_pace`);
    expect(pace.rows).toEqual([{ provider: 'rocket' }]);
    const day = await tdb.pool.query<{ requests: number }>(
      `SELECT requests FROM provider_usage WHERE provider = 'rocket' AND period = 'day'`,
    );
    expect(day.rows).toEqual([{ requests: 7 }]);
  });
});

describe('budgets in one process', () => {
  it('reserveRequest counts nothing when a limit refuses', async () => {
    const limits = { maxRps: 0, dailyBudget: 2, monthlyBudget: 0 };
    const unpaced = { intervalMs: 0, maxWaitMs: 1000 };
    expect(await reserveRequest(db, 'scraper', limits, unpaced)).toMatchObject({ ok: true });
    expect(await reserveRequest(db, 'scraper', limits, unpaced)).toMatchObject({ ok: true });
    expect(await reserveRequest(db, 'scraper', limits, unpaced)).toMatchObject({ ok: false, period: 'day', limit: 2 });
    const rows = await tdb.pool.query(`SELECT period, requests FROM provider_usage WHERE provider = 'scraper' ORDER BY period`);
    expect(rows.rows).toEqual([
      { period: 'day', requests: 2 },
      { period: 'month', requests: 2 },
    ]);
  });

  it('a spent budget defers the call (rate_limited until the reset) and the fallback serves it', async () => {
    const config = loadConfig({
      SM_ENV: 'test',
      ROCKET_API_KEY: TEST_KEY,
      ROCKET_API_HOST: server.url,
      RAPID_API_KEY: TEST_KEY,
      RAPID_SCRAPER_API_HOST: server.url,
      RAPID_SCRAPER_API_FAMILY: 'scraperapi2',
      SM_ROCKET_DAILY_BUDGET: '1',
    });
    const p = await createProviders(config, logger, { db });
    try {
      expect((await p.primary.getProfile({ username: 'demo.blogger' })).call.provider).toBe('rocket');
      const second = await p.primary.getProfile({ username: 'demo.blogger' });
      expect(second.call.provider).toBe('scraper');
      expect(second.call.failedOver?.[0]).toMatchObject({ provider: 'rocket', kind: 'rate_limited', attempts: 0 });
      expect(second.call.failedOver?.[0]?.message).toContain('daily budget of 1 requests used up');
      const alone = p.byName('rocket')!;
      const err = await alone.getFollowersPage('9100000001', 'c9', 50).catch((e: unknown) => e);
      expect(err).toMatchObject({ kind: 'rate_limited' });
      expect((err as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(0);
      expect(server.requestsTo('get_info')).toHaveLength(1);
      expect(server.requestsTo('get_followers')).toHaveLength(0);
      const usage = await tdb.pool.query(`SELECT provider, requests FROM provider_usage WHERE period = 'day' ORDER BY provider`);
      expect(usage.rows).toEqual([
        { provider: 'rocket', requests: 1 },
        { provider: 'scraper', requests: 1 },
      ]);
    } finally {
      await p.close();
    }
  });

  it('secondsUntilReset counts to the next UTC day or month', () => {
    const now = new Date('2026-03-31T23:59:30Z');
    expect(secondsUntilReset('day', now)).toBe(30);
    expect(secondsUntilReset('month', now)).toBe(30);
    expect(secondsUntilReset('day', new Date('2026-03-15T12:00:00Z'))).toBe(43_200);
  });
});
