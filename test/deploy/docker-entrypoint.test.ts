// entrypoints/docker-entrypoint.sh and healthcheck.sh, run for real with a stub `sm-core` on PATH.
// (ShellCheck lints them, and the launcher, in `npm run lint`, which .ci/run runs.)
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const entrypoint = `${root}entrypoints/docker-entrypoint.sh`;
const healthcheck = `${root}entrypoints/healthcheck.sh`;

describe('docker entrypoint', () => {
  let dir: string;
  let log: string;
  // The stub records "<pid> <args>" per call and exits with $STUB_EXIT_<first arg, - as _> (default 0).
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sm-entry-'));
    log = path.join(dir, 'calls.log');
    const stub = path.join(dir, 'sm-core');
    writeFileSync(
      stub,
      `#!/bin/sh\necho "$$ $*" >> "${log}"\necho "$NODE_OPTIONS" > "${log}.node-options"\nvar="STUB_EXIT_$(echo "$1" | tr - _)"\neval "code=\\\${$var:-0}"\nexit "$code"\n`,
    );
    chmodSync(stub, 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function run(script: string, env: Record<string, string>, args: string[] = []) {
    rmSync(log, { force: true });
    const res = spawnSync('/bin/sh', [script, ...args], {
      env: { PATH: `${dir}:${root}node_modules/.bin:/usr/bin:/bin`, ...env },
      encoding: 'utf8',
    });
    let calls: string[] = [];
    try {
      calls = readFileSync(log, 'utf8').trim().split('\n');
    } catch {}
    return {
      status: res.status,
      stderr: res.stderr,
      pid: res.pid,
      calls: calls.map((c) => c.slice(c.indexOf(' ') + 1)),
      pids: calls.map((c) => Number(c.split(' ')[0])),
    };
  }

  it('api: migrates, then execs serve on 0.0.0.0:$PORT', () => {
    const r = run(entrypoint, { START_MODE: 'api', PORT: '8080' });
    expect(r.status).toBe(0);
    expect(r.calls).toEqual(['migrate', 'serve --host 0.0.0.0 --port 8080']);
    // serve replaced the shell (exec): it runs with the entrypoint's own pid and so receives tini's signals
    expect(r.pids[1]).toBe(r.pid);
    expect(r.pids[0]).not.toBe(r.pid);
  });

  it("api: a failed migrate stops the container with migrate's exit code; serve never starts", () => {
    const r = run(entrypoint, { START_MODE: 'api', STUB_EXIT_migrate: '5' });
    expect(r.status).toBe(5);
    expect(r.calls).toEqual(['migrate']);
  });

  it('worker, cron and migrate exec their command with the extra arguments', () => {
    for (const [mode, args, expected] of [
      ['worker', ['--schedule', '--concurrency', '4'], 'worker --schedule --concurrency 4'],
      ['cron', [], 'run-schedule'],
      ['migrate', ['--json'], 'migrate --json'],
    ] as const) {
      const r = run(entrypoint, { START_MODE: mode }, [...args]);
      expect(r.status, mode).toBe(0);
      expect(r.calls).toEqual([expected]);
      expect(r.pids[0]).toBe(r.pid);
    }
  });

  it('leaves the heap flags to the sm-core launcher: NODE_OPTIONS reaches the command as given', () => {
    const nodeOptions = () => readFileSync(`${log}.node-options`, 'utf8').trim();
    expect(run(entrypoint, { START_MODE: 'worker' }).status).toBe(0);
    expect(nodeOptions()).toBe('');
    run(entrypoint, { START_MODE: 'worker', NODE_OPTIONS: '--enable-source-maps' });
    expect(nodeOptions()).toBe('--enable-source-maps');
  });

  it('the image and the systemd unit start sm-core through the launcher (one source of the heap flags)', () => {
    const unit = readFileSync(`${root}deploy/systemd/sm-core-worker.service`, 'utf8');
    expect(unit).toMatch(/^ExecStart=\/opt\/sm-core\/bin\/sm-core worker /m);
    expect(unit).not.toContain('max-old-space-size');
    expect(readFileSync(`${root}Dockerfile`, 'utf8')).toContain('ln -s /app/bin/sm-core /usr/local/bin/sm-core');
  });

  it("the command's exit code is the container's exit code", () => {
    expect(run(entrypoint, { START_MODE: 'cron', STUB_EXIT_run_schedule: '4' }).status).toBe(4);
    expect(run(entrypoint, { START_MODE: 'worker', STUB_EXIT_worker: '4' }).status).toBe(4);
  });

  it('an unknown or missing START_MODE exits 2 with a message and runs nothing', () => {
    for (const env of [{ START_MODE: 'sidecar' }, {}]) {
      const r = run(entrypoint, env as Record<string, string>);
      expect(r.status).toBe(2);
      expect(r.calls).toEqual([]);
      expect(r.stderr).toBe(
        `docker-entrypoint: unknown START_MODE '${env.START_MODE ?? ''}': set START_MODE to api, worker, cron or migrate\n`,
      );
    }
  });

  describe('healthcheck', () => {
    let server: Server;
    let status = 200;
    let port = 0;
    beforeAll(async () => {
      server = createServer((req, res) => {
        res.statusCode = req.url === '/health' ? status : 404;
        res.end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('api: healthy only while GET /health answers 200', async () => {
      // async spawn: the stub server must keep answering while the check runs
      const check = () =>
        new Promise<number | null>((resolve) => {
          const child = spawn('/bin/sh', [healthcheck], {
            env: { PATH: `${dir}:${root}node_modules/.bin:/usr/bin:/bin`, START_MODE: 'api', PORT: String(port) },
          });
          child.on('exit', (code) => resolve(code));
        });
      status = 200;
      expect(await check()).toBe(0);
      status = 503;
      expect(await check()).toBe(1);
    });

    it('worker: healthy when `sm-core migrate --status` reaches the database', () => {
      const ok = run(healthcheck, { START_MODE: 'worker' });
      expect(ok.status).toBe(0);
      expect(ok.calls).toEqual(['migrate --status --json']);
      expect(run(healthcheck, { START_MODE: 'worker', STUB_EXIT_migrate: '4' }).status).toBe(4);
    });

    it('cron and migrate one-shots are always healthy', () => {
      expect(run(healthcheck, { START_MODE: 'cron' })).toMatchObject({ status: 0, calls: [] });
    });
  });
});

describe('docker entrypoint with the real sm-core (api mode on a test database)', () => {
  let tdb: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    tdb = await createTestDatabase();
    dir = mkdtempSync(path.join(tmpdir(), 'sm-entry-real-'));
    // As in the image: /usr/local/bin/sm-core is a symlink to the launcher.
    symlinkSync(`${root}bin/sm-core`, path.join(dir, 'sm-core'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await tdb.drop();
  });

  it('migrates, serves, is healthy, and stops on SIGTERM with exit 0', async () => {
    const env = {
      PATH: `${dir}:${root}node_modules/.bin:/usr/bin:/bin`,
      HOME: dir,
      START_MODE: 'api',
      PORT: '0',
      SM_HTTP_HOST: '127.0.0.1',
      DATABASE_URL: tdb.url,
      SM_ENV: 'test',
      SM_LOG_LEVEL: 'warn',
    };
    const child = spawn('/bin/sh', [entrypoint], { env, cwd: dir });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await vi.waitFor(() => expect(out).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/), { timeout: 60_000, interval: 50 });
    expect(out).toMatch(/^schema is up to date\n/);
    const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out)![1]!;
    const health = spawnSync('/bin/sh', [healthcheck], { env: { ...env, PORT: port }, encoding: 'utf8' });
    expect(health.status, health.stderr).toBe(0);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
