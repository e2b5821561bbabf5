// A provider storm for the fake RocketAPI: a seeded, reproducible fault plan applied request by
// request (5xx, stalls past the client's timeout, bursts of 429 with Retry-After), recorded so tests
// can check every request against the retry budget.
import type { LoggedRequest, ScriptedResponse } from '../../src/providers/sample/fake-rocket-server.ts';

/**
 * The storm's shape. Exact shares, not chances: every block of 10 requests outside a burst holds
 * `serverErrors` x 10 answers 5xx and `stalls` x 10 stalls, at seeded random places in the block.
 */
export interface StormPlan {
  seed: number;
  /** Share of requests answered 500/502/503/504 (a multiple of 0.1). */
  serverErrors: number;
  /** Share of requests that stall past the client's timeout, before headers or mid-body (a multiple of 0.1). */
  stalls: number;
  /** A burst of 429s starts at every `burstEvery`-th request. */
  burstEvery: number;
  /** Consecutive 429 answers in a burst. */
  burstLength: number;
  /** Retry-After of each 429 (seconds). */
  retryAfterSeconds: number;
}

/** What the storm did to one request. */
export type StormFault = '5xx' | 'stall' | '429' | null;

/** mulberry32: a small seeded PRNG, so a storm replays exactly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A storm: `intercept` for the fake server, and the fault given to each request (by identity). */
export interface Storm {
  intercept(req: LoggedRequest): ScriptedResponse | undefined;
  faults: Map<LoggedRequest, StormFault>;
}

/** Builds a storm from its plan. */
export function createStorm(plan: StormPlan): Storm {
  const random = prng(plan.seed);
  const faults = new Map<LoggedRequest, StormFault>();
  const statuses = [500, 502, 503, 504];
  let seen = 0;
  let burstLeft = 0;
  let deck: StormFault[] = [];
  const newDeck = () => {
    const cards: StormFault[] = Array.from({ length: 10 }, (_, i) =>
      i < Math.round(plan.serverErrors * 10) ? '5xx' : i < Math.round((plan.serverErrors + plan.stalls) * 10) ? 'stall' : null,
    );
    for (let i = cards.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [cards[i], cards[j]] = [cards[j]!, cards[i]!];
    }
    return cards;
  };
  return {
    faults,
    intercept(req) {
      seen++;
      if (seen % plan.burstEvery === 0) burstLeft = plan.burstLength;
      let fault: StormFault;
      if (burstLeft > 0) {
        burstLeft--;
        fault = '429';
      } else {
        if (deck.length === 0) deck = newDeck();
        fault = deck.pop()!;
      }
      faults.set(req, fault);
      switch (fault) {
        case '429':
          return { status: 429, headers: { 'retry-after': String(plan.retryAfterSeconds) }, body: { detail: 'Request was throttled.' } };
        case '5xx':
          return { status: statuses[Math.floor(random() * statuses.length)]!, body: '<html><body>upstream error</body></html>' };
        case 'stall':
          return { status: 200, stall: random() < 0.5 ? 'headers' : 'body', body: '{"status":"done","response":{"status_code":200,' };
        default:
          return undefined;
      }
    },
  };
}
