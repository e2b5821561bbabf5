// The embedded PostgreSQL server, with real processes and no mocks: start, attach, stop; several
// sm-core processes at once on the default database; a killed first process; stale lock files;
// bad data directories. Every test ends with no postgres or supervisor process of its directory left.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { embeddedLayout } from '../../src/db/embedded/layout.ts';
import { runCli, startCli } from '../helpers/cli.ts';
import { expectNoProcessLeft, processesOf, stopAndExpectGone } from '../helpers/embedded.ts';
import { request, until } from '../http/api-helpers.ts';

const dirs: string[] = [];

/** A fresh SM_DATA_DIR inside a world-searchable temp dir (the root-run server user must enter it). */
function freshDataDir(): string {
  const base = mkdtempSync(path.join(tmpdir(), 'sm-embedded-'));
  chmodSync(base, 0o755);
  dirs.push(base);
  return path.join(base, 'data');
}

/** The environment of a CLI on the embedded default with sample data; idle 0 = stop with the last client. */
const env = (dataDir: string, extra: Record<string, string> = {}) => ({ SM_DATA_DIR: dataDir, SM_DB_IDLE_SECONDS: '0', ...extra });

/** How many times the server of `dataDir` was started (PostgreSQL logs this once per start). */
const starts = (dataDir: string) =>
  (readFileSync(path.join(dataDir, 'postgres.log'), 'utf8').match(/database system is ready to accept connections/g) ?? []).length;

/** Queues demo.blogger's sync (--enqueue) and waits until the running worker has stored its 9 followers. */
async function enqueueAndExpectWorked(dataDir: string): Promise<void> {
  const queued = await runCli(['sync-profile', 'demo.blogger', '--followers', '--enqueue'], env(dataDir));
  expect(queued.code, queued.stderr).toBe(0);
  await vi.waitFor(
    async () => {
      const shown = await runCli(['followers', 'demo.blogger', '--json'], env(dataDir));
      expect(JSON.parse(shown.stdout || '[]')).toHaveLength(9);
    },
    { timeout: 60_000, interval: 500 },
  );
}

afterEach(async () => {
  for (const base of dirs) await stopAndExpectGone(path.join(base, 'data'));
});
afterAll(() => {
  for (const base of dirs) rmSync(base, { recursive: true, force: true });
});

describe('sm-core db status|start|stop', () => {
  it('creates and starts the server, keeps it with no client, reports it, and stops it', async () => {
    const dataDir = freshDataDir();
    const before = await runCli(['db', 'status', '--json'], env(dataDir));
    expect(before.code, before.stderr).toBe(0);
    expect(JSON.parse(before.stdout)).toMatchObject({ data_dir: dataDir, initialized: false, running: false, clients: [] });

    const started = await runCli(['db', 'start', '--json'], env(dataDir));
    expect(started.code, started.stderr).toBe(0);
    const s = JSON.parse(started.stdout);
    expect(s).toMatchObject({ initialized: true, version: '18', running: true, keep_running: true, socket_dir: path.join(dataDir, 'run') });
    expect(processesOf(dataDir)).toContain(s.pid);
    // The server listens on its Unix socket only: no TCP port in its settings.
    expect(readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[5]).toBe('');

    // Kept running with no client (idle 0) until stopped.
    const show = await runCli(['search', 'anna', '--json'], env(dataDir));
    expect(show.code, show.stderr).toBe(0);
    expect(JSON.parse(show.stdout).meta.total).toBe(0);
    const status = JSON.parse((await runCli(['db', 'status', '--json'], env(dataDir))).stdout);
    expect([status.running, status.pid]).toEqual([true, s.pid]);

    const stopped = await runCli(['db', 'stop'], env(dataDir));
    expect([stopped.code, stopped.stdout]).toEqual([0, `stopped the embedded server in ${dataDir}\n`]);
    await expectNoProcessLeft(dataDir, 1000);
    expect(existsSync(path.join(dataDir, 'server.json'))).toBe(false);
    const again = await runCli(['db', 'stop'], env(dataDir));
    expect([again.code, again.stdout]).toEqual([0, `no embedded server was running in ${dataDir}\n`]);
  }, 120_000);

  it('refuses to stop a server sm-core processes use; --force stops them first (the worker exits 0), then the server', async () => {
    const dataDir = freshDataDir();
    const worker = startCli(['worker'], env(dataDir, { SM_LOG_LEVEL: 'info' }));
    await until(async () => worker.stderr().includes('worker started'), `the worker to start (stderr: ${worker.stderr()})`);
    const refused = await runCli(['db', 'stop'], env(dataDir));
    expect(refused.code).toBe(4);
    expect(refused.stderr).toBe(
      `sm-core: the embedded server in ${dataDir} is in use by sm-core process(es) ${worker.child.pid}: stop them first, or use --force to stop them too (SIGTERM: jobs in flight commit)\n`,
    );
    const forced = await runCli(['db', 'stop', '--force'], env(dataDir));
    expect([forced.code, forced.stdout]).toEqual([0, `stopped the embedded server in ${dataDir}\n`]);
    expect((await worker.done).code).toBe(0);
    await expectNoProcessLeft(dataDir, 1000);
  }, 120_000);
});

