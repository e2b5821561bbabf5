// `sm-core serve` as a subprocess: prints its address, serves (health on its own connection, search
// limits from the configuration), and on SIGTERM finishes the request in flight before exiting 0.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { request, until } from '../http/api-helpers.ts';

describe('sm-core serve', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await createTestDatabase();
  });
  afterAll(async () => {
    await tdb.drop();
  });

  it('serves until SIGTERM, sheds searches beyond its limits, lets the in-flight request finish, then exits 0', async () => {
    const cli = startCli(['serve', '--port', '0'], {
      DATABASE_URL: tdb.url,
      SM_LOG_LEVEL: 'info',
      SM_HTTP_SEARCH_CONCURRENCY: '1',
      SM_HTTP_SEARCH_QUEUE: '0',
      SM_DB_POOL_SIZE: '2',
    });
    const locker = new pg.Client({ connectionString: tdb.url });
    await locker.connect();
    try {
      await until(async () => /listening on http:\/\/127\.0\.0\.1:\d+/.test(cli.stdout()), `the listening line (stderr: ${cli.stderr()})`);
      const base = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(cli.stdout())![1]!;
      expect((await request(base, '/health')).status).toBe(200);
      // /health has a connection of its own (issue 14).
      const probes = await locker.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'sm-core-health'`,
      );
      expect(probes.rows[0].n).toBe(1);

      // Hold a lock so the next search stays in flight while SIGTERM arrives.
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE social_profiles IN ACCESS EXCLUSIVE MODE');
      const inFlight = request(base, '/api/v1/bloggers?q=anna');
      await until(async () => {
        const r = await locker.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'sm-core' AND wait_event_type = 'Lock'`,
        );
        return r.rows[0].n > 0;
      }, 'the search to wait on the lock');
      // The one search slot is taken and no search may wait (SM_HTTP_SEARCH_*): the next is shed, /health still answers.
      const shed = await request(base, '/api/v1/bloggers?q=zoe');
      expect([shed.status, shed.json.error.code, shed.headers.get('retry-after')]).toEqual([503, 'overloaded', '1']);
      expect((await request(base, '/health')).status).toBe(200);
      // The main pool is SM_DB_POOL_SIZE connections at most, and /metrics shows it.
      const metrics = await fetch(`${base}/metrics`).then((r) => r.text());
      const total = Number(/sm_db_pool_connections\{pool="main",state="total"\} (\d+)/.exec(metrics)?.[1]);
      expect(total).toBeGreaterThanOrEqual(1);
      expect(total).toBeLessThanOrEqual(2);
      cli.child.kill('SIGTERM');
      await until(async () => cli.stderr().includes('shutting down'), 'the shutdown log line');
      await locker.query('ROLLBACK');
      const reply = await inFlight;
      expect([reply.status, reply.json.meta.total]).toEqual([200, 0]);
      const end = await cli.done;
      expect([end.code, end.signal]).toEqual([0, null]);
      expect(end.stderr).toContain('"msg":"stopped"');
    } finally {
      await locker.end();
      if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    }
  });

  it('refuses a bad port with a usage error', async () => {
    const { code, stderr } = await runCli(['serve', '--port', '70000'], { DATABASE_URL: tdb.url });
    expect([code, stderr]).toEqual([2, 'sm-core: --port must be a number from 0 to 65535, got "70000"\n']);
  });
});
