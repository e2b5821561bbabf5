// A provider nobody listens for (issue 12 §5): the sync ends at once with one line naming the host and
// the cause, not after 50 s of 5xx-style retries; off a terminal the command prints its warnings and
// that line, no info-level JSON; with a second provider configured, page 1 falls back to it.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/errors.ts';
import { type FakeRocketServer, startFakeRocketServer } from '../../src/providers/sample/fake-rocket-server.ts';
import { runCli } from '../helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const KEY = 'k-unreachable-test';

/** A loopback port with nothing listening (bound once, then closed). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('sync-profile against a provider that refuses connections', () => {
  let tdb: TestDatabase;
  let port: number;
  let scraper: FakeRocketServer;
  beforeAll(async () => {
    tdb = await createTestDatabase();
    port = await closedPort();
    scraper = await startFakeRocketServer({ apiKey: KEY });
  });
  afterAll(async () => {
    await scraper.close();
    await tdb.drop();
  });

  it('ends within 5 s with exit 6 and one error line naming host and cause; warnings only, no info lines', async () => {
    const started = performance.now();
    const res = await runCli(['sync-profile', 'demo.blogger'], {
      DATABASE_URL: tdb.url,
      ROCKET_API_KEY: KEY,
      ROCKET_API_HOST: `http://127.0.0.1:${port}`,
      SM_PROVIDER_PRIORITY: 'rocket',
    });
    const seconds = (performance.now() - started) / 1000;
    expect(res.code).toBe(EXIT.runFailed);
    expect(seconds).toBeLessThan(5);
    const lines = res.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(
      new RegExp(
        `^sm-core: profile run \\d+ ended failed \\(unreachable\\): rocket: POST /instagram/user/get_info failed: cannot connect to 127\\.0\\.0\\.1:${port}: connection refused \\(ECONNREFUSED\\); is the provider's host setting right\\?$`,
      ),
    );
    // Off a terminal (SM_LOG_LEVEL unset): the one retry's warning and the run's end, as JSON; nothing at info.
    const logs = lines.slice(0, -1).map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(logs.map((l) => l.level)).toEqual(logs.map(() => 40));
    expect(logs[0]?.msg).toMatch(/^retrying once: rocket: POST \/instagram\/user\/get_info failed: cannot connect to 127\.0\.0\.1:/);
    // Two connection attempts (one quick retry), recorded on the one provider request of the run.
    const calls = await tdb.pool.query('SELECT provider, attempt, http_status, status FROM service_calls ORDER BY id');
    expect(calls.rows).toEqual([{ provider: 'rocket', attempt: 2, http_status: null, status: 'failed' }]);
  });

  it('with a second provider configured, the profile comes from it at once (the refused one counts as down)', async () => {
    const started = performance.now();
    const res = await runCli(['sync-profile', 'demo.blogger', '--json'], {
      DATABASE_URL: tdb.url,
      ROCKET_API_KEY: KEY,
      ROCKET_API_HOST: `http://127.0.0.1:${port}`,
      RAPID_API_KEY: KEY,
      RAPID_SCRAPER_API_HOST: scraper.url,
      RAPID_SCRAPER_API_FAMILY: 'rocket',
      SM_PROVIDER_PRIORITY: 'rocket,scraper',
    });
    expect(res.code, res.stderr).toBe(EXIT.ok);
    expect((performance.now() - started) / 1000).toBeLessThan(5);
    expect(JSON.parse(res.stdout)).toMatchObject({ profile: { username: 'demo.blogger' } });
    expect(scraper.requestsTo('get_info')).toHaveLength(1);
  });
});