describe('several sm-core processes on the default database', () => {
  it('two CLIs started at the same instant share one server', async () => {
    const dataDir = freshDataDir();
    // The default idle time: the second must not find the first's server gone.
    const [a, b] = await Promise.all([
      runCli(['sync-profile', 'demo.blogger'], env(dataDir, { SM_DB_IDLE_SECONDS: '5' })),
      runCli(['sync-profile', 'demo.blogger'], env(dataDir, { SM_DB_IDLE_SECONDS: '5' })),
    ]);
    expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0]);
    expect(starts(dataDir)).toBe(1);
  }, 120_000);

  it('worker + enqueue + show + serve at once', async () => {
    const dataDir = freshDataDir();
    const worker = startCli(['worker', '--concurrency', '2'], env(dataDir, { SM_LOG_LEVEL: 'info' }));
    const serve = startCli(['serve', '--port', '0'], env(dataDir, { SM_LOG_LEVEL: 'info' }));
    try {
      await until(async () => worker.stderr().includes('worker started'), `the worker (stderr: ${worker.stderr()})`);
      await until(async () => /listening on http:\/\/127\.0\.0\.1:\d+/.test(serve.stdout()), `serve (stderr: ${serve.stderr()})`);
      const queued = await runCli(['sync-profile', 'demo.blogger', '--followers', '--enqueue', '--json'], env(dataDir));
      expect(queued.code, queued.stderr).toBe(0);
      // The worker works the queued runs while show and serve read the same database.
      await vi.waitFor(
        async () => {
          const shown = await runCli(['followers', 'demo.blogger', '--json'], env(dataDir));
          expect(shown.code, shown.stderr).toBe(0);
          expect(JSON.parse(shown.stdout)).toHaveLength(9);
        },
        { timeout: 60_000, interval: 500 },
      );
      const shown = await runCli(['show', 'demo.blogger'], env(dataDir));
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout).toContain('@demo.blogger');
      const base = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(serve.stdout())![1]!;
      expect((await request(base, '/health')).status).toBe(200);
      const api = await request(base, '/api/v1/bloggers?q=demo.blogger');
      expect(api.json.data[0].username).toBe('demo.blogger');
      expect(starts(dataDir)).toBe(1);
    } finally {
      worker.child.kill('SIGTERM');
      serve.child.kill('SIGTERM');
    }
    expect([(await worker.done).code, (await serve.done).code]).toEqual([0, 0]);
    await expectNoProcessLeft(dataDir);
  }, 180_000);
});

