// GET /api/v1/bloggers (search) and GET /api/v1/bloggers/:platform/:username (one profile).
// Both read through the same query modules as the CLI (src/db/queries/search.ts, bloggers.ts).
import type { Queryable } from '../db/database.ts';
import { type BloggerCard, findBloggerCard } from '../db/queries/bloggers.ts';
import { parseSearchRequest, SearchInputError } from '../db/queries/search-input.ts';
import { searchBloggers } from '../db/queries/search.ts';
import { HttpError } from './respond.ts';
import type { RouteContext, RouteResult } from './route.ts';

/** Query parameters the search endpoint accepts; anything else is a 400 (typos fail loudly). */
export const SEARCH_PARAMETERS = ['q', 'page', 'per_page', 'platform'] as const;

/**
 * The query parameters of `url`: each of `allowed` at most once, except those in `repeatable`
 * (collected in order). Shared by every API endpoint that takes parameters.
 * @throws SearchInputError (400 invalid_parameter) on an unknown parameter or a repeated single one
 */
export function queryParams(
  url: URL,
  allowed: readonly string[],
  repeatable: readonly string[] = [],
): { one: Record<string, string>; many: Record<string, string[]> } {
  const one: Record<string, string> = {};
  const many: Record<string, string[]> = {};
  for (const [key, value] of url.searchParams) {
    if (!allowed.includes(key)) {
      throw new SearchInputError('invalid_parameter', key, `unknown parameter "${key.slice(0, 40)}"; allowed: ${allowed.join(', ')}`);
    }
    if (repeatable.includes(key)) {
      many[key] = [...(many[key] ?? []), value];
      continue;
    }
    if (key in one) throw new SearchInputError('invalid_parameter', key, `parameter "${key}" is given more than once`);
    one[key] = value;
  }
  return { one, many };
}

/** GET /api/v1/bloggers?q=&page=&per_page=&platform= -> `{data, meta}` (see docs/api.md). */
export async function searchRoute(ctx: RouteContext): Promise<RouteResult> {
  const p = queryParams(ctx.url, SEARCH_PARAMETERS).one;
  const req = parseSearchRequest({ q: p.q, page: p.page, per_page: p.per_page, platform: p.platform });
  return { status: 200, body: await searchBloggers(ctx.deps.db, req) };
}

const PLATFORM = /^[a-z][a-z0-9_]{0,31}$/;
/** A handle as a path segment: 1..64 characters, no control characters or slashes. */
const USERNAME = /^@?[^\s/\p{Cc}]{1,64}$/u;

function decodeSegment(segment: string, name: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, 'invalid_parameter', `${name} is not valid percent-encoded UTF-8`);
  }
}

/**
 * The platform and username of a `/:platform/:username` path (the API's and the blogger page's).
 * @throws HttpError 400 when either is malformed
 */
export function parseProfilePath(params: string[]): { platform: string; username: string } {
  const platform = decodeSegment(params[0] ?? '', 'platform').toLowerCase();
  const username = decodeSegment(params[1] ?? '', 'username');
  if (!PLATFORM.test(platform))
    throw new HttpError(400, 'invalid_parameter', `platform must be a lowercase name such as "instagram", got "${platform.slice(0, 40)}"`);
  if (!USERNAME.test(username))
    throw new HttpError(400, 'invalid_parameter', 'username must be 1 to 64 characters without spaces or slashes');
  return { platform, username };
}

/** The stored blogger of a profile path (the API's and the blogger page's). @throws HttpError 404 when none is stored */
export async function requireBloggerCard(db: Queryable, platform: string, username: string): Promise<BloggerCard> {
  const card = await findBloggerCard(db, platform, username);
  if (!card) {
    throw new HttpError(
      404,
      'not_found',
      `no ${platform} profile "${username.replace(/^@+/, '')}" is stored; sync it first (sm-core sync-profile)`,
    );
  }
  return card;
}

/** GET /api/v1/bloggers/:platform/:username -> the profile and its latest snapshot, 404 when unknown. */
export async function profileRoute(ctx: RouteContext): Promise<RouteResult> {
  const { platform, username } = parseProfilePath(ctx.params);
  if (ctx.url.search !== '') throw new HttpError(400, 'invalid_parameter', 'this endpoint takes no query parameters');
  return { status: 200, body: await requireBloggerCard(ctx.deps.db, platform, username) };
}
