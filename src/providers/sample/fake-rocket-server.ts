// A fake RocketAPI on loopback (node:http, port 0) serving the bundled sample responses, for the
// offline demo and for tests. Routes like the real APIs (PROVIDERS.md §1 RocketAPI POST routes, §2.1
// instagram-scraper-api2 GET /v1 routes; see ./routes.ts); tests script responses per route and read
// a log of requests.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parseJson } from '../json.ts';
import { type GeneratedProfile, generatedRoutes } from './generated-list.ts';
import { type Answer, rocketAnswer, SAMPLES_ROOT, scraperAnswer } from './routes.ts';

/** Directory of the bundled RocketAPI sample bodies (`samples/rocketapi/`). */
export const ROCKET_SAMPLES_DIR = path.join(SAMPLES_ROOT, 'rocketapi');
/** Directory of the bundled RapidAPI sample bodies (`samples/rapidapi/`: scraperapi2 and gateway errors). */
export const RAPID_SAMPLES_DIR = path.join(SAMPLES_ROOT, 'rapidapi');

/** A scripted answer. `fixture` names a sample file (`rocketapi-*` or `rapidapi-*`); `body` objects are sent as JSON. */
export interface ScriptedResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: string | object;
  fixture?: string;
  /** Wait before answering (ms). */
  delayMs?: number;
  /** C11: 'headers' accepts and never answers; 'body' sends headers and half the body, then stalls. */
  stall?: 'headers' | 'body';
}

/** One request as the server saw it. */
export interface LoggedRequest {
  method: string;
  /** Path without query, e.g. `/instagram/user/get_followers`. */
  path: string;
  query: Record<string, string>;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** Request body text, exactly as received. */
  rawBody: string;
  /** Parsed JSON body (unsafe integers kept as strings), or undefined. */
  body: Record<string, unknown> | undefined;
  /** When the request's body was complete (`Date.now()`, ms). */
  receivedAt: number;
  /** The answer's HTTP status and stall mode, once chosen (a stalled answer never completes). */
  answer?: { status: number; stall?: 'headers' | 'body' };
}

/** The running server. */
export interface FakeRocketServer {
  /** Base URL, e.g. `http://127.0.0.1:41234` (use as ROCKET_API_HOST). */
  url: string;
  requests: LoggedRequest[];
  /** Queues answers for a route (`get_followers` or `/instagram/user/get_followers`); served first-in first-out before the defaults. */
  script(route: string, ...responses: ScriptedResponse[]): void;
  /** Requests to a route (same route forms as {@link FakeRocketServer.script}). */
  requestsTo(route: string): LoggedRequest[];
  /** Clears scripts and the request log. */
  reset(): void;
  /** Stops listening and destroys open (also stalled) connections. */
  close(): Promise<void>;
}

