// The `alerts` queue loop: fetches change-alert jobs one at a time and delivers them
// (src/sync/alert-delivery.ts). A job whose POST failed with attempts left is failed so pg-boss retries
// it after its backoff; a delivered or dead one is completed. Run beside the sync loop by
// `sm-core worker` (when SM_WEBHOOK_URL is set) and alone by `sm-core alerts deliver`.
import { setTimeout as sleep } from 'node:timers/promises';
import type { PgBoss } from 'pg-boss';
import { deliverAlert, type AlertDeliveryDeps } from '../sync/alert-delivery.ts';
import { ALERTS_QUEUE } from './jobs.ts';

/** Options of {@link workAlerts}. */
export interface AlertWorkOptions {
  /** Aborting it stops the loop after the POST in flight. */
  stopSignal?: AbortSignal;
  /** Stop as soon as no alert job is ready (retries scheduled for later stay queued). */
  stopWhenIdle?: boolean;
  /** Wait between polls of an empty queue (ms). Default 1000. */
  idleMs?: number;
}

/** Totals of a {@link workAlerts} call. */
export interface AlertWorkTotals {
  /** Jobs fetched. */
  jobs: number;
  delivered: number;
  /** Jobs handed back to pg-boss for a retry. */
  retried: number;
  /** Deliveries that used up their attempts in this call. */
  dead: number;
}

/**
 * Works the `alerts` queue until `stopSignal` aborts (or, with `stopWhenIdle`, until it is empty).
 * Errors of the loop itself (the database went away) are logged and retried after `idleMs`.
 */
export async function workAlerts(deps: AlertDeliveryDeps & { boss: PgBoss }, options: AlertWorkOptions = {}): Promise<AlertWorkTotals> {
  const totals: AlertWorkTotals = { jobs: 0, delivered: 0, retried: 0, dead: 0 };
  const idleMs = options.idleMs ?? 1000;
  const stopped = () => options.stopSignal?.aborted === true;
  while (!stopped()) {
    try {
      const [job] = await deps.boss.fetch<unknown>(ALERTS_QUEUE.name, { includeMetadata: true });
      if (job) {
        totals.jobs++;
        try {
          const after = await deliverAlert(deps, job.data);
          if (after?.status === 'delivered') totals.delivered++;
          if (after?.status === 'dead') totals.dead++;
          await deps.boss.complete(ALERTS_QUEUE.name, job.id);
        } catch (err) {
          totals.retried++;
          await deps.boss.fail(ALERTS_QUEUE.name, job.id, { message: (err as Error).message });
        }
        continue;
      }
      if (options.stopWhenIdle) break;
    } catch (err) {
      deps.logger.error({ err: { message: (err as Error).message } }, 'alerts loop error; retrying');
    }
    await sleep(idleMs, undefined, options.stopSignal ? { signal: options.stopSignal } : undefined).catch(() => {});
  }
  return totals;
}
