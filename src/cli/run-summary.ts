// How the sync commands report: the profile card and the run summary (table for people, JSON for
// machines) on stdout, and the exit code with a one-line reason on stderr when the run did not succeed.
import type { JobCallRow } from '../db/queries/job-calls.ts';
import type { ProfileRow } from '../db/queries/profiles.ts';
import { httpRequests, providerCalls, type RunReport, runCompleteness, runSeconds } from '../db/queries/run-reports.ts';
import { AppError, EXIT, type ExitCode } from '../errors.ts';
import { exitCodeForRun } from '../sync/outcome.ts';
import { printTable } from './output.ts';

/** A run as the CLI prints it (`--json`). Ids are strings; counts numbers; seconds a number. */
export interface RunSummaryJson {
  run_id: string;
  kind: string;
  status: string;
  outcome: string | null;
  pages: number;
  /** Distinct accounts seen by a followers/followings run (null for a profile run). */
  followers: number | null;
  /** Accounts gained by a list run: followed or refollowed, never baseline (null for a profile run). */
  new: number | null;
  /** Accounts a complete list run found gone (unfollowed; null for a profile run). */
  lost: number | null;
  /** The list's expected size when the run started (the profile's count; null when unknown or a profile run). */
  expected: number | null;
  /** seen / expected, a ratio (null when unknown). */
  completeness: number | null;
  /** The run was the profile's baseline (first complete run): its accounts are not reported as new. */
  baseline: boolean;
  /** HTTP requests sent to providers, what they bill: every attempt, in-place retries included ({@link httpRequests}). */
  requests: number;
  /** Provider calls recorded (service_calls rows): queue-job attempts and fallback hops, each one or more HTTP requests. */
  calls: number;
  quarantined: number;
  /** Minor record fields coerced to their type (is_private: 0 -> false...; the raw payload keeps the original). */
  coerced: number;
  /**
   * How a list run's completeness was judged (summary.completeness): complete, short_list,
   * unknown_count, stale_count, private, restricted, or the pagination outcome; null for a profile run
   * or a run that has not ended.
   */
  completeness_verdict: string | null;
  /** A list run's provider switches, oldest first ([] when its list never restarted; docs/providers.md). */
  list_restarts: ListRestartJson[];
  seconds: number | null;
  error: string | null;
}

/** One provider switch of a list run as `runs --json` prints it (summary.list_restarts, src/sync/provider-switch.ts). */
export interface ListRestartJson {
  from: string | null;
  to: string | null;
  /** Page of the abandoned pass that could not be fetched. */
  page: number | null;
  failing_seconds: number | null;
  kind: string | null;
  at: string | null;
}

/** The run's provider switches, oldest first ([] when its list never restarted). */
export function restartsToJson(restarts: unknown): ListRestartJson[] {
  if (!Array.isArray(restarts)) return [];
  return restarts.map((r: Partial<Record<keyof ListRestartJson, unknown>>) => ({
    from: typeof r.from === 'string' ? r.from : null,
    to: typeof r.to === 'string' ? r.to : null,
    page: typeof r.page === 'number' ? r.page : null,
    failing_seconds: typeof r.failing_seconds === 'number' ? r.failing_seconds : null,
    kind: typeof r.kind === 'string' ? r.kind : null,
    at: typeof r.at === 'string' ? new Date(r.at).toISOString() : null,
  }));
}

/** The JSON shape of a run. */
export function runToJson(run: RunReport): RunSummaryJson {
  return {
    run_id: run.id,
    kind: run.kind,
    status: run.status,
    outcome: run.outcome,
    pages: run.pages,
    followers: run.kind === 'profile' ? null : run.itemsSeen,
    new: run.kind === 'profile' ? null : run.itemsGained,
    lost: run.kind === 'profile' ? null : run.itemsLost,
    expected: run.kind === 'profile' ? null : run.expectedItems,
    completeness: runCompleteness(run),
    baseline: run.baseline,
    requests: httpRequests(run),
    calls: providerCalls(run),
    quarantined: run.quarantined,
    coerced: run.coerced,
    completeness_verdict: typeof run.summary.completeness === 'string' ? run.summary.completeness : null,
    seconds: runSeconds(run),
    error: run.errorMessage,
    list_restarts: restartsToJson(run.summary.list_restarts),
  };
}

