// The fetch loop that works the queues: used by `sm-core worker` (until a signal) and by the sync
// commands in-process (until their run ends). A page's commit claims the next ready page job for
// its slot in the same transaction, so the slot sends the next request right after the commit with
// no fetch in between; otherwise it fetches again at once (no poll interval); only an empty queue
// waits, `idleMs` at a time.
import { setTimeout as sleep } from 'node:timers/promises';
import type { SyncDeps } from '../sync/deps.ts';
import { recoverRuns } from '../sync/recover-runs.ts';
import type { StepResult } from '../sync/step.ts';
import { fetchNextJob, processJob, WORK_ORDER } from './handlers.ts';
import type { QueueName } from './jobs.ts';

/** Interval between sweeps for runs nobody advances (ms). */
const RECOVERY_SWEEP_MS = 60_000;

/** Options of {@link workQueues}. */
export interface WorkOptions {
  /** Jobs processed at once (each slot fetches and runs one job at a time). Default 1. */
  concurrency?: number;
  /** Queues to work, in polling order. Default: every queue, pages before profiles. */
  queues?: readonly QueueName[];
  /** Wait between polls of empty queues (ms). Default 500. */
  idleMs?: number;
  /** Aborting it stops fetching; jobs in flight run to their end. */
  stopSignal?: AbortSignal;
  /** Aborting it also aborts the provider requests in flight (forced shutdown). */
  abortSignal?: AbortSignal;
  /** Checked after every job (`null`: the job was handed back for a retry) and every empty poll; true stops the loop. */
  shouldStop?: (last: StepResult | null) => boolean | Promise<boolean>;
  /** Stop as soon as a poll finds every queue empty (jobs scheduled for later stay queued). */
  stopWhenIdle?: boolean;
  /** Called after every job (progress display). */
  onStep?: (queue: QueueName, result: StepResult | null) => void;
  /**
   * Sweep active runs at start and every minute: a run whose queue job no longer lives is resumed
   * from its last committed cursor, or closed as abandoned (src/sync/recover-runs.ts). Default true.
   */
  recover?: boolean;
}

/** Totals of a {@link workQueues} call. */
export interface WorkTotals {
  /** Jobs fetched and processed. */
  jobs: number;
  /** Jobs handed back to pg-boss for a retry. */
  retried: number;
}

/**
 * Works the queues with `concurrency` slots until `stopSignal` aborts or `shouldStop` says so.
 * Errors of the loop itself (the database went away) are logged and retried after `idleMs`.
 * @returns totals once every slot has stopped
 */
export async function workQueues(deps: SyncDeps, options: WorkOptions = {}): Promise<WorkTotals> {
  const queues = options.queues ?? WORK_ORDER;
  const idleMs = options.idleMs ?? 500;
  const totals: WorkTotals = { jobs: 0, retried: 0 };
  const local = new AbortController();
  const stopSignal = options.stopSignal ? AbortSignal.any([options.stopSignal, local.signal]) : local.signal;
  const check = async (last: StepResult | null) => {
    if (stopSignal.aborted) return true;
    if (options.shouldStop && (await options.shouldStop(last))) local.abort();
    return stopSignal.aborted;
  };
  // A step may claim the next job inside its own commit (sync/step.ts claimNextIn) while this loop
  // is not stopping: the slot then runs it at once, with no fetch between two pages of a run.
  const slotDeps: SyncDeps = { ...deps, prefetch: () => !stopSignal.aborted && queues.includes('sync-followers') };
  const slot = async () => {
    let claimed: StepResult['next'];
    while (!stopSignal.aborted || claimed) {
      let last: StepResult | null = null;
      try {
        const next = claimed ?? (await fetchNextJob(deps.boss, queues));
        claimed = undefined;
        if (next) {
          totals.jobs++;
          last = await processJob(slotDeps, next.queue, next.job, options.abortSignal);
          if (!last) totals.retried++;
          claimed = last?.next;
          options.onStep?.(next.queue, last);
          // A claimed job is this slot's: it runs even when the loop is about to stop.
          if ((await check(last)) && !claimed) break;
          continue;
        }
        if (options.stopWhenIdle) local.abort();
        if (await check(null)) break;
      } catch (err) {
        deps.logger.error({ err: { message: (err as Error).message } }, 'queue loop error; retrying');
      }
      await sleep(idleMs, undefined, { signal: stopSignal }).catch(() => {});
    }
  };
  const sweep = async () => {
    while (!stopSignal.aborted) {
      try {
        const r = await recoverRuns(deps);
        if (r.resumed || r.abandoned) deps.logger.info(r, 'orphaned runs recovered');
      } catch (err) {
        deps.logger.error({ err: { message: (err as Error).message } }, 'run recovery sweep failed; retrying');
      }
      await sleep(RECOVERY_SWEEP_MS, undefined, { signal: stopSignal }).catch(() => {});
    }
  };
  const slots = Array.from({ length: Math.max(1, options.concurrency ?? 1) }, slot);
  await Promise.all(options.recover === false ? slots : [...slots, sweep()]);
  return totals;
}
