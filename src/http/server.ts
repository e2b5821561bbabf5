// The HTTP API and the web pages on node:http: a small route table, JSON errors, a request timeout, a body size
// limit, metrics per request, and a graceful close (finish in-flight requests, then stop).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { audienceRoute, mutualsRoute, overlapRoute } from './analytics.ts';
import { profileRoute, searchRoute } from './bloggers.ts';
import { healthRoute } from './health.ts';
import { createLimiter, type Limiter } from './limiter.ts';
import { createMetrics, type HttpMetrics } from './metrics.ts';
import { buildOpenApi } from './openapi.ts';
import { bloggerPage } from './pages/blogger-page.ts';
import { pageRoute, staticRoute } from './pages/page-route.ts';
import { runPage } from './pages/run-page.ts';
import { searchPage } from './pages/search-page.ts';
import { HttpError, sendError, sendJson, toHttpError } from './respond.ts';
import type { HttpDeps, Route, RouteContext, RouteResult } from './route.ts';

export type { HttpDeps } from './route.ts';

/** Limits of the server. */
export interface HttpOptions {
  /** A request that has not been answered after this long gets 503 `timeout` (ms). Default 10,000. */
  requestTimeoutMs?: number;
  /** Largest request body accepted (bytes); no endpoint takes a body. Default 16 KiB. */
  bodyLimitBytes?: number;
  /** Searches run at once (SM_HTTP_SEARCH_CONCURRENCY). Default 8. */
  searchConcurrency?: number;
  /** Searches that may wait for a slot (SM_HTTP_SEARCH_QUEUE). Default 32. */
  searchQueue?: number;
  /** Longest wait for a search slot, ms (SM_HTTP_SEARCH_WAIT_MS). Default 1,000. */
  searchWaitMs?: number;
}

/** The server plus what tests and the serve command need from it. */
export interface ApiServer extends Server {
  metrics: HttpMetrics;
  /** Stops accepting connections, lets in-flight requests finish (at most `graceMs`), then resolves. */
  shutdown(graceMs?: number): Promise<void>;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
export const DEFAULT_BODY_LIMIT_BYTES = 16 * 1024;
/** Defaults of the search limiter; the same as the config's (src/config.ts). */
export const DEFAULT_SEARCH_CONCURRENCY = 8;
export const DEFAULT_SEARCH_QUEUE = 32;
export const DEFAULT_SEARCH_WAIT_MS = 1000;

/**
 * A handler that runs in a slot of the shared query limiter: searches and the analyses (mutuals,
 * audience, overlap) are the requests that can hold a database connection for long.
 */
function limited(limiter: Limiter, route: string, handler: (ctx: RouteContext) => Promise<RouteResult>) {
  return (ctx: RouteContext) => limiter.run(() => handler(ctx), route);
}

/** The route table. Order matters only for overlapping patterns (none today). */
function routes(metrics: HttpMetrics, searches: Limiter): Route[] {
  return [
    { name: '/api/v1/bloggers', pattern: /^\/api\/v1\/bloggers\/?$/, handler: limited(searches, '/api/v1/bloggers', searchRoute) },
    { name: '/api/v1/bloggers/:platform/:username', pattern: /^\/api\/v1\/bloggers\/([^/]+)\/([^/]+)\/?$/, handler: profileRoute },
    {
      name: '/api/v1/bloggers/:platform/:username/mutuals',
      pattern: /^\/api\/v1\/bloggers\/([^/]+)\/([^/]+)\/mutuals\/?$/,
      handler: limited(searches, '/api/v1/bloggers/:platform/:username/mutuals', mutualsRoute),
    },
    {
      name: '/api/v1/bloggers/:platform/:username/audience',
      pattern: /^\/api\/v1\/bloggers\/([^/]+)\/([^/]+)\/audience\/?$/,
      handler: limited(searches, '/api/v1/bloggers/:platform/:username/audience', audienceRoute),
    },
    { name: '/api/v1/overlap', pattern: /^\/api\/v1\/overlap\/?$/, handler: limited(searches, '/api/v1/overlap', overlapRoute) },
    { name: '/api/v1/openapi.json', pattern: /^\/api\/v1\/openapi\.json$/, handler: async () => ({ status: 200, body: buildOpenApi() }) },
    { name: '/health', pattern: /^\/health\/?$/, handler: healthRoute },
    // The web pages for people (src/http/pages) and their script and styles.
    { name: '/', pattern: /^\/$/, handler: pageRoute(searchPage) },
    { name: '/bloggers/:platform/:username', pattern: /^\/bloggers\/([^/]+)\/([^/]+)\/?$/, handler: pageRoute(bloggerPage) },
    { name: '/runs/:id', pattern: /^\/runs\/([^/]+)\/?$/, handler: pageRoute(runPage) },
    { name: '/static/:file', pattern: /^\/static\/([^/]+)$/, handler: staticRoute },
    {
      name: '/metrics',
      pattern: /^\/metrics\/?$/,
      handler: async () => ({ status: 200, text: await metrics.registry.metrics(), contentType: metrics.registry.contentType }),
    },
  ];
}

/** Reads and discards the request body, refusing more than `limit` bytes (413). */
function drainBody(req: IncomingMessage, limit: number): Promise<void> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit)
    return Promise.reject(
      new HttpError(413, 'payload_too_large', `request body over ${limit} bytes; no endpoint takes a body`, { connection: 'close' }),
    );
  return new Promise((resolve, reject) => {
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(
          new HttpError(413, 'payload_too_large', `request body over ${limit} bytes; no endpoint takes a body`, { connection: 'close' }),
        );
      }
    });
    req.on('end', () => resolve());
    req.on('error', reject);
  });
}

