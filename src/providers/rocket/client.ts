// RocketAPI client (PROVIDERS.md §1): POST instagram/user/<method> with a JSON body, Token auth
// (or RapidAPI headers for RocketAPI-shaped RapidAPI hosts), envelope unwrapped, records normalised.
import { ProviderError } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import { type ClassifyOptions, failedCall } from '../classify.ts';
import type { Recorder } from '../cassette.ts';
import { createHttpClient, type HttpClient } from '../http.ts';
import { profileUserSchema, toCursor, toFollowersPage, toProfileResult, zodReason } from '../records.ts';
import { rawBodyPreview } from '../sanitize.ts';
import type { CallInfo, CallResult, FollowersPage, ProfileQuery, ProfileResult, Provider } from '../types.ts';
import { unwrapRocket } from './envelope.ts';
import { ROCKET_MAX_FOLLOWERS_COUNT, ROCKET_MAX_FOLLOWING_COUNT } from './limits.ts';
import { rocketListBodySchema, rocketProfileBodySchema } from './schemas.ts';

/** How requests authenticate: RocketAPI's own `Authorization: Token <key>`, or RapidAPI's gateway headers. */
export type RocketAuth = { kind: 'token' } | { kind: 'rapidapi'; rapidHost: string };

/** Options for {@link createRocketClient}. */
export interface RocketClientOptions {
  /** Provider name in cursors, ledgers and errors (default `rocket`). */
  name?: string;
  /** Base URL without trailing slash, e.g. `https://v1.rocketapi.io` (config ROCKET_API_HOST). */
  host: string;
  apiKey: string;
  /** Config key of `apiKey`, used in "check X" hints (default ROCKET_API_KEY). */
  keyName?: string;
  auth?: RocketAuth;
  /** Total budget per request incl. body (ms). */
  timeoutMs: number;
  /** Wait reported for Instagram's feedback_required throttle (seconds, default 600; CASES.md C08). */
  feedbackDeferSeconds?: number;
  logger?: Logger;
  /** HTTP transport (default: createHttpClient; replay mode passes a cassette player). */
  http?: HttpClient;
  /** Records every exchange (SM_RECORD_DIR) when the default transport is used. */
  recorder?: Recorder;
}

/** A RocketAPI-shaped provider with its connection pool. */
export interface RocketClient extends Provider {
  close(): Promise<void>;
}

/** Creates the RocketAPI provider. Requests are never retried here (the retry layer wraps providers). */
export function createRocketClient(options: RocketClientOptions): RocketClient {
  const name = options.name ?? 'rocket';
  const http: HttpClient =
    options.http ?? createHttpClient({ provider: name, timeoutMs: options.timeoutMs, logger: options.logger, recorder: options.recorder });
  const classify: ClassifyOptions = {
    provider: name,
    keyName: options.keyName ?? 'ROCKET_API_KEY',
    feedbackDeferSeconds: options.feedbackDeferSeconds ?? 600,
  };
  const auth = options.auth ?? { kind: 'token' };
  const headers: Record<string, string> =
    auth.kind === 'token'
      ? { authorization: `Token ${options.apiKey}`, 'content-type': 'application/json' }
      : { 'x-rapidapi-key': options.apiKey, 'x-rapidapi-host': auth.rapidHost, 'content-type': 'application/json' };

  /** One POST; returns Instagram's body and the call facts, or throws a classified ProviderError. */
  async function post(endpoint: string, payload: Record<string, unknown>, signal?: AbortSignal) {
    let httpStatus: number | null = null;
    const started = performance.now();
    try {
      const res = await http.request({
        method: 'POST',
        url: `${options.host}/${endpoint}`,
        headers,
        body: JSON.stringify(payload),
        signal,
      });
      httpStatus = res.status;
      const unwrapped = unwrapRocket(res, classify);
      const call: CallInfo = {
        provider: name,
        endpoint,
        httpStatus,
        innerStatus: unwrapped.innerStatus,
        latencyMs: res.latencyMs,
        attempts: 1,
      };
      return { ...unwrapped, call };
    } catch (err) {
      throw failedCall(err, { provider: name, endpoint, httpStatus, latencyMs: Math.round(performance.now() - started), attempts: 1 });
    }
  }

  function invalid(message: string, body: unknown, httpStatus: number | null): ProviderError {
    return new ProviderError('invalid_response', name, message, {
      httpStatus: httpStatus ?? undefined,
      rawBody: rawBodyPreview(JSON.stringify(body) ?? ''),
    });
  }

  async function listPage(
    endpoint: string,
    extId: string,
    cursor: string | null,
    count: number,
    signal?: AbortSignal,
  ): Promise<CallResult<FollowersPage>> {
    const payload: Record<string, unknown> = { id: extId, count };
    if (cursor !== null) payload.max_id = cursor;
    const { body, cleaned, call } = await post(endpoint, payload, signal);
    const parsed = rocketListBodySchema.safeParse(body);
    if (!parsed.success) throw withCall(invalid(`unexpected ${endpoint} body (${zodReason(parsed.error)})`, body, call.httpStatus), call);
    const b = parsed.data;
    const page = toFollowersPage(b.users, {
      nextCursor: toCursor(b.next_max_id),
      hasMore: b.has_more ?? b.big_list ?? null,
      limited: b.should_limit_list_of_followers ?? false,
      sanitized: cleaned,
    });
    return { data: page, call };
  }

  return {
    name,
    async getProfile(query: ProfileQuery, signal?: AbortSignal): Promise<CallResult<ProfileResult>> {
      const [endpoint, payload] =
        'username' in query
          ? ['instagram/user/get_info', { username: query.username }]
          : ['instagram/user/get_info_by_id', { id: query.id }];
      const { body, cleaned, call } = await post(endpoint, payload, signal);
      const shape = rocketProfileBodySchema.safeParse(body);
      if (!shape.success) throw withCall(invalid(`unexpected ${endpoint} body (${zodReason(shape.error)})`, body, call.httpStatus), call);
      const rawUser = 'data' in shape.data ? shape.data.data.user : shape.data.user;
      if (rawUser === null || rawUser === undefined)
        throw withCall(
          new ProviderError('not_found', name, 'Instagram: user not found (empty user)', { httpStatus: call.httpStatus ?? undefined }),
          call,
        );
      const user = profileUserSchema.safeParse(rawUser);
      if (!user.success)
        throw withCall(invalid(`invalid profile in ${endpoint} (${zodReason(user.error)})`, rawUser, call.httpStatus), call);
      return { data: toProfileResult(user.data, rawUser, cleaned), call };
    },
    getFollowersPage(extId, cursor, pageSize, signal) {
      return listPage('instagram/user/get_followers', extId, cursor, Math.min(pageSize, ROCKET_MAX_FOLLOWERS_COUNT), signal);
    },
    getFollowingsPage(extId, cursor, pageSize, signal) {
      return listPage('instagram/user/get_following', extId, cursor, Math.min(pageSize, ROCKET_MAX_FOLLOWING_COUNT), signal);
    },
    close: () => http.close(),
  };
}

function withCall(error: ProviderError, call: CallInfo): ProviderError {
  error.call = call;
  return error;
}
