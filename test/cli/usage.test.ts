// `sm-core usage` as a subprocess: requests per provider per UTC day against the budgets.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('cli: usage', () => {
  let tdb: TestDatabase;
  const run = (...args: string[]) => {
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: tdb.url,
      SM_ENV: 'test',
      SM_LOG_LEVEL: 'warn',
      SM_ROCKET_DAILY_BUDGET: '10',
    };
    return spawnSync(`${root}node_modules/.bin/node`, [`${root}bin/sm-core.js`, 'usage', ...args], { cwd: root, env, encoding: 'utf8' });
  };
  const today = new Date().toISOString().slice(0, 10);
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

  beforeAll(async () => {
    tdb = await createTestDatabase();
    await tdb.pool.query(
      `INSERT INTO provider_usage (provider, period, period_start, requests) VALUES
         ('rocket', 'day', date_trunc('day', now(), 'UTC'), 5),
         ('rocket', 'day', date_trunc('day', now(), 'UTC') - interval '1 day', 3),
         ('scraper', 'day', date_trunc('day', now(), 'UTC'), 2),
         ('rocket', 'day', date_trunc('day', now(), 'UTC') - interval '30 days', 99),
         ('rocket', 'month', date_trunc('month', now(), 'UTC'), 8)`,
    );
  });
  afterAll(async () => {
    await tdb.drop();
  });

  it('--json lists the last N days per provider with the daily budget left, and this month', () => {
    const out = run('--days', '2', '--json');
    expect(out.status, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({
      days: [
        { day: yesterday, provider: 'rocket', sample: false, requests: 3, daily_budget: 10, left: 7 },
        { day: today, provider: 'rocket', sample: false, requests: 5, daily_budget: 10, left: 5 },
        { day: today, provider: 'scraper', sample: false, requests: 2, daily_budget: null, left: null },
      ],
      month: [{ provider: 'rocket', sample: false, requests: 8, monthly_budget: null, left: null }],
    });
  });

  it('prints a table for people', () => {
    const out = run();
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toContain('daily budget');
    expect(out.stdout).toMatch(new RegExp(`${today}\\s*│\\s*rocket\\s*│\\s*5\\s*│\\s*10\\s*│\\s*5`));
    expect(out.stdout).toContain('this month: rocket 8 request(s), budget none');
  });

  it('a bad --days exits 2 with one line on stderr', () => {
    const out = run('--days', 'x');
    expect(out.status).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toBe('sm-core: invalid --days "x": use a whole number from 1 to 366\n');
  });
});

describe('cli: usage after runs on the bundled sample data', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await createTestDatabase();
  });
  afterAll(async () => {
    await tdb.drop();
  });

  it('counts the sample requests that `runs` shows, labelled SAMPLE', async () => {
    // No provider key: the bundled sample server answers (1 profile request + 2 follower pages),
    // stored in this server database on purpose (SM_SAMPLE_TO_SERVER).
    const env = { DATABASE_URL: tdb.url, SM_ENV: 'test', SM_SAMPLE_TO_SERVER: 'true' };
    const sync = await runCli(['sync-profile', 'demo.blogger', '--followers'], env);
    expect(sync.code, sync.stderr).toBe(0);
    const sent = await tdb.pool.query<{ n: number }>('SELECT sum(attempt)::int AS n FROM service_calls');
    expect(sent.rows[0]!.n).toBe(3);

    const json = await runCli(['usage', '--json'], env);
    expect(json.code, json.stderr).toBe(0);
    const today = new Date().toISOString().slice(0, 10);
    expect(JSON.parse(json.stdout)).toEqual({
      days: [{ day: today, provider: 'sample', sample: true, requests: 3, daily_budget: null, left: null }],
      month: [{ provider: 'sample', sample: true, requests: 3, monthly_budget: null, left: null }],
    });
    const table = await runCli(['usage'], env);
    expect(table.stdout).toMatch(new RegExp(`${today}\\s*│\\s*SAMPLE \\(bundled data, not billed\\)\\s*│\\s*3\\s*│`));
    expect(table.stdout).toContain('this month: SAMPLE (bundled data, not billed) 3 request(s), budget none');
  });
});
