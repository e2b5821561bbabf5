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

/** Counts every recorded provider request by provider and outcome (one aggregate scan). */
export async function countProviderCalls(db: Queryable): Promise<ProviderCallCount[]> {
  const res = await db.query<{ provider: string; outcome: string; n: string }>(
    `SELECT coalesce(provider, cursor ->> 'provider', 'unknown') AS provider, status AS outcome, count(*) AS n
       FROM service_calls GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  return res.rows.map((r) => ({ provider: r.provider, outcome: r.outcome, count: countFromInt8(r.n) ?? 0 }));
}

/** Counts every recorded run by kind and status (one aggregate scan). */
export async function countRuns(db: Queryable): Promise<RunCount[]> {
  const res = await db.query<{ kind: string; status: string; n: string }>(
    'SELECT kind, status, count(*) AS n FROM job_calls GROUP BY 1, 2 ORDER BY 1, 2',
  );
  return res.rows.map((r) => ({ kind: r.kind, status: r.status, count: countFromInt8(r.n) ?? 0 }));
}