describe('crashes and stale files', () => {
  it('kill -9 of the process that started the server: the next command works and the server stops after it', async () => {
    const dataDir = freshDataDir();
    const worker = startCli(['worker'], env(dataDir, { SM_LOG_LEVEL: 'info' }));
    await until(async () => worker.stderr().includes('worker started'), `the worker (stderr: ${worker.stderr()})`);
    worker.child.kill('SIGKILL');
    await worker.done;
    const next = await runCli(['sync-profile', 'demo.blogger', '--json'], env(dataDir));
    expect(next.code, next.stderr).toBe(0);
    // The killed client's registration is noticed as dead: nothing keeps the server up.
    await expectNoProcessLeft(dataDir);
    expect(readdirSync(path.join(dataDir, 'clients'))).toEqual([]);
  }, 120_000);

  it('a server whose supervisor and client were killed is adopted, then stopped when idle', async () => {
    const dataDir = freshDataDir();
    const worker = startCli(['worker'], env(dataDir, { SM_LOG_LEVEL: 'info' }));
    await until(async () => worker.stderr().includes('worker started'), `the worker (stderr: ${worker.stderr()})`);
    const state = JSON.parse(readFileSync(path.join(dataDir, 'server.json'), 'utf8'));
    process.kill(state.supervisorPid, 'SIGKILL');
    worker.child.kill('SIGKILL');
    await worker.done;
    const next = await runCli(['sync-profile', 'demo.blogger'], env(dataDir));
    expect(next.code, next.stderr).toBe(0);
    expect(readFileSync(path.join(dataDir, 'postgres.log'), 'utf8')).toContain(`adopting server ${state.pid}`);
    await expectNoProcessLeft(dataDir);
  }, 120_000);

  it('a server killed under a running worker is started again, and the worker goes on working', async () => {
    const dataDir = freshDataDir();
    const worker = startCli(['worker'], env(dataDir, { SM_LOG_LEVEL: 'info' }));
    try {
      await until(async () => worker.stderr().includes('worker started'), `the worker (stderr: ${worker.stderr()})`);
      const first = JSON.parse(readFileSync(path.join(dataDir, 'server.json'), 'utf8'));
      process.kill(first.pid, 'SIGKILL');
      await until(
        async () => readFileSync(path.join(dataDir, 'postgres.log'), 'utf8').includes('restarted for its clients'),
        'the restart',
      );
      await enqueueAndExpectWorked(dataDir);
    } finally {
      worker.child.kill('SIGTERM');
    }
    expect((await worker.done).code).toBe(0);
    await expectNoProcessLeft(dataDir);
  }, 180_000);

  it('server and supervisor both killed under a running worker: the worker starts a new supervisor and goes on', async () => {
    const dataDir = freshDataDir();
    const worker = startCli(['worker'], env(dataDir, { SM_LOG_LEVEL: 'info' }));
    try {
      await until(async () => worker.stderr().includes('worker started'), `the worker (stderr: ${worker.stderr()})`);
      const first = JSON.parse(readFileSync(path.join(dataDir, 'server.json'), 'utf8'));
      process.kill(first.supervisorPid, 'SIGKILL');
      process.kill(first.pid, 'SIGKILL');
      await until(async () => {
        const now = JSON.parse(readFileSync(path.join(dataDir, 'server.json'), 'utf8'));
        return now.pid !== first.pid && now.supervisorPid !== first.supervisorPid;
      }, 'a new server started for the worker');
      await enqueueAndExpectWorked(dataDir);
    } finally {
      worker.child.kill('SIGTERM');
    }
    expect((await worker.done).code).toBe(0);
    await expectNoProcessLeft(dataDir);
  }, 180_000);

  it('a deleted server.json is written again by the supervisor: new commands do not wait for a server that runs', async () => {
    const dataDir = freshDataDir();
    expect((await runCli(['db', 'start'], env(dataDir))).code).toBe(0);
    rmSync(path.join(dataDir, 'server.json'));
    const started = Date.now();
    const res = await runCli(['search', 'demo', '--json'], env(dataDir));
    expect(res.code, res.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000); // it waited the full 120 s before
    expect(starts(dataDir)).toBe(1);
  }, 120_000);

  it('stale lock files of a killed server (postmaster.pid, supervisor.lock, server.json) are recovered', async () => {
    const dataDir = freshDataDir();
    expect((await runCli(['sync-profile', 'demo.blogger'], env(dataDir))).code).toBe(0);
    await expectNoProcessLeft(dataDir);
    // What a machine crash leaves: lock files naming processes that no longer exist, or now
    // belong to another program (this test runner's pid).
    const layout = embeddedLayout(dataDir);
    writeFileSync(
      path.join(layout.clusterDir, 'postmaster.pid'),
      `${process.pid}\n${layout.clusterDir}\n0\n5432\n${layout.socketDir}\n\n0 0\nready\n`,
    );
    writeFileSync(layout.lockFile, '999999999');
    writeFileSync(layout.stateFile, JSON.stringify({ pid: 999999999, supervisorPid: 999999999, socketDir: layout.socketDir, port: 5432 }));
    const next = await runCli(['followers', 'demo.blogger', '--json'], env(dataDir));
    expect(next.code, next.stderr).toBe(0);
    expect(readFileSync(layout.logFile, 'utf8')).toContain('removing stale postmaster.pid');
    await expectNoProcessLeft(dataDir);
  }, 120_000);

  it('an initdb cut short leaves nothing that breaks the next start', async () => {
    const dataDir = freshDataDir();
    mkdirSync(path.join(dataDir, 'postgres.init-12345'), { recursive: true });
    writeFileSync(path.join(dataDir, 'postgres.init-12345', 'PG_VERSION'), '18\n');
    const res = await runCli(['sync-profile', 'demo.blogger'], env(dataDir));
    expect(res.code, res.stderr).toBe(0);
    expect(existsSync(path.join(dataDir, 'postgres.init-12345'))).toBe(false);
    await expectNoProcessLeft(dataDir);
  }, 120_000);
});

