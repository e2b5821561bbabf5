// Chain benchmark (issue 7 §2) and cost benchmark (§5): a followers sync of 100,000 followers
// against a zero-latency fake RocketAPI through pg-boss, one job per page, one `sm-core worker`
// process. Figures: pages per second, the median time from one page's commit to the next page's
// request (target < 20 ms), the page's own time (request to commit), and the provider requests
// beyond 1 profile request + ceil(N / 50) pages (target 0).
import { type Bench, type Figure, quantile } from './lib/bench.ts';
import { runSync } from './lib/sync-run.ts';

const FOLLOWERS = Number(process.env.SM_BENCH_CHAIN_FOLLOWERS ?? 100_000);
const RUNS = Number(process.env.SM_BENCH_CHAIN_RUNS ?? 3);
const PAGE_SIZE = 50;

interface ChainRun {
  pagesPerSecond: number;
  gaps: number[];
  pageMs: number[];
  extraRequests: number;
}

async function once(adminUrl: string, log: (m: string) => void): Promise<ChainRun> {
  const profile = { id: '9800000001', username: 'chain.bench', followers: FOLLOWERS };
  const r = await runSync({
    adminUrl,
    label: 'chain',
    profiles: [profile],
    workers: 1,
    concurrency: 1,
    env: { SM_LOG_LEVEL: 'debug' },
    keepLogs: ['job done'],
    log,
  });
  const run = r.runs[0];
  if (!r.complete || run?.status !== 'succeeded' || r.edges.get(profile.id) !== FOLLOWERS)
    throw new Error(`sync did not complete: ${run?.status} ${run?.outcome}, ${r.edges.get(profile.id)} edges`);
  const pageRequests = r.requests.filter((q) => q.path.endsWith('/get_followers')).map((q) => q.receivedAt);
  const done = r.logs.filter((l) => l.queue === 'sync-followers').map((l) => l.time as number);
  // Events alternate: request k, commit k (job done), request k+1, ...
  const gaps: number[] = [];
  const pageMs: number[] = [];
  for (let k = 0; k < done.length; k++) {
    pageMs.push(done[k]! - pageRequests[k]!);
    if (k + 1 < pageRequests.length) gaps.push(pageRequests[k + 1]! - done[k]!);
  }
  const expected = 1 + Math.ceil(FOLLOWERS / PAGE_SIZE);
  const seconds = (pageRequests.at(-1)! - pageRequests[0]!) / 1000;
  log(`${pageRequests.length} pages in ${seconds.toFixed(1)} s; gap median ${quantile(gaps, 0.5)} ms`);
  return { pagesPerSecond: (pageRequests.length - 1) / seconds, gaps, pageMs, extraRequests: r.requests.length - expected };
}

const bench: Bench = {
  name: 'chain',
  description: `followers sync of ${FOLLOWERS} through pg-boss (one job per page, zero-latency provider, 1 worker), ${RUNS} runs`,
  async run({ adminUrl, log }) {
    const runs: ChainRun[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await once(adminUrl, log));
    const median = (xs: number[]) => quantile(xs, 0.5);
    const gapMedians = runs.map((r) => median(r.gaps));
    const figures: Figure[] = [
      {
        name: 'pages/s (median of runs)',
        value: median(runs.map((r) => r.pagesPerSecond)),
        unit: 'pages/s',
        note: `runs: ${runs.map((r) => r.pagesPerSecond.toFixed(1)).join(', ')}; ${PAGE_SIZE} followers per page`,
      },
      {
        name: 'commit -> next request, median',
        value: median(gapMedians),
        unit: 'ms',
        target: { below: 20 },
        note: `runs: ${gapMedians.join(', ')}; p95 ${median(runs.map((r) => quantile(r.gaps, 0.95)))} ms`,
      },
      {
        name: 'request -> commit (page time), median',
        value: median(runs.map((r) => median(r.pageMs))),
        unit: 'ms',
        note: `p95 ${median(runs.map((r) => quantile(r.pageMs, 0.95)))} ms`,
      },
      {
        name: 'cost: requests beyond 1 + ceil(N/50)',
        value: Math.max(...runs.map((r) => r.extraRequests)),
        unit: 'requests',
        target: { below: 1 },
        note: `N = ${FOLLOWERS}: expected ${1 + Math.ceil(FOLLOWERS / PAGE_SIZE)} requests per sync`,
      },
    ];
    return figures;
  },
};

export default bench;
