// THE single HTTP seam for providers: global fetch (msw intercepts it) over an undici Agent with
// connect/headers/body timeouts, plus a total budget that includes reading the body (CASES.md C11).
import { Agent } from 'undici';
import { ProviderError, type TransportFailure } from '../errors.ts';
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
   * @throws ProviderError `unreachable` when the connection is refused, the host name does not
   *   resolve or TLS fails (the message names the host and the cause); transient on timeout (total
   *   budget), a connection reset, abort
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
  const cause = rootCause(err);
  const host = hostOf(req.url);
  const transport = transportFailure(cause);
  if (transport) {
    const because = TRANSPORT_TEXT[transport](cause, host);
    return new ProviderError('unreachable', provider, `${what} failed: ${because}`, { cause: err, transport });
  }
  const detail = cause.code ?? cause.message;
  return new ProviderError('transient', provider, `${what} to ${host} failed: network error${detail ? ` (${detail})` : ''}`, {
    cause: err,
  });
}

/**
 * The socket error code behind a failed request (`ECONNREFUSED`, `ENOTFOUND`, `ECONNRESET`...), read
 * from the error's cause chain, or undefined (a timeout, an abort, fetch's own refusals). For callers
 * that record why a request failed without its message (which may hold the URL).
 */
export function transportErrorCode(err: unknown): string | undefined {
  return rootCause(err).code;
}

/**
 * The innermost cause with a code, else the innermost cause's message (undici wraps socket errors in
 * `TypeError: fetch failed`, and fetch's own refusals carry no code).
 */
function rootCause(err: unknown): { code?: string; message?: string } {
  let found: { code?: string; message?: string } = {};
  let innermost: string | undefined;
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (depth > 0 && typeof message === 'string') innermost = message;
    if (typeof code === 'string') found = { code, message: typeof message === 'string' ? message : undefined };
  }
  return found.code ? found : { message: innermost };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '?';
  }
}

const REFUSED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);
const DNS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA']);
const TLS = /^(CERT_|ERR_TLS_|ERR_SSL_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|EPROTO$|HOSTNAME_MISMATCH$)/;

/** Failures that mean nothing reached the provider (Node's net, dns and tls error codes; fetch's port check). */
function transportFailure({ code, message }: { code?: string; message?: string }): TransportFailure | undefined {
  if (!code) return message === 'bad port' ? 'bad_port' : undefined;
  if (REFUSED.has(code)) return 'refused';
  if (DNS.has(code)) return 'dns';
  // A reset during the handshake: the port does not speak TLS (https:// to an http:// port).
  if (code === 'ECONNRESET' && /\bTLS\b/.test(message ?? '')) return 'tls';
  return TLS.test(code) ? 'tls' : undefined;
}

const TRANSPORT_TEXT: Record<TransportFailure, (cause: { code?: string; message?: string }, host: string) => string> = {
  refused: (c, host) =>
    `cannot connect to ${host}: ${c.code === 'ECONNREFUSED' ? 'connection refused' : 'host or network unreachable'} (${c.code}); is the provider's host setting right?`,
  dns: (c, host) => `cannot resolve the host name ${host.replace(/:\d+$/, '')} (DNS ${c.code}); check the provider's host setting`,
  tls: (c, host) => `TLS handshake with ${host} failed: ${c.message ?? 'certificate rejected'} (${c.code})`,
  bad_port: (_c, host) =>
    `cannot connect to ${host}: fetch never uses that port ("bad port" in the Fetch standard); check the provider's host setting`,
};

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
