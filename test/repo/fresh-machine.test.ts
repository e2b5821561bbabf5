// The README's test command on a fresh machine: the server has no database named as DATABASE_URL's,
// and nothing but the npm-installed tools is on PATH (no ShellCheck). The test set-up creates the
// database itself (test/setup/global-db.ts, ensureDatabase) instead of stopping with a pg stack trace.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { adminUrl, withDatabase } from '../helpers/db.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

async function databaseExists(name: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: withDatabase(adminUrl(), 'postgres') });
  await c.connect();
  try {
    return (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  } finally {
    await c.end();
  }
}

async function dropDatabase(name: string): Promise<void> {
  const c = new pg.Client({ connectionString: withDatabase(adminUrl(), 'postgres') });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await c.end();
  }
}

describe('npm test on a fresh machine', () => {
  it('creates the missing DATABASE_URL database and runs with only node_modules/.bin on PATH', async () => {
    const name = `sm_core_fresh_${randomBytes(5).toString('hex')}`;
    expect(await databaseExists(name)).toBe(false);
    const home = mkdtempSync(path.join(tmpdir(), 'sm-fresh-home-'));
    try {
      const res = spawnSync(`${root}node_modules/.bin/vitest`, ['run', 'test/config.test.ts'], {
        cwd: root,
        env: { PATH: `${root}node_modules/.bin`, HOME: home, NO_COLOR: '1', DATABASE_URL: withDatabase(adminUrl(), name) },
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(res.status, `${res.stdout}\n${res.stderr}`).toBe(0);
      expect(res.stdout).toMatch(/Test Files\s+1 passed/);
      expect(await databaseExists(name)).toBe(true);
    } finally {
      rmSync(home, { recursive: true, force: true });
      await dropDatabase(name);
    }
  });
});
