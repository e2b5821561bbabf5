// `sm-core run-schedule` as real processes: two started at the same moment enqueue each due entry once;
// --wait works the runs to their end (bundled sample provider, no network).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/db/database.ts';
import { createLogger } from '../../src/logger.ts';
import { runCli } from '../helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { addSchedules } from '../helpers/schedules.ts';

type Report = { started: number; attached: number; failed: number; entries: Array<{ username: string; runs: Array<{ run_id: string }> }> };

describe('cli: run-schedule', () => {
  let tdb: TestDatabase;
  let db: Database;
  // No provider key: the bundled sample accounts, stored on purpose into this test database.
  const env = () => ({ DATABASE_URL: tdb.url, SM_ENV: 'test', SM_LOG_LEVEL: 'warn', SM_SAMPLE_TO_SERVER: 'true' });
  const add = (csv: string) => addSchedules(db, csv);

  beforeAll(async () => {
    tdb = await createTestDatabase();
    db = await openDatabase({ kind: 'server', connectionString: tdb.url }, createLogger('silent'));
  });
  afterAll(async () => {
    await db.close();
    await tdb.drop();
  });
  beforeEach(async () => {
    await tdb.pool.query('DELETE FROM sync_schedules');
    await tdb.pool.query('DELETE FROM job_calls');
  });

  it('two processes started together enqueue each due entry exactly once', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `blogger_${i}`);
    await add(`username\n${names.join('\n')}\n`);
    const [a, b] = await Promise.all([runCli(['run-schedule', '--json'], env()), runCli(['run-schedule', '--json'], env())]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const ra = JSON.parse(a.stdout) as Report;
    const rb = JSON.parse(b.stdout) as Report;
    const enqueued = [...ra.entries, ...rb.entries].map((e) => e.username).sort();
    expect(enqueued).toEqual([...names].sort());
    expect(ra.started + rb.started).toBe(20);
    const runs = await tdb.pool.query(`SELECT count(*)::int AS n, count(DISTINCT params->>'lookup')::int AS d FROM job_calls`);
    expect(runs.rows[0]).toEqual({ n: 20, d: 20 });
    // a third run finds nothing due
    const c = await runCli(['run-schedule'], env());
    expect(c.stdout).toBe('nothing due\n');
  });

  it('--wait works the queue until the runs end: profile and its chained followers run succeed', async () => {
    await add('username,followers\ndemo.blogger,yes\n');
    const res = await runCli(['run-schedule', '--wait', '--json'], env());
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout) as Report & { runs: Array<{ kind: string; status: string }>; interrupted: boolean };
    expect(out.started).toBe(1);
    expect(out.interrupted).toBe(false);
    expect(out.runs.map((r) => [r.kind, r.status])).toEqual([
      ['profile', 'succeeded'],
      ['followers', 'succeeded'],
    ]);
    const stored = await tdb.pool.query(
      `SELECT last_enqueued_at IS NOT NULL AS done, next_run_at > now() + interval '23 hours' AS later FROM sync_schedules`,
    );
    expect(stored.rows).toEqual([{ done: true, later: true }]);
  });
});
