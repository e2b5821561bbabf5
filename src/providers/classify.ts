// Outer HTTP status -> ProviderError kind, shared by every provider (RocketAPI direct and RapidAPI gateway).
import { AppError, ProviderError } from '../errors.ts';
import { retryAfterSeconds, type HttpResponse } from './http.ts';
import { rawBodyPreview } from './sanitize.ts';
import type { CallInfo } from './types.ts';

/** How a provider names its key in messages (the config key, never its value). */
export interface ClassifyOptions {
  provider: string;
  /** Config key holding the API key, e.g. `ROCKET_API_KEY`, for "check X" hints. */
  keyName: string;
  /** Wait used for Instagram's `feedback_required` throttle, which carries no Retry-After (seconds). */
  feedbackDeferSeconds: number;
}

const QUOTA = /quota|no requests left|credits?\b|payment required|upgrade your plan/i;
const FEEDBACK = /feedback_required|try again later|please wait a few minutes/i;

/**
 * Classifies a non-2xx outer response. RapidAPI gateway texts per PROVIDERS.md §2.0
 * ("exceeded the MONTHLY quota" = quota_exhausted, "rate limit per second" = rate_limited,
 * "not subscribed" / "Invalid API key" = unauthorized); RocketAPI 401 `{"detail":"Invalid token."}`
 * and 402 quota per §8 (GUESS, manifest.json).
 * @returns the error to throw (never throws itself)
 */
export function classifyHttpStatus(res: HttpResponse, o: ClassifyOptions): ProviderError {
  const status = res.status;
  const rawBody = rawBodyPreview(res.body);
  const message = bodyMessage(res.body);
  const extra = { httpStatus: status, rawBody };
  const said = message ? `: ${message}` : '';
  if (status === 402 || ((status === 403 || status === 429) && QUOTA.test(message))) {
    const reset = quotaResetSeconds(res.headers);
    const when = reset !== undefined ? `, resets in ${reset} s` : '';
    return new ProviderError('quota_exhausted', o.provider, `request quota exhausted (HTTP ${status}${when})${said}`, {
      ...extra,
      retryAfterSeconds: reset,
    });
  }
  if (status === 401 || status === 403) {
    return new ProviderError('unauthorized', o.provider, `API key rejected (HTTP ${status})${said}; check ${o.keyName}`, extra);
  }
  if (status === 429) {
    const wait = retryAfterSeconds(res.headers);
    return new ProviderError(
      'rate_limited',
      o.provider,
      `throttled (HTTP 429${wait !== undefined ? `, Retry-After ${wait} s` : ''})${said}`,
      {
        ...extra,
        retryAfterSeconds: wait,
      },
    );
  }
  if (status === 400 && FEEDBACK.test(message)) return feedbackRequired(o, status, message, rawBody);
  if (status === 408 || status === 425 || status >= 500) {
    return new ProviderError('transient', o.provider, `provider unavailable (HTTP ${status})${said}`, extra);
  }
  return new ProviderError('invalid_response', o.provider, `unexpected HTTP ${status}${said}`, extra);
}

/**
 * Seconds until a RapidAPI plan quota resets (`x-ratelimit-requests-reset`, PROVIDERS.md §2.0), or
 * `Retry-After`; undefined when neither is given.
 */
export function quotaResetSeconds(headers: Record<string, string>): number | undefined {
  const reset = headers['x-ratelimit-requests-reset']?.trim();
  if (reset && /^\d+$/.test(reset)) return Number(reset);
  return retryAfterSeconds(headers);
}

/** Instagram's "feedback_required" / "Try Again Later" throttle (CASES.md C08 variant): a rate limit with a configured floor. */
export function feedbackRequired(o: ClassifyOptions, httpStatus: number, message: string, rawBody?: string): ProviderError {
  return new ProviderError(
    'rate_limited',
    o.provider,
    `throttled by Instagram (${message || 'feedback_required'}); waiting ${o.feedbackDeferSeconds} s`,
    {
      httpStatus,
      retryAfterSeconds: o.feedbackDeferSeconds,
      rawBody,
    },
  );
}

/** True when an error body says Instagram throttled the account (feedback_required, "Please wait a few minutes"). */
export function isFeedbackThrottle(message: string): boolean {
  return FEEDBACK.test(message);
}

/**
 * The human message of an error body: `message`, `detail`, `error` or `feedback_title` of a JSON
 * object (at most 300 characters, cleaned), or '' when the body has none.
 */
export function bodyMessage(body: unknown): string {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return '';
    }
  }
  if (!value || typeof value !== 'object') return '';
  const o = value as Record<string, unknown>;
  const parts = [o.message, o.detail, o.error, o.feedback_title].filter((v): v is string => typeof v === 'string' && v !== '');
  return rawBodyPreview([...new Set(parts)].join(' / '), 300);
}

/**
 * Anything a provider request threw, as a ProviderError carrying the call's ledger facts (kept when
 * the error already has them). Unclassified errors become invalid_response; an AppError that is not a
 * provider answer (a replay without a cassette) passes through unchanged, so it is neither retried
 * nor sent to another provider.
 */
export function failedCall(err: unknown, call: CallInfo): Error {
  if (err instanceof AppError && !(err instanceof ProviderError)) return err;
  const error =
    err instanceof ProviderError
      ? err
      : new ProviderError('invalid_response', call.provider, `could not read the response: ${(err as Error).message}`, { cause: err });
  error.call ??= call;
  return error;
}
