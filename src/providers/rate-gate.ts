// Rate limits and budgets that hold across processes (issue 3 §7): every request is reserved in
// Postgres before it is sent, in one statement (sm_reserve_request, sql/0008_provider_pace.sql).
// Per-second limits are paced: each request gets a start slot at least 1/rps after the previous one,
// for all processes together, and leaves on that slot. Over a day/month budget, or inside a wait the
// provider itself asked for, it is refused with the time until the window ends (the job is deferred).
import { setTimeout as delay } from 'node:timers/promises';
import type { Queryable } from '../db/database.ts';
import { blockProvider, readDatabaseClockMs, reserveRequest, type UsageLimits } from '../db/queries/provider-usage.ts';
import { ProviderError } from '../errors.ts';

/**
 * Pacing headroom: request starts are spaced 3% wider than 1/rps. Requests leave a few ms after their
 * slot (timers, event loop, a busy CPU); the headroom absorbs up to 30 ms of that before any
 * one-second window at the provider could hold more than the limit, at a cost of 3% of the rate
 * (issue 7 benchmark 3 asks for at least 95% of the allowed rate and 0 requests over it).
 */
export const PACE_HEADROOM = 0.03;

/**
 * A request whose process wakes up more than this after its slot could bunch with the next ones; it
 * takes a new slot instead of leaving late (the missed slot stays unused). Below the 30 ms that
 * {@link PACE_HEADROOM} absorbs.
 */
export const LATE_TOLERANCE_MS = 20;

/** Slots one request may miss before it gives up with rate_limited (it is never sent late). */
const MAX_MISSED_SLOTS = 6;

/** Database clock reads made before the first paced request of a process. */
const CALIBRATION_READS = 5;

/** Reserves a request before it is sent. */
export interface RateGate {
  /**
   * Resolves when `provider` may send one request now (the reservation is counted): waits in place
   * for its per-second slot (up to `maxWaitMs`).
   * @throws ProviderError rate_limited with `retryAfterSeconds` = time until the day/month budget
   *   resets, the provider's own wait window ends, or (slot further than `maxWaitMs`) the slot comes.
   *   Nothing was sent. Also when `signal` aborts the wait.
   */
  acquire(provider: string, signal?: AbortSignal): Promise<void>;
  /**
   * Stops every process from calling `provider` for `seconds`: the provider answered 429 with a long
   * Retry-After, or said its quota is used up (CASES.md C08). Never shortens an existing window.
   */
  block(provider: string, seconds: number, kind: 'rate_limited' | 'quota_exhausted', reason: string): Promise<void>;
}

/** Options for {@link createDbRateGate}. */
export interface RateGateOptions {
  /** Longest wait in place for a per-second slot (ms, default 10,000); a later slot is refused. */
  maxWaitMs?: number;
}

/** Seconds from `now` until the next UTC day or month starts. */
export function secondsUntilReset(period: 'day' | 'month', now: Date): number {
  const next =
    period === 'day'
      ? Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1)
      : Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  return Math.max(1, Math.ceil((next - now.getTime()) / 1000));
}

/** Spacing (ms) of request starts for `maxRps` requests per second; 0 = no pacing. */
export function paceIntervalMs(maxRps: number): number {
  return maxRps > 0 ? (1000 / maxRps) * (1 + PACE_HEADROOM) : 0;
}

/** Local wall clock with sub-ms precision (epoch ms). */
const localNowMs = () => performance.timeOrigin + performance.now();

/**
 * Estimates (local clock - database clock) in ms as the minimum, over recent replies, of (local time
 * the reply arrived - database time it left): the skew plus the fastest reply's transit. A slot mapped
 * to the local clock with it is never early and at most a fraction of a ms late.
 */
function createClockOffset(samples = 32) {
  const seen: number[] = [];
  return {
    observe(localRecvMs: number, dbNowMs: number): void {
      seen.push(localRecvMs - dbNowMs);
      if (seen.length > samples) seen.shift();
    },
    offsetMs: () => Math.min(...seen),
  };
}

/**
 * A gate backed by the database, shared by every process using it. Providers without an entry in
 * `limits` are counted with no limit (usage history only).
 * @param limits per provider name (config SM_<PROVIDER>_MAX_RPS, _DAILY_BUDGET, _MONTHLY_BUDGET)
 */
export function createDbRateGate(db: Queryable, limits: Record<string, UsageLimits>, options: RateGateOptions = {}): RateGate {
  const maxWaitMs = options.maxWaitMs ?? 10_000;
  const clock = createClockOffset();
  let calibrated: Promise<void> | undefined;
  const calibrate = async () => {
    for (let i = 0; i < CALIBRATION_READS; i++) {
      const dbNowMs = await readDatabaseClockMs(db);
      clock.observe(localNowMs(), dbNowMs); // local time read after the reply arrived, never before
    }
  };
  return {
    async acquire(provider, signal) {
      const l = limits[provider] ?? { maxRps: 0, dailyBudget: 0, monthlyBudget: 0 };
      const intervalMs = paceIntervalMs(l.maxRps);
      if (intervalMs > 0) {
        calibrated ??= calibrate();
        await calibrated;
      }
      for (let missed = 0; ; missed++) {
        const r = await reserveRequest(db, provider, l, { intervalMs, maxWaitMs, count: missed === 0 });
        if (!r.ok) throw refusal(provider, r);
        clock.observe(localNowMs(), r.dbNowMs);
        if (intervalMs === 0) return;
        const slotLocal = r.slotMs + clock.offsetMs();
        const waitMs = Math.ceil(slotLocal - localNowMs());
        if (waitMs > 0) {
          try {
            await delay(waitMs, undefined, { signal });
          } catch (err) {
            throw new ProviderError('transient', provider, `aborted while waiting ${waitMs} ms for a request slot; not sent`, {
              cause: err,
            });
          }
        }
        if (localNowMs() - slotLocal <= LATE_TOLERANCE_MS) return;
        if (missed + 1 >= MAX_MISSED_SLOTS) {
          throw new ProviderError(
            'rate_limited',
            provider,
            `not sent: process too busy to leave on its request slot (${MAX_MISSED_SLOTS} missed)`,
            {
              retryAfterSeconds: 1,
            },
          );
        }
      }
    },
    async block(provider, seconds, kind, reason) {
      await blockProvider(db, provider, Math.max(1, Math.ceil(seconds)), kind, reason);
    },
  };
}

function refusal(provider: string, r: Extract<Awaited<ReturnType<typeof reserveRequest>>, { ok: false }>): ProviderError {
  const wait = r.retryAfterSeconds;
  let message: string;
  if (r.period === 'day' || r.period === 'month') {
    message = `not sent: ${r.period === 'day' ? 'daily' : 'monthly'} budget of ${r.limit} requests used up; resets in ${wait} s`;
  } else if (r.period === 'block') {
    message = `not sent: the provider asked every worker to wait (${r.reason}); ${wait} s left`;
  } else {
    message = `not sent: the next request slot is more than the in-place wait away; retry in ${wait} s`;
  }
  return new ProviderError('rate_limited', provider, message, { retryAfterSeconds: wait });
}
