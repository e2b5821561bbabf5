// Job names and payload schemas: the only place queue names are spelled. Names equal CLI commands.
import { z } from 'zod';

/**
 * A worker touches the job it holds every third of this (src/queue/heartbeat.ts); a job not touched
 * for this long (seconds; pg-boss's minimum is 10) belongs to a dead worker and is retried.
 */
export const HEARTBEAT_SECONDS = 10;

/**
 * Queue name -> pg-boss queue options. Retries (with exponential backoff from `retryDelay` seconds)
 * apply to retryable provider errors only (PROVIDER_ERROR_POLICY in src/errors.ts); definitive
 * answers and deferrals complete the job instead. `expireInSeconds` must exceed a page's worst case
 * (provider timeout x in-place attempts) so a live job is never handed to a second worker; a dead
 * worker's job comes back much sooner, after `heartbeatSeconds` (+ one supervision pass, src/queue/boss.ts).
 */
export const QUEUES = {
  'sync-profile': {
    retryLimit: 2,
    retryDelay: 5,
    retryBackoff: true,
    expireInSeconds: 300,
    heartbeatSeconds: HEARTBEAT_SECONDS,
    notify: true,
  },
  'sync-followers': {
    retryLimit: 5,
    retryDelay: 5,
    retryBackoff: true,
    expireInSeconds: 300,
    heartbeatSeconds: HEARTBEAT_SECONDS,
    notify: true,
  },
  'sync-followings': {
    retryLimit: 5,
    retryDelay: 5,
    retryBackoff: true,
    expireInSeconds: 300,
    heartbeatSeconds: HEARTBEAT_SECONDS,
    notify: true,
  },
} as const;

export type QueueName = keyof typeof QUEUES;

/** Ids travel as decimal strings (bigint row ids, provider ids above 2^53). */
const idString = z.string().regex(/^\d+$/);

/** How a profile is looked up: by username or by the provider's user id. */
export const profileLookupSchema = z.union([z.object({ username: z.string().min(1) }), z.object({ id: idString })]);

/** Payload of a `sync-profile` job: one provider request for one profile. */
export const syncProfileJobSchema = z.object({
  jobCallId: idString,
  lookup: profileLookupSchema,
  /** Chain a followers sync after success (`sync-profile --followers`). */
  followers: z.boolean().default(false),
  /** Chain a followings sync after success (`sync-followings` of a profile not stored yet). */
  followings: z.boolean().optional(),
});
export type SyncProfileJob = z.infer<typeof syncProfileJobSchema>;

/**
 * Payload of a `sync-followers` job: one page = one provider request. A deferred page is re-sent
 * with the same payload (same cursor) and a later `startAfter`.
 */
export const syncFollowersJobSchema = z.object({
  jobCallId: idString,
  /** 1-based page number within the run. */
  page: z.number().int().min(1),
  /** Cursor to send (null for page 1). Never sent to a provider other than `provider`. */
  cursor: z.string().min(1).nullable(),
  /** Provider that issued `cursor`; null for page 1 (the primary provider answers). */
  provider: z.string().nullable(),
  /** The previous page's service_call (the chain's parent). */
  parentServiceCallId: idString.nullable(),
});
export type SyncFollowersJob = z.infer<typeof syncFollowersJobSchema>;

/**
 * The per-minute tick of `sm-core worker --schedule`: pg-boss cron sends one `run-schedule` job per
 * minute (deduplicated across all workers), and a worker that runs with --schedule works it by running
 * run-schedule. Not a sync queue (no run of its own), so it is kept out of QUEUES and the handlers.
 * `exclusive`: at most one tick queued or active, so ticks never pile up while no worker takes them.
 */
export const RUN_SCHEDULE_QUEUE = {
  name: 'run-schedule',
  cron: '* * * * *',
  options: { policy: 'exclusive', retryLimit: 0, expireInSeconds: 300 },
} as const;

/** Payload of a `sync-followings` job: one page of the accounts a profile follows (same shape as a followers page). */
export const syncFollowingsJobSchema = syncFollowersJobSchema;
export type SyncFollowingsJob = SyncFollowersJob;

/**
 * Change alerts (src/sync/alerts.ts): one job per owed webhook POST. Not a sync queue (no run of its
 * own, no provider request), so it is kept out of QUEUES and the handlers; `sm-core worker` works it
 * beside the sync queues when SM_WEBHOOK_URL is set, `sm-core alerts deliver` on demand. Retries and
 * backoff are set per job from the configuration (SM_WEBHOOK_MAX_ATTEMPTS, SM_WEBHOOK_RETRY_SECONDS).
 */
export const ALERTS_QUEUE = {
  name: 'alerts',
  options: { retryLimit: 7, retryDelay: 30, retryBackoff: true, retryDelayMax: 3600, expireInSeconds: 120 },
} as const;

/** Payload of an `alerts` job: the alert_deliveries row to POST. */
export const alertJobSchema = z.object({ deliveryId: idString });
export type AlertJob = z.infer<typeof alertJobSchema>;
