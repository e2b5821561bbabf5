// Read model of runs for `sm-core runs` and `sm-core runs show`: job_calls with their profile and
// the provider requests they made (service_calls), per provider.
import type { Queryable } from '../database.ts';
import { countFromInt8, idFromInt8 } from '../int8.ts';
import { JOB_CALL_COLUMNS, type JobCallRow, jobCallFromRow, type RunKind, type RunStatus } from './job-calls.ts';

/** Requests of a run made to one provider. */
export interface ProviderRequests {
  /** Provider calls recorded: service_calls rows (one per queue-job attempt, plus fallback hops). */
  calls: number;
  /** HTTP requests sent, the billable units: service_calls.request_units (in-place retries included; 0 when refused before sending). */
  units: number;
}

/** A run with its profile's username and its requests per provider. */
export interface RunReport extends JobCallRow {
  username: string | null;
  /** The profile's platform (null when the run has no stored profile). */
  platform: string | null;
  /** Provider name -> requests (a provider named in the cursor when the ledger column is empty). */
  requestsByProvider: Record<string, ProviderRequests>;
}

/** Filters of `sm-core runs`. */
export interface RunFilter {
  /** Profile row id (resolved from `--profile <username>`). */
  profileId?: string | null;
  status?: RunStatus | null;
  kind?: RunKind | null;
  /** Newest first, at most this many. */
  limit: number;
}

/** Requests per provider of the run aliased `j`, as one jsonb object. */
const BY_PROVIDER = `(SELECT coalesce(jsonb_object_agg(p.provider, jsonb_build_object('calls', p.calls, 'units', p.units)), '{}'::jsonb)
   FROM (SELECT coalesce(sc.provider, sc.cursor ->> 'provider', '?') AS provider, count(*) AS calls,
                coalesce(sum(sc.request_units), 0) AS units
         FROM service_calls sc WHERE sc.job_call_id = j.id GROUP BY 1) p)`;

/**
 * HTTP requests a run sent to providers (sum of service_calls.request_units): one per attempt, the
 * in-place retries included; 0 for a call refused before sending. What providers bill.
 */
export function httpRequests(run: RunReport): number {
  return Object.values(run.requestsByProvider).reduce((n, p) => n + p.units, 0);
}

/** Provider calls a run recorded (service_calls rows): one per queue-job attempt, plus fallback hops. */
export function providerCalls(run: RunReport): number {
  return Object.values(run.requestsByProvider).reduce((n, p) => n + p.calls, 0);
}

/** Wall time of a run from its first request to its end (seconds, 0.001 precision), null while it runs. */
export function runSeconds(run: JobCallRow): number | null {
  if (!run.startedAt || !run.finishedAt) return null;
  return Math.round(run.finishedAt.getTime() - run.startedAt.getTime()) / 1000;
}

/** seen / expected of a list run, rounded to 0.0001 (null for a profile run or an unknown count). */
export function runCompleteness(run: JobCallRow): number | null {
  if (run.kind === 'profile' || run.expectedItems === null || run.expectedItems === 0) return null;
  return Math.round((run.itemsSeen / run.expectedItems) * 10_000) / 10_000;
}

function toReport(r: Record<string, unknown>): RunReport {
  const byProvider: Record<string, ProviderRequests> = {};
  for (const [k, v] of Object.entries((r.by_provider ?? {}) as Record<string, { calls: number | string; units: number | string }>)) {
    byProvider[k] = { calls: countFromInt8(v.calls) ?? 0, units: countFromInt8(v.units) ?? 0 };
  }
  return {
    ...jobCallFromRow(r),
    username: r.profile_username as string | null,
    platform: (r.profile_platform ?? null) as string | null,
    requestsByProvider: byProvider,
  };
}

/** Runs, newest first, with their profile and requests per provider (one statement). */
export async function listRunReports(q: Queryable, f: RunFilter): Promise<RunReport[]> {
  const res = await q.query(
    `SELECT j.*, p.username AS profile_username, p.platform AS profile_platform, ${BY_PROVIDER} AS by_provider
     FROM (SELECT ${JOB_CALL_COLUMNS} FROM job_calls
           WHERE ($1::bigint IS NULL OR subject_id = $1) AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR kind = $3)
           ORDER BY id DESC LIMIT $4) j
     LEFT JOIN social_profiles p ON p.id = j.subject_id
     ORDER BY j.id DESC`,
    [f.profileId ?? null, f.status ?? null, f.kind ?? null, f.limit],
  );
  return res.rows.map(toReport);
}

/** One run with its profile and requests per provider, or null. */
export async function getRunReport(q: Queryable, id: string): Promise<RunReport | null> {
  const res = await q.query(
    `SELECT j.*, p.username AS profile_username, p.platform AS profile_platform, ${BY_PROVIDER} AS by_provider
     FROM (SELECT ${JOB_CALL_COLUMNS} FROM job_calls WHERE id = $1) j LEFT JOIN social_profiles p ON p.id = j.subject_id`,
    [id],
  );
  return res.rows[0] ? toReport(res.rows[0]) : null;
}

/** These runs, in the order of `ids` (ids not found are left out), with their profile and requests per provider (one statement). */
export async function getRunReports(q: Queryable, ids: readonly string[]): Promise<RunReport[]> {
  if (ids.length === 0) return [];
  const res = await q.query(
    `SELECT j.*, p.username AS profile_username, p.platform AS profile_platform, ${BY_PROVIDER} AS by_provider
     FROM (SELECT ${JOB_CALL_COLUMNS} FROM job_calls WHERE id = ANY($1::bigint[])) j LEFT JOIN social_profiles p ON p.id = j.subject_id`,
    [ids],
  );
  const byId = new Map(res.rows.map((r) => [idFromInt8(r.id as string), toReport(r)]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}
