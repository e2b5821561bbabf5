// Retries in place (p-retry: exponential backoff with jitter) for retryable provider failures, waits
// out short Retry-After values, and refuses to call a provider inside a long throttle/quota window.
import { setTimeout as delay } from 'node:timers/promises';
import pRetry from 'p-retry';
import { PROVIDER_ERROR_POLICY, ProviderError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { currentAttemptGuard } from './attempt-guard.ts';
import type { RateGate } from './rate-gate.ts';
import type { CallResult, Provider } from './types.ts';

/** Options for {@link withRetry}; the first four come from config (docs/providers.md). */
export interface RetryOptions {
  /** Retries after the first attempt for retryable kinds (SM_PROVIDER_RETRIES). */
  retries: number;
  /** First backoff delay (ms), doubled per retry and multiplied by a random 1..2 (SM_PROVIDER_RETRY_BASE_MS). */
  baseDelayMs: number;
  /** Longest Retry-After waited in place (seconds, SM_RETRY_AFTER_CAP_SECONDS). A longer one is thrown as is, never shortened. */
  retryAfterCapSeconds: number;
  /** Ceiling of one backoff delay (ms); default 30,000. */
  maxDelayMs?: number;
  logger?: Logger;
  /** Clock in ms (tests). */
  now?: () => number;
  /** Waits `ms` (tests can record instead of waiting). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Reserves every attempt before it is sent (cross-process rate limits and budgets; src/providers/rate-gate.ts). */
  gate?: RateGate;
}

const defaultSleep = (ms: number, signal?: AbortSignal) => delay(ms, undefined, { signal });

/** Stores the provider's wait window in the shared gate; a database hiccup only loses the sharing. */
async function shareWait(gate: RateGate, seconds: number, error: ProviderError): Promise<void> {
  try {
    const reason = error.message.startsWith(`${error.provider}: `) ? error.message.slice(error.provider.length + 2) : error.message;
    await gate.block(error.provider, seconds, error.kind === 'quota_exhausted' ? 'quota_exhausted' : 'rate_limited', reason);
  } catch {
    // the in-process window still holds; other processes learn it from their own 429
  }
}

/**
 * Wraps a provider so every request is retried in place according to PROVIDER_ERROR_POLICY:
 * - retryable kinds (transient, invalid_response, rate_limited) are retried up to `retries` times
 *   with exponential backoff and jitter; provider reads are retried although RocketAPI's are POSTs (C10);
 * - a Retry-After up to `retryAfterCapSeconds` is waited in place before the retry;
 * - a longer Retry-After (or a quota error with a reset time) ends the call at once with the
 *   provider's own `retryAfterSeconds` (the sync layer defers the job: C08), and every later call to
 *   this provider inside that window is refused without a request (attempts 0);
 * - non-retryable kinds (not_found, private, unauthorized, quota_exhausted) are thrown at once, and
 *   so is `unreachable`, except that a refused connection is retried once after the first backoff;
 * - with a `gate`, every attempt is first reserved against the shared per-second limit and budgets;
 *   a spent budget is a rate_limited refusal (never sent) handled like a long Retry-After;
 * - right before each attempt leaves, the caller's attempt guard (./attempt-guard.ts) runs: the sync
 *   layer checks its job still owns the request and records the attempt in the ledger first; a guard
 *   that throws stops the call there, unsent and not retried.
 * The result's `call.attempts` counts HTTP attempts; `call.latencyMs` is the wall time including waits.
 * @throws ProviderError (the last attempt's), with `call` set
 */
export function withRetry(provider: Provider, options: RetryOptions): Provider {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const log = options.logger;
  let blockedUntil = 0;
  let blockedKind: 'rate_limited' | 'quota_exhausted' = 'rate_limited';
  /** Refusals that sent nothing (this window, the shared gate): never shared again as the provider's own wait. */
  const notSent = new WeakSet<object>();

  function refuseInsideWindow(): void {
    const left = Math.ceil((blockedUntil - now()) / 1000);
    if (left <= 0) return;
    throw new ProviderError(blockedKind, provider.name, `not sent: ${provider.name} asked to wait ${left} s more (${blockedKind})`, {
      retryAfterSeconds: left,
    });
  }

  async function run<T>(endpoint: string, request: () => Promise<CallResult<T>>, signal?: AbortSignal): Promise<CallResult<T>> {
    const started = performance.now();
    const guard = currentAttemptGuard();
    let attempts = 0;
    let refusedRetried = false;
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const result = await pRetry(
        async () => {
          try {
            refuseInsideWindow();
            await options.gate?.acquire(provider.name, signal);
          } catch (err) {
            if (err instanceof ProviderError) notSent.add(err);
            throw err;
          }
          await guard?.beforeSend({ provider: provider.name, endpoint });
          attempts++;
          return request();
        },
        {
          retries: options.retries,
          minTimeout: options.baseDelayMs,
          maxTimeout: options.maxDelayMs ?? 30_000,
          factor: 2,
          randomize: true,
          signal,
          onFailedAttempt: async ({ error, retriesLeft, retryDelay }) => {
            if (!(error instanceof ProviderError)) throw error;
            const wait = error.retryAfterSeconds;
            const long = wait !== undefined && wait > options.retryAfterCapSeconds;
            if ((error.kind === 'rate_limited' && long) || (error.kind === 'quota_exhausted' && wait !== undefined && wait > 0)) {
              blockedUntil = Math.max(blockedUntil, now() + wait * 1000);
              blockedKind = error.kind;
              // The provider itself asked to wait: every process holds off, not just this one (C08).
              if (options.gate && !notSent.has(error)) await shareWait(options.gate, wait, error);
              throw error; // defer (or fall back): never shorten the provider's wait
            }
            // Unreachable (refused, DNS, TLS) is not an outage to wait out: a refused connection gets one
            // retry after the first backoff (a provider restarting), DNS and TLS failures none.
            if (error.kind === 'unreachable') {
              if (error.transport !== 'refused' || refusedRetried || retriesLeft === 0) throw error;
              refusedRetried = true;
              log?.warn(
                { provider: provider.name, endpoint, kind: error.kind, attempt: attempts, waitMs: retryDelay },
                `retrying once: ${error.message}`,
              );
              return;
            }
            if (!PROVIDER_ERROR_POLICY[error.kind].retry || retriesLeft === 0) throw error;
            const extraMs = error.kind === 'rate_limited' && wait !== undefined ? Math.max(0, wait * 1000 - retryDelay) : 0;
            log?.warn(
              { provider: provider.name, endpoint, kind: error.kind, attempt: attempts, waitMs: retryDelay + extraMs },
              `retrying: ${error.message}`,
            );
            if (extraMs > 0) await sleep(extraMs, signal);
          },
        },
      );
      return { data: result.data, call: { ...result.call, attempts, requestUnits: attempts, latencyMs: elapsed() } };
    } catch (err) {
      if (!(err instanceof ProviderError)) throw err;
      err.call = {
        provider: provider.name,
        endpoint,
        httpStatus: null,
        ...err.call,
        attempts,
        requestUnits: attempts,
        latencyMs: elapsed(),
      };
      throw err;
    }
  }

  const wrapped: Provider = {
    name: provider.name,
    getProfile: (query, signal) => run('profile', () => provider.getProfile(query, signal), signal),
    getFollowersPage: (extId, cursor, pageSize, signal) =>
      run('followers', () => provider.getFollowersPage(extId, cursor, pageSize, signal), signal),
  };
  const followings = provider.getFollowingsPage?.bind(provider);
  if (followings) {
    wrapped.getFollowingsPage = (extId, cursor, pageSize, signal) =>
      run('followings', () => followings(extId, cursor, pageSize, signal), signal);
  }
  return wrapped;
}
