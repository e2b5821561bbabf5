// Start-up loads only what a command needs (AGENTS.md, CLI): `--help` loads no database, queue, HTTP
// or logging module, and read-only commands (`show`, `search`) load no queue, sync, HTTP server,
// New Relic, pg-boss or pino-pretty. The modules each run loaded are recorded by a module hook.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

let dir: string;
let tdb: TestDatabase;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'sm-imports-'));
  tdb = await createTestDatabase();
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await tdb.drop();
});

/** Runs `sm-core <args>` and returns the exit code and every module URL it loaded. */
function loadedBy(args: string[], env: Record<string, string> = {}): { status: number | null; modules: string[] } {
  const log = path.join(dir, `loaded-${args.join('-').replace(/\W/g, '_')}.txt`);
  const hook = path.join(dir, 'hook.mjs');
  writeFileSync(
    hook,
    `import { registerHooks } from 'node:module';\nimport { appendFileSync } from 'node:fs';\n` +
      `registerHooks({ load(url, ctx, next) { appendFileSync(${JSON.stringify(log)}, url + '\\n'); return next(url, ctx); } });\n`,
  );
  const res = spawnSync(process.execPath, ['--import', hook, BIN, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOME: dir, SM_ENV: 'test', ...env },
    encoding: 'utf8',
  });
  return { status: res.status, modules: readFileSync(log, 'utf8').trim().split('\n') };
}

const matching = (modules: string[], pattern: RegExp) => modules.filter((m) => pattern.test(m));

describe('modules loaded at start-up', () => {
  it('--help: commander and the command modules only', () => {
    const { status, modules } = loadedBy(['--help']);
    expect(status).toBe(0);
    expect(matching(modules, /node_modules\/(?!commander\/)/)).toEqual([]);
    expect(matching(modules, /\/src\/(db|queue|sync|providers|http|monitoring)\/|\/src\/(context|config|logger)\.ts$/)).toEqual([]);
  });

  it('show and search on a server: no queue, pg-boss, sync, provider, HTTP server, New Relic or pino-pretty module', () => {
    for (const args of [
      ['show', 'nobody.here'],
      ['search', 'demo'],
    ]) {
      const { status, modules } = loadedBy(args, { DATABASE_URL: tdb.url });
      expect(status, args.join(' ')).toBe(args[0] === 'show' ? 8 : 0);
      // Allowed from those layers: plain constants and rules (handle syntax, run outcomes, page-size limits).
      const layers = /\/src\/(queue|http|monitoring)\/|\/src\/providers\/(?!rocket\/limits\.ts$)|\/src\/sync\/(?!(usernames|outcome)\.ts$)/;
      expect(matching(modules, layers), args.join(' ')).toEqual([]);
      expect(
        matching(modules, /node_modules\/(pg-boss|pino-pretty|newrelic|undici|csv-parse|prom-client|cron-parser)\//),
        args.join(' '),
      ).toEqual([]);
    }
  });
});
