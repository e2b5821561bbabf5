// Start-up benchmark (issues 11 and 12): wall time of short commands started as a user starts them,
// through the `sm-core` launcher (bin/sm-core: pinned Node, heap flags, exec), beside `node -e 0` on
// the same Node and `psql -c 'select 1'`. Each command runs once to warm the compile cache and the OS
// file cache, then RUNS times; the figure is the median. On the embedded default: with its server
// running (commands in a row), stopped (each run starts it: SM_DB_IDLE_SECONDS=0), and cold (a new
// SM_DATA_DIR each run: initdb included); plus the peak RSS of `show` (/usr/bin/time, Debian's `time`).
// Adding a command = adding one entry to COMMANDS.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type Bench, type Figure, quantile } from './lib/bench.ts';
import { createScratchDatabase } from './lib/scratch-db.ts';

const LAUNCHER = fileURLToPath(new URL('../bin/sm-core', import.meta.url));
const NODE = fileURLToPath(new URL('../node_modules/.bin/node', import.meta.url));
const RUNS = Number(process.env.SM_BENCH_STARTUP_RUNS ?? 10);

/** What the commands may use: a server database and an embedded data directory, each holding one synced profile. */
interface Fixture {
  /** DATABASE_URL of a migrated scratch database with @demo.blogger and its followers stored. */
  serverUrl: string;
  /** SM_DATA_DIR of the embedded server with @demo.blogger (sample data) stored. */
  dataDir: string;
  /** A directory for throwaway data directories (cold starts). */
  scratchDir: string;
}

/** One measured command: argv of the program, its environment, the target median (ms). */
interface StartupCommand {
  name: string;
  argv(f: Fixture): string[];
  env?(f: Fixture): Record<string, string>;
  target?: number;
  /** Exit code the command must end with (a wrong one fails the bench: it measured an error). */
  exitCode?: number;
  /** Runs before each timed run, untimed (e.g. wait until the embedded server has stopped). */
  before?(f: Fixture): Promise<void>;
}

/** Waits until the embedded server of `dataDir` has stopped (idle 0: about 0.2 s after the last client). */
async function serverStopped(dataDir: string): Promise<void> {
  for (let i = 0; i < 200 && (existsSync(path.join(dataDir, 'server.json')) || existsSync(path.join(dataDir, 'supervisor.lock'))); i++)
    await sleep(50);
}

const embedded = (f: Fixture, idle: string) => ({ SM_DATA_DIR: f.dataDir, SM_DB_IDLE_SECONDS: idle });

const COMMANDS: StartupCommand[] = [
  { name: 'node -e 0 (baseline)', argv: () => [NODE, '-e', '0'] },
  { name: 'sm-core --help', argv: () => [LAUNCHER, '--help'], target: 150 },
  {
    name: 'sm-core show (server)',
    argv: () => [LAUNCHER, 'show', 'demo.blogger'],
    env: (f) => ({ DATABASE_URL: f.serverUrl }),
    target: 300,
  },
  {
    name: 'sm-core search (server)',
    argv: () => [LAUNCHER, 'search', 'demo'],
    env: (f) => ({ DATABASE_URL: f.serverUrl }),
    target: 300,
  },
  { name: "psql -c 'select 1' (server)", argv: (f) => ['psql', f.serverUrl, '-c', 'select 1'] },
  {
    name: 'sm-core show (embedded, server running)',
    argv: () => [LAUNCHER, 'show', 'demo.blogger'],
    env: (f) => embedded(f, '60'),
    target: 500,
  },
  {
    name: 'sm-core show (embedded, server stopped)',
    argv: () => [LAUNCHER, 'show', 'demo.blogger'],
    env: (f) => embedded(f, '0'),
    before: (f) => serverStopped(f.dataDir),
    target: 500,
  },
  {
    name: 'sm-core show (embedded, cold: initdb)',
    argv: () => [LAUNCHER, 'show', 'demo.blogger'],
    // A new data directory each run: cluster created, schema migrated; the profile is not there (exit 8).
    env: (f) => ({ SM_DATA_DIR: path.join(f.scratchDir, 'cold'), SM_DB_IDLE_SECONDS: '0' }),
    before: async (f) => {
      await serverStopped(path.join(f.scratchDir, 'cold'));
      rmSync(path.join(f.scratchDir, 'cold'), { recursive: true, force: true });
    },
    exitCode: 8,
    target: 3000,
  },
];

