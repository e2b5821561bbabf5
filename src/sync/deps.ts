// What the sync steps need, handed in by the composition root (src/context.ts) or by tests.
import type { PgBoss } from 'pg-boss';
import type { WebhookSettings } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { RunForRequest } from '../db/queries/job-calls.ts';
import type { Logger } from '../logger.ts';
import type { Provider } from '../providers/types.ts';

/** The configured providers, as the sync layer sees them. */
export interface ProviderSet {
  /** Answers profile requests and page 1 of every list. */
  primary: Provider;
  /** The provider with this name (a cursor goes back to the provider that issued it), or undefined. */
  byName(name: string): Provider | undefined;
  /** True when the primary serves bundled sample data (no API key configured). */
  sample: boolean;
  /**
   * Names of the usable providers in SM_PROVIDER_PRIORITY order; a list run whose cursor's provider
   * stays down restarts on the next one (src/sync/provider-switch.ts). Absent = no switching.
   */
  names?: readonly string[];
}

/** Settings of a sync, from the configuration. */
export interface SyncSettings {
  /** Users requested per page (RocketAPI caps at 50: PROVIDERS.md §1). */
  followersPageSize: number;
  /** Hard ceiling on pages in one run (loop guard). */
  maxPages: number;
  /** Shortest deferral after a rate limit without a usable Retry-After (seconds). */
  rateLimitFloorSeconds: number;
  /**
   * Share (0..1) of the profile's count a list run must see, after pagination ended normally, to be
   * complete (SM_COMPLETENESS_MIN_SHARE; src/sync/completeness.ts).
   */
  completenessMinShare: number;
  /**
   * A list run may mark unfollows only when the count it is checked against was read at most this
   * long before the run was created (minutes; SM_COUNT_MAX_AGE_MINUTES, default 15). Absent = 15.
   */
  countMaxAgeMinutes?: number;
  /**
   * A stored profile found private by a profile sync younger than this is not asked for its lists
   * again: the run ends `private` at no cost (hours; SM_PRIVATE_MAX_AGE_HOURS, default 24). Absent = 24.
   */
  privateMaxAgeHours?: number;
  /** An orphaned run idle for longer than this is closed as abandoned instead of resumed (hours; SM_RUN_RESUME_HOURS). */
  runResumeHours: number;
  /**
   * How long the provider that issued a list run's cursor may keep failing before the run restarts
   * its list from page 1 on the next provider (seconds; SM_CURSOR_PROVIDER_WAIT_SECONDS, default 900).
   */
  cursorProviderWaitSeconds: number;
}

/** Dependencies of every sync step and queue handler. */
export interface SyncDeps {
  db: Database;
  boss: PgBoss;
  logger: Logger;
  providers: ProviderSet;
  settings: SyncSettings;
  /** Change alerts (SM_WEBHOOK_*; src/sync/alerts.ts): undefined when off. */
  alerts?: WebhookSettings | undefined;
  /**
   * Set by the queue loop: true while the worker wants the next job claimed inside the step's own
   * commit (src/sync/step.ts claimNextIn); unset or false = no claim (the loop fetches).
   */
  prefetch?: () => boolean;
}

/** The piece of a queue job a handler needs: its id, its attempt and the attempts it may have. */
export interface JobAttemptInfo {
  id: string;
  retryCount: number;
  retryLimit: number;
  data: unknown;
  /** Set on a page job claimed in the previous page's commit: its request was begun in that commit too. */
  begun?: { run: RunForRequest; serviceCallId: string };
}
