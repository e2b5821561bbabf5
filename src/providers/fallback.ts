// Priority and fallback across providers (issue 3 §2): profiles and page 1 of a list go to the first
// provider that can serve them; later pages stay with the provider that issued the cursor.
import { AppError, PROVIDER_ERROR_POLICY, ProviderError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { CallResult, FailedCall, FollowersPage, Provider } from './types.ts';

/** Ledger entry for a provider that failed before the next one was asked. */
function failedCall(err: ProviderError): FailedCall {
  return {
    provider: err.provider,
    endpoint: err.call?.endpoint ?? '?',
    httpStatus: err.call?.httpStatus ?? err.httpStatus ?? null,
    latencyMs: err.call?.latencyMs ?? 0,
    attempts: err.call?.attempts ?? 0,
    requestUnits: err.call?.requestUnits ?? err.call?.attempts ?? 0,
    kind: err.kind,
    message: err.message,
  };
}

function withFailedOver(err: ProviderError, failed: FailedCall[]): ProviderError {
  if (failed.length) {
    err.call = {
      provider: err.provider,
      endpoint: '?',
      httpStatus: err.httpStatus ?? null,
      latencyMs: 0,
      attempts: 0,
      ...err.call,
      failedOver: failed,
    };
  }
  return err;
}

/**
 * A provider facade over `providers` (priority order, usually each wrapped by withRetry).
 * - getProfile and page 1 of a list (cursor null): asked in order; a failure whose kind may fall
 *   back (PROVIDER_ERROR_POLICY: outage, auth, quota, long throttle, invalid response) moves to the
 *   next provider; a definitive answer (not_found, private) is thrown at once. When every provider
 *   fails, the last error is thrown. The result's `call.provider` names the provider that answered
 *   (store it with the cursor); `call.failedOver` lists the ones that failed before it.
 * - a page with a cursor must go to the provider that issued the cursor (look it up by name); with
 *   a single provider it is passed through, with several it is refused (cursors never cross providers).
 * `name` is the first provider's name.
 * @throws ProviderError; AppError when a cursor page is sent to a multi-provider facade
 */
export function createFallbackProvider(providers: Provider[], logger?: Logger): Provider {
  const first = providers[0];
  if (!first) throw new AppError('no provider configured');

  async function fallThrough<T>(
    what: string,
    candidates: Provider[],
    ask: (p: Provider) => Promise<CallResult<T>>,
    signal?: AbortSignal,
  ): Promise<CallResult<T>> {
    const failed: FailedCall[] = [];
    for (const [i, provider] of candidates.entries()) {
      try {
        const result = await ask(provider);
        return failed.length
          ? { data: result.data, call: { ...result.call, failedOver: [...failed, ...(result.call.failedOver ?? [])] } }
          : result;
      } catch (err) {
        if (!(err instanceof ProviderError)) throw err;
        const policy = PROVIDER_ERROR_POLICY[err.kind];
        const next = candidates[i + 1];
        if (!policy.fallback || policy.definitive || !next || signal?.aborted) throw withFailedOver(err, failed);
        logger?.warn({ provider: provider.name, next: next.name, kind: err.kind, what }, `falling back to ${next.name}: ${err.message}`);
        failed.push(failedCall(err));
      }
    }
    throw new AppError(`no provider can serve ${what}`);
  }

  async function listPage(
    list: 'followers' | 'followings',
    extId: string,
    cursor: string | null,
    pageSize: number,
    signal?: AbortSignal,
  ): Promise<CallResult<FollowersPage>> {
    const able = providers.filter((p) => (list === 'followers' ? true : p.getFollowingsPage !== undefined));
    const ask = (p: Provider) =>
      list === 'followers' ? p.getFollowersPage(extId, cursor, pageSize, signal) : p.getFollowingsPage!(extId, cursor, pageSize, signal);
    if (cursor !== null) {
      if (able.length === 1) return ask(able[0]!);
      throw new AppError(`a ${list} page with a cursor must go to the provider that issued the cursor (look it up by name)`);
    }
    return fallThrough(`${list} of ${extId}`, able, ask, signal);
  }

  const facade: Provider = {
    name: first.name,
    getProfile: (query, signal) =>
      fallThrough(`profile ${'username' in query ? query.username : query.id}`, providers, (p) => p.getProfile(query, signal), signal),
    getFollowersPage: (extId, cursor, pageSize, signal) => listPage('followers', extId, cursor, pageSize, signal),
  };
  if (providers.some((p) => p.getFollowingsPage)) {
    facade.getFollowingsPage = (extId, cursor, pageSize, signal) => listPage('followings', extId, cursor, pageSize, signal);
  }
  return facade;
}