function send(res: ServerResponse, result: RouteResult): void {
  if (result.text !== undefined) {
    if (res.headersSent) return;
    res.writeHead(result.status, {
      'content-type': result.contentType ?? 'text/plain; charset=utf-8',
      'content-length': String(Buffer.byteLength(result.text)),
      ...result.headers,
    });
    res.end(result.text);
  } else {
    sendJson(res, result.status, result.body, result.headers);
  }
}

/**
 * Creates the API server (not yet listening). Every response is JSON except /metrics, the web pages
 * (HTML, src/http/pages) and their static files; API errors are `{error:{code,message}}`; unexpected errors are logged with their stack and answered with a
 * bare 500. Call `listen()` on the result, and `shutdown()` to stop it gracefully.
 */
export function createHttpServer(deps: HttpDeps, options: HttpOptions = {}): ApiServer {
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  // The limiter reports to the metrics and the metrics read the limiter: both are called only per request.
  const searches = createLimiter(
    {
      concurrency: options.searchConcurrency ?? DEFAULT_SEARCH_CONCURRENCY,
      queue: options.searchQueue ?? DEFAULT_SEARCH_QUEUE,
      maxWaitMs: options.searchWaitMs ?? DEFAULT_SEARCH_WAIT_MS,
    },
    { admitted: (seconds) => metrics.searchAdmitted(seconds), shed: (reason, route) => metrics.shed(route, reason) },
  );
  const metrics = createMetrics({
    db: deps.db,
    boss: deps.boss,
    logger: deps.logger,
    health: deps.health,
    poolStats: deps.poolStats,
    searchSlots: () => searches.stats(),
  });
  const table = routes(metrics, searches);
  let closing = false;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = process.hrtime.bigint();
    let routeName = 'unmatched';
    res.on('finish', () => {
      metrics.observe(req.method ?? 'GET', routeName, res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
    const timer = setTimeout(() => {
      deps.logger.warn({ method: req.method, url: req.url, timeoutMs }, 'request timed out');
      sendError(
        res,
        new HttpError(503, 'timeout', `the request took longer than ${timeoutMs} ms; retry later or narrow the query`, {
          'retry-after': '1',
        }),
      );
    }, timeoutMs);
    try {
      await drainBody(req, bodyLimit);
      const url = new URL(req.url ?? '/', 'http://localhost');
      const route = table.find((r) => r.pattern.test(url.pathname));
      if (!route) throw new HttpError(404, 'not_found', `no endpoint ${url.pathname.slice(0, 100)}; see /api/v1/openapi.json`);
      routeName = route.name;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        throw new HttpError(405, 'method_not_allowed', `${req.method} is not allowed on ${route.name}; use GET`, { allow: 'GET, HEAD' });
      }
      const params = (route.pattern.exec(url.pathname) ?? []).slice(1);
      const result = await route.handler({ url, params, deps });
      if (closing && !res.headersSent) res.setHeader('connection', 'close');
      send(res, result);
    } catch (err) {
      const httpErr = toHttpError(err);
      if (httpErr.status >= 500) deps.logger.error({ err, method: req.method, url: req.url }, 'request failed');
      if (closing && !res.headersSent) res.setHeader('connection', 'close');
      sendError(res, httpErr);
    } finally {
      clearTimeout(timer);
    }
  };

  const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000, keepAliveTimeout: 5_000 }, (req, res) => {
    void handle(req, res);
  }) as ApiServer;
  server.metrics = metrics;
  server.on('clientError', (err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    deps.logger.debug({ err: { message: err.message } }, 'malformed request');
  });
  server.shutdown = (graceMs = 10_000) =>
    new Promise<void>((resolve) => {
      closing = true;
      const force = setTimeout(() => server.closeAllConnections(), graceMs);
      force.unref();
      server.close(() => {
        clearTimeout(force);
        resolve();
      });
      server.closeIdleConnections();
    });
  return server;
}
