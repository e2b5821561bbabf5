// Delivery of one change alert (an `alerts` job): POST the stored payload to SM_WEBHOOK_URL, signed,
// through the one HTTP seam (src/providers/http.ts), and record the attempt. A 2xx delivers; anything
// else throws so pg-boss retries the job with backoff, until the last attempt makes it a dead letter.
import { createHmac } from 'node:crypto';
import type { WebhookSettings } from '../config.ts';
import type { Database } from '../db/database.ts';
import { type AlertDeliveryRow, getAlertDelivery, recordAlertAttempt } from '../db/queries/alert-deliveries.ts';
import type { Logger } from '../logger.ts';
import { createHttpClient, transportErrorCode } from '../providers/http.ts';
import { alertJobSchema } from '../queue/jobs.ts';

/** Request headers of an alert (names as sent). */
export const ALERT_HEADERS = {
  event: 'X-SM-Event',
  delivery: 'X-SM-Delivery',
  timestamp: 'X-SM-Timestamp',
  signature: 'X-SM-Signature',
} as const;

/**
 * The signature of an alert: `sha256=` + hex HMAC-SHA256 with key `secret` over
 * `<timestamp>.<body>` (the X-SM-Timestamp value, a dot, the exact body bytes). Signing the
 * timestamp with the body stops a replay with a fresh timestamp; receivers reject old timestamps.
 * @param timestamp Unix time in seconds, as sent in X-SM-Timestamp
 */
export function signAlert(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Why an alert job threw: the receiver did not take it (pg-boss retries the job). */
export class AlertNotDelivered extends Error {}

/** What delivering needs. */
export interface AlertDeliveryDeps {
  db: Database;
  logger: Logger;
  alerts?: WebhookSettings | undefined;
}

/** A transport error as recorded: never the URL or its path (a webhook path often holds a token). */
function transportText(err: unknown, settings: WebhookSettings): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/timed out/.test(message)) return `timed out after ${settings.timeoutMs} ms (SM_WEBHOOK_TIMEOUT_MS)`;
  const code = transportErrorCode(err);
  return code ? `network error (${code})` : 'network error';
}

/**
 * Delivers the delivery named by an `alerts` job payload (one POST).
 * @returns the delivery after the attempt (null when the row is gone or no longer pending: nothing sent)
 * @throws AlertNotDelivered when the POST failed and attempts remain (the job is retried)
 */
export async function deliverAlert(deps: AlertDeliveryDeps, data: unknown): Promise<AlertDeliveryRow | null> {
  const { deliveryId } = alertJobSchema.parse(data);
  const delivery = await getAlertDelivery(deps.db, deliveryId);
  if (delivery?.status !== 'pending') return null;
  const settings = deps.alerts;
  if (!settings) throw new AlertNotDelivered('SM_WEBHOOK_URL is not set in this process: the alert waits for one that has it');
  const body = JSON.stringify(delivery.payload);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const http = createHttpClient({ provider: 'webhook', timeoutMs: settings.timeoutMs });
  let httpStatus: number | null = null;
  let error: string | null = null;
  const started = performance.now();
  try {
    const res = await http.request({
      method: 'POST',
      url: settings.url,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'sm-core-alerts',
        [ALERT_HEADERS.event]: delivery.event,
        [ALERT_HEADERS.delivery]: delivery.id,
        [ALERT_HEADERS.timestamp]: timestamp,
        [ALERT_HEADERS.signature]: signAlert(settings.secret, timestamp, body),
      },
      body,
    });
    httpStatus = res.status;
    if (res.status < 200 || res.status >= 300) error = `receiver answered HTTP ${res.status}`;
  } catch (err) {
    error = transportText(err, settings);
  } finally {
    await http.close();
  }
  const after = await recordAlertAttempt(deps.db, delivery.id, { httpStatus, error, latencyMs: performance.now() - started });
  const log = { deliveryId: after.id, event: after.event, attempt: after.attempts, maxAttempts: after.maxAttempts, httpStatus };
  if (after.status === 'delivered') deps.logger.info(log, 'alert delivered');
  else if (after.status === 'dead') deps.logger.warn({ ...log, error }, 'alert not delivered after its last attempt: dead letter');
  else {
    deps.logger.warn({ ...log, error }, 'alert not delivered; retried later');
    throw new AlertNotDelivered(error ?? 'not delivered');
  }
  return after;
}
