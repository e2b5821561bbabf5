// `sm-core alerts list [--status s] [--limit N] [--json]` and `sm-core alerts deliver [--json]`
import type { Command } from 'commander';
import { withContext } from '../with-context.ts';

const STATUSES = ['pending', 'delivered', 'dead'] as const;

/** Registers `alerts list` and `alerts deliver` on the program. */
export function registerAlerts(program: Command): void {
  const alerts = program
    .command('alerts')
    .description('change alerts sent to SM_WEBHOOK_URL when runs end: list them with their attempts, or deliver the queued ones now')
    .addHelpText(
      'after',
      `
When a run ends, sm-core POSTs one signed JSON alert per event to SM_WEBHOOK_URL: followers.changed
(new and lost followers of a complete run), growth.anomaly, run.failed, run.private, run.not_found.
Alerts go through the pg-boss queue \`alerts\` with retries and backoff (SM_WEBHOOK_MAX_ATTEMPTS,
SM_WEBHOOK_RETRY_SECONDS); one that used up its attempts stays as a dead letter. An alert never
blocks or fails a sync. Signature, payloads and a receiver example: docs/analytics.md.

Examples:
  sm-core alerts list                  # newest first, with the receiver's last answer
  sm-core alerts list --status dead --json
  sm-core alerts deliver               # without a running worker: send what is due, then exit

Exit codes: 0 ok, 2 usage, 3 configuration (deliver without SM_WEBHOOK_URL), 4 database.`,
    );
  alerts
    .command('list')
    .description("alerts, newest first: event, run, status, attempts, the receiver's last answer (--json: every attempt and the payload)")
    .option('--status <status>', `only alerts with this status: ${STATUSES.join(', ')}`)
    .option('--limit <n>', 'at most this many alerts', '50')
    .option('--json', 'print machine-readable JSON on stdout')
    .action(async (opts: { status?: string; limit: string; json?: boolean }) => {
      const [{ positiveInt, oneOf }, { printAlerts }] = await Promise.all([import('../history-args.ts'), import('../alerts-report.ts')]);
      const options = {
        status: opts.status === undefined ? null : oneOf('--status', opts.status, STATUSES),
        limit: positiveInt('--limit', opts.limit),
        json: opts.json === true,
      };
      await withContext({}, (ctx) => printAlerts(ctx, options));
    });
  alerts
    .command('deliver')
    .description('deliver every queued alert that is due now, then exit (a running `sm-core worker` does this by itself)')
    .option('--json', 'print the totals as JSON')
    .action(async (opts: { json?: boolean }) => {
      const { deliverAlertsNow } = await import('../alerts-report.ts');
      await withContext({}, (ctx) => deliverAlertsNow(ctx, opts.json === true));
    });
}
