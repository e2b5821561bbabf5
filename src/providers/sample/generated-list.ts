// "Generated list" mode of the fake RocketAPI: profiles with N invented followers each, served over
// as many pages as N needs, deterministically (the same request always gets the same answer), in
// RocketAPI's real shapes (PROVIDERS.md §1.2 envelope, §3.1 web profile, §3.3 followers list). Used
// by fault tests and benchmarks to sync big lists without fixtures. Memory is O(1) in N: nothing
// is stored, every page is computed from its cursor.
import type { Answer } from './routes.ts';

/** A generated profile. */
export interface GeneratedProfile {
  /** Instagram user id (decimal string, at most 12 digits: follower ids append 7 digits). */
  id: string;
  username: string;
  /** Followers in the list (at most 10,000,000). */
  followers: number;
  isPrivate?: boolean;
}

/** A request as the generated routes need it. */
export interface GeneratedRequest {
  method: string;
  path: string;
  body: Record<string, unknown> | undefined;
}

/** RocketAPI's documented maximum `count` for get_followers (PROVIDERS.md §1.3). */
const MAX_COUNT = 50;
const CURSOR_PREFIX = 'QVFH';

/** The ext id of follower `index` (0-based) of profile `profileId`: the profile id then 7 digits. */
export function generatedFollowerId(profileId: string, index: number): string {
  return `${profileId}${String(index).padStart(7, '0')}`;
}

/** The username of follower `index` of profile `profileId`. */
export function generatedFollowerUsername(profileId: string, index: number): string {
  return `gen.${profileId}.${index}`;
}

/** The cursor that asks for the page starting at `offset` (opaque to clients). */
export function generatedCursor(offset: number): string {
  return `${CURSOR_PREFIX}${offset.toString(36)}`;
}

function offsetOf(cursor: unknown): number | null {
  if (cursor === undefined || cursor === null || cursor === '') return 0;
  const text = String(cursor);
  if (!text.startsWith(CURSOR_PREFIX)) return null;
  const n = Number.parseInt(text.slice(CURSOR_PREFIX.length), 36);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

/** One list user in Instagram's shape (`pk` a number, `pk_id` / `id` strings, as the real API sends). */
export function generatedFollower(profileId: string, index: number): Record<string, unknown> {
  const id = generatedFollowerId(profileId, index);
  return {
    strong_id__: id,
    pk: Number(id),
    pk_id: id,
    id,
    username: generatedFollowerUsername(profileId, index),
    full_name: `Generated Follower ${index}`,
    is_private: index % 7 === 0,
    is_verified: index % 101 === 0,
    profile_pic_url: `https://scontent.cdninstagram.invalid/v/t51.2885-19/${id}_n.jpg?stp=dst-jpg_s150x150&_nc_ohc=FAKE${index}`,
    has_anonymous_profile_picture: false,
    latest_reel_media: 0,
  };
}

function envelope(statusCode: number, body: unknown): Answer {
  return { status: 200, body: { status: 'done', response: { status_code: statusCode, content_type: 'application/json', body } } };
}

function profileBody(p: GeneratedProfile): unknown {
  return {
    data: {
      user: {
        id: p.id,
        username: p.username,
        full_name: `Generated ${p.username}`,
        biography: 'generated profile (fault tests and benchmarks)',
        is_private: p.isPrivate === true,
        is_verified: false,
        edge_followed_by: { count: p.followers },
        edge_follow: { count: 0 },
        edge_owner_to_timeline_media: { count: 0, edges: [] },
      },
    },
    status: 'ok',
  };
}

/**
 * Answers of one page: users `[offset, offset + count)` of the list, `next_max_id` pointing at the
 * next offset and `has_more: true` while users remain; the last page carries no cursor.
 */
function followersPage(p: GeneratedProfile, offset: number, count: number): Answer {
  const end = Math.min(p.followers, offset + count);
  const users: Record<string, unknown>[] = [];
  for (let i = offset; i < end; i++) users.push(generatedFollower(p.id, i));
  const more = end < p.followers;
  return envelope(200, {
    users,
    big_list: more,
    page_size: count,
    has_more: more,
    ...(more ? { next_max_id: generatedCursor(end) } : {}),
    should_limit_list_of_followers: false,
    status: 'ok',
  });
}

/**
 * Builds the generated routes: `get_info` (by username), `get_info_by_id` and `get_followers` for
 * the given profiles. Returns undefined for any other request (the caller's defaults answer it).
 */
export function generatedRoutes(profiles: readonly GeneratedProfile[]): (req: GeneratedRequest) => Answer | undefined {
  const byName = new Map(profiles.map((p) => [p.username.toLowerCase(), p]));
  const byId = new Map(profiles.map((p) => [p.id, p]));
  return (req) => {
    if (req.method !== 'POST') return undefined;
    const method = req.path.replace(/^\/instagram\/user\//, '');
    const body = req.body ?? {};
    const id = body.id === undefined ? undefined : String(body.id);
    switch (method) {
      case 'get_info': {
        const p = typeof body.username === 'string' ? byName.get(body.username.toLowerCase()) : undefined;
        return p ? envelope(200, profileBody(p)) : undefined;
      }
      case 'get_info_by_id': {
        const p = id === undefined ? undefined : byId.get(id);
        return p ? envelope(200, { user: (profileBody(p) as { data: { user: unknown } }).data.user, status: 'ok' }) : undefined;
      }
      case 'get_followers': {
        const p = id === undefined ? undefined : byId.get(id);
        if (!p) return undefined;
        if (p.isPrivate) return envelope(400, { message: 'Not authorized to view user', status: 'fail' });
        const offset = offsetOf(body.max_id);
        if (offset === null) return envelope(400, { message: 'Invalid max_id', status: 'fail' });
        const count = Math.min(MAX_COUNT, Math.max(1, Number(body.count) || MAX_COUNT));
        return followersPage(p, offset, count);
      }
      default:
        return undefined;
    }
  };
}

/** The ext ids of every follower of `p`, in list order (for assertions). */
export function generatedFollowerIds(p: GeneratedProfile): string[] {
  return Array.from({ length: p.followers }, (_, i) => generatedFollowerId(p.id, i));
}
