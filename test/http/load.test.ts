// The server under load (issue 14): /health on its own connection stays 200 while every search
// slot is busy, excess searches are shed at once with 503 + Retry-After, /metrics shows the waits
// and the shed requests, and /health turns 503 only when its database does not answer.
import { createServer } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { createHealthProbe, type HealthProbe } from '../../src/http/health-probe.ts';
import { createLogger } from '../../src/logger.ts';
import { insertSearchFixtures } from '../db/search-fixtures.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { type Reply, request, startApi, until } from './api-helpers.ts';

const logger = createLogger('silent');

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('HTTP server under load', () => {
  let tdb: TestDatabase;
  let db: Database;
  let probe: HealthProbe;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    db = await openDatabase({ kind: 'server', connectionString: tdb.url }, logger);
    await insertSearchFixtures(db);
    probe = createHealthProbe(tdb.url, 2000, logger);
  });
  afterAll(async () => {
    await probe.close();
    await db.close();
    await tdb.drop();
  });

  /** Holds an ACCESS EXCLUSIVE lock on social_profiles until the returned release is called: searches block on it. */
  async function lockProfiles(): Promise<() => Promise<void>> {
    const locker = new pg.Client({ connectionString: tdb.url });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE social_profiles IN ACCESS EXCLUSIVE MODE');
    return async () => {
      await locker.query('ROLLBACK');
      await locker.end();
    };
  }
  const blockedSearches = async () =>
    Number(
      (
        await tdb.pool.query(
          `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND application_name = 'sm-core'`,
        )
      ).rows[0].n,
    );
  const metric = async (base: string, line: RegExp) => (await request(base, '/metrics')).text.match(line)?.[1];

  it('keeps /health 200 while every search slot is busy, and sheds the search beyond the queue with 503 + Retry-After', async () => {
    const api = await startApi(db, { searchConcurrency: 2, searchQueue: 1, searchWaitMs: 60_000 }, { health: probe });
    const release = await lockProfiles();
    let pending: Array<Promise<Reply>> = [];
    try {
      pending = ['anna', 'zoe'].map((q) => request(api.base, `/api/v1/bloggers?q=${q}`));
      await until(async () => (await blockedSearches()) === 2, 'both search slots to block on the lock');
      pending.push(request(api.base, '/api/v1/bloggers?q=mia'));
      await until(async () => (await metric(api.base, /^sm_http_search_slots\{state="queued"\} (\d+)$/m)) === '1', 'a queued search');

      const shed = await request(api.base, '/api/v1/bloggers?q=orchid');
      expect([shed.status, shed.json.error.code, shed.headers.get('retry-after')]).toEqual([503, 'overloaded', '1']);
      expect(shed.json.error.message).toBe('the server is busy (2 searches and analyses are running and 1 waiting); retry in a second');
      for (let i = 0; i < 5; i++) {
        const health = await request(api.base, '/health');
        expect([health.status, health.json]).toEqual([200, { status: 'ok', database: 'ok', schema: 'current' }]);
      }
      const busy = (await request(api.base, '/metrics')).text;
      expect(busy).toContain('sm_http_search_slots{state="active"} 2');
      expect(busy).toContain('sm_http_search_slots{state="limit"} 2');
      expect(busy).toContain('sm_http_shed_total{route="/api/v1/bloggers",reason="queue_full"} 1');
      expect(busy).toContain('sm_http_requests_total{method="GET",route="/api/v1/bloggers",status="503"} 1');
      expect(busy).toContain('sm_db_pool_connections{pool="health",state="total"} 1');
      expect(busy).toContain('sm_database_up 1');
    } finally {
      await release();
    }
    const done = await Promise.all(pending);
    expect(done.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(done.map((r) => r.json.data[0].username)).toEqual(['anna', 'zm.photo', 'mia.blogger']);
    const after = (await request(api.base, '/metrics')).text;
    expect(after).toContain('sm_http_search_wait_seconds_count 3');
    expect(after).toContain('sm_http_search_slots{state="active"} 0');
    await api.close();
  });

  it('refuses a search that waited longer than the queue wait allows', async () => {
    const api = await startApi(db, { searchConcurrency: 1, searchQueue: 5, searchWaitMs: 100 }, { health: probe });
    const release = await lockProfiles();
    let first: Promise<Reply> | undefined;
    try {
      first = request(api.base, '/api/v1/bloggers?q=anna');
      await until(async () => (await blockedSearches()) === 1, 'the search slot to block on the lock');
      const late = await request(api.base, '/api/v1/bloggers?q=zoe');
      expect([late.status, late.json.error.code, late.headers.get('retry-after')]).toEqual([503, 'overloaded', '1']);
      expect(late.json.error.message).toBe('the server is busy (no query slot was free within 100 ms); retry in a second');
      expect(await metric(api.base, /^sm_http_shed_total\{route="\/api\/v1\/bloggers",reason="wait_timeout"\} (\d+)$/m)).toBe('1');
    } finally {
      await release();
    }
    expect((await first)?.status).toBe(200);
    await api.close();
  });

  it('puts the analyses in the same slots as searches: with the one slot busy, mutuals, audience and overlap are shed too', async () => {
    const api = await startApi(db, { searchConcurrency: 1, searchQueue: 0, searchWaitMs: 60_000 }, { health: probe });
    const release = await lockProfiles();
    let first: Promise<Reply> | undefined;
    try {
      first = request(api.base, '/api/v1/bloggers?q=anna');
      await until(async () => (await blockedSearches()) === 1, 'the search slot to block on the lock');
      for (const path of [
        '/api/v1/bloggers/instagram/anna/mutuals',
        '/api/v1/bloggers/instagram/anna/audience',
        '/api/v1/overlap?a=instagram/anna&b=instagram/zoe',
      ]) {
        const shed = await request(api.base, path);
        expect([path, shed.status, shed.json.error.code, shed.headers.get('retry-after')]).toEqual([path, 503, 'overloaded', '1']);
      }
      const text = (await request(api.base, '/metrics')).text;
      expect(text).toContain('sm_http_shed_total{route="/api/v1/overlap",reason="queue_full"} 1');
      expect(text).toContain('sm_http_shed_total{route="/api/v1/bloggers/:platform/:username/mutuals",reason="queue_full"} 1');
      expect(text).toContain('sm_http_shed_total{route="/api/v1/bloggers/:platform/:username/audience",reason="queue_full"} 1');
    } finally {
      await release();
    }
    expect((await first)?.status).toBe(200);
    await api.close();
  });

  it('a terminated health connection is not an outage: the next check connects again', async () => {
    const api = await startApi(db, {}, { health: probe });
    expect((await request(api.base, '/health')).status).toBe(200);
    const killed = await tdb.pool.query(
      `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'sm-core-health'`,
    );
    expect(killed.rows).toEqual([{ ok: true }]);
    await until(async () => probe.stats().total === 0, 'the pool to drop the terminated connection');
    const health = await request(api.base, '/health');
    expect([health.status, health.json.database]).toEqual([200, 'ok']);
    await api.close();
  });

  it('turns 503 unreachable when its database does not answer (a closed port)', async () => {
    const port = await closedPort();
    const down = createHealthProbe(`postgres://postgres@127.0.0.1:${port}/nowhere`, 500, logger);
    const api = await startApi(db, {}, { health: down });
    try {
      const health = await request(api.base, '/health');
      expect(health.status).toBe(503);
      expect(health.json).toMatchObject({
        status: 'unavailable',
        database: 'unreachable',
        schema: 'unknown',
        reason: expect.stringContaining('ECONNREFUSED'),
      });
      expect(await metric(api.base, /^sm_database_up (\d+)$/m)).toBe('0');
    } finally {
      await api.close();
      await down.close();
    }
  });
});
