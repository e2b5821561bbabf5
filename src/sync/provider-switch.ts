// When the provider that issued a list run's cursor stays unavailable (issue 3 §3): a cursor is never
// sent to another provider, so after SM_CURSOR_PROVIDER_WAIT_SECONDS of failures the run starts its
// list again from page 1 on the next provider of SM_PROVIDER_PRIORITY, recorded on the run
// (job_calls.list_restarts, summary.list_restarts) and on the failed request (result_summary.switched_to).
// The run stays the same run: the accounts it saw still count for the completeness gate.
import { providerFailingSince, restartListRun } from '../db/queries/list-restarts.ts';
import type { RunForRequest } from '../db/queries/job-calls.ts';
import { failServiceCall } from '../db/queries/service-calls.ts';
import { PROVIDER_ERROR_POLICY, ProviderError, type ProviderErrorKind } from '../errors.ts';
import type { SyncFollowersJob } from '../queue/jobs.ts';
import type { JobAttemptInfo, SyncDeps } from './deps.ts';
import { sendJob } from './enqueue.ts';
import type { ListSpec } from './lists.ts';
import { classifyFailure, type FailureAction } from './outcome.ts';
import { completeJob, completeJobIn, failureSummary, type StepResult } from './step.ts';

/** While the cursor's provider is down inside the wait, the page is tried again this often (seconds). */
export const RECHECK_SECONDS = 60;

/** What to do about a failed page request of a pinned provider. */
export type SwitchDecision =
  /** Handle the failure as usual (src/sync/step.ts handleRequestFailure), with `action` when set. */
  | { switch: false; action?: FailureAction }
  /** Start the list again from page 1 on `to`. */
  | { switch: true; to: string };

/** The facts {@link decideProviderSwitch} needs. */
export interface SwitchFacts {
  kind: ProviderErrorKind | 'error';
  /** What the failure would do without a switch (src/sync/outcome.ts classifyFailure). */
  action: FailureAction;
  /** Seconds the cursor's provider has been failing in this run (its first failure since its last success). */
  failingSeconds: number;
  /** SM_CURSOR_PROVIDER_WAIT_SECONDS. */
  waitSeconds: number;
  /** The provider after the failing one in SM_PROVIDER_PRIORITY, or null when none is configured. */
  next: string | null;
}

/**
 * Pure rule for a page whose provider is pinned (it issued the cursor, or a switch chose it):
 * - no next provider, a definitive answer (not found, private) or a failure that is not the
 *   provider's (an 'error') → as usual;
 * - a rejected key (unauthorized) or an exhausted quota with no reset inside a day → switch now:
 *   waiting does not bring them back;
 * - failing for `waitSeconds` or more, or a deferral that would end past the wait → switch;
 * - an outage (transient, unreachable, invalid response) that used up the job's retries inside the wait → try the
 *   page again in min(RECHECK_SECONDS, what is left of the wait) instead of failing the run;
 * - otherwise (a retry, a short deferral) → as usual.
 */
export function decideProviderSwitch(f: SwitchFacts): SwitchDecision {
  if (f.next === null || f.kind === 'error') return { switch: false };
  const policy = PROVIDER_ERROR_POLICY[f.kind];
  if (policy.definitive || !policy.fallback) return { switch: false };
  const to = { switch: true, to: f.next } as const;
  if (f.failingSeconds >= f.waitSeconds) return to;
  switch (f.action.action) {
    case 'retry':
      return { switch: false };
    case 'defer':
      return f.failingSeconds + f.action.seconds > f.waitSeconds ? to : { switch: false };
    case 'end': {
      if (f.kind === 'transient' || f.kind === 'invalid_response' || f.kind === 'unreachable') {
        const seconds = Math.max(1, Math.ceil(Math.min(RECHECK_SECONDS, f.waitSeconds - f.failingSeconds)));
        return { switch: false, action: { action: 'defer', seconds } };
      }
      return to;
    }
  }
}

/** The provider after `current` in priority order (`names`), or null (also when `current` is last). */
export function nextProviderName(names: readonly string[], current: string): string | null {
  const i = names.indexOf(current);
  if (i === -1) return names.find((n) => n !== current) ?? null;
  return names[i + 1] ?? null;
}

/** A failed page request of a list run, in context. */
export interface PageFailure {
  spec: ListSpec;
  job: JobAttemptInfo;
  data: SyncFollowersJob;
  run: RunForRequest;
  serviceCallId: string;
  err: unknown;
}

