// Change alerts (docs/analytics.md "Change alerts"): when a run ends, decide which events it raises
// and queue one signed webhook POST per event (an alert_deliveries row and its pg-boss `alerts` job,
// in one transaction). Delivery is src/sync/alert-delivery.ts. Nothing here may fail a sync: the
// caller (src/queue/handlers.ts) logs and swallows any error.
import type { PgBoss } from 'pg-boss';
import type { WebhookSettings } from '../config.ts';
import type { Database } from '../db/database.ts';
import { hasAnomalyAlert, insertAlertDelivery, listRunFollowerChanges, setAlertQueueJob } from '../db/queries/alert-deliveries.ts';
import { listDailyChanges } from '../db/queries/audience.ts';
import { getJobCall, type JobCallRow } from '../db/queries/job-calls.ts';
import { getProfile } from '../db/queries/profiles.ts';
import { ALERTS_QUEUE } from '../queue/jobs.ts';
import { ANOMALY_K, ANOMALY_MIN_SIGMA, ANOMALY_TRAILING_DAYS, addDays, GROWTH_ANOMALY_FORMULA, judgeGrowth } from './growth-anomaly.ts';

/** Events an alert can carry (the `event` field and the X-SM-Event header). */
export const ALERT_EVENTS = ['followers.changed', 'growth.anomaly', 'run.failed', 'run.private', 'run.not_found'] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];

/** What queueing alerts needs. */
export interface AlertDeps {
  db: Database;
  boss: PgBoss;
  /** Undefined: alerts are off (no SM_WEBHOOK_URL). */
  alerts?: WebhookSettings | undefined;
}

/** One event raised by a run's end, with its payload (sent as the POST body, exactly). */
export interface RaisedAlert {
  event: AlertEvent;
  payload: Record<string, unknown>;
}

/**
 * The events `run` raises (pure decision, then the reads its payloads need):
 * - outcome private / not_found → run.private / run.not_found (any kind of run);
 * - any other failed run → run.failed (its outcome; never its error text);
 * - a complete followers run that is not the baseline and gained or lost followers →
 *   followers.changed with both counts and the first `listMax` accounts of each;
 * - a complete followers run whose UTC day is a growth anomaly (growth_anomaly_v1, k = 3) → growth.anomaly
 *   (once per profile and day).
 * Partial runs raise nothing (their list is known to be incomplete).
 */
export async function raisedAlerts(db: Database, run: JobCallRow, listMax: number): Promise<RaisedAlert[]> {
  const profile = run.subjectId ? await getProfile(db, run.subjectId) : null;
  const base = {
    // A profile not stored (not found on its first sync) is named by what was asked for.
    profile: profile
      ? { platform: profile.platform, ext_id: profile.extId, username: profile.username }
      : { lookup: (run.params as { lookup?: unknown }).lookup ?? null },
    run: {
      id: run.id,
      kind: run.kind,
      status: run.status,
      outcome: run.outcome,
      baseline: run.baseline,
      started_at: run.startedAt?.toISOString() ?? null,
      finished_at: run.finishedAt?.toISOString() ?? null,
    },
  };
  const out: RaisedAlert[] = [];
  const raise = (event: AlertEvent, extra: Record<string, unknown> = {}) =>
    out.push({ event, payload: { event, occurred_at: base.run.finished_at, ...base, ...extra } });
  if (run.outcome === 'private') raise('run.private');
  else if (run.outcome === 'not_found') raise('run.not_found');
  else if (run.status === 'failed') raise('run.failed');
  const complete = run.kind === 'followers' && run.status === 'succeeded' && run.outcome === 'complete' && run.subjectId !== null;
  if (!complete) return out;
  if (!run.baseline && (run.itemsGained > 0 || run.itemsLost > 0)) {
    const [gained, lost] = [
      await listRunFollowerChanges(db, run.id, 'gained', listMax),
      await listRunFollowerChanges(db, run.id, 'lost', listMax),
    ];
    raise('followers.changed', {
      followers: {
        gained: gained.total,
        lost: lost.total,
        new_accounts: gained.accounts,
        lost_accounts: lost.accounts,
        listed_at_most: listMax,
      },
    });
  }
  const day = (run.finishedAt ?? new Date()).toISOString().slice(0, 10);
  const series = await listDailyChanges(db, run.subjectId!, addDays(day, -ANOMALY_TRAILING_DAYS), day);
  const judged = judgeGrowth(series, day, ANOMALY_K).find((j) => j.day === day);
  // A second complete run on the same day judges the same day again: one alert per profile and day.
  if (judged?.anomaly && !(await hasAnomalyAlert(db, run.subjectId!, day))) {
    const today = series.at(-1)!;
    raise('growth.anomaly', {
      growth: {
        formula: GROWTH_ANOMALY_FORMULA,
        k: ANOMALY_K,
        min_sigma: ANOMALY_MIN_SIGMA,
        day,
        gained: today.gained,
        lost: today.lost,
        net: judged.net,
        trailing_mean: judged.mean,
        trailing_sigma: judged.sigma,
        trailing_observed_days: judged.observedDays,
        z: judged.z,
      },
    });
  }
  return out;
}

/**
 * Queues the alerts of run `runId` (a no-op when alerts are off): per raised event, one transaction
 * inserts the delivery (once per run and event) and sends its `alerts` job with the configured
 * retries and backoff.
 * @returns the ids of the deliveries queued now
 */
export async function queueRunAlerts(deps: AlertDeps, runId: string): Promise<string[]> {
  const settings = deps.alerts;
  if (!settings) return [];
  const run = await getJobCall(deps.db, runId);
  if (!run || run.status === 'pending' || run.status === 'running') return [];
  const raised = await raisedAlerts(deps.db, run, settings.listMax);
  const targetHost = new URL(settings.url).host;
  const queued: string[] = [];
  for (const alert of raised) {
    const id = await deps.db.transaction(async (tx) => {
      const deliveryId = await insertAlertDelivery(tx, {
        runId: run.id,
        profileId: run.subjectId,
        event: alert.event,
        targetHost,
        payload: alert.payload,
        maxAttempts: settings.maxAttempts,
      });
      if (!deliveryId) return null;
      const jobId = await deps.boss.send(
        ALERTS_QUEUE.name,
        { deliveryId },
        {
          retryLimit: settings.maxAttempts - 1,
          retryDelay: settings.retrySeconds,
          // pg-boss accepts a backoff cap only with backoff on; 0 s = retry at once, no backoff.
          ...(settings.retrySeconds > 0
            ? { retryBackoff: true, retryDelayMax: ALERTS_QUEUE.options.retryDelayMax }
            : { retryBackoff: false }),
          db: deps.db.bossDb(tx),
        },
      );
      if (!jobId) throw new Error('pg-boss did not accept the alerts job (queue missing); run `sm-core migrate`');
      await setAlertQueueJob(tx, deliveryId, jobId);
      return deliveryId;
    });
    if (id) queued.push(id);
  }
  return queued;
}
