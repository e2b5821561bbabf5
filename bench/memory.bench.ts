// Memory benchmark (issue 7 §4, issue 12): resident memory of one `sm-core worker` process (default
// concurrency 2), started the README way (the bin/sm-core launcher and its heap flags), during a
// 1,000,000-follower sync, sampled every second from /proc. Target: peak RSS < 150 MB, and flat: RSS
// at 25/50/75/100% of the list, and the slope of RSS against followers committed (least squares,
// after the first 10%). When the whole list does not fit in the time cap at the page rate this
// machine reaches, the part that did is measured and the slope projects the rest. Then the peak RSS
// of an in-process `sm-core sync-profile --followers` (no worker) of IN_PROCESS_FOLLOWERS.
import { spawn } from 'node:child_process';
import { startFakeRocketServer } from '../src/providers/sample/fake-rocket-server.ts';
import { type Bench, type Figure, quantile } from './lib/bench.ts';
import { createScratchDatabase } from './lib/scratch-db.ts';
import { LAUNCHER, type RssSample, rssMb, runSync } from './lib/sync-run.ts';

const FOLLOWERS = Number(process.env.SM_BENCH_MEMORY_FOLLOWERS ?? 1_000_000);
const CAP_SECONDS = Number(process.env.SM_BENCH_MEMORY_SECONDS ?? 480);
const IN_PROCESS_FOLLOWERS = Number(process.env.SM_BENCH_MEMORY_IN_PROCESS_FOLLOWERS ?? 20_000);

/**
 * Peak and median RSS (MB, sampled every 100 ms) of `sm-core sync-profile <p> --followers` run through
 * the launcher against a fake RocketAPI serving a generated list of `followers`.
 */
async function inProcessSync(
  adminUrl: string,
  followers: number,
): Promise<{ peak: number; median: number; seconds: number; samples: number }> {
  const scratch = await createScratchDatabase(adminUrl, 'memory_cli');
  const profile = { id: '9700000002', username: 'memory.cli', followers };
  const server = await startFakeRocketServer({ apiKey: 'bench-key', generated: [profile] });
  try {
    const started = performance.now();
    const child = spawn(LAUNCHER, ['sync-profile', profile.username, '--followers'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        DATABASE_URL: scratch.url,
        ROCKET_API_HOST: server.url,
        ROCKET_API_KEY: 'bench-key',
        SM_PROVIDER_PRIORITY: 'rocket',
        ...(process.env.SM_NODE_OPTIONS === undefined ? {} : { SM_NODE_OPTIONS: process.env.SM_NODE_OPTIONS }),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const rss: number[] = [];
    let done = false;
    void exited.then(() => {
      done = true;
    });
    while (!done) {
      const mb = rssMb(child.pid!);
      if (Number.isFinite(mb)) rss.push(mb);
      await new Promise((r) => setTimeout(r, 100));
    }
    const code = await exited;
    if (code !== 0) throw new Error(`sync-profile exited ${code}: ${stderr.trim().split('\n').at(-1)}`);
    return { peak: Math.max(...rss), median: quantile(rss, 0.5), seconds: (performance.now() - started) / 1000, samples: rss.length };
  } finally {
    await server.close();
    await scratch.drop();
  }
}

/** Least-squares slope of y over x. */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

function at(samples: RssSample[], followers: number): number {
  const after = samples.find((s) => s.followers >= followers);
  return (after ?? samples.at(-1))!.rssMb;
}

const bench: Bench = {
  name: 'memory',
  description: `worker RSS during a ${FOLLOWERS}-follower sync (at most ${CAP_SECONDS} s)`,
  async run({ adminUrl, log }) {
    const profile = { id: '9700000001', username: 'memory.bench', followers: FOLLOWERS };
    const r = await runSync({
      adminUrl,
      label: 'memory',
      profiles: [profile],
      workers: 1,
      concurrency: 2,
      rssEveryMs: 1000,
      stopAfterMs: CAP_SECONDS * 1000,
      log,
    });
    const samples = r.rss.filter((s) => Number.isFinite(s.rssMb));
    const done = samples.at(-1)?.followers ?? 0;
    if (done === 0) throw new Error('no followers committed');
    const perSecond = done / (r.elapsedMs / 1000);
    const steady = samples.filter((s) => s.followers >= done * 0.1);
    const mbPer100k = slope(steady.map((s) => [s.followers, s.rssMb])) * 100_000;
    const peak = Math.max(...samples.map((s) => s.rssMb));
    const checkpoints = [0.25, 0.5, 0.75, 1].map((q) => `${Math.round(q * 100)}%: ${at(samples, done * q).toFixed(0)} MB`);
    const complete = r.complete && r.runs[0]?.status === 'succeeded' && r.edges.get(profile.id) === FOLLOWERS;
    const figures: Figure[] = [
      {
        name: 'peak RSS',
        value: peak,
        unit: 'MB',
        target: { below: 150 },
        note: `median ${quantile(
          samples.map((s) => s.rssMb),
          0.5,
        ).toFixed(0)} MB over ${samples.length} samples`,
      },
      {
        name: 'RSS growth per 100,000 followers',
        value: mbPer100k,
        unit: 'MB',
        note: `least squares after the first 10%; RSS at ${checkpoints.join(', ')}`,
      },
      {
        name: 'followers synced',
        value: done,
        unit: 'followers',
        note: complete
          ? `the whole list in ${(r.elapsedMs / 1000).toFixed(0)} s`
          : `of ${FOLLOWERS} in the ${CAP_SECONDS} s cap (${perSecond.toFixed(0)}/s; the whole list would take ~${(FOLLOWERS / perSecond / 60).toFixed(0)} min, projected RSS ${(at(samples, done) + (mbPer100k * (FOLLOWERS - done)) / 100_000).toFixed(0)} MB)`,
      },
    ];
    log(`in-process sync-profile --followers of ${IN_PROCESS_FOLLOWERS} followers`);
    const cli = await inProcessSync(adminUrl, IN_PROCESS_FOLLOWERS);
    figures.push({
      name: `peak RSS, in-process sync of ${IN_PROCESS_FOLLOWERS} followers`,
      value: cli.peak,
      unit: 'MB',
      target: { below: 150 },
      note: `median ${cli.median.toFixed(0)} MB over ${cli.samples} samples; ${cli.seconds.toFixed(0)} s`,
    });
    return figures;
  },
};

export default bench;
