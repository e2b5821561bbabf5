// `sm-core worker [--concurrency N] [--grace <seconds>]`: process queued jobs until SIGTERM/SIGINT.
import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import { withContext } from '../with-context.ts';

function positiveInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a whole number >= 1 (got "${value}")`);
  return n;
}

/** Registers `worker` on the program. */
export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('process queued jobs (profiles and follower pages) until SIGTERM or SIGINT')
    .option('--concurrency <n>', 'jobs processed at once (each is one provider request)', '2')
    .option('--grace <seconds>', 'after the first signal: time the jobs in flight get to finish before they are aborted', '30')
    .option('--schedule', 'also run `sm-core run-schedule` every minute (pg-boss cron: one tick per minute across all workers)')
    .addHelpText(
      'after',
      `
Several workers (on several machines) can share one PostgreSQL server (DATABASE_URL): pg-boss hands
each job to one of them. First signal: stop taking jobs, let jobs in flight commit (or be retried
later), exit 0. Second signal: abort at once (exit 130).

On the embedded database (no DATABASE_URL) the worker shares the embedded PostgreSQL server with every
other sm-core process on this machine: \`sync-profile --enqueue\`, \`show\`, \`serve\` and more workers
run beside it (sm-core db --help).

--schedule replaces a crontab or Kubernetes CronJob: every minute the due entries of
\`sm-core schedule list\` are enqueued once, whichever worker takes the tick.

With SM_WEBHOOK_URL set, the worker also delivers the change alerts of ended runs (\`sm-core alerts
list\`; docs/analytics.md), one at a time beside the sync jobs.`,
    )
    .action(async (opts: { concurrency: string; grace: string; schedule?: boolean }) => {
      const concurrency = positiveInt('--concurrency', opts.concurrency);
      const graceSeconds = positiveInt('--grace', opts.grace);
      const [{ workQueues }, { watchShutdown }] = await Promise.all([import('../../queue/worker.ts'), import('../signals.ts')]);
      await withContext({ service: true }, async (ctx) => {
        const deps = await ctx.syncDeps();
        const shutdown = watchShutdown(graceSeconds * 1000, (signal) =>
          ctx.logger.info({ signal, graceSeconds }, 'stopping: no new jobs; jobs in flight get the grace period'),
        );
        ctx.logger.info({ concurrency, database: ctx.db.label }, 'worker started');
        const stopTick = opts.schedule ? await (await import('../../queue/run-schedule.ts')).startScheduleTick(deps) : undefined;
        // Change alerts (SM_WEBHOOK_URL): their own loop, so a slow receiver never holds a sync slot.
        const stopAlerts = new AbortController();
        const alerts = deps.alerts
          ? (await import('../../queue/alerts.ts')).workAlerts(deps, {
              stopSignal: AbortSignal.any([shutdown.stopSignal, stopAlerts.signal]),
            })
          : Promise.resolve(null);
        try {
          const totals = await workQueues(deps, { concurrency, stopSignal: shutdown.stopSignal, abortSignal: shutdown.abortSignal });
          stopAlerts.abort();
          const sent = await alerts;
          ctx.logger.info({ jobs: totals.jobs, retried: totals.retried, ...(sent ? { alerts: sent.jobs } : {}) }, 'worker stopped');
        } finally {
          stopAlerts.abort();
          await alerts.catch(() => null);
          await stopTick?.();
          shutdown.dispose();
        }
      });
    });
}