/**
 * The provider that issued a run's cursor is not configured in this process any more (left out of
 * SM_PROVIDER_PRIORITY, or its key removed): its cursor can go nowhere, so the list restarts at once
 * on the first configured provider.
 */
export class ProviderNotConfigured extends Error {
  constructor(provider: string) {
    super(`provider "${provider}" that issued this cursor is not configured (SM_PROVIDER_PRIORITY, its API key)`);
  }
}

/** The run ended or moved on while the switch was being written: roll it back. */
class RunMovedOn extends Error {}

/** What the switch records: where to, why, and the failed call's ledger facts. */
interface Switch {
  from: string;
  to: string;
  kind: string;
  failingSeconds: number;
  message: string;
  err: ProviderError | ProviderNotConfigured;
}

/** Decides whether a failed page request of a pinned provider switches; see {@link switchProviderIfDown}. */
async function decide(
  deps: SyncDeps,
  f: PageFailure,
  from: string,
  names: readonly string[],
): Promise<Switch | { action?: FailureAction }> {
  if (f.err instanceof ProviderNotConfigured) {
    // `from` is not among `names`: the next provider is the first configured one.
    const to = nextProviderName(names, from)!;
    return {
      from,
      to,
      kind: 'not_configured',
      failingSeconds: 0,
      message: `${f.err.message}: restarting the list from page 1 on ${to}`,
      err: f.err,
    };
  }
  if (names.length < 2 || !(f.err instanceof ProviderError)) return {};
  const waitSeconds = deps.settings.cursorProviderWaitSeconds;
  const failing = await providerFailingSince(deps.db, f.run.id, from);
  const failingSeconds = failing.since ? Math.max(0, (failing.now.getTime() - failing.since.getTime()) / 1000) : 0;
  const decision = decideProviderSwitch({
    kind: f.err.kind,
    action: classifyFailure(f.err, f.job, deps.settings.rateLimitFloorSeconds),
    failingSeconds,
    waitSeconds,
    next: nextProviderName(names, from),
  });
  if (!decision.switch) return decision.action ? { action: decision.action } : {};
  const message = `${f.err.message}; ${from} failing for ${Math.round(failingSeconds)} s (SM_CURSOR_PROVIDER_WAIT_SECONDS=${waitSeconds}): restarting the list from page 1 on ${decision.to}`;
  return { from, to: decision.to, kind: f.err.kind, failingSeconds, message, err: f.err };
}

/**
 * For a page request of a pinned provider that failed: decides ({@link decideProviderSwitch}; at
 * once for a provider no longer configured, {@link ProviderNotConfigured}) and, on a switch, in ONE
 * transaction marks the request failed (`result_summary.switched_to`), sends page 1 to the next
 * provider, restarts the run's pass (src/db/queries/list-restarts.ts) and completes this job.
 * @returns the step's result after a switch; otherwise `{ action }` to pass to handleRequestFailure
 *   (undefined = its usual decision)
 */
export async function switchProviderIfDown(deps: SyncDeps, f: PageFailure): Promise<StepResult | { action?: FailureAction }> {
  const names = deps.providers.names ?? [];
  const from = f.data.provider;
  if (from === null || names.length === 0) return {};
  const sw = await decide(deps, f, from, names);
  if (!('to' in sw)) return sw;
  const { to, err, message } = sw;
  const call = err instanceof ProviderError ? err.call : undefined;
  deps.logger.warn({ run: f.run.id, job: f.job.id, kind: sw.kind, from, to, page: f.data.page }, message);
  try {
    return await deps.db.transaction(async (tx) => {
      await failServiceCall(tx, f.serviceCallId, message, { ...failureSummary(err), error_kind: sw.kind, switched_to: to }, call);
      const page1: SyncFollowersJob = { jobCallId: f.run.id, page: 1, cursor: null, provider: to, parentServiceCallId: f.serviceCallId };
      const jobId = await sendJob(deps.boss, deps.db, tx, f.spec.queue, page1);
      const restart = { from, to, page: f.data.page, failingSeconds: Math.round(sw.failingSeconds), kind: sw.kind };
      if (!(await restartListRun(tx, f.run.id, restart, jobId, f.job.id))) throw new RunMovedOn();
      await completeJobIn(deps, tx, f.spec.queue, f.job, { restarted_on: to, job: jobId });
      return { runId: f.run.id, ended: false, status: 'running' as const, note: message };
    });
  } catch (e) {
    if (e instanceof RunMovedOn)
      return completeJob(deps, f.spec.queue, f.job, f.run.id, 'the run ended or moved on before its provider switch');
    throw e;
  }
}
