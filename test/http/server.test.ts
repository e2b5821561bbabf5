// The HTTP server itself: health, metrics, OpenAPI, routing errors, limits, timeouts, no stack
// traces, and 503s when the database goes away.
import { request as httpRequest } from 'node:http';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { createLogger } from '../../src/logger.ts';
import { startBoss } from '../../src/queue/boss.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { insertSearchFixtures } from '../db/search-fixtures.ts';
import { type RunningApi, request, startApi, until } from './api-helpers.ts';

const logger = createLogger('silent');

describe('HTTP server', () => {
  let tdb: TestDatabase;
  let db: Database;
  let api: RunningApi;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    db = await openDatabase({ kind: 'server', connectionString: tdb.url }, logger);
    await insertSearchFixtures(db);
    api = await startApi(db, { requestTimeoutMs: 1500, bodyLimitBytes: 1024 });
  });
  afterAll(async () => {
    await api.close();
    await db.close();
    await tdb.drop();
  });

  it('GET /health is 200 when the database answers and the schema is current', async () => {
    const r = await request(api.base, '/health');
    expect([r.status, r.json]).toEqual([200, { status: 'ok', database: 'ok', schema: 'current' }]);
  });

  it('GET /health is 503 with the reason when the schema is not current', async () => {
    await tdb.pool.query(`INSERT INTO sm_migrations (id, name) VALUES (9999, 'from_the_future')`);
    try {
      const r = await request(api.base, '/health');
      expect(r.status).toBe(503);
      expect(r.json).toMatchObject({
        status: 'unavailable',
        database: 'ok',
        schema: 'not_current',
        reason: expect.stringContaining('9999_from_the_future'),
      });
    } finally {
      await tdb.pool.query('DELETE FROM sm_migrations WHERE id = 9999');
    }
  });

  it('unknown routes are 404, other methods 405, big bodies 413: all in the error shape', async () => {
    const missing = await request(api.base, '/api/v2/nothing');
    expect([missing.status, missing.json]).toEqual([
      404,
      { error: { code: 'not_found', message: expect.stringContaining('/api/v2/nothing') } },
    ]);
    const post = await request(api.base, '/api/v1/bloggers?q=anna', { method: 'POST', body: 'x' });
    expect([post.status, post.json.error.code, post.headers.get('allow')]).toEqual([405, 'method_not_allowed', 'GET, HEAD']);
    const big = await request(api.base, '/api/v1/bloggers?q=anna', { method: 'POST', body: 'x'.repeat(4096) });
    expect([big.status, big.json.error.code]).toEqual([413, 'payload_too_large']);
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${api.base}/health`, { method: 'GET', headers: { 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write('y'.repeat(800));
      req.end('y'.repeat(800));
    });
    expect(chunked).toBe(413);
  });

  it('never sends a stack trace: an unexpected error is a bare 500', async () => {
    await tdb.pool.query(`INSERT INTO social_profiles (ext_id, username, followers_count) VALUES ('1', 'unsafe.count', 9007199254740993)`);
    try {
      const r = await request(api.base, '/api/v1/bloggers?q=unsafe.count');
      expect([r.status, r.json]).toEqual([500, { error: { code: 'internal', message: 'internal error; the server log has the details' } }]);
      expect(r.text).not.toMatch(/RangeError|at \w+ \(|\.ts:/);
    } finally {
      await tdb.pool.query(`DELETE FROM social_profiles WHERE username = 'unsafe.count'`);
    }
  });

  it('answers 503 timeout when a request outlives the request timeout', async () => {
    const locker = new pg.Client({ connectionString: tdb.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE social_profiles IN ACCESS EXCLUSIVE MODE');
      const started = Date.now();
      const r = await request(api.base, '/api/v1/bloggers?q=anna');
      expect([r.status, r.json.error.code, r.headers.get('retry-after')]).toEqual([503, 'timeout', '1']);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
  });

  it('GET /api/v1/openapi.json is an OpenAPI 3.1 document of every route', async () => {
    const r = await request(api.base, '/api/v1/openapi.json');
    expect(r.status).toBe(200);
    expect(r.json.openapi).toBe('3.1.0');
    expect(Object.keys(r.json.paths).sort()).toEqual([
      '/api/v1/bloggers',
      '/api/v1/bloggers/{platform}/{username}',
      '/api/v1/bloggers/{platform}/{username}/audience',
      '/api/v1/bloggers/{platform}/{username}/mutuals',
      '/api/v1/openapi.json',
      '/api/v1/overlap',
      '/health',
      '/metrics',
    ]);
    const params = r.json.paths['/api/v1/bloggers'].get.parameters.map((p: { name: string }) => p.name);
    expect(params).toEqual(['q', 'page', 'per_page', 'platform']);
    const refs = JSON.stringify(r.json).match(/#\/components\/schemas\/\w+/g) ?? [];
    for (const ref of refs) expect(r.json.components.schemas).toHaveProperty(ref.split('/').at(-1)!);
  });

  it('GET /metrics: request counts and latency, provider calls, run outcomes, queue depth', async () => {
    const boss = await startBoss(db, tdb.url, logger);
    const metricsApi = await startApi(db, {}, { boss: async () => boss });
    try {
      await tdb.pool.query(
        `INSERT INTO job_calls (kind, status) VALUES ('followers', 'partial'), ('followers', 'succeeded'), ('profile', 'succeeded')`,
      );
      await tdb.pool.query(`INSERT INTO service_calls (job_call_id, kind, status, cursor)
        SELECT id, 'followers_page', s, jsonb_build_object('provider', p) FROM job_calls, (VALUES ('succeeded', 'rocketapi'), ('succeeded', 'rocketapi'), ('failed', 'rapidapi')) v(s, p)
        WHERE kind = 'profile'`);
      // Since 0004 the provider is a column; rows from before keep it in cursor.provider only.
      await tdb.pool.query(`UPDATE service_calls SET provider = cursor ->> 'provider' WHERE status = 'failed'`);
      await boss.send('sync-profile', { username: 'anna' });
      await request(metricsApi.base, '/api/v1/bloggers?q=anna');
      await request(metricsApi.base, '/api/v1/bloggers?q=');
      await request(metricsApi.base, '/nowhere');
      const r = await request(metricsApi.base, '/metrics');
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const m = r.text;
      expect(m).toContain('sm_http_requests_total{method="GET",route="/api/v1/bloggers",status="200"} 1');
      expect(m).toContain('sm_http_requests_total{method="GET",route="/api/v1/bloggers",status="400"} 1');
      expect(m).toContain('sm_http_requests_total{method="GET",route="unmatched",status="404"} 1');
      expect(m).toMatch(/sm_http_request_duration_seconds_bucket\{le="0\.02",method="GET",route="\/api\/v1\/bloggers",status="200"\} [01]/);
      expect(m).toContain('sm_provider_calls{provider="rocketapi",outcome="succeeded"} 2');
      expect(m).toContain('sm_provider_calls{provider="rapidapi",outcome="failed"} 1');
      expect(m).toContain('sm_runs{kind="followers",status="partial"} 1');
      expect(m).toContain('sm_runs{kind="profile",status="succeeded"} 1');
      expect(m).toContain('sm_queue_jobs{queue="sync-profile",state="queued"} 1');
      expect(m).toContain('sm_database_up 1');
      expect(m).toContain('sm_process_cpu_seconds_total');
    } finally {
      await metricsApi.close();
      await boss.stop({ graceful: false, close: true });
    }
  });
});

describe('HTTP server without a database', () => {
  it('answers 503 on /health and the API once the database is gone, and keeps serving', async () => {
    const tdb = await createTestDatabase();
    const db = await openDatabase({ kind: 'server', connectionString: tdb.url }, logger);
    const api = await startApi(db);
    try {
      expect((await request(api.base, '/health')).status).toBe(200);
      await tdb.drop(); // DROP DATABASE ... WITH (FORCE) terminates our connections too
      await until(async () => (await request(api.base, '/health')).status === 503, 'health to turn 503');
      const health = await request(api.base, '/health');
      expect(health.json).toMatchObject({
        status: 'unavailable',
        database: 'unreachable',
        schema: 'unknown',
        reason: expect.stringContaining('database unreachable'),
      });
      const search = await request(api.base, '/api/v1/bloggers?q=anna');
      expect([search.status, search.json.error.code]).toEqual([503, 'database_unavailable']);
      expect((await request(api.base, '/api/v1/openapi.json')).status).toBe(200);
      const metrics = await request(api.base, '/metrics');
      expect([metrics.status, metrics.text.includes('sm_database_up 0')]).toEqual([200, true]);
    } finally {
      await api.close();
      await db.close().catch(() => {});
    }
  });
});