/** The JSON shape of a profile. */
export function profileToJson(p: ProfileRow) {
  return {
    id: p.id,
    platform: p.platform,
    ext_id: p.extId,
    username: p.username,
    full_name: p.fullName,
    followers_count: p.followersCount,
    follows_count: p.followsCount,
    posts_count: p.postsCount,
    is_private: p.isPrivate,
    is_verified: p.isVerified,
    url: p.url,
    last_synced_at: p.lastSyncedAt?.toISOString() ?? null,
  };
}

/** A list run's pages for a table: after a provider switch both passes are counted, and the cell says so. */
export function pagesText(run: RunReport): string {
  return run.listRestarts > 0 ? `${run.pages} (list restarted on ${run.provider})` : String(run.pages);
}

/** Prints runs as one table (one row per run); `requests` are HTTP requests ({@link httpRequests}). */
export async function printRunsTable(runs: RunReport[]): Promise<void> {
  await printTable(
    ['run', 'kind', 'status', 'outcome', 'pages', 'accounts', 'new', 'lost', 'requests', 'seconds'],
    runs.map((r) => [
      r.id,
      r.kind,
      r.status,
      r.outcome ?? '',
      r.kind === 'profile' ? '' : pagesText(r),
      r.kind === 'profile' ? '' : r.itemsSeen,
      r.kind === 'profile' ? '' : r.baseline ? 'baseline' : r.itemsGained,
      r.kind === 'profile' ? '' : r.itemsLost,
      httpRequests(r),
      runSeconds(r)?.toFixed(2) ?? '',
    ]),
  );
}

/** Prints a profile card as a two-column table, with `extra` rows (label, value) after the standard ones. */
export async function printProfileTable(p: ProfileRow, extra: Array<[string, string]> = []): Promise<void> {
  const n = (v: number | null) => (v === null ? '' : v.toLocaleString('en-US'));
  await printTable(
    ['profile', `@${p.username}`],
    [
      ['full name', p.fullName],
      ['id', p.extId],
      ['followers', n(p.followersCount)],
      ['following', n(p.followsCount)],
      ['posts', n(p.postsCount)],
      ['private', p.isPrivate ? 'yes' : 'no'],
      ['verified', p.isVerified ? 'yes' : 'no'],
      ['last synced', p.lastSyncedAt?.toISOString() ?? ''],
      ...extra,
    ],
  );
}

/**
 * The error that ends a command whose runs did not all succeed (main prints it as one line on
 * stderr and exits with its code), or null when they did.
 */
export function runsError(
  runs: Array<JobCallRow | null>,
  options: { interrupted: boolean; skippedPrivate?: string | null },
): AppError | null {
  if (options.interrupted) {
    const active = runs.find((r) => r && (r.status === 'pending' || r.status === 'running'));
    if (active) {
      return new AppError(
        `interrupted: run ${active.id} stays queued and continues from its last cursor (sm-core worker, or run the command again)`,
        EXIT.interrupted,
      );
    }
  }
  for (const run of runs) {
    if (!run) continue;
    const code: ExitCode = exitCodeForRun(run);
    if (code === EXIT.ok) continue;
    const why = run.errorMessage ? `: ${run.errorMessage}` : '';
    return new AppError(`${run.kind} run ${run.id} ended ${run.status}${run.outcome ? ` (${run.outcome})` : ''}${why}`, code);
  }
  if (options.skippedPrivate)
    return new AppError(`@${options.skippedPrivate} is private: its followers cannot be read (profile stored)`, EXIT.private);
  return null;
}
