// The sync commands and the worker as subprocesses: help, usage errors, exit codes, --enqueue then
// `worker`, and a worker stopped by SIGTERM in the middle of a page.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeRocketServer, ROCKET_SAMPLES_DIR, startFakeRocketServer } from '../../src/providers/sample/fake-rocket-server.ts';
import { runCli, startCli } from '../helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const KEY = 'k-cli-test';
const page1Cursor: string = JSON.parse(readFileSync(path.join(ROCKET_SAMPLES_DIR, 'rocketapi-user-get_followers-page1.json'), 'utf8'))
  .response.body.next_max_id;

/** Polls `check` every 50 ms until it returns a truthy value (or fails after `ms`). */
async function until<T>(check: () => Promise<T>, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('help and usage (no database)', () => {
  it('each sync command explains its options and exit codes', async () => {
    for (const cmd of ['sync-profile', 'sync-followers', 'worker']) {
      const res = await runCli([cmd, '--help'], {});
      expect(res.code, cmd).toBe(0);
      expect(res.stdout).toContain(`Usage: sm-core ${cmd}`);
    }
    const profile = await runCli(['sync-profile', '--help'], {});
    for (const opt of ['--id <ext_id>', '--followers', '--enqueue', '--json', 'Exit codes', '7 run partial'])
      expect(profile.stdout).toContain(opt);
    const worker = await runCli(['worker', '--help'], {});
    for (const opt of ['--concurrency <n>', '--grace <seconds>', 'embedded database']) expect(worker.stdout).toContain(opt);
  }, 120_000);

  it('usage errors exit 2 with one line saying what to do', async () => {
    for (const args of [
      ['sync-profile'],
      ['sync-profile', 'a', '--id', '1'],
      ['sync-followers', '--id', 'abc'],
      ['worker', '--concurrency', '0'],
    ]) {
      const res = await runCli(args, {});
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
      expect(res.stderr).toMatch(/^sm-core: /);
    }
  }, 120_000);
});

describe('against a server database and the fake RocketAPI', () => {
  let tdb: TestDatabase;
  let server: FakeRocketServer;
  let env: Record<string, string>;
  const q = async (sql: string, params: unknown[] = []) => (await tdb.pool.query(sql, params)).rows;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    server = await startFakeRocketServer({ apiKey: KEY });
    env = { DATABASE_URL: tdb.url, ROCKET_API_HOST: server.url, ROCKET_API_KEY: KEY, SM_PROVIDER_RETRIES: '0' };
  });
  afterAll(async () => {
    await server.close();
    await tdb.drop();
  });

  it('exit 8 for a profile that does not exist, with one line on stderr', async () => {
    const res = await runCli(['sync-profile', 'nobody.here'], { ...env, SM_LOG_LEVEL: 'silent' });
    expect(res.code).toBe(8);
    expect(res.stderr).toMatch(/^sm-core: profile run \d+ ended failed \(not_found\): @nobody.here was not found/);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
  }, 120_000);

  it('exit 9 for the followers of a private profile (stored, its list not requested)', async () => {
    const res = await runCli(['sync-followers', 'quiet.gardener', '--json'], { ...env, SM_LOG_LEVEL: 'silent' });
    expect(res.code).toBe(9);
    expect(JSON.parse(res.stdout).profile).toMatchObject({ username: 'quiet.gardener', is_private: true });
    expect(res.stderr).toMatch(/^sm-core: @quiet.gardener is private/);
    expect(server.requestsTo('get_followers').filter((r) => r.body?.id === '9100000002' || r.body?.id === 9100000002)).toHaveLength(0);
  }, 120_000);

  it('--enqueue only queues; `worker` does the work; SIGTERM mid-page commits that page and exits 0', async () => {
    server.reset();
    const queued = await runCli(['sync-followers', 'demo.blogger', '--enqueue', '--json'], { ...env, SM_LOG_LEVEL: 'silent' });
    expect(queued.code).toBe(0);
    const enqueued = JSON.parse(queued.stdout);
    expect(enqueued).toMatchObject({ kind: 'profile', status: 'pending', attached: false });
    expect(server.requests).toHaveLength(0);
    const again = JSON.parse(
      (await runCli(['sync-followers', 'demo.blogger', '--enqueue', '--json'], { ...env, SM_LOG_LEVEL: 'silent' })).stdout,
    );
    expect(again).toMatchObject({ run_id: enqueued.run_id, attached: true });

    // Page 1 answers slowly: the worker is stopped while it is in flight.
    server.script('get_followers', { fixture: 'rocketapi-user-get_followers-page1.json', delayMs: 1500 });
    const worker = startCli(['worker', '--concurrency', '2', '--grace', '20'], env);
    await until(async () => server.requestsTo('get_followers').length === 1);
    worker.child.kill('SIGTERM');
    const stopped = await worker.done;
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toContain('worker stopped');
    const [run] = await q(`SELECT id::text, status, pages, cursor FROM job_calls WHERE kind = 'followers'`);
    expect(run).toMatchObject({ status: 'running', pages: 1, cursor: page1Cursor });
    expect(server.requestsTo('get_followers')).toHaveLength(1);
    expect(await q(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'sync-followers' AND state = 'created'`)).toEqual([{ n: 1 }]);

    // A new worker continues from the committed cursor.
    const second = startCli(['worker'], { ...env, SM_LOG_LEVEL: 'warn' });
    await until(async () => (await q(`SELECT status FROM job_calls WHERE id = $1`, [run!.id]))[0]!.status === 'succeeded');
    second.child.kill('SIGTERM');
    expect((await second.done).code).toBe(0);
    expect(server.requestsTo('get_followers').map((r) => r.body?.max_id ?? null)).toEqual([null, page1Cursor]);
    expect(await q(`SELECT pages, items_seen, requests FROM job_calls WHERE id = $1`, [run!.id])).toEqual([
      { pages: 2, items_seen: 9, requests: 2 },
    ]);
    // Four CLI processes: allow for a busy 2-core machine.
  }, 240_000);
});