/** Options for {@link startFakeRocketServer}. */
export interface FakeRocketServerOptions {
  /** Root holding `rocketapi/` and `rapidapi/` (default: the bundled `samples/`). */
  samplesRoot?: string;
  /** When set, only this key is accepted (Token or X-RapidAPI-Key); otherwise any non-empty key. */
  apiKey?: string;
  /** Profiles with generated follower lists of any length (./generated-list.ts), served before the samples. */
  generated?: readonly GeneratedProfile[];
  /**
   * Consulted for every request after the scripts and before everything else (auth included): an
   * answer overrides the route (fault injection: 5xx, stalls, 429 bursts); undefined lets it through.
   */
  intercept?: (req: LoggedRequest) => ScriptedResponse | undefined;
  /** Extra delay before every answer (ms): a provider's latency. Default 0. */
  latencyMs?: number;
  /** Keep the request log (default true; long benchmarks turn it off). */
  logRequests?: boolean;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

/** `get_followers` -> `/instagram/user/get_followers`; paths (`/v1/followers`) stay as they are. */
function routeKey(route: string): string {
  return route.startsWith('/') ? route : `/instagram/user/${route}`;
}

/**
 * Starts the fake RocketAPI on 127.0.0.1 (a free port). Auth: `Authorization: Token <key>` or
 * `X-RapidAPI-Key` (+ `X-RapidAPI-Host`); missing or wrong key -> 401 `{"detail":"Invalid token."}`.
 */
export async function startFakeRocketServer(options: FakeRocketServerOptions = {}): Promise<FakeRocketServer> {
  const root = options.samplesRoot ?? SAMPLES_ROOT;
  const files = new Map<string, string>();
  const fixture = (file: string): string => {
    let text = files.get(file);
    if (text === undefined) {
      text = readFileSync(path.join(root, file.startsWith('rapidapi-') ? 'rapidapi' : 'rocketapi', file), 'utf8');
      files.set(file, text);
    }
    return text;
  };
  const cursorOf = (file: string): string | undefined => {
    const b = parseJson(fixture(file)) as { response?: { body?: { next_max_id?: unknown } }; pagination_token?: unknown };
    const c = b.response?.body?.next_max_id ?? b.pagination_token;
    return c === undefined || c === null ? undefined : String(c);
  };
  const scripts = new Map<string, ScriptedResponse[]>();
  const requests: LoggedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const generated = options.generated?.length ? generatedRoutes(options.generated) : undefined;

  const send = (res: http.ServerResponse, a: Answer) => {
    const text =
      a.fixture !== undefined
        ? fixture(a.fixture)
        : typeof a.body === 'string'
          ? a.body
          : a.body === undefined
            ? ''
            : JSON.stringify(a.body);
    if (a.stall === 'headers') return; // accept, never answer
    const headers = { ...JSON_HEADERS, ...a.headers };
    if (a.stall === 'body') {
      res.writeHead(a.status, { ...headers, 'content-length': String(Buffer.byteLength(text)) });
      res.write(text.slice(0, Math.floor(text.length / 2)));
      return; // never ends
    }
    res.writeHead(a.status, headers);
    res.end(text);
  };

  const defaultRoute = (method: string, url: URL, headers: Record<string, string>, body: Record<string, unknown>): Answer => {
    const scraper = url.pathname.startsWith('/v1/');
    if (!authorized(headers, options.apiKey)) {
      return scraper
        ? { status: 401, fixture: 'rapidapi-gateway-401-invalid-key.json' }
        : { status: 401, fixture: 'rocketapi-error-invalid-token.json', headers: { 'www-authenticate': 'Token' } };
    }
    if (method !== (scraper ? 'GET' : 'POST')) return { status: 405, body: { detail: `Method "${method}" not allowed.` } };
    const made = generated?.({ method, path: url.pathname, body });
    if (made) return made;
    return scraper
      ? scraperAnswer(url.pathname, Object.fromEntries(url.searchParams), cursorOf)
      : rocketAnswer(url.pathname, body, cursorOf);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> | undefined;
      try {
        const parsed = rawBody ? parseJson(rawBody) : undefined;
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
      } catch {
        body = undefined;
      }
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
      const logged: LoggedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers,
        rawBody,
        body,
        receivedAt: Date.now(),
      };
      if (options.logRequests !== false) requests.push(logged);
      const queued = scripts.get(url.pathname)?.shift() ?? options.intercept?.(logged);
      let answer: Answer;
      if (queued) answer = { ...queued, status: queued.status ?? 200 };
      else answer = defaultRoute(req.method ?? 'GET', url, headers, body ?? {});
      logged.answer = { status: answer.status, ...(answer.stall ? { stall: answer.stall } : {}) };
      if (options.latencyMs) answer.delayMs = (answer.delayMs ?? 0) + options.latencyMs;
      if (answer.delayMs) {
        const t = setTimeout(() => {
          timers.delete(t);
          send(res, answer);
        }, answer.delayMs);
        timers.add(t);
      } else send(res, answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script(route, ...responses) {
      const key = routeKey(route);
      scripts.set(key, [...(scripts.get(key) ?? []), ...responses]);
    },
    requestsTo(route) {
      const key = routeKey(route);
      return requests.filter((r) => r.path === key);
    },
    reset() {
      scripts.clear();
      requests.length = 0;
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function authorized(headers: Record<string, string>, expected: string | undefined): boolean {
  const token = /^Token\s+(\S+)$/.exec(headers.authorization ?? '')?.[1] ?? headers['x-rapidapi-key'];
  if (!token) return false;
  return expected === undefined || token === expected;
}
