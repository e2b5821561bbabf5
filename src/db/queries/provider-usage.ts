// Queries on provider_usage (requests per provider per UTC day / month) and provider_pace (the next
// request slot, the provider's own wait window), shared by every process on the database, so rate
// limits and budgets hold across workers (issue 3 §7). Migrations 0004 and 0008.
import type { Queryable } from '../database.ts';

/**
 * The provider name under which requests to the bundled sample server are counted (src/providers/
 * registry.ts), so `sm-core usage` shows them, labelled SAMPLE, apart from requests anyone bills.
 */
export const SAMPLE_USAGE_PROVIDER = 'sample';

/** Limits of one provider; 0 = no limit. */
export interface UsageLimits {
  /** Requests per second, all processes together (paced: src/providers/rate-gate.ts). */
  maxRps: number;
  /** Requests per UTC day. */
  dailyBudget: number;
  /** Requests per UTC month. */
  monthlyBudget: number;
}

/** Outcome of {@link reserveRequest}. */
export type Reservation =
  | {
      ok: true;
      /** Start of the granted slot and the database clock when the answer left, epoch ms (database clock). */
      slotMs: number;
      dbNowMs: number;
    }
  | {
      ok: false;
      /** What refused: the pace (slot too far away), a budget, or the provider's own wait window. */
      period: 'second' | 'day' | 'month' | 'block';
      /** The budget that refused (0 for 'second' and 'block'). */
      limit: number;
      /** Seconds until the refused request may be tried again (window reset, slot, block end). */
      retryAfterSeconds: number;
      /** For 'block': the kind and reason recorded by {@link blockProvider}. */
      reason: string | null;
    };

/** Options of {@link reserveRequest} beyond the limits. */
export interface ReserveOptions {
  /** Spacing of request starts (ms), all processes together; 0 = no pacing. */
  intervalMs: number;
  /** Longest wait (ms) for a slot that is still granted. */
  maxWaitMs: number;
  /** false: pace only, for a request already counted that missed its slot (default true). */
  count?: boolean;
}

interface ReserveRow {
  granted: boolean;
  refused_by: 'second' | 'day' | 'month' | 'block' | null;
  lim: number | null;
  reason: string | null;
  retry_after_s: number | null;
  slot_ms: number | null;
  db_now_ms: number;
}

/**
 * Reserves one request for `provider` in ONE atomic statement (`sm_reserve_request`,
 * sql/0008_provider_pace.sql): refuses inside a provider block, counts the request in the month and
 * day rows (refused at a budget; 0 = no budget), then reserves the next pace slot. When any step
 * refuses, nothing is counted. Every process on the database shares these rows.
 */
export async function reserveRequest(q: Queryable, provider: string, limits: UsageLimits, options: ReserveOptions): Promise<Reservation> {
  const res = await q.query<ReserveRow>('SELECT * FROM sm_reserve_request($1, $2, $3, $4, $5, $6)', [
    provider,
    options.intervalMs,
    Math.round(options.maxWaitMs),
    limits.dailyBudget,
    limits.monthlyBudget,
    options.count ?? true,
  ]);
  const r = res.rows[0];
  if (!r) throw new Error('sm_reserve_request returned no row');
  if (r.granted) return { ok: true, slotMs: r.slot_ms ?? r.db_now_ms, dbNowMs: r.db_now_ms };
  return {
    ok: false,
    period: r.refused_by ?? 'second',
    limit: r.lim ?? 0,
    retryAfterSeconds: Math.max(1, r.retry_after_s ?? 1),
    reason: r.reason,
  };
}

/**
 * Stops every process from calling `provider` for `seconds` (never shortens an existing block): the
 * provider itself asked to wait (CASES.md C08).
 */
export async function blockProvider(
  q: Queryable,
  provider: string,
  seconds: number,
  kind: 'rate_limited' | 'quota_exhausted',
  reason: string,
): Promise<void> {
  await q.query(
    `INSERT INTO provider_pace AS p (provider, next_at, blocked_until, blocked_kind, blocked_reason)
     VALUES ($1, clock_timestamp(), clock_timestamp() + $2 * interval '1 second', $3, $4)
     ON CONFLICT (provider) DO UPDATE SET
       blocked_until = greatest(p.blocked_until, EXCLUDED.blocked_until),
       blocked_kind = CASE WHEN p.blocked_until > EXCLUDED.blocked_until THEN p.blocked_kind ELSE EXCLUDED.blocked_kind END,
       blocked_reason = CASE WHEN p.blocked_until > EXCLUDED.blocked_until THEN p.blocked_reason ELSE EXCLUDED.blocked_reason END,
       updated_at = clock_timestamp()`,
    [provider, seconds, kind, reason],
  );
}

/** The database clock now, epoch ms with sub-ms precision (the gate calibrates its clock against it). */
export async function readDatabaseClockMs(q: Queryable): Promise<number> {
  const res = await q.query<{ now_ms: number }>('SELECT extract(epoch FROM clock_timestamp())::double precision * 1000 AS now_ms');
  return res.rows[0]!.now_ms;
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
