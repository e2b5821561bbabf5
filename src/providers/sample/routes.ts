// Default answers of the fake provider server, from the bundled samples (cast: samples/README.md).
// RocketAPI: POST /instagram/user/<method> (PROVIDERS.md §1); instagram-scraper-api2: GET /v1/<call> (§2.1).
import { fileURLToPath } from 'node:url';

/** `samples/` at the repository root. */
export const SAMPLES_ROOT = fileURLToPath(new URL('../../../samples/', import.meta.url));

/** What the server sends: status, extra headers, and a sample file or a body. */
export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string | object;
  /** A file under samples/rocketapi/ (`rocketapi-*`) or samples/rapidapi/ (`rapidapi-*`). */
  fixture?: string;
  delayMs?: number;
  stall?: 'headers' | 'body';
}

/** Reads the next-page cursor a sample page carries (RocketAPI `next_max_id`, scraper `pagination_token`). */
export type CursorOf = (file: string) => string | undefined;

/** Gateway headers RapidAPI adds to every answer (PROVIDERS.md §2.0; example values from manifest.json). */
const RAPID_HEADERS = {
  server: 'RapidAPI-1.2.8',
  'x-ratelimit-requests-limit': '1000',
  'x-ratelimit-requests-remaining': '997',
  'x-ratelimit-requests-reset': '2591000',
};

const DEMO = new Set(['demo.blogger', '9100000001']);

function paged(cursor: string | undefined, page1: string, page2: string | undefined, cursorOf: CursorOf, invalid: Answer): Answer {
  if (cursor === undefined) return { status: 200, fixture: page1 };
  if (page2 && cursor === cursorOf(page1)) return { status: 200, fixture: page2 };
  return invalid;
}

/** Default answer for `POST /instagram/user/<method>` with JSON body `body`. */
export function rocketAnswer(path: string, body: Record<string, unknown>, cursorOf: CursorOf): Answer {
  const method = path.replace(/^\/instagram\/user\//, '');
  const id = body.id === undefined ? undefined : String(body.id);
  const maxId = body.max_id === undefined || body.max_id === null ? undefined : String(body.max_id);
  const badCursor: Answer = {
    status: 200,
    body: {
      status: 'done',
      response: { status_code: 400, content_type: 'application/json', body: { message: 'Invalid max_id', status: 'fail' } },
    },
  };
  const notFound: Answer = { status: 200, fixture: 'rocketapi-error-not-found.json' };
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
      return notFound;
    case 'get_followers':
    case 'get_following': {
      const kind = method === 'get_followers' ? 'followers' : 'following';
      if (id === '9100000001')
        return paged(maxId, `rocketapi-user-get_${kind}-page1.json`, `rocketapi-user-get_${kind}-page2.json`, cursorOf, badCursor);
      if (id === '9100000002') return { status: 200, fixture: 'rocketapi-error-private-followers.json' };
      return notFound;
    }
    case 'get_media':
      return id === '9100000001' ? { status: 200, fixture: 'rocketapi-user-get_media.json' } : notFound;
    default:
      return { status: 404, body: { detail: 'Not found.' } };
  }
}

/** Default answer for `GET /v1/<call>?username_or_id_or_url=...&pagination_token=...`. */
export function scraperAnswer(path: string, query: Record<string, string>, cursorOf: CursorOf): Answer {
  const who = query.username_or_id_or_url ?? '';
  const token = query.pagination_token || undefined;
  const notFound: Answer = { status: 404, headers: RAPID_HEADERS, fixture: 'rapidapi-scraperapi2-error-not-found.json' };
  const badToken: Answer = { status: 400, headers: RAPID_HEADERS, body: { detail: 'Invalid pagination_token' } };
  const ok = (a: Answer): Answer => ({ ...a, headers: RAPID_HEADERS });
  switch (path) {
    case '/v1/info':
      return DEMO.has(who) ? ok({ status: 200, fixture: 'rapidapi-scraperapi2-v1-info.json' }) : notFound;
    case '/v1/followers':
      if (!DEMO.has(who)) return notFound;
      return ok(
        paged(token, 'rapidapi-scraperapi2-v1-followers-page1.json', 'rapidapi-scraperapi2-v1-followers-page2.json', cursorOf, badToken),
      );
    case '/v1/following':
      return DEMO.has(who) ? ok(paged(token, 'rapidapi-scraperapi2-v1-following-page1.json', undefined, cursorOf, badToken)) : notFound;
    default:
      return { status: 404, headers: RAPID_HEADERS, body: { message: `Endpoint '${path}' does not exist` } };
  }
}
