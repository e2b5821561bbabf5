// The `sm-core` command (bin/sm-core): started as the README starts it, through a shell with
// `sm-core worker &`, the PID the shell gets is the worker itself (the launcher execs Node), so
// SIGTERM stops it cleanly; it runs on the pinned Node with the heap flags; no Node -> one line.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const LAUNCHER = `${root}bin/sm-core`;
const PINNED_NODE = realpathSync(`${root}node_modules/.bin/node`);
const HEAP_FLAGS = '--max-semi-space-size=2 --max-old-space-size=192';

/** Pids of the processes whose working directory is `dir` (each test runs its shell in its own). */
function processesIn(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`) === dir) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/** Environment of a running process, from /proc. */
function environOf(pid: number): Record<string, string> {
  const env: Record<string, string> = {};
  for (const kv of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
    const i = kv.indexOf('=');
    if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return env;
}

/** A shell running the README's recipe: `export PATH=...; sm-core <args> &`, then waiting for it. */
interface ReadmeShell {
  shell: ChildProcess;
  dir: string;
  out(): string;
  err(): string;
  /** The PID the shell got for `sm-core ... &` ($!). */
  pid(): Promise<number>;
  /** The exit status the shell's `wait` reported for that PID. */
  status(): Promise<number>;
}

const shells: ChildProcess[] = [];
afterAll(() => {
  for (const s of shells) s.kill('SIGKILL');
});

function readmeShell(args: string, env: Record<string, string>): ReadmeShell {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'sm-readme-')));
  // README, "Running a worker in the background": the set-up step, then the command with `&`.
  const script = `export PATH="${root}bin:$PATH"\nsm-core ${args} &\necho "pid $!"\nwait $!\necho "exit $?"\n`;
  const shell = spawn('/bin/sh', ['-c', script], {
    cwd: dir,
    env: { PATH: '/usr/bin:/bin', HOME: dir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  shells.push(shell);
  let out = '';
  let err = '';
  shell.stdout!.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  shell.stderr!.on('data', (c: Buffer) => {
    err += c.toString('utf8');
  });
  const ended = new Promise<void>((resolve) => shell.on('close', () => resolve()));
  return {
    shell,
    dir,
    out: () => out,
    err: () => err,
    async pid() {
      await vi.waitFor(() => expect(out).toMatch(/^pid \d+$/m), { timeout: 10_000, interval: 20 });
      return Number(/^pid (\d+)$/m.exec(out)![1]);
    },
    async status() {
      await ended;
      const m = /^exit (\d+)$/m.exec(out);
      if (!m) throw new Error(`the shell reported no exit status; stdout: ${out}; stderr: ${err}`);
      return Number(m[1]);
    },
  };
}

describe('sm-core started the README way (shell, `&`, SIGTERM to $!)', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await createTestDatabase();
  });
  afterAll(async () => {
    await tdb.drop();
  });

  function env(): Record<string, string> {
    // A key (never used: no job is queued), so the worker works on the configured server, not sample data.
    return { DATABASE_URL: tdb.url, ROCKET_API_KEY: 'k-launcher-test', SM_ENV: 'test', SM_LOG_FORMAT: 'json' };
  }

  it('worker: the PID is the worker on the pinned Node with the heap flags; SIGTERM -> exit 0, no process left', async () => {
    const s = readmeShell('worker --concurrency 2', env());
    const pid = await s.pid();
    await vi.waitFor(() => expect(s.err()).toContain('"msg":"worker started"'), { timeout: 30_000, interval: 50 });
    // The launcher replaced itself with Node: the shell's $! is the worker process itself.
    expect(realpathSync(`/proc/${pid}/exe`)).toBe(PINNED_NODE);
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toEqual([
      `${root}node_modules/.bin/node`,
      `${root}bin/sm-core.js`,
      'worker',
      '--concurrency',
      '2',
      '',
    ]);
    expect(environOf(pid).NODE_OPTIONS).toBe(HEAP_FLAGS);
    expect(processesIn(s.dir).sort()).toEqual([s.shell.pid!, pid].sort());
    process.kill(pid, 'SIGTERM');
    expect(await s.status()).toBe(0);
    expect(s.err()).toContain('"msg":"worker stopped"');
    expect(processesIn(s.dir)).toEqual([]);
  });

  it('serve: SIGTERM to the PID the shell got -> exit 0, no process left', async () => {
    const s = readmeShell('serve --port 0 --host 127.0.0.1', env());
    const pid = await s.pid();
    await vi.waitFor(() => expect(s.out()).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/), { timeout: 30_000, interval: 50 });
    expect(realpathSync(`/proc/${pid}/exe`)).toBe(PINNED_NODE);
    const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(s.out())![1];
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    process.kill(pid, 'SIGTERM');
    expect(await s.status()).toBe(0);
    expect(processesIn(s.dir)).toEqual([]);
  });
});

describe('bin/sm-core, the launcher', () => {
  const run = (args: string[], env: Record<string, string>, launcher = LAUNCHER) =>
    spawnSync(launcher, args, { env: { HOME: tmpdir(), ...env }, encoding: 'utf8' });

  it('gives Node the heap flags; SM_NODE_OPTIONS replaces them (empty: none); a NODE_OPTIONS of your own comes after them', () => {
    const flags = (env: Record<string, string>) => {
      // NODE_OPTIONS as the started Node sees it, printed from inside it.
      const res = run(['--version'], {
        PATH: '/usr/bin:/bin',
        ...env,
        NODE_OPTIONS: `${env.NODE_OPTIONS ?? ''} --import=data:text/javascript,process.stderr.write(process.env.NODE_OPTIONS)`.trim(),
      });
      expect(res.status, res.stderr).toBe(0);
      return res.stderr;
    };
    expect(flags({})).toBe(`${HEAP_FLAGS} --import=data:text/javascript,process.stderr.write(process.env.NODE_OPTIONS)`);
    expect(flags({ SM_NODE_OPTIONS: '' })).toBe('--import=data:text/javascript,process.stderr.write(process.env.NODE_OPTIONS)');
    expect(flags({ NODE_OPTIONS: '--max-old-space-size=512' })).toBe(
      `${HEAP_FLAGS} --max-old-space-size=512 --import=data:text/javascript,process.stderr.write(process.env.NODE_OPTIONS)`,
    );
  });

  it('the heap limit V8 applies is the one the flags set', () => {
    const probe = path.join(mkdtempSync(path.join(tmpdir(), 'sm-heap-')), 'heap.mjs');
    writeFileSync(probe, "import v8 from 'node:v8';\nprocess.stderr.write(String(v8.getHeapStatistics().heap_size_limit / 2 ** 20));\n");
    const res = spawnSync(LAUNCHER, ['--version'], {
      env: { PATH: '/usr/bin:/bin', HOME: tmpdir(), NODE_OPTIONS: `--import=${probe}` },
      encoding: 'utf8',
    });
    expect(res.status, res.stderr).toBe(0);
    // --max-old-space-size=192 plus the young generation (3 x semi-space of 2 MB)
    expect(Number(res.stderr)).toBe(198);
  });

  describe('in a checkout without node_modules', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'sm-launcher-'));
      mkdirSync(path.join(dir, 'bin'));
      for (const f of ['sm-core', 'sm-core.js']) copyFileSync(`${root}bin/${f}`, path.join(dir, 'bin', f));
      chmodSync(path.join(dir, 'bin', 'sm-core'), 0o755);
      // A `node` that reports itself as 20.20.2: the real one, told so before bin/sm-core.js runs.
      mkdirSync(path.join(dir, 'old-node'));
      writeFileSync(
        path.join(dir, 'old-node', 'node'),
        `#!/bin/sh\nexec "${process.execPath}" --import 'data:text/javascript,Object.defineProperty(process.versions,"node",{value:"20.20.2"});Object.defineProperty(process,"version",{value:"v20.20.2"})' "$@"\n`,
      );
      chmodSync(path.join(dir, 'old-node', 'node'), 0o755);
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('no Node at all: one line saying what to do, exit 3', () => {
      const res = run(['--help'], { PATH: path.join(dir, 'empty') }, path.join(dir, 'bin', 'sm-core'));
      expect(res.status).toBe(3);
      expect(res.stdout).toBe('');
      expect(res.stderr).toBe(
        `sm-core: no Node.js found: run 'npm ci' in ${realpathSync(dir)} (it installs the pinned Node 26), or install Node >= 22.18\n`,
      );
    });

    it('an old Node on PATH: one line saying what to do, exit 3', () => {
      const res = run(['--help'], { PATH: `${path.join(dir, 'old-node')}:/usr/bin:/bin` }, path.join(dir, 'bin', 'sm-core'));
      expect(res.status).toBe(3);
      expect(res.stdout).toBe('');
      expect(res.stderr).toMatch(/^sm-core: needs Node\.js >= 22\.18 \(this is v20\.20\.2\): run `npm ci`.*\n$/);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
    });
  });
});
