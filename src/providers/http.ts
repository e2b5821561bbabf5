// THE single HTTP seam for providers: global fetch (msw intercepts it) over an undici Agent with
// connect/headers/body timeouts, plus a total budget that includes reading the body (CASES.md C11).
import { Agent } from 'undici';
import { ProviderError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Recorder } from './cassette.ts';

/** One HTTP request to a provider. Headers may hold API keys: they never reach errors or logs. */
export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  /** Request body text (JSON for RocketAPI). */
  body?: string;
  /** Caller's cancellation (job shutdown); the total budget applies on top of it. */
  signal?: AbortSignal;
}

/** A complete HTTP response: the body is fully read within the budget. */
export interface HttpResponse {
  status: number;
  /** Response headers, names lower-cased. */
  headers: Record<string, string>;
  body: string;
  /** Wall time from sending to the last body byte (ms). */
  latencyMs: number;
}

/** Options for {@link createHttpClient}. */
export interface HttpClientOptions {
  /** Provider name used in errors and logs. */
  provider: string;
  /** Total budget per request, connect + headers + whole body (ms). Config `SM_PROVIDER_TIMEOUT_MS`. */
  timeoutMs: number;
  /** TCP/TLS connect timeout (ms); default min(10 s, timeoutMs). */
  connectTimeoutMs?: number;
  logger?: Logger;
  /** Writes every exchange as a cassette (SM_RECORD_DIR; src/providers/cassette.ts). */
  recorder?: Recorder;
}

/** A provider's HTTP client. `close()` releases its connection pool. */
export interface HttpClient {
  readonly provider: string;
  readonly timeoutMs: number;
  /**
   * Sends one request and reads the whole body. Any HTTP status resolves (classification is the
   * provider's job); only transport failures reject.
   * @throws ProviderError transient on timeout (total budget), connection refused/reset, DNS, abort
   */
  request(req: HttpRequest): Promise<HttpResponse>;
  close(): Promise<void>;
}

/** Creates the HTTP client of one provider. */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const { provider, timeoutMs, logger } = options;
  const agent = new Agent({
    connectTimeout: options.connectTimeoutMs ?? Math.min(10_000, timeoutMs),
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    keepAliveTimeout: 4_000,
  });
  return {
    provider,
    timeoutMs,
    async request(req) {
      const started = performance.now();
      const budget = AbortSignal.timeout(timeoutMs);
      const signal = req.signal ? AbortSignal.any([req.signal, budget]) : budget;
      const path = safePath(req.url);
      let phase: 'headers' | 'body' = 'headers';
      try {
        const init = { method: req.method, headers: req.headers, body: req.body, signal, dispatcher: agent };
        const res = await fetch(req.url, init as RequestInit);
        phase = 'body';
        const body = await res.text();
        const latencyMs = Math.round(performance.now() - started);
        logger?.debug({ provider, method: req.method, path, status: res.status, latencyMs }, 'provider http');
        const response: HttpResponse = { status: res.status, headers: Object.fromEntries(res.headers), body, latencyMs };
        options.recorder?.record(provider, req, response);
        return response;
      } catch (err) {
        const latencyMs = Math.round(performance.now() - started);
        const error = transportError(provider, req, err, {
          budgetHit: budget.aborted,
          callerAborted: req.signal?.aborted === true,
          phase,
          timeoutMs,
          latencyMs,
        });
        logger?.debug({ provider, method: req.method, path, latencyMs, error: error.message }, 'provider http failed');
        throw error;
      }
    },
    async close() {
      await agent.close();
    },
  };
}

function safePath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '?';
  }
}

function transportError(
  provider: string,
  req: HttpRequest,
  err: unknown,
  facts: { budgetHit: boolean; callerAborted: boolean; phase: 'headers' | 'body'; timeoutMs: number; latencyMs: number },
): ProviderError {
  const what = `${req.method} ${safePath(req.url)}`;
  if (facts.budgetHit) {
    return new ProviderError(
      'transient',
      provider,
      `${what} timed out after ${facts.timeoutMs} ms waiting for the ${facts.phase} (total budget SM_PROVIDER_TIMEOUT_MS)`,
      { cause: err },
    );
  }
  if (facts.callerAborted) return new ProviderError('transient', provider, `${what} aborted after ${facts.latencyMs} ms`, { cause: err });
  const code = errorCode(err);
  return new ProviderError('transient', provider, `${what} failed: network error${code ? ` (${code})` : ''}`, { cause: err });
}

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/**
 * Reads `Retry-After` (RFC 9110 §10.2.3: delay-seconds or an HTTP-date) as whole seconds, rounded up.
 * @returns undefined when the header is absent or unreadable
 */
export function retryAfterSeconds(headers: Record<string, string>, now = Date.now()): number | undefined {
  const raw = headers['retry-after']?.trim();
  if (!raw) return undefined;
  if (/^\d+$/.test(raw)) return Number(raw);
  const at = Date.parse(raw);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}
