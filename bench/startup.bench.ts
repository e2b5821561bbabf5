// Start-up benchmark (issue 12 §3): wall time of short commands started as a user starts them, through
// the `sm-core` launcher (bin/sm-core: pinned Node, heap flags, exec), beside `node -e 0` on the same
// Node. Each command runs once to warm the compile cache and the OS file cache, then RUNS times; the
// figure is the median. Adding a command = adding one entry to COMMANDS.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Bench, type Figure, quantile } from './lib/bench.ts';
import { createScratchDatabase } from './lib/scratch-db.ts';

const LAUNCHER = fileURLToPath(new URL('../bin/sm-core', import.meta.url));
const NODE = fileURLToPath(new URL('../node_modules/.bin/node', import.meta.url));
const RUNS = Number(process.env.SM_BENCH_STARTUP_RUNS ?? 10);

/** What the commands may use: a server database holding one synced profile. */
interface Fixture {
  /** DATABASE_URL of a migrated scratch database with @demo.blogger and its followers stored. */
  serverUrl: string;
}

/** One measured command: argv of the program, its environment, the target median (ms). */
interface StartupCommand {
  name: string;
  argv(f: Fixture): string[];
  env?(f: Fixture): Record<string, string>;
  target?: number;
  /** Exit code the command must end with (a wrong one fails the bench: it measured an error). */
  exitCode?: number;
}

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
];

function run(argv: string[], env: Record<string, string>, exitCode: number): number {
  const start = performance.now();
  const res = spawnSync(argv[0]!, argv.slice(1), { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env } });
  const ms = performance.now() - start;
  if (res.status !== exitCode) throw new Error(`${argv.join(' ')} exited ${res.status}, not ${exitCode}: ${res.stderr.toString().trim()}`);
  return ms;
}

const bench: Bench = {
  name: 'startup',
  description: `median wall time of short commands through bin/sm-core, ${RUNS} runs each after one warm-up, beside node -e 0`,
  async run({ adminUrl, log }) {
    const scratch = await createScratchDatabase(adminUrl, 'startup');
    try {
      // The product stores the profile itself: the bundled sample data (no key) on a loopback fake provider.
      run([LAUNCHER, 'sync-profile', 'demo.blogger', '--followers'], { DATABASE_URL: scratch.url, SM_SAMPLE_TO_SERVER: 'true' }, 0);
      const fixture: Fixture = { serverUrl: scratch.url };
      const figures: Figure[] = [];
      for (const c of COMMANDS) {
        const argv = c.argv(fixture);
        const env = c.env?.(fixture) ?? {};
        run(argv, env, c.exitCode ?? 0);
        const samples = Array.from({ length: RUNS }, () => run(argv, env, c.exitCode ?? 0));
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
      return figures;
    } finally {
      await scratch.drop();
    }
  },
};

export default bench;
