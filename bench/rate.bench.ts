// Rate-use benchmark (issue 7 §3): a provider that allows 20 requests per second (it answers 429
// with Retry-After: 1 beyond that, counted per calendar second of its clock), two `sm-core worker`
// processes sharing SM_ROCKET_MAX_RPS=20 through Postgres (src/providers/rate-gate.ts), several
// followers runs so demand exceeds the limit, for 30 s. Figures: share of the allowed rate used
// (target >= 95%) and requests over the limit (target 0; also counted in sliding 1 s windows).
import type { LoggedRequest, ScriptedResponse } from '../src/providers/sample/fake-rocket-server.ts';
import type { Bench, Figure } from './lib/bench.ts';
import { runSync } from './lib/sync-run.ts';

const LIMIT = Number(process.env.SM_BENCH_RATE_LIMIT ?? 20);
const SECONDS = Number(process.env.SM_BENCH_RATE_SECONDS ?? 30);
const LATENCY_MS = 50;
const PROFILES = 6;
const CONCURRENCY = 3;

/** The provider's own limit: per calendar second of its clock; requests beyond it get 429. */
function providerLimit() {
  const perSecond = new Map<number, number>();
  const refused = new Set<LoggedRequest>();
  const intercept = (req: LoggedRequest): ScriptedResponse | undefined => {
    const second = Math.floor(req.receivedAt / 1000);
    const n = (perSecond.get(second) ?? 0) + 1;
    perSecond.set(second, n);
    if (n <= LIMIT) return undefined;
    refused.add(req);
    return { status: 429, headers: { 'retry-after': '1' }, body: { message: 'Too many requests' } };
  };
  return { intercept, refused };
}

/** Most requests inside any sliding window of 1 s. */
function slidingMax(times: number[]): number {
  let max = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= 1000) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}

const bench: Bench = {
  name: 'rate',
  description: `provider limited to ${LIMIT} req/s, 2 workers x ${CONCURRENCY} slots, ${PROFILES} runs, ${SECONDS} s`,
  async run({ adminUrl, log }) {
    const limit = providerLimit();
    const profiles = Array.from({ length: PROFILES }, (_, i) => ({
      id: `960000000${i + 1}`,
      username: `rate.bench${i + 1}`,
      followers: 50_000,
    }));
    const r = await runSync({
      adminUrl,
      label: 'rate',
      profiles,
      workers: 2,
      concurrency: CONCURRENCY,
      env: { SM_ROCKET_MAX_RPS: String(LIMIT) },
      server: { latencyMs: LATENCY_MS, intercept: limit.intercept },
      stopAfterMs: (SECONDS + 8) * 1000,
      log,
    });
    // The measured window: SECONDS whole seconds starting at the first full second after the first
    // page request (profile requests and start-up excluded).
    const pages = r.requests.filter((q) => q.path.endsWith('/get_followers'));
    const from = (Math.floor(pages[0]!.receivedAt / 1000) + 1) * 1000;
    const to = from + SECONDS * 1000;
    const inWindow = r.requests.filter((q) => q.receivedAt >= from && q.receivedAt < to);
    const used = inWindow.length / (LIMIT * SECONDS);
    const over = inWindow.filter((q) => limit.refused.has(q)).length;
    const sliding = slidingMax(inWindow.map((q) => q.receivedAt));
    const perSecond = Array.from(
      { length: SECONDS },
      (_, i) => inWindow.filter((q) => Math.floor((q.receivedAt - from) / 1000) === i).length,
    );
    log(`requests per second: ${perSecond.join(' ')}`);
    const figures: Figure[] = [
      {
        name: 'share of the allowed rate used',
        value: used * 100,
        unit: '%',
        target: { above: 95 },
        note: `${inWindow.length} requests in ${SECONDS} s at ${LIMIT}/s allowed; per second min ${Math.min(...perSecond)}, max ${Math.max(...perSecond)}`,
      },
      {
        name: 'requests over the limit',
        value: over,
        unit: 'requests',
        target: { below: 1 },
        note: `per calendar second (the provider's 429s); busiest sliding 1 s window: ${sliding} requests`,
      },
    ];
    return figures;
  },
};

export default bench;
