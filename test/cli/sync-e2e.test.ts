// THE end-to-end test (issue 2 §8): the real CLI as a subprocess, a real Postgres, real pg-boss, and a
// fake RocketAPI on loopback serving the bundled fixtures. Plus a smoke test of the embedded default.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { createLogger } from '../../src/logger.ts';
import { type FakeRocketServer, ROCKET_SAMPLES_DIR, startFakeRocketServer } from '../../src/providers/sample/fake-rocket-server.ts';
import { BIN, runCli } from '../helpers/cli.ts';
import { expectNoProcessLeft } from '../helpers/embedded.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const API_KEY = 'test-key';
const sample = (file: string) => JSON.parse(readFileSync(path.join(ROCKET_SAMPLES_DIR, file), 'utf8'));
const info = sample('rocketapi-user-get_info.json').response.body.data.user;
const page1 = sample('rocketapi-user-get_followers-page1.json').response.body;
const page2 = sample('rocketapi-user-get_followers-page2.json').response.body;

describe('sm-core sync-profile demo.blogger --followers (subprocess, server database, fake RocketAPI)', () => {
  let tdb: TestDatabase;
  let server: FakeRocketServer;
  let result: Awaited<ReturnType<typeof runCli>>;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    server = await startFakeRocketServer({ apiKey: API_KEY });
    result = await runCli(['sync-profile', 'demo.blogger', '--followers', '--json'], {
      DATABASE_URL: tdb.url,
      ROCKET_API_HOST: server.url,
      ROCKET_API_KEY: API_KEY,
      SM_LOG_LEVEL: 'debug',
    });
  }, 180_000);
  afterAll(async () => {
    await server.close();
    await tdb.drop();
  });
  const q = async (sql: string, params: unknown[] = []) => (await tdb.pool.query(sql, params)).rows;

  it('exits 0 and prints the profile and both runs as JSON', () => {
    expect(result.stderr).not.toMatch(/sm-core: (?!warning)/);
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout);
    expect(out.profile).toMatchObject({
      ext_id: '9100000001',
      username: 'demo.blogger',
      followers_count: 9,
      follows_count: 5,
      posts_count: 89,
    });
    expect(out.runs.map((r: { kind: string; status: string }) => [r.kind, r.status])).toEqual([
      ['profile', 'succeeded'],
      ['followers', 'succeeded'],
    ]);
    expect(out.runs[1]).toMatchObject({
      pages: 2,
      followers: 9,
      new: 0,
      lost: 0,
      expected: 9,
      completeness: 1,
      baseline: true,
      requests: 2,
    });
    expect(out.sample).toBe(false);
  });

  it("stores the profile with the fixture's counts", async () => {
    expect(await q('SELECT ext_id, username, followers_count, follows_count, posts_count, is_private FROM social_profiles')).toEqual([
      {
        ext_id: info.id,
        username: 'demo.blogger',
        followers_count: String(info.edge_followed_by.count),
        follows_count: String(info.edge_follow.count),
        posts_count: String(info.edge_owner_to_timeline_media.count),
        is_private: false,
      },
    ]);
  });

  it('stores the distinct users across pages: the duplicate once, the renamed user under its new name', async () => {
    const distinct = new Map<string, string>();
    for (const u of [...page1.users, ...page2.users]) distinct.set(String(u.pk), u.username);
    const stored = await q('SELECT ext_id, username FROM followers ORDER BY ext_id');
    expect(stored).toEqual([...distinct].sort().map(([ext_id, username]) => ({ ext_id, username })));
    expect(stored).toHaveLength(9);
    expect(stored).toContainEqual({ ext_id: '9100000105', username: 'verified.bakery.official' });
    expect(stored.filter((r) => r.ext_id === '9100000101')).toHaveLength(1);
  });

  it('stores one active subscription per follower', async () => {
    const subs = await q(`SELECT f.ext_id, s.active, count(*)::int AS n FROM subscriptions s JOIN followers f ON f.id = s.follower_id
      JOIN social_profiles p ON p.id = s.social_profile_id WHERE p.ext_id = '9100000001' GROUP BY 1, 2 ORDER BY 1`);
    expect(subs).toHaveLength(9);
    expect(subs.every((s) => s.active === true && s.n === 1)).toBe(true);
  });

  it('records the runs and the service_call chain with cursors', async () => {
    const runs = await q(`SELECT id::text, kind, status, outcome, pages, requests, items_seen, parent_job_call_id::text AS parent,
      started_at IS NOT NULL AS started, finished_at IS NOT NULL AS finished FROM job_calls ORDER BY id`);
    expect(runs).toEqual([
      {
        id: runs[0]!.id,
        kind: 'profile',
        status: 'succeeded',
        outcome: 'complete',
        pages: 1,
        requests: 1,
        items_seen: 0,
        parent: null,
        started: true,
        finished: true,
      },
      {
        id: runs[1]!.id,
        kind: 'followers',
        status: 'succeeded',
        outcome: 'complete',
        pages: 2,
        requests: 2,
        items_seen: 9,
        parent: runs[0]!.id,
        started: true,
        finished: true,
      },
    ]);
    const calls =
      await q(`SELECT id::text, job_call_id::text AS run, parent_service_call_id::text AS parent, kind, status, cursor, result_summary
      FROM service_calls ORDER BY id`);
    expect(calls.map((c) => [c.run, c.kind, c.status])).toEqual([
      [runs[0]!.id, 'profile', 'succeeded'],
      [runs[1]!.id, 'followers_page', 'succeeded'],
      [runs[1]!.id, 'followers_page', 'succeeded'],
    ]);
    expect(calls[1]).toMatchObject({ parent: null, cursor: { provider: 'rocket', sent: null, received: page1.next_max_id } });
    expect(calls[2]).toMatchObject({ parent: calls[1]!.id, cursor: { provider: 'rocket', sent: page1.next_max_id, received: null } });
    expect(calls[1]!.result_summary).toMatchObject({ items: 6, new_items: 6, http_status: 200, endpoint: 'instagram/user/get_followers' });
    expect(calls[2]!.result_summary).toMatchObject({ items: 5, new_items: 3 });
    const ledger = await q(
      'SELECT provider, endpoint, http_status, attempt, request_units, latency_ms >= 0 AS timed FROM service_calls ORDER BY id',
    );
    expect(ledger).toEqual([
      { provider: 'rocket', endpoint: 'instagram/user/get_info', http_status: 200, attempt: 1, request_units: 1, timed: true },
      { provider: 'rocket', endpoint: 'instagram/user/get_followers', http_status: 200, attempt: 1, request_units: 1, timed: true },
      { provider: 'rocket', endpoint: 'instagram/user/get_followers', http_status: 200, attempt: 1, request_units: 1, timed: true },
    ]);
    // The fake server saw exactly: one profile request, then page 1 and page 2 with page 1's cursor.
    expect(server.requests.map((r) => [r.path, r.body?.max_id ?? null])).toEqual([
      ['/instagram/user/get_info', null],
      ['/instagram/user/get_followers', null],
      ['/instagram/user/get_followers', page1.next_max_id],
    ]);
  });

  it('stops quietly, exit 0, when the reader of its output closes the pipe (`| head -c 1`)', () => {
    // Found trying the README: the EPIPE of a closed pipe printed a Node stack trace.
    const res = spawnSync(
      'sh',
      ['-c', '{ "$0" "$1" followers demo.blogger --json; echo "$?" >&2; } | head -c 1 >/dev/null', process.execPath, BIN],
      {
        env: {
          PATH: process.env.PATH ?? '',
          DATABASE_URL: tdb.url,
          ROCKET_API_KEY: API_KEY,
          ROCKET_API_HOST: server.url,
          SM_LOG_LEVEL: 'warn',
        },
        encoding: 'utf8',
      },
    );
    expect(res.stderr).toBe('0\n');
  });

  it('never lets the API key reach stdout, stderr or the database', async () => {
    expect(server.requests[0]!.headers.authorization).toBe(`Token ${API_KEY}`);
    expect(result.stdout).not.toContain(API_KEY);
    expect(result.stderr).not.toContain(API_KEY);
    const tables = ['social_profiles', 'followers', 'subscriptions', 'job_calls', 'service_calls', 'quarantined_records', 'pgboss.job'];
    for (const t of tables) {
      const [row] = await q(`SELECT count(*)::int AS n FROM ${t} x WHERE x::text LIKE $1`, [`%${API_KEY}%`]);
      expect(row, t).toEqual({ n: 0 });
    }
  });
});