/** Peak RSS (MB) of one run of `argv`, read with GNU time (`/usr/bin/time -f %M`, kilobytes). */
function peakRssMb(argv: string[], env: Record<string, string>): number {
  const res = spawnSync('/usr/bin/time', ['-f', 'peak-kb %M', ...argv], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
  });
  const kb = /peak-kb (\d+)/.exec(res.stderr.toString())?.[1];
  if (res.status !== 0 || !kb)
    throw new Error(`${argv.join(' ')} under /usr/bin/time: exit ${res.status}: ${res.stderr.toString().trim()}`);
  return Number(kb) / 1024;
}

function run(argv: string[], env: Record<string, string>, exitCode: number): number {
  const start = performance.now();
  const res = spawnSync(argv[0]!, argv.slice(1), { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env } });
  const ms = performance.now() - start;
  if (res.status !== exitCode) throw new Error(`${argv.join(' ')} exited ${res.status}, not ${exitCode}: ${res.stderr.toString().trim()}`);
  return ms;
}

const bench: Bench = {
  name: 'startup',
  description: `median wall time of short commands through bin/sm-core (server and embedded default), ${RUNS} runs each after one warm-up, beside node -e 0 and psql`,
  async run({ adminUrl, log }) {
    const scratch = await createScratchDatabase(adminUrl, 'startup');
    const scratchDir = mkdtempSync(path.join(tmpdir(), 'sm-bench-startup-'));
    chmodSync(scratchDir, 0o755); // as root the server's OS user must enter it (docs/database.md)
    try {
      // The product stores the profile itself: the bundled sample data (no key) on a loopback fake provider.
      run([LAUNCHER, 'sync-profile', 'demo.blogger', '--followers'], { DATABASE_URL: scratch.url, SM_SAMPLE_TO_SERVER: 'true' }, 0);
      const fixture: Fixture = { serverUrl: scratch.url, dataDir: path.join(scratchDir, 'data'), scratchDir };
      run([LAUNCHER, 'sync-profile', 'demo.blogger', '--followers'], embedded(fixture, '0'), 0);
      const figures: Figure[] = [];
      for (const c of COMMANDS) {
        const argv = c.argv(fixture);
        const env = c.env?.(fixture) ?? {};
        await c.before?.(fixture);
        run(argv, env, c.exitCode ?? 0);
        const samples: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          await c.before?.(fixture);
          samples.push(run(argv, env, c.exitCode ?? 0));
        }
        const median = quantile(samples, 0.5);
        log(`${c.name}: median ${median.toFixed(0)} ms (${samples.map((s) => s.toFixed(0)).join(', ')})`);
        figures.push({
          name: c.name,
          value: median,
          unit: 'ms',
          ...(c.target === undefined ? {} : { target: { below: c.target } }),
          note: `min ${Math.min(...samples).toFixed(0)}, max ${Math.max(...samples).toFixed(0)} ms over ${RUNS} runs`,
        });
      }
      // Peak RSS of `show` on the embedded default (the supervisor and server are other processes).
      const rss = Array.from({ length: RUNS }, () => peakRssMb([LAUNCHER, 'show', 'demo.blogger'], embedded(fixture, '60')));
      figures.push({
        name: 'sm-core show (embedded) peak RSS',
        value: quantile(rss, 0.5),
        unit: 'MB',
        target: { below: 120 },
        note: `max ${Math.max(...rss).toFixed(0)} MB over ${RUNS} runs`,
      });
      return figures;
    } finally {
      spawnSync(LAUNCHER, ['db', 'stop', '--force'], { env: { PATH: process.env.PATH ?? '', SM_DATA_DIR: path.join(scratchDir, 'data') } });
      await serverStopped(path.join(scratchDir, 'cold'));
      rmSync(scratchDir, { recursive: true, force: true });
      await scratch.drop();
    }
  },
};

export default bench;
