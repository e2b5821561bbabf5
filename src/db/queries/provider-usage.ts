// Queries on provider_usage: requests reserved per provider per second / day / month (UTC), shared by
// every process on the database, so rate limits and budgets hold across workers (issue 3 §7).
import type { Database, Queryable } from '../database.ts';

/** Limits of one provider; 0 = no limit. */
export interface UsageLimits {
  /** Requests per second (calendar seconds of the database clock). */
  maxRps: number;
  /** Requests per UTC day. */
  dailyBudget: number;
  /** Requests per UTC month. */
  monthlyBudget: number;
}

/** Outcome of {@link reserveRequest}. */
export type Reservation = { ok: true } | { ok: false; period: 'second' | 'day' | 'month'; limit: number };

class Refused extends Error {
  readonly period: 'second' | 'day' | 'month';
  readonly limit: number;
  constructor(period: 'second' | 'day' | 'month', limit: number) {
    super(`over the ${period} limit`);
    this.period = period;
    this.limit = limit;
  }
}

/** Adds one request to the period's counter unless it already holds `limit` (0 = no limit); true when added. */
async function bump(q: Queryable, provider: string, period: 'second' | 'day' | 'month', limit: number): Promise<boolean> {
  const res = await q.query<{ requests: number }>(
    `INSERT INTO provider_usage AS u (provider, period, period_start, requests)
     VALUES ($1, $2, date_trunc($2, now(), 'UTC'), 1)
     ON CONFLICT (provider, period, period_start)
     DO UPDATE SET requests = u.requests + 1, updated_at = now()
     WHERE $3::int = 0 OR u.requests < $3::int
     RETURNING requests`,
    [provider, period, limit],
  );
  return res.rows.length === 1;
}

/**
 * Reserves one request for `provider` in one transaction: the per-second counter (when limited),
 * then the month and day counters (always counted, for usage; refused at their budget). Nothing is
 * counted when any limit refuses. Old `second` rows of the provider are pruned when a new second starts.
 */
export async function reserveRequest(db: Database, provider: string, limits: UsageLimits): Promise<Reservation> {
  try {
    await db.transaction(async (tx) => {
      if (limits.maxRps > 0) {
        if (!(await bump(tx, provider, 'second', limits.maxRps))) throw new Refused('second', limits.maxRps);
      }
      if (!(await bump(tx, provider, 'month', limits.monthlyBudget))) throw new Refused('month', limits.monthlyBudget);
      if (!(await bump(tx, provider, 'day', limits.dailyBudget))) throw new Refused('day', limits.dailyBudget);
    });
  } catch (err) {
    if (err instanceof Refused) return { ok: false, period: err.period, limit: err.limit };
    throw err;
  }
  if (limits.maxRps > 0) {
    await db.query(`DELETE FROM provider_usage WHERE provider = $1 AND period = 'second' AND period_start < now() - interval '1 minute'`, [
      provider,
    ]);
  }
  return { ok: true };
}

/** Requests per provider per UTC day since `since` (oldest first), for `sm-core usage`. */
export async function usageByDay(q: Queryable, since: Date): Promise<Array<{ provider: string; day: Date; requests: number }>> {
  const res = await q.query<{ provider: string; day: Date; requests: number }>(
    `SELECT provider, period_start AS day, requests FROM provider_usage
     WHERE period = 'day' AND period_start >= $1 ORDER BY period_start, provider`,
    [since],
  );
  return res.rows;
}

/** Requests per provider in the current UTC month. */
export async function usageThisMonth(q: Queryable): Promise<Array<{ provider: string; requests: number }>> {
  const res = await q.query<{ provider: string; requests: number }>(
    `SELECT provider, requests FROM provider_usage
     WHERE period = 'month' AND period_start = date_trunc('month', now(), 'UTC') ORDER BY provider`,
  );
  return res.rows;
}
