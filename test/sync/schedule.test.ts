// Schedule entries against the real database: add/import is idempotent, files are validated whole.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/db/database.ts';
import { listSchedules } from '../../src/db/queries/sync-schedules.ts';
import { UsageError } from '../../src/errors.ts';
import { createLogger } from '../../src/logger.ts';
import { DEFAULT_TIMING, parseScheduleFile, type ScheduleDefaults } from '../../src/sync/schedule-file.ts';
import { describeTiming, removeSchedule, saveSchedules } from '../../src/sync/schedule.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const defaults: ScheduleDefaults = { platform: 'instagram', timing: DEFAULT_TIMING, kinds: ['profile'], priority: 0 };

const CSV = `username,every,cron,timezone,followers,priority
@anna.k_92,12h,,,yes,5
https://www.instagram.com/demo.blogger/,,0 3 * * *,Europe/Berlin,,
bob,,,,no,
# a comment line
Bob,,,,true,1
`;

describe('schedule add / import', () => {
  let tdb: TestDatabase;
  let db: Database;
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
  });

  it('parses a CSV with a header: @handles, profile URLs, flags, defaults, duplicates (last wins)', () => {
    const { specs, duplicates } = parseScheduleFile(CSV, 'csv', defaults);
    expect(duplicates).toBe(1);
    expect(specs).toEqual([
      {
        platform: 'instagram',
        username: 'anna.k_92',
        extId: null,
        kinds: ['profile', 'followers'],
        timing: { everySeconds: 43_200 },
        enabled: true,
        priority: 5,
      },
      {
        platform: 'instagram',
        username: 'demo.blogger',
        extId: null,
        kinds: ['profile'],
        timing: { cron: '0 3 * * *', timezone: 'Europe/Berlin' },
        enabled: true,
        priority: 0,
      },
      {
        platform: 'instagram',
        username: 'Bob',
        extId: null,
        kinds: ['profile', 'followers'],
        timing: { everySeconds: 86_400 },
        enabled: true,
        priority: 1,
      },
    ]);
  });

  it('parses a headerless CSV (one username per line) and JSON lists of strings or objects', () => {
    expect(parseScheduleFile('anna\nbob\n', 'csv', defaults).specs.map((s) => s.username)).toEqual(['anna', 'bob']);
    const json = JSON.stringify(['anna', { id: '17841400000000001', kinds: 'profile,followers,followings', every: '7d', enabled: false }]);
    const { specs } = parseScheduleFile(json, 'json', defaults);
    expect(specs[1]).toEqual({
      platform: 'instagram',
      username: null,
      extId: '17841400000000001',
      kinds: ['profile', 'followers', 'followings'],
      timing: { everySeconds: 604_800 },
      enabled: false,
      priority: 0,
    });
    expect(parseScheduleFile(JSON.stringify({ schedules: ['x'] }), 'json', defaults).specs).toHaveLength(1);
  });

  it('refuses a file with bad rows as a whole, naming each row', () => {
    const bad = 'username,every\ngood_one,24h\nbad one,24h\nthird,2x\n,\n';
    let err: unknown;
    try {
      parseScheduleFile(bad, 'csv', defaults);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe(
      'nothing imported, 3 bad row(s): line 3: invalid username "bad one"; line 4: invalid interval "2x": use a number and a unit, e.g. 30m, 24h, 7d, 1h30m; line 5: each entry needs a username or an id',
    );
    expect(() => parseScheduleFile('{', 'json', defaults)).toThrow(/not valid JSON/);
    expect(() => parseScheduleFile('[{"username":"a","every":"1h","cron":"0 3 * * *"}]', 'json', defaults)).toThrow(/not both/);
    // Found by review: a timezone beside an interval was dropped unchecked, so `--tz Mars/Base` exited 0.
    expect(() => parseScheduleFile('[{"username":"a","every":"1h","timezone":"Mars/Base"}]', 'json', defaults)).toThrow(
      /invalid timezone "Mars\/Base": use an IANA name/,
    );
    expect(parseScheduleFile('[{"username":"a","every":"1h","timezone":"Europe/Berlin"}]', 'json', defaults).specs[0]!.timing).toEqual({
      everySeconds: 3600,
    });
  });

  it('importing the same file twice changes nothing the second time (not even updated_at)', async () => {
    const { specs } = parseScheduleFile(CSV, 'csv', defaults);
    const first = await saveSchedules(db, specs);
    expect([first.added, first.updated, first.unchanged]).toEqual([3, 0, 0]);
    const before = await tdb.pool.query('SELECT * FROM sync_schedules ORDER BY id');
    const second = await saveSchedules(db, parseScheduleFile(CSV, 'csv', defaults).specs);
    expect([second.added, second.updated, second.unchanged]).toEqual([0, 0, 3]);
    const after = await tdb.pool.query('SELECT * FROM sync_schedules ORDER BY id');
    expect(after.rows).toEqual(before.rows);
  });

  it('an import that changes one entry updates only it; a timing change re-arms next_run_at, a priority change does not', async () => {
    await saveSchedules(db, parseScheduleFile(CSV, 'csv', defaults).specs);
    await tdb.pool.query(`UPDATE sync_schedules SET next_run_at = '2030-01-01T00:00:00Z'`);
    const changed = CSV.replace('@anna.k_92,12h,,,yes,5', '@anna.k_92,12h,,,yes,9').replace('Bob,,,,true,1', 'Bob,6h,,,true,1');
    const report = await saveSchedules(db, parseScheduleFile(changed, 'csv', defaults).specs);
    expect([report.added, report.updated, report.unchanged]).toEqual([0, 2, 1]);
    const rows = await listSchedules(db);
    const byName = Object.fromEntries(rows.map((r) => [r.username, r]));
    expect(byName['anna.k_92']).toMatchObject({ priority: 9, everySeconds: 43_200 });
    expect(byName['anna.k_92']!.nextRunAt.toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(byName.Bob!.everySeconds).toBe(21_600);
    expect(byName.Bob!.nextRunAt.getTime()).toBeLessThan(Date.parse('2030-01-01T00:00:00Z'));
    expect(describeTiming(byName['demo.blogger']!)).toBe('cron "0 3 * * *" (Europe/Berlin)');
  });

  it('the username identity is case-insensitive; the provider id is a separate identity', async () => {
    const specs = parseScheduleFile('username,id\nAnna,\nanna,\nanna,123\n', 'csv', defaults).specs;
    expect(specs.map((s) => [s.username, s.extId])).toEqual([
      ['anna', null],
      ['anna', '123'],
    ]);
    expect((await saveSchedules(db, specs)).added).toBe(2);
  });

  it('removes the entries of a username, case-insensitively', async () => {
    await saveSchedules(db, parseScheduleFile('anna\nbob\n', 'csv', defaults).specs);
    expect((await removeSchedule(db, 'instagram', { username: 'ANNA' })).map((r) => r.username)).toEqual(['anna']);
    expect(await removeSchedule(db, 'instagram', { username: 'anna' })).toEqual([]);
    expect((await listSchedules(db)).map((r) => r.username)).toEqual(['bob']);
  });
});
