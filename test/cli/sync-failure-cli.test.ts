// What the CLI says when a sync of a STORED profile fails (subprocesses, server database, fake
// RocketAPI): the stored account is not flagged gone on a username miss, and `show` tells the miss.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeRocketServer, startFakeRocketServer } from '../../src/providers/sample/fake-rocket-server.ts';
import { EXIT } from '../../src/errors.ts';
import { runCli } from '../helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const KEY = 'k-failure-test';
const SLOW = 120_000;

describe('a failed sync of a stored profile', () => {
  let tdb: TestDatabase;
  let server: FakeRocketServer;
  let env: Record<string, string>;
  const cli = (...args: string[]) => runCli(args, env);
  const q = async (sql: string, params: unknown[] = []) => (await tdb.pool.query(sql, params)).rows;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    server = await startFakeRocketServer({ apiKey: KEY });
    env = {
      DATABASE_URL: tdb.url,
      ROCKET_API_HOST: server.url,
      ROCKET_API_KEY: KEY,
      SM_PROVIDER_RETRIES: '0',
      SM_LOG_LEVEL: 'silent',
    };
    const first = await cli('sync-profile', 'demo.blogger');
    expect(first.code, first.stderr).toBe(0);
  }, SLOW);
  afterAll(async () => {
    await server.close();
    await tdb.drop();
  });

  it(
    'not found by username: exit 8, the stored account is not flagged, `show` reports the miss',
    async () => {
      // Found by a new user review: the account renamed itself, its old name stopped resolving, and
      // `sync-profile <old name>` set not_found_at on the live account.
      server.script('get_info', { fixture: 'rocketapi-error-not-found-username.json' });
      const res = await cli('sync-profile', 'demo.blogger');
      expect(res.code).toBe(8);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
      expect(res.stderr).toMatch(
        /^sm-core: profile run (\d+) ended failed \(not_found\): @demo\.blogger was not found \(.+\); the username no longer resolves, so the stored account @demo\.blogger \(id 9100000001\) is not flagged: it may have been renamed \(check: sm-core sync-profile --id 9100000001\)\n$/,
      );
      const runId = /profile run (\d+)/.exec(res.stderr)![1]!;
      expect(res.stdout).toMatch(/^stored data, NOT refreshed by this run \(last synced [\d-]+T[\d:.]+Z\):\n/);
      expect(await q(`SELECT username, not_found_at FROM social_profiles WHERE ext_id = '9100000001'`)).toEqual([
        { username: 'demo.blogger', not_found_at: null },
      ]);

      const [table, json] = await Promise.all([cli('show', 'demo.blogger'), cli('show', 'demo.blogger', '--json')]);
      expect(table.code, table.stderr).toBe(0);
      expect(table.stdout).not.toMatch(/│ not found\s+│/);
      expect(table.stdout).toMatch(
        new RegExp(
          `│ username lookup\\s+│ @demo\\.blogger not found \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z \\(run ${runId}\\); account not flagged, it may have been renamed: sm-core sync-profile --id 9100000001`,
        ),
      );
      const out = JSON.parse(json.stdout);
      expect(out.profile.not_found_at).toBeNull();
      expect(out.username_not_found).toEqual({ username: 'demo.blogger', at: expect.any(String), run_id: runId });

      // By id the account answers: it is synced, and the miss (older than this sync) is no longer shown.
      expect((await cli('sync-profile', '--id', '9100000001')).code).toBe(0);
      const after = JSON.parse((await cli('show', 'demo.blogger', '--json')).stdout);
      expect(after.username_not_found).toBeNull();
    },
    SLOW,
  );

  it(
    'a provider error: the error on stderr, and the stored card labelled as stored data with its last-synced time',
    async () => {
      // Found by a new user review: a failed sync-profile printed the previously stored profile card
      // as if this run had just fetched it.
      const [before] = await q(`SELECT last_synced_at FROM social_profiles WHERE ext_id = '9100000001'`);
      const synced = (before!.last_synced_at as Date).toISOString();
      const denied = { status: 401, fixture: 'rocketapi-error-invalid-token.json' };
      server.script('get_info', denied, denied);
      const [table, json] = [await cli('sync-profile', 'demo.blogger'), await cli('sync-profile', 'demo.blogger', '--json')];
      expect(table.code).toBe(EXIT.unauthorized);
      expect(table.stderr).toMatch(/^sm-core: profile run \d+ ended failed \(unauthorized\): .+\n$/);
      const lines = table.stdout.split('\n');
      expect(lines[0]).toBe(`stored data, NOT refreshed by this run (last synced ${synced}):`);
      expect(lines[2]).toMatch(/^│ profile\s+│ @demo\.blogger\s+│$/);
      expect(table.stdout).toMatch(new RegExp(`│ last synced\\s+│ ${synced}\\s+│`));
      expect(table.stdout).toMatch(/│ \d+\s+│ profile │ failed │ unauthorized │/);
      expect(json.code).toBe(EXIT.unauthorized);
      const out = JSON.parse(json.stdout);
      expect(out).toMatchObject({ profile_refreshed: false, profile: { username: 'demo.blogger', last_synced_at: synced } });
      expect(out.runs).toMatchObject([{ kind: 'profile', status: 'failed', outcome: 'unauthorized' }]);
      expect(await q(`SELECT last_synced_at FROM social_profiles WHERE ext_id = '9100000001'`)).toEqual([
        { last_synced_at: before!.last_synced_at },
      ]);

      // A run that succeeds prints its own data, unlabelled.
      const ok = await cli('sync-profile', 'demo.blogger');
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).not.toContain('stored data');
      expect(ok.stdout.split('\n')[1]).toMatch(/^│ profile\s+│ @demo\.blogger\s+│$/);
      const okJson = await cli('sync-profile', 'demo.blogger', '--json');
      expect(JSON.parse(okJson.stdout)).toMatchObject({ profile_refreshed: true, runs: [{ status: 'succeeded' }] });
    },
    SLOW,
  );

  it(
    'not found by id: exit 8 and the stored account is flagged; `show` says since when',
    async () => {
      server.script('get_info_by_id', { fixture: 'rocketapi-error-not-found.json' });
      const res = await cli('sync-profile', '--id', '9100000001');
      expect(res.code).toBe(8);
      expect(res.stderr).toMatch(/^sm-core: profile run \d+ ended failed \(not_found\): id 9100000001 was not found \(.+\)\n$/);
      const [row] = await q(`SELECT not_found_at FROM social_profiles WHERE ext_id = '9100000001'`);
      expect(row!.not_found_at).toBeInstanceOf(Date);
      const table = await cli('show', 'demo.blogger');
      expect(table.stdout).toMatch(new RegExp(`│ not found\\s+│ since ${(row!.not_found_at as Date).toISOString()}`));
    },
    SLOW,
  );
});
