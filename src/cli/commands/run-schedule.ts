// `sm-core run-schedule [--wait] [--json]`: enqueue every due schedule entry once and exit; with --wait
// also work the queue in-process until the runs it started (or joined) have ended.
import type { Command } from 'commander';
import type { Context } from '../../context.ts';
import type { JobCallRow } from '../../db/queries/job-calls.ts';
import type { RunReport } from '../../db/queries/run-reports.ts';
import type { RunScheduleReport } from '../../sync/run-schedule.ts';
import { printJson, printLine, printTable } from '../output.ts';
import { withContext } from '../with-context.ts';

function reportToJson(report: RunScheduleReport) {
  return {
    started_at: report.startedAt.toISOString(),
    started: report.started,
    attached: report.attached,
    failed: report.failed,
    entries: report.items.map((i) => ({
      schedule_id: i.scheduleId,
      platform: i.platform,
      username: i.username,
      ext_id: i.extId,
      kinds: i.kinds,
      due_at: i.dueAt.toISOString(),
      runs: i.runs.map((r) => ({ run_id: r.runId, kind: r.kind, attached: r.attached })),
      unsupported: i.unsupported,
      error: i.error ?? null,
      next_run_at: i.nextRunAt.toISOString(),
    })),
  };
}

async function printReport(report: RunScheduleReport): Promise<void> {
  if (report.items.length === 0) {
    printLine('nothing due');
    return;
  }
  const { describeWho } = await import('../../sync/schedule.ts');
  await printTable(
    ['entry', 'who', 'sync', 'runs', 'next run (UTC)'],
    report.items.map((i) => [
      i.scheduleId,
      describeWho(i),
      i.kinds.join(', '),
      i.error
        ? `not enqueued: ${i.error}`
        : [
            ...i.runs.map((r) => `${r.kind} ${r.runId}${r.attached ? ' (already running)' : ''}`),
            ...i.unsupported.map((k) => `${k}: not available yet`),
          ].join('; '),
      i.nextRunAt.toISOString(),
    ]),
  );
  printLine(`${report.items.length} due: ${report.started} run(s) started, ${report.attached} already running, ${report.failed} failed`);
}

/**
 * Works the queue until every run in `runIds` (and the followers run each profile run chains) ends.
 * @returns the runs as they ended (with their requests per provider), and whether a signal cut the wait short
 */
async function waitForRuns(ctx: Context, runIds: string[]): Promise<{ runs: RunReport[]; interrupted: boolean }> {
  const [{ getJobCall }, { getRunReports }, { workQueues }, { watchShutdown }] = await Promise.all([
    import('../../db/queries/job-calls.ts'),
    import('../../db/queries/run-reports.ts'),
    import('../../queue/worker.ts'),
    import('../signals.ts'),
  ]);
  const deps = await ctx.syncDeps();
  const final = (r: JobCallRow | null) => r !== null && r.status !== 'pending' && r.status !== 'running';
  const current = async (): Promise<JobCallRow[]> => {
    const out: JobCallRow[] = [];
    for (const id of runIds) {
      const run = await getJobCall(ctx.db, id);
      if (!run) continue;
      out.push(run);
      for (const child of [run.summary.followers_job_call_id, run.summary.followings_job_call_id]) {
        const list = typeof child === 'string' ? await getJobCall(ctx.db, child) : null;
        if (list) out.push(list);
      }
    }
    return out;
  };
  const shutdown = watchShutdown(30_000, () =>
    process.stderr.write('sm-core: stopping after the jobs in flight; the runs continue later\n'),
  );
  try {
    await workQueues(deps, {
      concurrency: 2,
      idleMs: 200,
      stopSignal: shutdown.stopSignal,
      abortSignal: shutdown.abortSignal,
      // a profile run records the followers run it chains when it ends, so current() then includes it
      shouldStop: async () => (await current()).every(final),
    });
    const ended = await current();
    return {
      runs: await getRunReports(
        ctx.db,
        ended.map((r) => r.id),
      ),
      interrupted: shutdown.received !== null,
    };
  } finally {
    shutdown.dispose();
  }
}

/** Registers `run-schedule` on the program. */
export function registerRunSchedule(program: Command): void {
  program
    .command('run-schedule')
    .description('enqueue every due schedule entry once (see `sm-core schedule`), print what was enqueued, and exit')
    .option('--wait', 'also work the queue in this process until the runs it started have ended')
    .option('--json', 'print machine-readable JSON')
    .addHelpText(
      'after',
      `
Run it from cron, a Kubernetes CronJob, or let \`sm-core worker --schedule\` run it every minute.
Safe to overlap: each due entry is claimed by one invocation (row lock + lease), and a profile that
already has an active run of a kind gets no second one (reported as "already running").
An entry whose enqueue failed is retried after 60 s; the command then exits 6.
With --wait the exit code is that of the runs (0 all succeeded, 6 failed, 7 partial, ...).

Examples:
  sm-core run-schedule
  sm-core run-schedule --wait --json`,
    )
    .action(async (opts: { wait?: boolean; json?: boolean }) => {
      const [{ enqueueWith, runSchedule }, { AppError, EXIT }, { recoverRuns }] = await Promise.all([
        import('../../sync/run-schedule.ts'),
        import('../../errors.ts'),
        import('../../sync/recover-runs.ts'),
      ]);
      await withContext({}, async (ctx) => {
        const deps = await ctx.syncDeps();
        // A cron invocation also notices runs nobody advances any more (resumed or closed: docs/history.md).
        await recoverRuns({ ...deps, logger: ctx.logger });
        const report = await runSchedule(ctx.db, enqueueWith(deps), { logger: ctx.logger });
        const waited = opts.wait
          ? await waitForRuns(ctx, [...new Set(report.items.flatMap((i) => i.runs.map((r) => r.runId)))])
          : undefined;
        if (opts.json) {
          const { runToJson } = await import('../run-summary.ts');
          printJson({ ...reportToJson(report), ...(waited ? { runs: waited.runs.map(runToJson), interrupted: waited.interrupted } : {}) });
        } else {
          await printReport(report);
          if (waited?.runs.length) {
            const { printRunsTable } = await import('../run-summary.ts');
            await printRunsTable(waited.runs);
          }
        }
        if (report.failed > 0) {
          const first = report.items.find((i) => i.error)!;
          throw new AppError(
            `${report.failed} due entr${report.failed === 1 ? 'y' : 'ies'} could not be enqueued (retried in 60 s): ${first.error}`,
            EXIT.runFailed,
          );
        }
        if (waited) {
          const { runsError } = await import('../run-summary.ts');
          const err = runsError(waited.runs, { interrupted: waited.interrupted });
          if (err) throw err;
        }
      });
    });
}
