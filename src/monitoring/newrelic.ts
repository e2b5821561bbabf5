// New Relic: each job run recorded as a custom event. Nothing of the agent loads unless
// NEW_RELIC_LICENSE_KEY is set; without it every function here is a cheap no-op.
//
// Where to call it (sync layer / queue handlers): once per job run, when the run reaches a final
// status (succeeded, failed, partial), right after the job_calls row is closed:
//
//   import { recordJobEvent } from '../monitoring/newrelic.ts';
//   recordJobEvent({ kind: 'followers', status: 'succeeded', durationMs, items, requests, runId, queue: 'sync-followers' });
//
// recordJobEvent never throws and never awaits: it is safe inside a transaction's caller or a
// finally block. The composition root (src/context.ts) loads the agent and flushes it on close().
import type { Logger } from '../logger.ts';

/** The custom event type in New Relic (NRQL: `SELECT * FROM SmCoreJob`). */
export const JOB_EVENT_TYPE = 'SmCoreJob';

/** One finished job run, as recorded in New Relic. */
export interface JobEvent {
  /** job_calls.kind: profile, followers, followings (or run-schedule for the scheduler itself). */
  kind: string;
  /** Final job_calls.status: succeeded, failed, partial. */
  status: string;
  /** Wall time of the run, ms. */
  durationMs: number;
  /** Records stored (profiles, followers...) by the run. */
  items: number;
  /** HTTP requests the run sent to providers (service_calls.request_units, retries included): what the customer pays for. */
  requests: number;
  /** Provider calls the run recorded (service_calls rows: queue-job attempts and fallback hops), when known. */
  calls?: number;
  /** job_calls.id. */
  runId?: string | number;
  /** pg-boss job id of the last job of the run. */
  jobId?: string;
  /** Queue name (= command name). */
  queue?: string;
  /** Provider that served the run (rocket, scraper...). */
  provider?: string;
  /** Profile username, when known. */
  username?: string;
}

/** The part of the `newrelic` API sm-core uses (newrelic/api.js: recordCustomEvent, shutdown). */
export interface NewRelicAgent {
  recordCustomEvent(eventType: string, attributes: Record<string, string | number | boolean>): void;
  shutdown(options: { collectPendingData?: boolean; timeout?: number }, cb: (err?: Error) => void): void;
}

/** Loads the agent module; injectable so tests never start a real agent. */
export type AgentLoader = () => Promise<NewRelicAgent>;

let agent: NewRelicAgent | undefined;
let agentLogger: Logger | undefined;

/** The package name, kept in a variable: the agent ships no type declarations, and we type the part we use. */
const AGENT_MODULE = 'newrelic';

/** The real loader: `import('newrelic')` (CommonJS; its default export is the API object). */
export const importNewRelic: AgentLoader = async () => {
  const mod = (await import(AGENT_MODULE)) as { default?: NewRelicAgent } & Partial<NewRelicAgent>;
  return (mod.default ?? mod) as NewRelicAgent;
};

/** Settings for {@link startMonitoring}: the resolved config's New Relic part. */
export interface MonitoringConfig {
  newRelicLicenseKey: string | undefined;
  newRelicAppName: string;
}

/**
 * Loads the New Relic agent when a license key is configured; does nothing (and imports nothing)
 * otherwise. Sets the agent's own env defaults first: app name from config, no newrelic.js file,
 * agent log to stderr at `warn`, each only when not already set by the operator.
 * @returns true when the agent is loaded
 * Never throws: a failing agent is logged as a warning and monitoring stays off.
 */
export async function startMonitoring(config: MonitoringConfig, logger: Logger, load: AgentLoader = importNewRelic): Promise<boolean> {
  if (!config.newRelicLicenseKey) return false;
  if (agent) return true;
  const defaults: Record<string, string> = {
    NEW_RELIC_APP_NAME: config.newRelicAppName,
    NEW_RELIC_LICENSE_KEY: config.newRelicLicenseKey,
    NEW_RELIC_NO_CONFIG_FILE: 'true',
    NEW_RELIC_LOG: 'stderr',
    NEW_RELIC_LOG_LEVEL: 'warn',
  };
  for (const [key, value] of Object.entries(defaults)) process.env[key] ??= value;
  try {
    agent = await load();
    agentLogger = logger;
    logger.debug({ appName: config.newRelicAppName }, 'New Relic agent loaded');
    return true;
  } catch (err) {
    logger.warn({ err: { message: (err as Error).message } }, 'New Relic agent failed to load; monitoring is off');
    return false;
  }
}

/** Whether the agent is loaded (true only after a successful {@link startMonitoring}). */
export function monitoringEnabled(): boolean {
  return agent !== undefined;
}

/**
 * Records one finished job run as a `SmCoreJob` custom event. No-op when the agent is not loaded.
 * Undefined fields are left out; ids are sent as strings. Never throws.
 */
export function recordJobEvent(event: JobEvent): void {
  if (!agent) return;
  const attributes: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(event)) {
    if (value === undefined || value === null) continue;
    attributes[key] = key === 'runId' ? String(value) : (value as string | number | boolean);
  }
  try {
    agent.recordCustomEvent(JOB_EVENT_TYPE, attributes);
  } catch (err) {
    agentLogger?.warn({ err: { message: (err as Error).message } }, 'New Relic recordCustomEvent failed');
  }
}

/**
 * Sends pending events and stops the agent (short CLI runs end before the agent's harvest cycle).
 * No-op when not loaded. Resolves after at most `timeoutMs` (default 5000 ms); never rejects.
 */
export async function stopMonitoring(timeoutMs = 5_000): Promise<void> {
  const current = agent;
  if (!current) return;
  agent = undefined;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    timer.unref();
    try {
      current.shutdown({ collectPendingData: true, timeout: timeoutMs }, () => {
        clearTimeout(timer);
        resolve();
      });
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}
