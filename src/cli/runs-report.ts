// `sm-core runs` (a table of runs: duration, pages, accounts, completeness, requests per provider)
// and `sm-core runs show <id>` (one run and its chain of provider calls with cursors and errors).
import type { Database } from '../db/database.ts';
import type { RunKind, RunStatus } from '../db/queries/job-calls.ts';
import { findProfile } from '../db/queries/profiles.ts';
import {
  getRunReport,
  httpRequests,
  listRunReports,
  providerCalls,
  type RunReport,
  runCompleteness,
  runSeconds,
} from '../db/queries/run-reports.ts';
import { listServiceCalls, type ServiceCallRow } from '../db/queries/service-calls.ts';
import { AppError, EXIT } from '../errors.ts';
import { printJson, printLine, printTable } from './output.ts';
import { pagesText, restartsToJson, runToJson } from './run-summary.ts';

/** Filters of `runs`. */
export interface RunsOptions {
  profile: string | null;
  status: RunStatus | null;
  kind: RunKind | null;
  limit: number;
  json: boolean;
}

/** Largest PostgreSQL bigint (job_calls.id). */
const INT8_MAX = 9_223_372_036_854_775_807n;

const pct = (v: number | null) => (v === null ? '' : `${(Math.round(v * 1000) / 10).toString()}%`);
const when = (d: Date | null) => (d ? d.toISOString().replace('T', ' ').slice(0, 19) : '');

/**
 * HTTP requests per provider, e.g. `rocket 3 (1 call)`: the requests sent (billable, in-place retries
 * included) and, when they differ, the provider calls (service_calls rows) they were made in.
 */
function requestsText(r: RunReport): string {
  return Object.entries(r.requestsByProvider)
    .map(([p, v]) => `${p} ${v.units}${v.calls === v.units ? '' : ` (${v.calls} call${v.calls === 1 ? '' : 's'})`}`)
    .join(', ');
}

/** A run as `runs --json` and `runs show --json` print it. */
export function reportToJson(r: RunReport) {
  return {
    ...runToJson(r),
    profile: r.username,
    profile_id: r.subjectId,
    parent_run_id: r.parentJobCallId,
    cursor: r.cursor,
    provider: r.provider,
    deferred_until: r.deferredUntil?.toISOString() ?? null,
    started_at: r.startedAt?.toISOString() ?? null,
    finished_at: r.finishedAt?.toISOString() ?? null,
    requests_by_provider: r.requestsByProvider,
  };
}

/** Prints runs, newest first. @throws AppError (exit 8) when --profile names no stored profile */
export async function listRuns(db: Database, opts: RunsOptions): Promise<void> {
  let profileId: string | null = null;
  if (opts.profile) {
    const p = await findProfile(db, { username: opts.profile.replace(/^@/, '') });
    if (!p) throw new AppError(`@${opts.profile.replace(/^@/, '')} is not stored: no runs to show`, EXIT.notFound);
    profileId = p.id;
  }
  const runs = await listRunReports(db, { profileId, status: opts.status, kind: opts.kind, limit: opts.limit });
  if (opts.json) {
    printJson(runs.map(reportToJson));
    return;
  }
  if (runs.length === 0) {
    printLine('no runs match');
    return;
  }
  await printTable(
    ['run', 'kind', 'profile', 'status', 'outcome', 'started (UTC)', 'seconds', 'pages', 'accounts', 'complete', 'new', 'lost', 'requests'],
    runs.map((r) => {
      const list = r.kind !== 'profile';
      return [
        r.id,
        r.kind,
        r.username ? `@${r.username}` : '',
        r.status,
        r.outcome ?? '',
        when(r.startedAt),
        runSeconds(r)?.toFixed(1) ?? '',
        list ? pagesText(r) : r.pages,
        list ? `${r.itemsSeen}${r.expectedItems !== null ? ` / ${r.expectedItems}` : ''}` : '',
        list ? pct(runCompleteness(r)) : '',
        list ? (r.baseline ? 'baseline' : r.itemsGained) : '',
        list ? r.itemsLost : '',
        requestsText(r),
      ];
    }),
  );
}

/** Shortens a cursor for a table cell (the JSON output keeps it whole). */
function shortCursor(c: string | null | undefined): string {
  if (!c) return '';
  return c.length > 20 ? `${c.slice(0, 9)}...${c.slice(-8)}` : c;
}

