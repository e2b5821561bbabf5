// Instagram user shapes (as wrapped by every provider) -> the contract's ProfileRecord / FollowerRecord.
import { z } from 'zod';
import type { FollowerRecord, FollowersPage, PostStats, ProfileRecord, QuarantinedRecord } from './types.ts';

/** At most this many recent posts are kept on a profile (the web payload carries 12). */
export const MAX_RECENT_POSTS = 12;

/** A user id candidate: digits as a string, or a safe non-negative integer. Anything else counts as absent. */
const idCandidate = z
  .union([z.string().regex(/^\d{1,30}$/), z.number().int().nonnegative().refine(Number.isSafeInteger)])
  .optional()
  .catch(undefined);

/** Id fields every Instagram user object may carry (PROVIDERS.md §4): `pk` number or string, `pk_id`/`id`/`strong_id__` strings. */
const idFields = { pk: idCandidate, pk_id: idCandidate, id: idCandidate, strong_id__: idCandidate };

/**
 * Picks the user id as a string. A string twin (`pk_id`, `id`, `strong_id__`) wins over `pk`
 * (CASES.md C04); `pk` is used when it is the only one.
 */
function pickId(u: {
  pk?: string | number;
  pk_id?: string | number;
  id?: string | number;
  strong_id__?: string | number;
}): string | undefined {
  for (const v of [u.pk_id, u.id, u.strong_id__]) if (typeof v === 'string') return v;
  for (const v of [u.pk, u.pk_id, u.id, u.strong_id__]) if (v !== undefined) return String(v);
  return undefined;
}

/** zod transform: adds `extId` (see {@link pickId}) or fails the item when it has no usable id. */
function withExtId<T extends Parameters<typeof pickId>[0]>(u: T, ctx: z.RefinementCtx): T & { extId: string } {
  const extId = pickId(u);
  if (!extId) {
    ctx.addIssue({ code: 'custom', message: 'no numeric user id (pk, pk_id, id, strong_id__)' });
    return z.NEVER;
  }
  return { ...u, extId };
}

const text = z.string().nullish();
const flag = z.boolean().nullish();
const count = z.number().int().nonnegative().nullish();
const countEdge = z.object({ count: z.number().int().nonnegative() }).nullish();

/** A user inside a followers/following list (RocketAPI `users[]`, scraper `data.items[]`; PROVIDERS.md §3.3, §2.1). */
export const listUserSchema = z
  .object({ ...idFields, username: z.string().min(1), full_name: text, is_private: flag, is_verified: flag, profile_pic_url: text })
  .transform(withExtId);

/**
 * A profile user: web_profile_info `data.user` (edge_* counts, PROVIDERS.md §3.1) or the mobile
 * `users/{id}/info` `user` / scraper `data` (flat counts, §3.2, §2.1). All fields but id and username optional.
 */
export const profileUserSchema = z
  .object({
    ...idFields,
    username: z.string().min(1),
    full_name: text,
    biography: text,
    external_url: text,
    profile_pic_url: text,
    profile_pic_url_hd: text,
    hd_profile_pic_url_info: z.object({ url: z.string() }).nullish(),
    is_private: flag,
    is_verified: flag,
    edge_followed_by: countEdge,
    edge_follow: countEdge,
    edge_owner_to_timeline_media: z.object({ count: count, edges: z.array(z.unknown()).nullish() }).nullish(),
    follower_count: count,
    following_count: count,
    media_count: count,
  })
  .transform(withExtId);

const postNodeSchema = z.object({
  node: z.object({
    id: z.union([z.string().min(1), z.number()]).transform(String),
    edge_liked_by: countEdge,
    edge_media_preview_like: countEdge,
    edge_media_to_comment: countEdge,
    taken_at_timestamp: count,
  }),
});

/** Empty strings mean "not set" in Instagram payloads: stored as null. */
function orNull(v: string | null | undefined): string | null {
  return v === undefined || v === null || v === '' ? null : v;
}

/** Posts from `edge_owner_to_timeline_media.edges` (web shape); nodes that do not fit are skipped. */
function recentPosts(edges: unknown[] | null | undefined): PostStats[] {
  const posts: PostStats[] = [];
  for (const edge of edges ?? []) {
    const parsed = postNodeSchema.safeParse(edge);
    if (!parsed.success) continue;
    const n = parsed.data.node;
    posts.push({
      extId: n.id,
      likes: n.edge_liked_by?.count ?? n.edge_media_preview_like?.count ?? 0,
      comments: n.edge_media_to_comment?.count ?? 0,
      takenAt: n.taken_at_timestamp ?? null,
    });
    if (posts.length >= MAX_RECENT_POSTS) break;
  }
  return posts;
}

/** Normalises a validated profile user (either shape) into a ProfileRecord. `raw` must already be sanitised. */
export function toProfileRecord(u: z.infer<typeof profileUserSchema>, raw: unknown): ProfileRecord {
  const media = u.edge_owner_to_timeline_media;
  return {
    platform: 'instagram',
    extId: u.extId,
    username: u.username,
    fullName: orNull(u.full_name),
    bio: orNull(u.biography),
    avatar: orNull(u.profile_pic_url_hd) ?? orNull(u.hd_profile_pic_url_info?.url) ?? orNull(u.profile_pic_url),
    url: orNull(u.external_url),
    followersCount: u.edge_followed_by?.count ?? u.follower_count ?? null,
    followsCount: u.edge_follow?.count ?? u.following_count ?? null,
    postsCount: media?.count ?? u.media_count ?? null,
    isPrivate: u.is_private ?? false,
    isVerified: u.is_verified ?? false,
    recentPosts: recentPosts(media?.edges),
    raw,
  };
}

/** Short reason from a zod error: `path: message; ...` (first 3 issues). */
export function zodReason(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

/**
 * Validates each list item on its own: a bad item goes to `quarantined` with its raw value and the
 * reason; the rest of the page survives. Items must already be sanitised.
 */
export function toFollowerRecords(items: readonly unknown[]): { users: FollowerRecord[]; quarantined: QuarantinedRecord[] } {
  const users: FollowerRecord[] = [];
  const quarantined: QuarantinedRecord[] = [];
  for (const raw of items) {
    const parsed = listUserSchema.safeParse(raw);
    if (!parsed.success) {
      quarantined.push({ raw, reason: zodReason(parsed.error) });
      continue;
    }
    const u = parsed.data;
    users.push({
      platform: 'instagram',
      extId: u.extId,
      username: u.username,
      fullName: orNull(u.full_name),
      avatar: orNull(u.profile_pic_url),
      isPrivate: u.is_private ?? false,
      isVerified: u.is_verified ?? false,
      raw,
    });
  }
  return { users, quarantined };
}

/** A provider cursor as opaque text: `""`, null and absent mean "none"; numbers keep their digits. */
export function toCursor(v: string | number | null | undefined): string | null {
  if (v === undefined || v === null) return null;
  const s = String(v);
  return s === '' ? null : s;
}

/** Assembles a FollowersPage from sanitised list items and the provider's paging facts. */
export function toFollowersPage(
  items: readonly unknown[],
  paging: { nextCursor: string | null; hasMore: boolean | null; limited: boolean; sanitized: number },
): FollowersPage {
  return { ...toFollowerRecords(items), ...paging };
}
