// Unwraps RocketAPI's envelope and classifies every failure shape into the ProviderError taxonomy.
import { ProviderError } from '../../errors.ts';
import { bodyMessage, classifyHttpStatus, feedbackRequired, isFeedbackThrottle, type ClassifyOptions } from '../classify.ts';
import type { HttpResponse } from '../http.ts';
import { parseProviderJson } from '../json.ts';
import { zodReason } from '../records.ts';
import { rawBodyPreview, sanitize } from '../sanitize.ts';
import { rocketEnvelopeSchema } from './schemas.ts';

/** Instagram's body from inside a successful envelope, already sanitised. */
export interface Unwrapped {
  body: unknown;
  /** Instagram's status inside the envelope. */
  innerStatus: number;
  /** Strings cleaned of NUL / lone surrogates in the whole response. */
  cleaned: number;
}

const PRIVATE = /not authorized to view user/i;

/**
 * Reads a RocketAPI response (direct or RapidAPI-hosted: same envelope) the way the official SDKs
 * do (PROVIDERS.md §1.2), stricter:
 * - outer non-2xx: {@link classifyHttpStatus} (401 unauthorized, 402 quota, 429 rate_limited, 5xx transient);
 * - `status` != "done": transient;
 * - inner 404: not_found; inner 400 "Not authorized to view user": private; inner 429 or
 *   feedback_required: rate_limited; inner 200 with a non-JSON content type: transient;
 *   other inner statuses: transient (5xx, 401/403 upstream login trouble) or invalid_response.
 * @throws ProviderError; invalid_response keeps the raw body (truncated)
 */
export function unwrapRocket(res: HttpResponse, o: ClassifyOptions): Unwrapped {
  if (res.status < 200 || res.status > 299) throw classifyHttpStatus(res, o);
  const rawBody = () => rawBodyPreview(res.body);
  const { value: json, cleaned } = sanitize(parseProviderJson(o.provider, res.body, res.status, rawBodyPreview));
  const env = rocketEnvelopeSchema.safeParse(json);
  if (!env.success) {
    throw new ProviderError('invalid_response', o.provider, `not a RocketAPI envelope (${zodReason(env.error)})`, {
      httpStatus: res.status,
      rawBody: rawBody(),
    });
  }
  const { status, message, response } = env.data;
  if (status !== 'done' || !response) {
    throw new ProviderError(
      'transient',
      o.provider,
      `RocketAPI did not complete the request (status "${status}"${message ? `: ${rawBodyPreview(message, 200)}` : ''})`,
      {
        httpStatus: res.status,
        rawBody: rawBody(),
      },
    );
  }
  const inner = response.status_code;
  const innerMessage = bodyMessage(response.body);
  const extra = { httpStatus: res.status, rawBody: rawBody() };
  if (inner === 404) throw new ProviderError('not_found', o.provider, 'Instagram: user not found (inner 404)', extra);
  if (inner === 400 && PRIVATE.test(innerMessage))
    throw new ProviderError('private', o.provider, `Instagram: ${innerMessage} (private account)`, extra);
  if (inner === 429) {
    throw new ProviderError(
      'rate_limited',
      o.provider,
      `Instagram throttled the request (inner 429${innerMessage ? `: ${innerMessage}` : ''})`,
      extra,
    );
  }
  if (isFeedbackThrottle(innerMessage)) throw feedbackRequired(o, res.status, innerMessage, extra.rawBody);
  if (inner >= 500 || inner === 401 || inner === 403) {
    throw new ProviderError('transient', o.provider, `Instagram answered inner ${inner}${innerMessage ? `: ${innerMessage}` : ''}`, extra);
  }
  if (inner !== 200)
    throw new ProviderError(
      'invalid_response',
      o.provider,
      `unexpected inner status ${inner}${innerMessage ? `: ${innerMessage}` : ''}`,
      extra,
    );
  if (!/json/i.test(response.content_type ?? '')) {
    throw new ProviderError(
      'transient',
      o.provider,
      `Instagram answered ${response.content_type ?? 'no content type'} instead of JSON (inner 200)`,
      extra,
    );
  }
  const body = response.body;
  if (typeof body === 'string') {
    const nested = sanitize(parseProviderJson(o.provider, body, res.status, rawBodyPreview));
    return { body: nested.value, innerStatus: inner, cleaned: cleaned + nested.cleaned };
  }
  return { body, innerStatus: inner, cleaned };
}
