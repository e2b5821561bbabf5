// The body shared by `sync-profile` and `sync-followers`: start (or attach to) the run, then either
// print its id (--enqueue) or work it in-process to its end and print the profile and run summary.
import type { Context } from '../context.ts';
import { getProfile, type ProfileRow } from '../db/queries/profiles.ts';
import { getRunReports } from '../db/queries/run-reports.ts';
import { countActiveEdges, type EdgeList } from '../db/queries/edges.ts';
import type { ProfileQuery } from '../providers/types.ts';
import { enqueueListSync, enqueueProfileSync, type EnqueuedRun } from '../sync/enqueue.ts';
import { listSpec } from '../sync/lists.ts';
import { note, printJson, printLine } from './output.ts';
import { followRun } from './run-follow.ts';
import { printProfileTable, printRunsTable, profileToJson, runsError, runToJson } from './run-summary.ts';

/** Options common to both sync commands. */
export interface SyncCommandOptions {
  id?: string;
  followers?: boolean;
  enqueue?: boolean;
  json?: boolean;
  /** Close the active run of this list and start over at page 1 (sync-followers, sync-followings). */
  restart?: boolean;
  /** false (`--no-refresh-count`): never refresh a stale count before a list run (sync-followers, sync-followings). */
  refreshCount?: boolean;
}

function who(lookup: ProfileQuery): string {
  return 'id' in lookup ? `id ${lookup.id}` : `@${lookup.username}`;
}

/** The line above a profile card that this command's run did not refresh. */
function storedDataLabel(p: ProfileRow): string {
  const when = p.lastSyncedAt ? `last synced ${p.lastSyncedAt.toISOString()}` : 'never synced';
  return `stored data, NOT refreshed by this run (${when}):`;
}

async function printEnqueued(run: EnqueuedRun, lookup: ProfileQuery, json: boolean): Promise<void> {
  if (json) {
    printJson({ run_id: run.runId, kind: run.kind, status: run.status, attached: run.attached, queue_job_id: run.queueJobId });
    return;
  }
  printLine(`${run.attached ? 'already queued' : 'queued'}: ${run.kind} run ${run.runId} for ${who(lookup)}`);
}

/**
 * Runs `sync-profile` (kind profile), `sync-followers` or `sync-followings` with a built context.
 * Prints the profile card (sync-profile; labelled as stored data when this run did not refresh it)
 * and the runs; `--json` has `profile_refreshed` (true only when this command's profile run succeeded).
 * @throws AppError with the run's exit code when a run did not succeed (after printing the summary)
 */
export async function runSyncCommand(
  ctx: Context,
  kind: 'profile' | EdgeList,
  lookup: ProfileQuery,
  opts: SyncCommandOptions,
): Promise<void> {
  const base = await ctx.syncDeps();
  // The summary on stdout says how runs ended: at the default level the in-process work logs warnings only.
  const deps = ctx.logger.level === 'info' ? { ...base, logger: ctx.logger.child({}, { level: 'warn' }) } : base;
  const list: EdgeList | null = kind === 'profile' ? (opts.followers === true ? 'followers' : null) : kind;
  const started =
    kind === 'profile'
      ? await enqueueProfileSync(deps, { lookup, followers: opts.followers === true })
      : await enqueueListSync(deps, listSpec(kind), { lookup, restart: opts.restart === true, refreshCount: opts.refreshCount !== false });
  if ('restarted' in started && started.restarted)
    note(`closed the ${kind} run ${started.restarted} in progress: starting over (--restart)`);
  if (opts.enqueue) {
    await printEnqueued(started, lookup, opts.json === true);
    return;
  }
  if (started.attached) note(`a ${started.kind} sync of ${who(lookup)} is already in progress (run ${started.runId}): following it`);
  const result = await followRun(deps, started, { wantFollowers: list ?? false, progress: Boolean(process.stderr.isTTY) });
  const subjectId = result.root.subjectId ?? result.followers?.subjectId ?? null;
  const profile = subjectId ? await getProfile(ctx.db, subjectId) : null;
  const runs = await getRunReports(ctx.db, [
    result.root.id,
    ...(result.followers && result.followers.id !== result.root.id ? [result.followers.id] : []),
  ]);
  const skippedPrivate = list && result.root.summary[list] === 'skipped_private' ? (profile?.username ?? who(lookup)) : null;
  // The profile card shows this run's data only when its profile run succeeded; otherwise it is the
  // data stored by an earlier sync (a failed run changes nothing), and says so.
  const refreshed = result.root.kind === 'profile' && result.root.status === 'succeeded';
  if (opts.json) {
    printJson({
      profile: profile ? profileToJson(profile) : null,
      profile_refreshed: refreshed,
      runs: runs.map(runToJson),
      sample: deps.providers.sample,
      seconds: Math.round(result.seconds * 1000) / 1000,
    });
  } else {
    if (profile && kind === 'profile') {
      if (!refreshed) printLine(storedDataLabel(profile));
      await printProfileTable(profile);
    }
    await printRunsTable(runs);
    if (deps.providers.sample) printLine('(bundled SAMPLE data: invented accounts; set ROCKET_API_KEY to sync real ones)');
    if (profile && result.followers && list)
      printLine(`@${profile.username}: ${await countActiveEdges(ctx.db, list, profile.id)} ${listSpec(list).noun} stored`);
  }
  const err = runsError(runs, { interrupted: result.interrupted, skippedPrivate });
  if (err) throw err;
}
