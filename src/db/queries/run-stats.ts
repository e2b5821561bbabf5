// Counts over the run ledger (job_calls, service_calls) for the /metrics endpoint.
import type { Queryable } from '../database.ts';
import { countFromInt8 } from '../int8.ts';

/** Provider requests by provider and outcome. */
export interface ProviderCallCount {
  /** service_calls.provider (0004), else `cursor.provider` (rows older than 0004), else `unknown`. */
  provider: string;
  /** service_calls.status: pending, running, succeeded, failed, partial. */
  outcome: string;
  count: number;
}

/** Runs by kind and status. */
export interface RunCount {
  kind: string;
  status: string;
  count: number;
}

/** Rows younger than this (seconds) are never folded into a running total: a transaction still open may commit a lower id. */
export const SETTLE_SECONDS = 60;

const GROUP_SQL = `SELECT coalesce(provider, cursor ->> 'provider', 'unknown') AS provider, status AS outcome, count(*) AS n
  FROM service_calls WHERE id > $1::bigint AND ($2::bigint IS NULL OR id <= $2::bigint) GROUP BY 1, 2`;

/** Counts every recorded provider request by provider and outcome (one aggregate scan of the whole table). */
export async function countProviderCalls(db: Queryable): Promise<ProviderCallCount[]> {
  const res = await db.query<{ provider: string; outcome: string; n: string }>(`${GROUP_SQL} ORDER BY 1, 2`, ['0', null]);
  return res.rows.map((r) => ({ provider: r.provider, outcome: r.outcome, count: countFromInt8(r.n) ?? 0 }));
}

/** A counter of provider requests whose cost does not grow with the ledger (see {@link createProviderCallCounter}). */
export interface ProviderCallCounter {
  /** Same answer as {@link countProviderCalls}, reading only the rows past the watermark. */
  count(db: Queryable): Promise<ProviderCallCount[]>;
  /** Every service_calls row with an id up to this one is final and folded into the totals ('0' before the first count). */
  watermark(): string;
}

/**
 * Counts provider requests incrementally, for /metrics scrapes (service_calls grows by one row per
 * page: millions of rows within months, too many to count at every scrape). Rows that are final
 * (not pending or running), older than {@link SETTLE_SECONDS} and below the first unfinished row are
 * folded once into running totals; the rows past that watermark are counted at each scrape. The
 * first count reads the whole table once. Final statuses never change and rows are never deleted,
 * so the totals stay equal to a full count.
 */
export function createProviderCallCounter(): ProviderCallCounter {
  let watermark = '0';
  const totals = new Map<string, ProviderCallCount>();
  const key = (provider: string, outcome: string) => `${provider}\u0000${outcome}`;
  const add = (into: Map<string, ProviderCallCount>, rows: Array<{ provider: string; outcome: string; n: string }>) => {
    for (const r of rows) {
      const k = key(r.provider, r.outcome);
      const prev = into.get(k);
      into.set(k, { provider: r.provider, outcome: r.outcome, count: (prev?.count ?? 0) + (countFromInt8(r.n) ?? 0) });
    }
  };
  return {
    watermark: () => watermark,
    async count(db) {
      const bound = await db.query<{ upto: string }>(
        `SELECT CASE WHEN o.max_old IS NULL THEN $1::bigint ELSE least(o.max_old, f.first_open - 1) END AS upto
         FROM (SELECT max(id) AS max_old FROM service_calls
               WHERE id > $1::bigint AND created_at < now() - make_interval(secs => $2)) o,
              (SELECT min(id) AS first_open FROM service_calls WHERE id > $1::bigint AND status IN ('pending', 'running')) f`,
        [watermark, SETTLE_SECONDS],
      );
      const upto = String(bound.rows[0]!.upto);
      if (upto !== watermark) {
        add(totals, (await db.query<{ provider: string; outcome: string; n: string }>(GROUP_SQL, [watermark, upto])).rows);
        watermark = upto;
      }
      const live = new Map(totals);
      add(live, (await db.query<{ provider: string; outcome: string; n: string }>(GROUP_SQL, [watermark, null])).rows);
      return [...live.values()].sort((a, b) => a.provider.localeCompare(b.provider) || a.outcome.localeCompare(b.outcome));
    },
  };
}

/** Counts every recorded run by kind and status (one aggregate scan). */
export async function countRuns(db: Queryable): Promise<RunCount[]> {
  const res = await db.query<{ kind: string; status: string; n: string }>(
    'SELECT kind, status, count(*) AS n FROM job_calls GROUP BY 1, 2 ORDER BY 1, 2',
  );
  return res.rows.map((r) => ({ kind: r.kind, status: r.status, count: countFromInt8(r.n) ?? 0 }));
}
