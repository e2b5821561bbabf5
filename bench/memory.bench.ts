// Memory benchmark (issue 7 §4): resident memory of one `sm-core worker` process (default
// concurrency 2) during a 1,000,000-follower sync, sampled every second from /proc. Target: peak
// RSS < 200 MB, and flat: RSS at 25/50/75/100% of the list, and the slope of RSS against followers
// committed (least squares, after the first 10%). When the whole list does not fit in the time cap
// at the page rate this machine reaches, the part that did is measured and the slope projects the rest.
import { type Bench, type Figure, quantile } from './lib/bench.ts';
import { type RssSample, runSync } from './lib/sync-run.ts';

const FOLLOWERS = Number(process.env.SM_BENCH_MEMORY_FOLLOWERS ?? 1_000_000);
const CAP_SECONDS = Number(process.env.SM_BENCH_MEMORY_SECONDS ?? 480);

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
        target: { below: 200 },
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
    return figures;
  },
};

export default bench;
