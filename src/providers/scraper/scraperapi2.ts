// instagram-scraper-api2 family on RapidAPI (PROVIDERS.md §2.1): GET /v1/info, /v1/followers,
// /v1/following with `username_or_id_or_url` and `pagination_token`; RapidAPI gateway headers.
import { ProviderError } from '../../errors.ts';
import { bodyMessage, type ClassifyOptions, classifyHttpStatus, failedCall } from '../classify.ts';
import { createHttpClient, type HttpResponse } from '../http.ts';
import { parseProviderJson } from '../json.ts';
import { profileUserSchema, toCursor, toFollowersPage, toProfileResult, zodReason } from '../records.ts';
import { rawBodyPreview, sanitize } from '../sanitize.ts';
import type { CallInfo, CallResult, FollowersPage, ProfileResult } from '../types.ts';
import type { ScraperClient, ScraperClientOptions } from './client.ts';
import { scraperErrorBodySchema, scraperInfoBodySchema, scraperListBodySchema } from './schemas.ts';

const NOT_FOUND = /not\s*found|does not exist|no user/i;
const PRIVATE = /private/i;

/**
 * Business errors in the body, whatever the HTTP status (§2.1: `{"detail":"Not found"}` -> not_found;
 * `{"error":"no cookie available for use"}` or `status:"error"` -> transient, or private when it says so).
 */
function bodyError(json: unknown, res: HttpResponse, o: ClassifyOptions): ProviderError | undefined {
  const parsed = scraperErrorBodySchema.safeParse(json);
  if (!parsed.success) return undefined;
  const { detail, error, status } = parsed.data;
  const message = bodyMessage(json);
  const extra = { httpStatus: res.status, rawBody: rawBodyPreview(res.body) };
  if (detail && NOT_FOUND.test(detail)) return new ProviderError('not_found', o.provider, `user not found (${message})`, extra);
  if (error || status === 'error') {
    if (PRIVATE.test(message)) return new ProviderError('private', o.provider, `private account (${message})`, extra);
    return new ProviderError('transient', o.provider, `scraper upstream error (HTTP ${res.status}): ${message || 'status "error"'}`, extra);
  }
  return undefined;
}

/** Creates the scraperapi2-family provider. */
export function createScraperApi2Client(options: ScraperClientOptions, classify: ClassifyOptions, rapidHost: string): ScraperClient {
  const name = classify.provider;
  const http =
    options.http ?? createHttpClient({ provider: name, timeoutMs: options.timeoutMs, logger: options.logger, recorder: options.recorder });
  const headers = { 'x-rapidapi-key': options.apiKey, 'x-rapidapi-host': rapidHost };

  async function get(endpoint: string, params: Record<string, string>, signal?: AbortSignal) {
    const url = `${options.baseUrl}/${endpoint}?${new URLSearchParams(params)}`;
    let httpStatus: number | null = null;
    const started = performance.now();
    try {
      const res = await http.request({ method: 'GET', url, headers, signal });
      httpStatus = res.status;
      const ok = res.status >= 200 && res.status <= 299;
      let json: unknown;
      try {
        json = parseProviderJson(name, res.body, res.status, rawBodyPreview);
      } catch (err) {
        if (ok) throw err;
        throw classifyHttpStatus(res, classify);
      }
      const problem = bodyError(json, res, classify);
      if (problem) throw problem;
      if (!ok) throw classifyHttpStatus(res, classify);
      const { value, cleaned } = sanitize(json);
      const call: CallInfo = { provider: name, endpoint, httpStatus, latencyMs: res.latencyMs, attempts: 1 };
      return { body: value, cleaned, call, res };
    } catch (err) {
      throw failedCall(err, { provider: name, endpoint, httpStatus, latencyMs: Math.round(performance.now() - started), attempts: 1 });
    }
  }

  function invalid(message: string, res: HttpResponse, call: CallInfo): ProviderError {
    return new ProviderError('invalid_response', name, message, { httpStatus: res.status, rawBody: rawBodyPreview(res.body), call });
  }

  async function listPage(
    endpoint: string,
    extId: string,
    cursor: string | null,
    signal?: AbortSignal,
  ): Promise<CallResult<FollowersPage>> {
    const params: Record<string, string> = { username_or_id_or_url: extId };
    if (cursor !== null) params.pagination_token = cursor;
    const { body, cleaned, call, res } = await get(endpoint, params, signal);
    const parsed = scraperListBodySchema.safeParse(body);
    if (!parsed.success) throw invalid(`unexpected ${endpoint} body (${zodReason(parsed.error)})`, res, call);
    const b = parsed.data;
    const nextCursor = toCursor(b.pagination_token ?? b.data.pagination_token);
    const page = toFollowersPage(b.data.items, { nextCursor, hasMore: nextCursor !== null, limited: false, sanitized: cleaned });
    return { data: page, call };
  }

  return {
    name,
    async getProfile(query, signal): Promise<CallResult<ProfileResult>> {
      const lookup = 'username' in query ? query.username : query.id;
      const { body, cleaned, call, res } = await get('v1/info', { username_or_id_or_url: lookup }, signal);
      const shape = scraperInfoBodySchema.safeParse(body);
      if (!shape.success) throw invalid(`unexpected v1/info body (${zodReason(shape.error)})`, res, call);
      if (shape.data.data === null || shape.data.data === undefined)
        throw new ProviderError('not_found', name, 'user not found (empty data)', { httpStatus: res.status, call });
      const user = profileUserSchema.safeParse(shape.data.data);
      if (!user.success) throw invalid(`invalid profile in v1/info (${zodReason(user.error)})`, res, call);
      const asked = 'username' in query ? query.username.toLowerCase() : query.id;
      const got = 'username' in query ? user.data.username.toLowerCase() : user.data.extId;
      if (asked !== got)
        throw invalid(
          `asked for ${lookup} but the provider answered ${'username' in query ? user.data.username : user.data.extId}`,
          res,
          call,
        );
      return { data: toProfileResult(user.data, shape.data.data, cleaned), call };
    },
    getFollowersPage: (extId, cursor, _pageSize, signal) => listPage('v1/followers', extId, cursor, signal),
    getFollowingsPage: (extId, cursor, _pageSize, signal) => listPage('v1/following', extId, cursor, signal),
    close: () => http.close(),
  };
}