describe('the embedded default (no DATABASE_URL, no key: bundled sample data)', () => {
  it("syncs demo.blogger and its followers into the embedded server's sample database, apart from real data, and leaves no process", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sm-embedded-'));
    chmodSync(dir, 0o755); // as root the server's OS user must enter it (else its cluster goes to /var/lib/sm-core)
    const dataDir = path.join(dir, 'data');
    // The README's main job, as written, on a fresh data directory.
    const res = await runCli(['sync-profile', 'demo.blogger', '--followers'], { SM_DATA_DIR: dataDir, SM_DB_IDLE_SECONDS: '0' }, dir);
    expect(res.stderr).toContain('using bundled SAMPLE data');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('@demo.blogger');
    expect(res.stdout).toMatch(/│ followers │ succeeded │ complete │ 2 +│ 9 /);
    await expectNoProcessLeft(dataDir);
    const count = async (database: string) => {
      const db = await openDatabase({ kind: 'embedded', dataDir, database, idleSeconds: 0 }, createLogger('silent'));
      try {
        const { rows } = await db.query<{ t: string | null }>(`SELECT to_regclass('followers')::text AS t`);
        if (!rows[0]?.t) return 'no schema';
        return (
          await db.query<{ f: string; s: string }>(
            'SELECT (SELECT count(*) FROM followers) AS f, (SELECT count(*) FROM subscriptions) AS s',
          )
        ).rows[0];
      } finally {
        await db.close();
      }
    };
    expect(await count('sm_core_sample')).toEqual({ f: '9', s: '9' });
    // Invented accounts never land in the database real syncs use.
    expect(await count('sm_core')).toBe('no schema');
    await expectNoProcessLeft(dataDir);
  }, 120_000);
});

describe('sample data and a configured server (found trying the README as a new user)', () => {
  it('with no key, a sync refuses to write the invented accounts into DATABASE_URL unless SM_SAMPLE_TO_SERVER=true', async () => {
    const tdb = await createTestDatabase();
    try {
      const refused = await runCli(['sync-profile', 'demo.blogger', '--followers'], { DATABASE_URL: tdb.url });
      expect(refused.code).toBe(3);
      expect(refused.stderr).toContain(
        'sm-core: no provider key is set, so only the bundled SAMPLE accounts could be synced, and they are not written into the configured database',
      );
      const count = async () =>
        (await tdb.pool.query<{ n: number }>('SELECT (SELECT count(*) FROM social_profiles) + (SELECT count(*) FROM job_calls) AS n'))
          .rows[0]!.n;
      expect(Number(await count())).toBe(0);
      const asked = await runCli(['sync-profile', 'demo.blogger'], { DATABASE_URL: tdb.url, SM_SAMPLE_TO_SERVER: 'true' });
      expect(asked.code, asked.stderr).toBe(0);
      expect(Number(await count())).toBe(2);
    } finally {
      await tdb.drop();
    }
  }, 60_000);
});
