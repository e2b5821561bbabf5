// `sm-core alerts list` (the change alerts owed, delivered and dead, with every attempt) and
// `sm-core alerts deliver` (work the alerts queue once, for setups without a running worker).
import type { Context } from '../context.ts';
import { type AlertStatus, listAlertDeliveries } from '../db/queries/alert-deliveries.ts';
import { ConfigError } from '../errors.ts';
import { printJson, printLine, printTable } from './output.ts';

/** Prints the newest deliveries (all, or those with `status`), newest first. */
export async function printAlerts(ctx: Context, opts: { status: AlertStatus | null; limit: number; json: boolean }): Promise<void> {
  const rows = await listAlertDeliveries(ctx.db, { status: opts.status, limit: opts.limit });
  if (opts.json) {
    printJson(
      rows.map((r) => ({
        id: r.id,
        event: r.event,
        run_id: r.runId,
        status: r.status,
        attempts: r.attempts,
        max_attempts: r.maxAttempts,
        target_host: r.targetHost,
        last_http_status: r.lastHttpStatus,
        last_error: r.lastError,
        created_at: r.createdAt.toISOString(),
        delivered_at: r.deliveredAt?.toISOString() ?? null,
        attempt_log: r.attemptLog.map((a) => ({
          attempt: a.attempt,
          http_status: a.httpStatus,
          error: a.error,
          latency_ms: a.latencyMs,
          attempted_at: a.attemptedAt.toISOString(),
        })),
        payload: r.payload,
      })),
    );
    return;
  }
  if (rows.length === 0) {
    printLine(ctx.config.webhook ? 'no alerts yet' : 'no alerts (SM_WEBHOOK_URL is not set: runs raise none)');
    return;
  }
  await printTable(
    ['id', 'created', 'event', 'profile', 'run', 'status', 'attempts', 'last answer', 'to'],
    rows.map((r) => {
      const profile = (r.payload.profile as { username?: string } | null)?.username;
      return [
        r.id,
        r.createdAt.toISOString(),
        r.event,
        profile ? `@${profile}` : '',
        r.runId,
        r.status,
        `${r.attempts} / ${r.maxAttempts}`,
        r.lastError ?? (r.lastHttpStatus === null ? '' : `HTTP ${r.lastHttpStatus}`),
        r.targetHost,
      ];
    }),
  );
}

/**
 * Delivers every alert whose job is ready now, then returns (retries scheduled later stay queued).
 * @throws ConfigError when SM_WEBHOOK_URL is not set
 */
export async function deliverAlertsNow(ctx: Context, json: boolean): Promise<void> {
  if (!ctx.config.webhook) throw new ConfigError('SM_WEBHOOK_URL is not set: there is nowhere to deliver alerts (see .env.example)');
  const { workAlerts } = await import('../queue/alerts.ts');
  const boss = await ctx.boss();
  const totals = await workAlerts({ db: ctx.db, logger: ctx.logger, alerts: ctx.config.webhook, boss }, { stopWhenIdle: true });
  if (json) printJson(totals);
  else printLine(`alerts: ${totals.delivered} delivered, ${totals.retried} to retry later, ${totals.dead} dead (${totals.jobs} attempts)`);
}
