// Record then replay (issue 3 §9): a full sync against the fake RocketAPI with SM_RECORD_DIR, then the
// same sync with SM_REPLAY_DIR into a fresh database with the server stopped and no key: same rows,
// no network, and no secret in any cassette.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeRocketServer, startFakeRocketServer } from '../../src/providers/sample/fake-rocket-server.ts';
import { type CliResult, runCli } from '../helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const SECRET = 'rk_live_SECRET_7f3a9c1e5b';

/** Every row the sync wrote that a replay must reproduce (ids and timestamps aside). */
async function syncedRows(tdb: TestDatabase) {
  const q = async (sql: string) => (await tdb.pool.query(sql)).rows;
  return {
    profiles: await q(`SELECT ext_id, username, full_name, bio, followers_count, follows_count, posts_count, engagement_rate,
      is_private, is_verified, raw_data FROM social_profiles ORDER BY ext_id`),
    followers: await q('SELECT ext_id, username, full_name, avatar, is_private, is_verified, raw_data FROM followers ORDER BY ext_id'),
    edges: await q(`SELECT p.ext_id AS profile, f.ext_id AS follower, s.active FROM subscriptions s
      JOIN social_profiles p ON p.id = s.social_profile_id JOIN followers f ON f.id = s.follower_id ORDER BY 1, 2`),
    runs: await q('SELECT kind, status, outcome, pages, requests, items_seen FROM job_calls ORDER BY id'),
    calls: await q(`SELECT kind, status, cursor, provider, endpoint, http_status, attempt, request_units FROM service_calls ORDER BY id`),
  };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

describe('record, then replay a full sync offline', () => {
  const cassettes = mkdtempSync(path.join(tmpdir(), 'sm-cassettes-'));
  let recordDb: TestDatabase;
  let replayDb: TestDatabase;
  let server: FakeRocketServer;
  let recorded: CliResult;
  let replayed: CliResult;
  let serverUrl: string;

  beforeAll(async () => {
    recordDb = await createTestDatabase();
    replayDb = await createTestDatabase();
    server = await startFakeRocketServer({ apiKey: SECRET });
    serverUrl = server.url;
    const common = { SM_ENV: 'test', SM_LOG_LEVEL: 'warn', ROCKET_API_HOST: serverUrl };
    recorded = await runCli(['sync-profile', 'demo.blogger', '--followers', '--json'], {
      ...common,
      DATABASE_URL: recordDb.url,
      ROCKET_API_KEY: SECRET,
      SM_RECORD_DIR: cassettes,
    });
    await server.close(); // from here on, any request to the provider would fail
    replayed = await runCli(['sync-profile', 'demo.blogger', '--followers', '--json'], {
      ...common,
      DATABASE_URL: replayDb.url,
      SM_REPLAY_DIR: cassettes,
    });
  });
  afterAll(async () => {
    await recordDb.drop();
    await replayDb.drop();
  });

  it('records one cassette per provider request, with no secret in any file', () => {
    expect(recorded.stderr).not.toMatch(/sm-core: /);
    expect(recorded.code).toBe(0);
    const files = filesUnder(cassettes);
    expect(files).toHaveLength(server.requests.length);
    expect(server.requests.map((r) => r.path).sort()).toEqual([
      '/instagram/user/get_followers',
      '/instagram/user/get_followers',
      '/instagram/user/get_info',
    ]);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      expect(text).not.toContain(SECRET);
      expect(text.toLowerCase()).not.toContain('authorization');
      const c = JSON.parse(text);
      expect(c).toMatchObject({ version: 1, provider: 'rocket', request: { method: 'POST' }, response: { status: 200 } });
      expect(c.request.headers).toBeUndefined(); // no request header is kept (they carry the key)
    }
  });

  it('the replay exits 0 and reproduces every row, with nothing sent', async () => {
    expect(replayed.stderr).toContain(`sm-core: replaying recorded provider responses from ${cassettes} (no network)`);
    expect(replayed.stderr).not.toMatch(/sm-core: (?!replaying)/);
    expect(replayed.code).toBe(0);
    const a = await syncedRows(recordDb);
    const b = await syncedRows(replayDb);
    expect(a.followers).toHaveLength(9);
    expect(a.edges).toHaveLength(9);
    expect(b).toEqual(a);
    const profileOut = (r: CliResult) => ({ ...JSON.parse(r.stdout).profile, last_synced_at: 'when it ran' });
    expect(profileOut(replayed)).toEqual(profileOut(recorded));
  });

  it('the ledger records each call; the shared counters hold the recorded requests and nothing from the replay', async () => {
    const calls = (await syncedRows(recordDb)).calls;
    expect(calls.map((c) => [c.provider, c.endpoint, c.http_status, c.attempt, c.request_units])).toEqual([
      ['rocket', 'instagram/user/get_info', 200, 1, 1],
      ['rocket', 'instagram/user/get_followers', 200, 1, 1],
      ['rocket', 'instagram/user/get_followers', 200, 1, 1],
    ]);
    const usage = async (tdb: TestDatabase) =>
      (await tdb.pool.query(`SELECT provider, period, requests FROM provider_usage WHERE period <> 'second' ORDER BY 1, 2`)).rows;
    expect(await usage(recordDb)).toEqual([
      { provider: 'rocket', period: 'day', requests: 3 },
      { provider: 'rocket', period: 'month', requests: 3 },
    ]);
    expect(await usage(replayDb)).toEqual([]);
  });
});
