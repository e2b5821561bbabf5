// `worker --schedule`: registers the pg-boss cron that sends a `run-schedule` job every minute and
// works that queue by running run-schedule, so no crontab or CronJob is needed.
import type { SyncDeps } from '../sync/deps.ts';
import { enqueueWith, runSchedule } from '../sync/run-schedule.ts';
import { RUN_SCHEDULE_QUEUE } from './jobs.ts';

/**
 * Creates the queue and its cron schedule (idempotent; UTC) and starts working it in this process.
 * Every worker started with --schedule does this; pg-boss sends one job per minute whatever their
 * number, and the `exclusive` policy keeps at most one tick in flight.
 * @returns a function that stops working the tick queue (the schedule stays for other workers)
 */
export async function startScheduleTick(deps: SyncDeps): Promise<() => Promise<void>> {
  const { boss, logger } = deps;
  const { name, cron, options } = RUN_SCHEDULE_QUEUE;
  await boss.createQueue(name, options);
  await boss.schedule(name, cron, null, { tz: 'UTC' });
  const log = logger.child({ queue: name });
  const workerId = await boss.work(name, { pollingIntervalSeconds: 5 }, async ([job]) => {
    const report = await runSchedule(deps.db, enqueueWith(deps), { logger: log });
    log.info(
      { jobId: job?.id, due: report.items.length, started: report.started, attached: report.attached, failed: report.failed },
      'schedule tick',
    );
    return { due: report.items.length, started: report.started, attached: report.attached, failed: report.failed };
  });
  log.info({ cron }, 'running the schedule every minute (worker --schedule)');
  return () => boss.offWork(name, { id: workerId, wait: true });
}