describe('a data directory the server user cannot enter', () => {
  it('as root the cluster and socket move to /var/lib/sm-core/<hash> (recorded in SM_DATA_DIR); as a user they stay in SM_DATA_DIR', async () => {
    const dataDir = freshDataDir();
    chmodSync(path.dirname(dataDir), 0o700); // like a project under /root
    const res = await runCli(['db', 'start', '--json'], env(dataDir));
    expect(res.code, res.stderr).toBe(0);
    const status = JSON.parse(res.stdout);
    const asRoot = process.getuid?.() === 0;
    const home = asRoot ? readFileSync(path.join(dataDir, 'server-home'), 'utf8').trim() : dataDir;
    if (asRoot) expect(home).toMatch(/^\/var\/lib\/sm-core\/[0-9a-f]{12}$/);
    expect([status.running, status.cluster_dir, status.socket_dir]).toEqual([true, path.join(home, 'postgres'), path.join(home, 'run')]);
    const synced = await runCli(['sync-profile', 'demo.blogger', '--json'], env(dataDir));
    expect(synced.code, synced.stderr).toBe(0);
    await stopAndExpectGone(dataDir);
    if (asRoot) rmSync(home, { recursive: true, force: true });
  }, 120_000);
});

describe('a data directory deleted and made again under the same path', () => {
  it('starts empty: a cluster left in the root fallback home is moved aside, never served as the new one', async () => {
    const dataDir = freshDataDir();
    chmodSync(path.dirname(dataDir), 0o700);
    expect((await runCli(['sync-profile', 'demo.blogger'], env(dataDir))).code).toBe(0);
    await expectNoProcessLeft(dataDir);
    const home = embeddedLayout(dataDir).serverHome;
    rmSync(dataDir, { recursive: true, force: true });
    const res = await runCli(['search', 'demo', '--json'], env(dataDir));
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout).meta.total).toBe(0);
    await stopAndExpectGone(dataDir);
    if (home !== dataDir) {
      const aside = readdirSync(path.dirname(home)).filter((n) => n.startsWith(`${path.basename(home)}.orphaned-`));
      expect(aside).toHaveLength(1);
      for (const dir of [home, ...aside.map((n) => path.join(path.dirname(home), n))]) rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('bad data directories and failed starts: one line, exit 4', () => {
  it('a data directory that cannot be created', async () => {
    const base = path.dirname(freshDataDir());
    writeFileSync(path.join(base, 'file'), 'not a directory');
    const dataDir = path.join(base, 'file', 'data');
    const res = await runCli(['show', 'demo.blogger'], env(dataDir));
    expect([res.code, res.stderr]).toEqual([
      4,
      `sm-core: cannot use the data directory ${dataDir} (ENOTDIR): set SM_DATA_DIR to a writable directory, or DATABASE_URL to a server\n`,
    ]);
  });

  it('a data directory under a parent that cannot hold directories (/proc) fails at once instead of spinning in mkdir', async () => {
    const dataDir = `/proc/sm-core-test-${process.pid}/data`;
    const res = await runCli(['show', 'demo.blogger'], env(dataDir));
    expect([res.code, res.stderr]).toEqual([
      4,
      `sm-core: cannot use the data directory ${dataDir} (ENOENT): set SM_DATA_DIR to a writable directory, or DATABASE_URL to a server\n`,
    ]);
  }, 20_000);

  it('a server that fails to start shows the last lines of its log, and the next start works once fixed', async () => {
    const dataDir = freshDataDir();
    expect((await runCli(['sync-profile', 'demo.blogger'], env(dataDir))).code).toBe(0);
    await expectNoProcessLeft(dataDir);
    const conf = path.join(dataDir, 'postgres', 'postgresql.auto.conf');
    const original = readFileSync(conf, 'utf8');
    writeFileSync(conf, `${original}shared_buffers = 'lots'\n`);
    const res = await runCli(['show', 'demo.blogger'], env(dataDir));
    expect(res.code).toBe(4);
    expect(res.stderr.split('\n')).toHaveLength(2); // one line and its newline
    expect(res.stderr).toMatch(
      /^sm-core: the embedded PostgreSQL server in .* did not start: the PostgreSQL server exited with code 1: .*shared_buffers/,
    );
    expect(res.stderr).not.toMatch(/\n\s+at /);
    writeFileSync(conf, original);
    const fixed = await runCli(['show', 'demo.blogger', '--json'], env(dataDir));
    expect(fixed.code, fixed.stderr).toBe(0);
    await expectNoProcessLeft(dataDir);
  }, 120_000);

  it('a socket directory someone else can enter is refused, not used (trust authentication relies on it)', async () => {
    const dataDir = freshDataDir();
    mkdirSync(path.join(dataDir, 'run'), { recursive: true });
    chmodSync(path.join(dataDir, 'run'), 0o777);
    const res = await runCli(['show', 'demo.blogger'], env(dataDir));
    expect(res.code).toBe(4);
    expect(res.stderr).toContain(`the socket directory ${dataDir}/run exists but is not a 0700 directory of the server's user`);
    expect(res.stderr.split('\n')).toHaveLength(2);
  }, 60_000);

  it('data of the previous PGlite default is never read or deleted: the user is told how to keep it', async () => {
    const dataDir = freshDataDir();
    mkdirSync(path.join(dataDir, 'pgdata'), { recursive: true });
    writeFileSync(path.join(dataDir, 'pgdata', 'PG_VERSION'), '17\n');
    const res = await runCli(['show', 'demo.blogger'], env(dataDir));
    expect(res.code).toBe(4);
    expect(res.stderr).toBe(
      `sm-core: ${dataDir}/pgdata holds data of the previous embedded database (PGlite), which this sm-core no longer reads: keep it with \`sm-core db import-pglite\` (docs/database.md#moving-data-from-pglite), or move that folder out of ${dataDir} to start afresh\n`,
    );
    expect(readFileSync(path.join(dataDir, 'pgdata', 'PG_VERSION'), 'utf8')).toBe('17\n');
    expect(processesOf(dataDir)).toEqual([]);
  });
});
