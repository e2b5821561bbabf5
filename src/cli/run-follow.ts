// In-process mode of the sync commands: work the queue until the run this command started (and the
// followers run it chains) has ended, with a progress line on a TTY (stderr; nothing on a non-TTY).
import type { Database } from '../db/database.ts';
import type { EdgeList } from '../db/queries/edges.ts';
import { getJobCall, type JobCallRow } from '../db/queries/job-calls.ts';
import { workQueues } from '../queue/worker.ts';
import type { SyncDeps } from '../sync/deps.ts';
import { closeRunIfOrphaned, enqueueListSync, type EnqueuedRun } from '../sync/enqueue.ts';
import { listSpec } from '../sync/lists.ts';
import { watchShutdown } from './signals.ts';

/** The runs a command followed, as they ended (or stood when it was interrupted). */
export interface FollowedRuns {
  root: JobCallRow;
  /** The followers (or followings) run chained by a profile run, or that list run itself. */
  followers: JobCallRow | null;
  /** True when a signal stopped the command before the runs ended. */
  interrupted: boolean;
  /** Wall time of the command's work (seconds). */
  seconds: number;
}

const FINAL = new Set(['succeeded', 'failed', 'partial']);
const isFinal = (run: JobCallRow | null) => run !== null && FINAL.has(run.status);

/** The list run of `root`: itself, or the one its profile run chained (followers, else followings). */
async function followersOf(db: Database, root: JobCallRow): Promise<JobCallRow | null> {
  if (root.kind !== 'profile') return root;
  const childId = root.summary.followers_job_call_id ?? root.summary.followings_job_call_id;
  return typeof childId === 'string' ? getJobCall(db, childId) : null;
}

/** A progress line on stderr, only when it is a terminal. */
function progressLine(enabled: boolean, started: number) {
  let last = '';
  let renderedAt = 0;
  const render = (text: string) => {
    if (!enabled) return;
    last = text;
    renderedAt = performance.now();
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    process.stderr.write(`\r\x1b[K${text} · ${secs} s`);
  };
  const timer = enabled ? setInterval(() => last && render(last), 1000) : undefined;
  timer?.unref();
  return {
    render,
    /** True when a TTY line was last drawn more than 250 ms ago. */
    due: () => enabled && performance.now() - renderedAt > 250,
    done() {
      clearInterval(timer);
      if (enabled && last) process.stderr.write('\r\x1b[K');
    },
  };
}

/** The progress line of a run (TTY only): page, accounts, requests, a provider wait or a list restart. */
export function describeProgress(run: JobCallRow): string {
  if (run.kind === 'profile') return `profile: ${run.status}`;
  const wait = run.deferredUntil ? ` · waiting for the provider until ${run.deferredUntil.toLocaleTimeString()}` : '';
  const of = run.expectedItems !== null ? ` of ${run.expectedItems}` : '';
  // After a provider switch (src/sync/provider-switch.ts) the list is read again from page 1 on run.provider.
  const restarted = run.listRestarts > 0 ? ` · list restarted on ${run.provider}` : '';
  return `${run.kind}: page ${run.pages} · ${run.itemsSeen}${of} accounts (${run.itemsGained} new) · ${run.requests} requests${wait}${restarted}`;
}

/**
 * Works the queue in-process until `start` (and its chained list run, or the list run started
 * afterwards when `wantFollowers` names a list and the attached profile run chained none) has ended.
 * The first SIGINT/SIGTERM stops after the job in flight; the run stays resumable.
 */
export async function followRun(
  deps: SyncDeps,
  start: EnqueuedRun,
  options: { wantFollowers: boolean | EdgeList; progress: boolean },
): Promise<FollowedRuns> {
  const started = performance.now();
  const line = progressLine(options.progress, started);
  const shutdown = watchShutdown(30_000, () => {
    line.done();
    process.stderr.write(`sm-core: stopping after the current request; run ${start.runId} continues later from its last cursor\n`);
  });
  let rootId = start.runId;
  let orphanCheckedAt = performance.now();
  try {
    for (;;) {
      await workQueues(deps, {
        concurrency: 1,
        idleMs: 200,
        stopSignal: shutdown.stopSignal,
        abortSignal: shutdown.abortSignal,
        shouldStop: async (last) => {
          // Between pages of a run still going, skip the database unless the progress line is due:
          // the next page's job is fetched right after the commit (chain gap, issue 7).
          if (last && !last.ended && !last.noop && !line.due()) return false;
          const root = await getJobCall(deps.db, rootId);
          const target = root && (await followersOf(deps.db, root));
          // While idle, make sure the run is still advanced by a live queue job (its job may have
          // failed past its retries in a crashed worker): such a run is closed as abandoned.
          if (last === null && performance.now() - orphanCheckedAt > 5_000) {
            orphanCheckedAt = performance.now();
            for (const run of [root, target]) if (run && !isFinal(run)) await closeRunIfOrphaned(deps, run.id);
          }
          if (target ?? root) line.render(describeProgress((target ?? root)!));
          return isFinal(root) && (target === null || isFinal(target));
        },
      });
      const root = (await getJobCall(deps.db, rootId))!;
      // An attached profile run that chained no list run: start it now.
      const want: EdgeList | null = options.wantFollowers === true ? 'followers' : options.wantFollowers || null;
      if (
        want &&
        !shutdown.received &&
        root.kind === 'profile' &&
        root.status === 'succeeded' &&
        root.subjectId &&
        root.summary[`${want}_job_call_id`] === undefined &&
        root.summary[want] === undefined
      ) {
        rootId = (await enqueueListSync(deps, listSpec(want), { profileId: root.subjectId })).runId;
        continue;
      }
      const first = (await getJobCall(deps.db, start.runId))!;
      const followers = rootId === start.runId ? await followersOf(deps.db, first) : await getJobCall(deps.db, rootId);
      return { root: first, followers, interrupted: shutdown.received !== null, seconds: (performance.now() - started) / 1000 };
    }
  } finally {
    line.done();
    shutdown.dispose();
  }
}
