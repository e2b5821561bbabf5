// What a failed provider request does to its run, and what a finished run means as an exit code.
// The decisions come from the one policy table, PROVIDER_ERROR_POLICY (src/errors.ts).
import { EXIT, PROVIDER_ERROR_POLICY, ProviderError, type ExitCode, type ProviderErrorKind } from '../errors.ts';
import type { JobCallRow } from '../db/queries/job-calls.ts';

/** Longest deferral of a run's next request (seconds): one day. */
export const MAX_DEFER_SECONDS = 86_400;

/** What to do with a page or profile job whose provider request failed. */
export type FailureAction =
  /** Let pg-boss retry the job (queue retryLimit / backoff, src/queue/jobs.ts). */
  | { action: 'retry' }
  /** Re-send the same job (same cursor) to start `seconds` later, and finish this one. */
  | { action: 'defer'; seconds: number }
  /** End the run as failed with this outcome. */
  | { action: 'end'; outcome: ProviderErrorKind | 'error' };

/**
 * Classifies a failure. A rate limit that reaches the sync layer is one the provider layer did not
 * wait out in place (src/providers/retry.ts), so the page is deferred by the provider's Retry-After
 * (`floorSeconds` when it gave none: CASES.md C08); so is an exhausted quota that names its reset.
 * A wait longer than {@link MAX_DEFER_SECONDS} ends the run instead. Retryable kinds (transient, invalid_response) and
 * unexpected errors are retried while attempts remain. Definitive and non-retryable kinds end the run.
 * @param attempt the job's `retryCount` (0 on the first attempt) and `retryLimit`
 */
export function classifyFailure(err: unknown, attempt: { retryCount: number; retryLimit: number }, floorSeconds: number): FailureAction {
  const attemptsLeft = attempt.retryCount < attempt.retryLimit;
  if (!(err instanceof ProviderError)) return attemptsLeft ? { action: 'retry' } : { action: 'end', outcome: 'error' };
  const after = err.retryAfterSeconds;
  if (err.kind === 'rate_limited' || (err.kind === 'quota_exhausted' && after !== undefined)) {
    const seconds = Math.ceil(after !== undefined && after > 0 ? Math.max(after, 1) : floorSeconds);
    // A wait past a day (a monthly quota) ends the run instead of holding it open that long.
    return seconds <= MAX_DEFER_SECONDS ? { action: 'defer', seconds } : { action: 'end', outcome: err.kind };
  }
  const policy = PROVIDER_ERROR_POLICY[err.kind];
  if (policy.retry && !policy.definitive && attemptsLeft) return { action: 'retry' };
  return { action: 'end', outcome: err.kind };
}

/** The kind of a failure for ledgers ('error' when it is not a ProviderError). */
export function failureKind(err: unknown): ProviderErrorKind | 'error' {
  return err instanceof ProviderError ? err.kind : 'error';
}

/**
 * Process exit code for a finished run: 0 succeeded, 7 partial; a failed run maps its outcome
 * through PROVIDER_ERROR_POLICY (8 not found, 9 private, 10 throttled/quota, 11 unauthorized); a
 * list the account restricts (outcome `restricted`: src/sync/completeness.ts) is 9 like a private
 * one; else 6.
 * An unfinished run (still pending/running when the caller stopped waiting) is 130 (interrupted).
 */
export function exitCodeForRun(run: Pick<JobCallRow, 'status' | 'outcome'>): ExitCode {
  switch (run.status) {
    case 'succeeded':
      return EXIT.ok;
    case 'partial':
      return EXIT.runPartial;
    case 'failed': {
      if (run.outcome === 'restricted') return EXIT.private;
      const kind = run.outcome as ProviderErrorKind | null;
      return kind && kind in PROVIDER_ERROR_POLICY ? PROVIDER_ERROR_POLICY[kind].exitCode : EXIT.runFailed;
    }
    default:
      return EXIT.interrupted;
  }
}
