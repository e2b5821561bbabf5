// Load shedding for the search and analysis endpoints (one shared limiter): at most `concurrency` searches run at once, at most `queue`
// wait for a slot (first come, first served) and none waits longer than `maxWaitMs`. Past either
// bound a request is refused at once with 503 `overloaded` and Retry-After, instead of queueing in
// the database pool until the request timeout (issue 14: 60 concurrent searches made every one of
// them take 2-3 s and /health wait behind them).
import { HttpError } from './respond.ts';

/** Bounds of one limiter. */
export interface LimiterOptions {
  /** Work items running at once (>= 1). */
  concurrency: number;
  /** Items that may wait for a slot (>= 0); one more is refused. */
  queue: number;
  /** Longest wait for a slot (ms); with 0 a waiter is refused on the next tick unless a slot frees first. */
  maxWaitMs: number;
}

/** Why a request was refused: the queue was full, or it waited `maxWaitMs` without a slot. */
export type ShedReason = 'queue_full' | 'wait_timeout';

/** What the limiter reports to metrics. */
export interface LimiterEvents {
  /** A request got a slot after waiting `seconds` (0 when a slot was free). */
  admitted?(seconds: number): void;
  /** A request to `route` (the label given to {@link Limiter.run}) was refused. */
  shed?(reason: ShedReason, route: string): void;
}

/** A concurrency limiter with a bounded, timed queue. */
export interface Limiter {
  /**
   * Runs `work` in a slot, waiting for one when all are busy. `route` labels a refusal in the metrics.
   * @throws HttpError 503 `overloaded` (Retry-After: 1) when the queue is full or the wait exceeds maxWaitMs
   */
  run<T>(work: () => Promise<T>, route: string): Promise<T>;
  /** Slots in use and requests waiting, now. */
  stats(): { active: number; queued: number; concurrency: number; queue: number };
}

/** The 503 a refused request gets. */
function overloaded(reason: ShedReason, options: LimiterOptions): HttpError {
  const why =
    reason === 'queue_full'
      ? `${options.concurrency} searches and analyses are running and ${options.queue} waiting`
      : `no query slot was free within ${options.maxWaitMs} ms`;
  return new HttpError(503, 'overloaded', `the server is busy (${why}); retry in a second`, { 'retry-after': '1' });
}

/**
 * Creates a limiter. Slots are handed to waiters in arrival order when a running item ends.
 * @param options concurrency >= 1, queue >= 0, maxWaitMs >= 0
 */
export function createLimiter(options: LimiterOptions, events: LimiterEvents = {}): Limiter {
  let active = 0;
  const waiters: Array<{ grant: () => void }> = [];

  const release = () => {
    const next = waiters.shift();
    if (next) next.grant();
    else active--;
  };

  const acquire = (route: string): Promise<void> => {
    if (active < options.concurrency) {
      active++;
      events.admitted?.(0);
      return Promise.resolve();
    }
    if (waiters.length >= options.queue) {
      events.shed?.('queue_full', route);
      return Promise.reject(overloaded('queue_full', options));
    }
    const queuedAt = performance.now();
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        grant: () => {
          clearTimeout(timer);
          events.admitted?.((performance.now() - queuedAt) / 1000);
          resolve(); // the slot passes from the releasing item to this one: `active` is unchanged
        },
      };
      const timer = setTimeout(() => {
        const i = waiters.indexOf(waiter);
        if (i >= 0) waiters.splice(i, 1);
        events.shed?.('wait_timeout', route);
        reject(overloaded('wait_timeout', options));
      }, options.maxWaitMs);
      waiters.push(waiter);
    });
  };

  return {
    async run(work, route) {
      await acquire(route);
      try {
        return await work();
      } finally {
        release();
      }
    },
    stats: () => ({ active, queued: waiters.length, concurrency: options.concurrency, queue: options.queue }),
  };
}