function callToJson(c: ServiceCallRow) {
  return {
    id: c.id,
    parent_id: c.parentServiceCallId,
    kind: c.kind,
    provider: c.cursor.provider ?? null,
    status: c.status,
    cursor_sent: c.cursor.sent ?? null,
    cursor_received: c.cursor.received ?? null,
    items: c.resultSummary.items ?? null,
    new_items: c.resultSummary.new_items ?? null,
    http_status: c.resultSummary.http_status ?? null,
    requests: c.requestUnits,
    latency_ms: c.resultSummary.latency_ms ?? null,
    error_kind: c.resultSummary.error_kind ?? null,
    error: c.errorMessage,
    /** The provider the run's list restarted on after this failed request (src/sync/provider-switch.ts). */
    switched_to: typeof c.resultSummary.switched_to === 'string' ? c.resultSummary.switched_to : null,
    queue_job_id: c.queueJobId,
    started_at: c.startedAt?.toISOString() ?? null,
    finished_at: c.finishedAt?.toISOString() ?? null,
  };
}

/** One row per provider switch of a list run (summary.list_restarts, src/sync/provider-switch.ts). */
function restartRows(restarts: unknown): string[][] {
  return restartsToJson(restarts).map((r) => [
    'list restarted',
    `on ${r.to} at page 1: ${r.from} failed page ${r.page} (${r.kind}) for ${r.failing_seconds} s${r.at ? `, ${when(new Date(r.at))}` : ''}`,
  ]);
}

/** Prints one run and its provider calls. @throws AppError (exit 2) when no run has this id */
export async function showRun(db: Database, id: string, json: boolean): Promise<void> {
  // Run ids are bigint: a number past its range names no run (and must not reach the query).
  const run = /^\d+$/.test(id) && BigInt(id) <= INT8_MAX ? await getRunReport(db, id) : null;
  if (!run) throw new AppError(`no run ${id} (see \`sm-core runs\`)`, EXIT.usage);
  const calls = await listServiceCalls(db, run.id);
  if (json) {
    printJson({ run: reportToJson(run), calls: calls.map(callToJson) });
    return;
  }
  const share = runCompleteness(run);
  await printTable(
    ['run', run.id],
    [
      ['kind', run.kind],
      ['profile', run.username ? `@${run.username}` : ''],
      ['status', `${run.status}${run.outcome ? ` (${run.outcome})` : ''}`],
      ...(run.errorMessage ? [['reason', run.errorMessage]] : []),
      ['started / finished (UTC)', `${when(run.startedAt)} / ${when(run.finishedAt)}`],
      ['seconds', runSeconds(run)?.toFixed(3) ?? ''],
      ['pages / calls / requests', `${run.pages} / ${providerCalls(run)} / ${httpRequests(run)} (${requestsText(run)})`],
      ...(run.kind === 'profile'
        ? []
        : [
            [
              'accounts seen',
              `${run.itemsSeen}${run.expectedItems !== null ? ` of ${run.expectedItems}` : ''}${share === null ? '' : ` (${pct(share)})`}`,
            ],
            ['new / lost', run.baseline ? 'baseline (first complete run: nothing new)' : `${run.itemsGained} / ${run.itemsLost}`],
          ]),
      ...(run.quarantined || run.coerced
        ? [['quarantined / coerced', `${run.quarantined} records set aside / ${run.coerced} fields coerced to their type`]]
        : []),
      ...restartRows(run.summary.list_restarts),
      ...(run.cursor ? [['next cursor', run.cursor]] : []),
      ...(run.deferredUntil ? [['waiting until', when(run.deferredUntil)]] : []),
      ...(run.parentJobCallId ? [['started by run', run.parentJobCallId]] : []),
    ],
  );
  if (calls.length === 0) {
    printLine('no provider calls');
    return;
  }
  await printTable(
    ['call', 'parent', 'kind', 'provider', 'status', 'cursor sent', 'cursor received', 'items', 'new', 'http', 'requests', 'ms', 'error'],
    calls.map((c) => {
      const j = callToJson(c);
      return [
        j.id,
        j.parent_id,
        j.kind,
        j.provider,
        j.status,
        shortCursor(j.cursor_sent),
        shortCursor(j.cursor_received),
        j.items,
        j.new_items,
        j.http_status,
        j.requests,
        j.latency_ms,
        j.error,
      ];
    }),
  );
}
