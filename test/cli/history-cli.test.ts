// The history commands as subprocesses (issue 4 §9): `show`, `followers [--new|--lost] [--since]
// [--json|--csv]`, `runs`, `runs show <id>`, against a real Postgres filled by two real followers
// runs of the bundled demo profile (baseline, then one new and one lost follower).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeRocketServer, startFakeRocketServer } from '../../src/providers/sample/fake-rocket-server.ts';
import { runCli } from '../helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { rocketListPage } from '../helpers/rocket-pages.ts';

const API_KEY = 'test-key';
const SLOW = 180_000;

// The bundled sample's 9 followers of demo.blogger (samples/rocketapi get_followers pages 1 and 2).
const SAMPLE = [
  ['9100000101', 'sunny_side.up'],
  ['9100000102', 'layla.qamar'],
  ['9100000103', 'no.name.here'],
  ['9100000104', 'the.longest.handle.allowed.x30'],
  ['9100000105', 'verified.bakery.official'],
  ['9100000106', 'noa.example'],
  ['9100000107', 'mirror.text'],
  ['9100000108', 'html.tester'],
  ['9100000109', 'no.picture.key'],
] as Array<[string, string]>;

describe('history commands (subprocess, server database, fake RocketAPI)', () => {
  let tdb: TestDatabase;
  let server: FakeRocketServer;
  let env: Record<string, string>;
  let secondRun: string;
  const cli = (...args: string[]) => runCli(args, env);

  beforeAll(async () => {
    tdb = await createTestDatabase();
    server = await startFakeRocketServer({ apiKey: API_KEY });
    env = { DATABASE_URL: tdb.url, ROCKET_API_HOST: server.url, ROCKET_API_KEY: API_KEY, SM_LOG_LEVEL: 'warn' };
    // Run 1 (the bundled pages): the baseline, 9 of 9. Run 2: layla.qamar left, fresh.face came.
    expect((await cli('sync-profile', 'demo.blogger', '--followers')).code).toBe(0);
    server.script('get_followers', {
      body: rocketListPage(
        [...SAMPLE.filter(([, u]) => u !== 'layla.qamar'), ['9100000199', 'fresh.face'] as [string, string]].map(
          ([pk, u]): [string, string, string] => [pk, u, `Name, "${u}"`],
        ),
        null,
      ),
    });
    const second = await cli('sync-profile', 'demo.blogger', '--followers', '--json');
    expect(second.code, second.stderr).toBe(0);
    secondRun = JSON.parse(second.stdout).runs[1].run_id;
  }, SLOW);
  afterAll(async () => {
    await server.close();
    await tdb.drop();
  });

  it(
    'show: the card, growth sparklines, and new / lost since the previous complete run',
    async () => {
      const [table, json] = await Promise.all([cli('show', 'demo.blogger'), cli('show', '@demo.blogger', '--json')]);
      expect(table.code, table.stderr).toBe(0);
      expect(table.stderr).toBe('');
      expect(table.stdout).toContain('@demo.blogger');
      expect(table.stdout).toMatch(/engagement\s+│ 55\.56%/);
      expect(table.stdout).toMatch(/followers stored\s+│ 9 \(baseline /);
      expect(table.stdout).toMatch(/growth \(2 snapshots, /);
      expect(table.stdout).toMatch(/ {2}followers {2}▄▄ {2}9 -> 9 \(\+0\)/);
      expect(table.stdout).toMatch(/followers since the previous complete run \(run \d+, /);
      expect(table.stdout).toContain('  new:  @fresh.face\n');
      expect(table.stdout).toContain('  lost: @layla.qamar\n');
      expect(table.stdout).toMatch(new RegExp(`latest followers run: ${secondRun} succeeded \\(complete\\), 9 of 9 seen \\(100%\\)`));
      expect(json.code).toBe(0);
      const out = JSON.parse(json.stdout);
      expect(out.profile).toMatchObject({ username: 'demo.blogger', followers_count: 9, engagement_rate: 0.555556 });
      expect(out.followers_stored).toBe(9);
      expect(out.snapshots).toHaveLength(2);
      expect(out.snapshots[1]).toMatchObject({
        followers_count: 9,
        engagement_rate: 0.5555555556,
        engagement_formula: 'mean_likes_comments_latest12_per_follower_v1',
      });
      expect(out.changes.new.map((r: { username: string }) => r.username)).toEqual(['fresh.face']);
      expect(out.changes.lost.map((r: { username: string; event: string; run_id: string }) => [r.username, r.event, r.run_id])).toEqual([
        ['layla.qamar', 'unfollowed', secondRun],
      ]);
      expect(out.latest_followers_run).toMatchObject({ run_id: secondRun, status: 'succeeded', seen: 9, expected: 9 });
    },
    SLOW,
  );

  it(
    'followers: current, --new, --lost, windows; table, JSON and CSV',
    async () => {
      const [current, newJson, lostCsv, sinceFuture, sinceWeek, currentCsv] = await Promise.all([
        cli('followers', 'demo.blogger', '--json'),
        cli('followers', 'demo.blogger', '--new', '--json'),
        cli('followers', 'demo.blogger', '--lost', '--csv'),
        cli('followers', 'demo.blogger', '--new', '--since', '2999-01-01', '--json'),
        cli('followers', 'demo.blogger', '--lost', '--since', '7d'),
        cli('followers', 'demo.blogger', '--csv', '--limit', '100'),
      ]);
      for (const r of [current, newJson, lostCsv, sinceFuture, sinceWeek, currentCsv]) expect(r.code, r.stderr).toBe(0);
      const rows = JSON.parse(current.stdout) as Array<{ username: string; first_seen_at: string }>;
      expect(rows.map((r) => r.username).sort()).toEqual(
        [...SAMPLE.map(([, u]) => u).filter((u) => u !== 'layla.qamar'), 'fresh.face'].sort(),
      );
      expect(JSON.parse(newJson.stdout)).toEqual([
        expect.objectContaining({ ext_id: '9100000199', username: 'fresh.face', event: 'followed', run_id: secondRun }),
      ]);
      const lines = lostCsv.stdout.split('\n');
      expect(lines[0]).toBe('ext_id,username,full_name,event,at,run_id');
      expect(lines[1]).toMatch(new RegExp(`^9100000102,layla\\.qamar,ليلى قمر 🌙,unfollowed,\\d{4}-\\d{2}-\\d{2}T[^,]+,${secondRun}$`));
      // A comma and quotes in a field are quoted (RFC 4180); these full names come from run 2's page.
      expect(currentCsv.stdout).toMatch(/^9100000199,fresh\.face,"Name, ""fresh\.face""",\d{4}-/m);
      expect(currentCsv.stdout.split('\n')).toHaveLength(1 + 9 + 1);
      expect(lines).toHaveLength(3);
      expect(JSON.parse(sinceFuture.stdout)).toEqual([]);
      expect(sinceWeek.stdout).toMatch(/@demo\.blogger: lost followers since \d{4}-/);
      expect(sinceWeek.stdout).toContain('@layla.qamar');
    },
    SLOW,
  );

  it(
    'runs and runs show: completeness, requests per provider, the chain of calls with cursors',
    async () => {
      const [list, json, table, show] = await Promise.all([
        cli('runs', '--profile', 'demo.blogger'),
        cli('runs', '--profile', 'demo.blogger', '--kind', 'followers', '--json'),
        cli('runs', 'show', secondRun),
        cli('runs', 'show', secondRun, '--json'),
      ]);
      for (const r of [list, json, table, show]) expect(r.code, r.stderr).toBe(0);
      expect(list.stdout).toMatch(/│ followers │ @demo\.blogger │ succeeded │ complete │/);
      expect(list.stdout).toContain('baseline');
      const runs = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
      expect(
        runs.map((r) => [r.kind, r.status, r.followers, r.expected, r.completeness, r.new, r.lost, r.baseline, r.requests_by_provider]),
      ).toEqual([
        ['followers', 'succeeded', 9, 9, 1, 1, 1, false, { rocket: { calls: 1, units: 1 } }],
        ['followers', 'succeeded', 9, 9, 1, 0, 0, true, { rocket: { calls: 2, units: 2 } }],
      ]);
      expect(table.stdout).toMatch(/new \/ lost\s+│ 1 \/ 1/);
      expect(table.stdout).toMatch(/│ followers_page │ rocket\s+│ succeeded │/);
      const detail = JSON.parse(show.stdout);
      expect(detail.run).toMatchObject({ run_id: secondRun, kind: 'followers', profile: 'demo.blogger', status: 'succeeded' });
      expect(detail.calls).toEqual([
        expect.objectContaining({
          kind: 'followers_page',
          provider: 'rocket',
          status: 'succeeded',
          cursor_sent: null,
          cursor_received: null,
          items: 9,
          http_status: 200,
        }),
      ]);
    },
    SLOW,
  );

  it(
    'errors: one line on stderr, meaningful exit codes',
    async () => {
      const [unknown, both, badWhen, noRun, badStatus, hugeRun] = await Promise.all([
        cli('show', 'nobody.here'),
        cli('followers', 'demo.blogger', '--new', '--lost'),
        cli('followers', 'demo.blogger', '--new', '--since', 'last tuesday'),
        cli('runs', 'show', '999999'),
        cli('runs', '--status', 'great'),
        // Past bigint: was "internal error: value ... is out of range for type bigint", exit 1.
        cli('runs', 'show', '99999999999999999999999'),
      ]);
      expect([unknown.code, unknown.stdout, unknown.stderr]).toEqual([
        8,
        '',
        'sm-core: @nobody.here is not stored yet: run `sm-core sync-profile nobody.here --followers` first\n',
      ]);
      expect([both.code, both.stderr]).toEqual([2, 'sm-core: give --new or --lost, not both\n']);
      expect(badWhen.code).toBe(2);
      expect(badWhen.stderr).toMatch(/^sm-core: invalid --since "last tuesday": use a date/);
      expect([noRun.code, noRun.stderr]).toEqual([2, 'sm-core: no run 999999 (see `sm-core runs`)\n']);
      expect([hugeRun.code, hugeRun.stderr]).toEqual([2, 'sm-core: no run 99999999999999999999999 (see `sm-core runs`)\n']);
      expect([badStatus.code, badStatus.stderr]).toEqual([
        2,
        'sm-core: invalid --status "great": one of pending, running, succeeded, partial, failed\n',
      ]);
    },
    SLOW,
  );

  it(
    'every history command explains itself with --help',
    async () => {
      const helps = await Promise.all([
        cli('show', '--help'),
        cli('followers', '--help'),
        cli('runs', '--help'),
        cli('runs', 'show', '--help'),
        cli('sync-followings', '--help'),
      ]);
      for (const h of helps) expect(h.code).toBe(0);
      expect(helps[0]!.stdout).toContain('baseline');
      expect(helps[1]!.stdout).toContain('--lost');
      expect(helps[1]!.stdout).toContain('FIRST SAW');
      expect(helps[2]!.stdout).toContain('SM_COMPLETENESS_MIN_SHARE');
      expect(helps[3]!.stdout).toContain('cursors');
      expect(helps[4]!.stdout).toContain('followings');
    },
    SLOW,
  );
});
