// Rate limits and budgets that hold across processes (issue 3 §7): every request is reserved in
// Postgres (provider_usage) before it is sent; over the per-second limit it waits in place, over a
// day/month budget it is refused with the time until the budget resets (the job is deferred).
import { setTimeout as delay } from 'node:timers/promises';
import type { Database } from '../db/database.ts';
import { reserveRequest, type UsageLimits } from '../db/queries/provider-usage.ts';
import { ProviderError } from '../errors.ts';

/** Reserves a request before it is sent. */
export interface RateGate {
  /**
   * Resolves when `provider` may send one request now (the reservation is counted).
   * @throws ProviderError rate_limited with `retryAfterSeconds` = time until the day/month budget resets
   */
  acquire(provider: string, signal?: AbortSignal): Promise<void>;
}

/** Seconds from `now` until the next UTC day or month starts. */
export function secondsUntilReset(period: 'day' | 'month', now: Date): number {
  const next =
    period === 'day'
      ? Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1)
      : Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  return Math.max(1, Math.ceil((next - now.getTime()) / 1000));
}

/**
 * A gate backed by the database, shared by every process using it. Providers without an entry in
 * `limits` are counted with no limit (usage history only).
 * @param limits per provider name (config SM_<PROVIDER>_MAX_RPS, _DAILY_BUDGET, _MONTHLY_BUDGET)
 */
export function createDbRateGate(db: Database, limits: Record<string, UsageLimits>): RateGate {
  return {
    async acquire(provider, signal) {
      const l = limits[provider] ?? { maxRps: 0, dailyBudget: 0, monthlyBudget: 0 };
      for (;;) {
        const r = await reserveRequest(db, provider, l);
        if (r.ok) return;
        if (r.period === 'second') {
          // the next calendar second opens new slots; wait for it (plus a little jitter)
          await delay(1000 - (Date.now() % 1000) + Math.floor(Math.random() * 25), undefined, { signal });
          continue;
        }
        const wait = secondsUntilReset(r.period, new Date());
        throw new ProviderError(
          'rate_limited',
          provider,
          `not sent: ${r.period === 'day' ? 'daily' : 'monthly'} budget of ${r.limit} requests used up; resets in ${wait} s`,
          {
            retryAfterSeconds: wait,
          },
        );
      }
    },
  };
}
