// A fake RocketAPI on loopback (node:http, port 0) serving the bundled sample responses, for the
// offline demo and for tests. Routes like the real API (PROVIDERS.md §1; fixtures README "Suggested
// fake-server routing"); tests can script responses per route and read a log of requests.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseJson } from '../json.ts';

/** Directory of the bundled RocketAPI sample bodies (`samples/rocketapi/` at the repository root). */
export const ROCKET_SAMPLES_DIR = fileURLToPath(new URL('../../../samples/rocketapi/', import.meta.url));

/** A scripted answer. `fixture` names a file in the samples directory; `body` objects are sent as JSON. */
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
  samplesDir?: string;
  /** When set, only this key is accepted (Token or X-RapidAPI-Key); otherwise any non-empty key. */
  apiKey?: string;
}

type Answer = Required<Pick<ScriptedResponse, 'status'>> & Omit<ScriptedResponse, 'status'>;

const JSON_HEADERS = { 'content-type': 'application/json' };

function routeKey(route: string): string {
  return route.startsWith('/') ? route : `/instagram/user/${route}`;
}

/** Default answer for a RocketAPI route from the bundled samples (the invented cast in samples/README.md). */
function defaultAnswer(path: string, body: Record<string, unknown>, page1Cursor: (file: string) => string | undefined): Answer {
  const method = path.replace(/^\/instagram\/user\//, '');
  const id = body.id === undefined ? undefined : String(body.id);
  const maxId = body.max_id === undefined || body.max_id === null ? undefined : String(body.max_id);
  const paged = (page1: string, page2: string): Answer => {
    if (maxId === undefined) return { status: 200, fixture: page1 };
    if (maxId === page1Cursor(page1)) return { status: 200, fixture: page2 };
    return {
      status: 200,
      body: {
        status: 'done',
        response: { status_code: 400, content_type: 'application/json', body: { message: 'Invalid max_id', status: 'fail' } },
      },
    };
  };
  switch (method) {
    case 'get_info':
    case 'get_web_profile_info':
      if (body.username === 'demo.blogger') return { status: 200, fixture: 'rocketapi-user-get_info.json' };
      if (body.username === 'quiet.gardener') return { status: 200, fixture: 'rocketapi-user-get_info-private.json' };
      return { status: 200, fixture: 'rocketapi-error-not-found-username.json' };
    case 'get_info_by_id':
      if (id === '9100000001') return { status: 200, fixture: 'rocketapi-user-get_info.json' };
      if (id === '9100000002') return { status: 200, fixture: 'rocketapi-user-get_info-private.json' };
      if (id === '9100000106') return { status: 200, fixture: 'rocketapi-user-get_info_by_id.json' };
      return { status: 200, fixture: 'rocketapi-error-not-found.json' };
    case 'get_followers':
      if (id === '9100000001') return paged('rocketapi-user-get_followers-page1.json', 'rocketapi-user-get_followers-page2.json');
      if (id === '9100000002') return { status: 200, fixture: 'rocketapi-error-private-followers.json' };
      return { status: 200, fixture: 'rocketapi-error-not-found.json' };
    case 'get_following':
      if (id === '9100000001') return paged('rocketapi-user-get_following-page1.json', 'rocketapi-user-get_following-page2.json');
      if (id === '9100000002') return { status: 200, fixture: 'rocketapi-error-private-followers.json' };
      return { status: 200, fixture: 'rocketapi-error-not-found.json' };
    case 'get_media':
      if (id === '9100000001') return { status: 200, fixture: 'rocketapi-user-get_media.json' };
      return { status: 200, fixture: 'rocketapi-error-not-found.json' };
    default:
      return { status: 404, body: { detail: 'Not found.' } };
  }
}

/**
 * Starts the fake RocketAPI on 127.0.0.1 (a free port). Auth: `Authorization: Token <key>` or
 * `X-RapidAPI-Key` (+ `X-RapidAPI-Host`); missing or wrong key -> 401 `{"detail":"Invalid token."}`.
 */
export async function startFakeRocketServer(options: FakeRocketServerOptions = {}): Promise<FakeRocketServer> {
  const dir = options.samplesDir ?? ROCKET_SAMPLES_DIR;
  const files = new Map<string, string>();
  const fixture = (file: string): string => {
    let text = files.get(file);
    if (text === undefined) {
      text = readFileSync(path.join(dir, file), 'utf8');
      files.set(file, text);
    }
    return text;
  };
  const page1Cursor = (file: string): string | undefined => {
    const b = (parseJson(fixture(file)) as { response?: { body?: { next_max_id?: unknown } } }).response?.body?.next_max_id;
    return b === undefined || b === null ? undefined : String(b);
  };
  const scripts = new Map<string, ScriptedResponse[]>();
  const requests: LoggedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

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
      requests.push({
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers,
        rawBody,
        body,
      });
      const queued = scripts.get(url.pathname)?.shift();
      let answer: Answer;
      if (queued) answer = { ...queued, status: queued.status ?? 200 };
      else if (!authorized(headers, options.apiKey))
        answer = { status: 401, fixture: 'rocketapi-error-invalid-token.json', headers: { 'www-authenticate': 'Token' } };
      else if (req.method !== 'POST') answer = { status: 405, body: { detail: `Method "${req.method}" not allowed.` } };
      else answer = defaultAnswer(url.pathname, body ?? {}, page1Cursor);
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
