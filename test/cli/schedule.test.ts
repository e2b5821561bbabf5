// `sm-core schedule ...` as a subprocess: stdout carries results, stderr one-line errors, exit codes mean something.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('cli: schedule', () => {
  let tdb: TestDatabase;
  const run = (...args: string[]) => {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: tdb.url, SM_ENV: 'test', SM_LOG_LEVEL: 'warn' };
    return spawnSync(`${root}node_modules/.bin/node`, [`${root}bin/sm-core.js`, ...args], { cwd: root, env, encoding: 'utf8' });
  };
  beforeAll(async () => {
    tdb = await createTestDatabase();
  });
  afterAll(async () => {
    await tdb.drop();
  });

  it('add, import twice, list, remove', () => {
    const add = run('schedule', 'add', '@demo.blogger', '--every', '24h', '--followers', '--json');
    expect(add.status, add.stderr).toBe(0);
    expect(JSON.parse(add.stdout)).toMatchObject({ added: 1, updated: 0, unchanged: 0 });

    const file = path.join(mkdtempSync(path.join(tmpdir(), 'sm-sched-')), 'bloggers.csv');
    writeFileSync(file, 'username,every,followers\nanna.k,12h,yes\ndemo.blogger,24h,yes\n');
    const first = run('schedule', 'import', file);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toBe('added 1, updated 0, unchanged 1\n');
    const second = run('schedule', 'import', file);
    expect(second.stdout).toBe('added 0, updated 0, unchanged 2\n');

    const list = run('schedule', 'list', '--json');
    expect(list.status).toBe(0);
    const rows = JSON.parse(list.stdout) as Array<{ username: string; every: string; kinds: string[] }>;
    expect(rows.map((r) => [r.username, r.every, r.kinds.join('+')])).toEqual([
      ['anna.k', '12h', 'profile+followers'],
      ['demo.blogger', '24h', 'profile+followers'],
    ]);

    const removed = run('schedule', 'remove', 'Demo.Blogger');
    expect(removed.stdout).toBe('removed 1 entry\n');
  });

  it('bad input exits 2 with one line on stderr and nothing on stdout', () => {
    const bad = run('schedule', 'add', 'someone', '--every', '2x');
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe('sm-core: invalid interval "2x": use a number and a unit, e.g. 30m, 24h, 7d, 1h30m\n');
    const missing = run('schedule', 'remove', 'nobody');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe('sm-core: no schedule entry for nobody (see `sm-core schedule list`)\n');
  });
});
