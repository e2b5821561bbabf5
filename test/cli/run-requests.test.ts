// `requests` in the CLI's run reports are HTTP requests sent to providers (what they bill), not
// queue-job attempts: a profile run with in-place retries and a pg-boss retry, through the real CLI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeRocketServer, startFakeRocketServer } from '../../src/providers/sample/fake-rocket-server.ts';
import { runCli } from '../helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const KEY = 'k-requests-test';
const SLOW = 120_000;

describe('requests = HTTP requests sent (in-place retries and job retries included)', () => {
  let tdb: TestDatabase;
  let server: FakeRocketServer;
  let env: Record<string, string>;
  const cli = (...args: string[]) => runCli(args, env);
  let sync: { code: number | null; stdout: string; stderr: string };

  beforeAll(async () => {
    tdb = await createTestDatabase();
    server = await startFakeRocketServer({ apiKey: KEY });
    // One retry in place: job attempt 1 sends 2 requests (503, 503) and fails; pg-boss retries the job
    // (5 s later), and attempt 2 sends 2 more (503, then the bundled profile).
    env = {
      DATABASE_URL: tdb.url,
      ROCKET_API_HOST: server.url,
      ROCKET_API_KEY: KEY,
      SM_PROVIDER_RETRIES: '1',
      SM_PROVIDER_RETRY_BASE_MS: '1',
      SM_LOG_LEVEL: 'silent',
    };
    const busy = { status: 503, body: { detail: 'busy' } };
    server.script('get_info', busy, busy, busy);
    sync = await runCli(['sync-profile', 'demo.blogger', '--json'], { ...env, SM_LOG_LEVEL: 'debug' });
  }, SLOW);
  afterAll(async () => {
    await server.close();
    await tdb.drop();
  });

  it('the provider saw 4 requests in 2 calls; the ledger agrees', async () => {
    // Found by a new user review: `requests` said 2 (queue-job attempts) while 4 requests were billed.
    expect(sync.code, sync.stderr).toBe(0);
    expect(server.requestsTo('get_info').map((r) => r.answer?.status)).toEqual([503, 503, 503, 200]);
    const rows = (await tdb.pool.query('SELECT status, attempt, request_units FROM service_calls ORDER BY id')).rows;
    expect(rows).toEqual([
      { status: 'failed', attempt: 2, request_units: 2 },
      { status: 'succeeded', attempt: 2, request_units: 2 },
    ]);
    // The run's end log line (and the New Relic event built beside it) says the same.
    const ends = sync.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; requests?: number; calls?: number })
      .filter((l) => /^profile run \d+ succeeded$/.test(l.msg));
    expect(ends).toMatchObject([{ requests: 4, calls: 2 }]);
  });

  it(
    'sync-profile --json and its table: requests 4, calls 2',
    async () => {
      expect(JSON.parse(sync.stdout).runs).toMatchObject([{ kind: 'profile', status: 'succeeded', requests: 4, calls: 2 }]);
      server.script('get_info', { status: 503, body: { detail: 'busy' } });
      const table = await cli('sync-profile', 'demo.blogger');
      expect(table.code, table.stderr).toBe(0);
      expect(table.stdout).toMatch(/│ requests │ seconds │\n/);
      expect(table.stdout).toMatch(/│ \d+\s+│ profile │ succeeded │ complete │\s+│\s+│\s+│\s+│ 2\s+│ [\d.]+\s+│\n/);
    },
    SLOW,
  );

  it(
    'runs, runs --json, runs show: HTTP requests per provider, with the calls they were made in',
    async () => {
      const list = JSON.parse((await cli('runs', '--json')).stdout) as Array<Record<string, unknown>>;
      const first = list.at(-1)!;
      expect(first).toMatchObject({ requests: 4, calls: 2, requests_by_provider: { rocket: { calls: 2, units: 4 } } });
      expect(list[0]).toMatchObject({ requests: 2, calls: 1, requests_by_provider: { rocket: { calls: 1, units: 2 } } });
      const table = await cli('runs');
      expect(table.stdout).toMatch(
        new RegExp(`│ ${first.run_id}\\s+│ profile │ @demo\\.blogger │ succeeded .*│ rocket 4 \\(2 calls\\) │\\n`),
      );
      expect(table.stdout).toMatch(
        new RegExp(`│ ${list[0]!.run_id}\\s+│ profile │ @demo\\.blogger │ succeeded .*│ rocket 2 \\(1 call\\)\\s+│\\n`),
      );
      const show = await cli('runs', 'show', String(first.run_id));
      expect(show.stdout).toMatch(/│ pages \/ calls \/ requests │ 1 \/ 2 \/ 4 \(rocket 4 \(2 calls\)\)\s+│/);
      const calls = JSON.parse((await cli('runs', 'show', String(first.run_id), '--json')).stdout).calls;
      expect(calls.map((c: { status: string; requests: number; http_status: number }) => [c.status, c.requests, c.http_status])).toEqual([
        ['failed', 2, 503],
        ['succeeded', 2, 200],
      ]);
    },
    SLOW,
  );

  it(
    'usage counts the same HTTP requests (every attempt is reserved before it is sent)',
    async () => {
      const out = JSON.parse((await cli('usage', '--days', '1', '--json')).stdout);
      expect(out.days).toMatchObject([{ provider: 'rocket', requests: 6 }]);
      expect(out.month).toMatchObject([{ provider: 'rocket', requests: 6 }]);
      expect(server.requests).toHaveLength(6);
    },
    SLOW,
  );
});
