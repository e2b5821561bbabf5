// The analyses of issue 16 over HTTP: GET /api/v1/bloggers/:platform/:username/mutuals and /audience,
// and GET /api/v1/overlap. The bodies are built by src/analytics (the same functions behind
// `sm-core mutuals|audience|overlap --json`), so the API and the CLI answer the same JSON. Parameters
// are checked like the search's (unknown or repeated: 400); errors map through respond.ts.
import type { AnalyzedProfile } from '../analytics/list-freshness.ts';
import { AUDIENCE_MAX_DAYS, buildAudienceReport } from '../analytics/audience.ts';
import { buildMutualsReport, MUTUALS_VIEWS, type MutualsView } from '../analytics/mutuals.ts';
import { buildOverlapReport } from '../analytics/overlap.ts';
import type { Queryable } from '../db/database.ts';
import { MAX_OVERLAP_PROFILES } from '../db/queries/overlap.ts';
import { parseProfilePath, queryParams, requireBloggerCard } from './bloggers.ts';
import { HttpError } from './respond.ts';
import type { RouteContext, RouteResult } from './route.ts';

/** Accounts per page when `limit` is not given. */
export const ANALYTICS_DEFAULT_LIMIT = 100;
/** Largest `limit`. */
export const ANALYTICS_MAX_LIMIT = 1000;

const MUTUALS_PARAMETERS = ['view', 'limit', 'after'] as const;
const AUDIENCE_PARAMETERS = ['days', 'k'] as const;
const OVERLAP_PARAMETERS = ['u', 'platform', 'list', 'limit', 'after'] as const;

const invalid = (message: string) => new HttpError(400, 'invalid_parameter', message);
const shown = (value: string) => JSON.stringify(value.slice(0, 40));

function wholeNumber(name: string, value: string, max: number): number {
  const n = /^\d{1,7}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= 1 && n <= max)) throw invalid(`${name} must be a whole number from 1 to ${max}, got ${shown(value)}`);
  return n;
}

function pageOf(p: Record<string, string>): { limit: number; after: string | null } {
  const limit = p.limit === undefined ? ANALYTICS_DEFAULT_LIMIT : wholeNumber('limit', p.limit, ANALYTICS_MAX_LIMIT);
  if (p.after !== undefined && !/^[1-9]\d{0,18}$/.test(p.after)) {
    throw invalid(`after must be the cursor of a previous page (a whole number), got ${shown(p.after)}`);
  }
  return { limit, after: p.after ?? null };
}

/** The stored profile of a platform and username. @throws HttpError 400 (malformed), 404 (not stored) */
async function analyzedProfile(db: Queryable, rawPlatform: string, rawUsername: string): Promise<AnalyzedProfile> {
  const { platform, username } = parseProfilePath([rawPlatform, rawUsername]);
  const card = await requireBloggerCard(db, platform, username);
  return { id: card.id, platform: card.platform, extId: card.ext_id, username: card.username };
}

/** The answer with a `Link: <...>; rel="next"` header when there is a next page (RFC 8288). */
function paged(ctx: RouteContext, body: unknown, next: string | null): RouteResult {
  if (next === null) return { status: 200, body };
  const url = new URL(ctx.url);
  url.searchParams.set('after', next);
  return { status: 200, body, headers: { link: `<${url.pathname}${url.search}>; rel="next"` } };
}

/** GET /api/v1/bloggers/:platform/:username/mutuals?view=&limit=&after= -> the body of `sm-core mutuals --json`. */
export async function mutualsRoute(ctx: RouteContext): Promise<RouteResult> {
  const p = queryParams(ctx.url, MUTUALS_PARAMETERS).one;
  const view = (p.view ?? 'mutuals') as MutualsView;
  if (!MUTUALS_VIEWS.includes(view)) throw invalid(`view must be one of ${MUTUALS_VIEWS.join(', ')}, got ${shown(p.view ?? '')}`);
  const page = pageOf(p);
  const profile = await analyzedProfile(ctx.deps.db, ctx.params[0] ?? '', ctx.params[1] ?? '');
  const { report, next } = await buildMutualsReport(ctx.deps.db, profile, view, page);
  return paged(ctx, report, next);
}

/** GET /api/v1/bloggers/:platform/:username/audience?days=&k= -> the body of `sm-core audience --json`. */
export async function audienceRoute(ctx: RouteContext): Promise<RouteResult> {
  const p = queryParams(ctx.url, AUDIENCE_PARAMETERS).one;
  const days = p.days === undefined ? 30 : wholeNumber('days', p.days, AUDIENCE_MAX_DAYS);
  const k = p.k === undefined ? 3 : /^\d+(\.\d+)?$/.test(p.k) ? Number(p.k) : Number.NaN;
  if (!(k > 0 && Number.isFinite(k))) throw invalid(`k must be a number above 0 such as 3 or 2.5, got ${shown(p.k ?? '')}`);
  const profile = await analyzedProfile(ctx.deps.db, ctx.params[0] ?? '', ctx.params[1] ?? '');
  return { status: 200, body: await buildAudienceReport(ctx.deps.db, profile, { days, k }) };
}

/** GET /api/v1/overlap?u=a&u=b[&u=c...][&platform=][&list=true[&limit=&after=]] -> the body of `sm-core overlap --json [--list]`. */
export async function overlapRoute(ctx: RouteContext): Promise<RouteResult> {
  const { one: p, many } = queryParams(ctx.url, OVERLAP_PARAMETERS, ['u']);
  const usernames = many.u ?? [];
  if (usernames.length < 2 || usernames.length > MAX_OVERLAP_PROFILES) {
    throw invalid(`overlap compares 2 to ${MAX_OVERLAP_PROFILES} profiles: give u=<username> that many times (got ${usernames.length})`);
  }
  if (p.list !== undefined && p.list !== 'true' && p.list !== 'false') throw invalid(`list must be true or false, got ${shown(p.list)}`);
  const list = p.list === 'true';
  if (!list && (p.limit !== undefined || p.after !== undefined)) throw invalid('limit and after apply to list=true only');
  const page = pageOf(p);
  const platform = encodeURIComponent(p.platform ?? 'instagram');
  const profiles: AnalyzedProfile[] = [];
  for (const u of usernames) profiles.push(await analyzedProfile(ctx.deps.db, platform, encodeURIComponent(u)));
  const { report, next } = await buildOverlapReport(ctx.deps.db, profiles, { list, ...page });
  return paged(ctx, report, next);
}
