// Instagram user shapes (as wrapped by every provider) -> the contract's ProfileRecord / FollowerRecord.
import { z } from 'zod';
import type { FollowerRecord, FollowersPage, PostStats, ProfileRecord, ProfileResult, QuarantinedRecord } from './types.ts';

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

/**
 * Minor fields (everything but the id and the username) are read leniently: providers drift in their
 * types (`is_private: 0` or `"yes"`, `full_name: 12345`; instagrapi and instaloader users report
 * it), and a follower whose id and username are fine must never be lost to that. The schemas accept
 * any value there; the `as*` readers below coerce it to the contract's type and count every value
 * they had to change (the record's raw payload keeps the original). null and absent mean "not given".
 */
const minor = z.unknown().optional();

/** Counts coercions while one payload is read (the page's or profile's total goes to the run ledger). */
export interface CoercionTally {
  coerced: number;
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'y', 't']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'n', 'f', '']);

/** A flag: booleans as they are; 0/1 and "true"/"false"/"yes"/"no"/"1"/"0" coerced; anything else absent. */
export function asFlag(v: unknown, tally: CoercionTally): boolean | undefined {
  if (v === undefined || v === null || typeof v === 'boolean') return v ?? undefined;
  tally.coerced++;
  if (typeof v === 'number') return v === 1 ? true : v === 0 ? false : undefined;
  if (typeof v === 'string') {
    const w = v.trim().toLowerCase();
    if (TRUE_WORDS.has(w)) return true;
    if (FALSE_WORDS.has(w)) return false;
  }
  return undefined;
}

/** Text: strings as they are; numbers and booleans as their text; objects and arrays absent. */
export function asText(v: unknown, tally: CoercionTally): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  tally.coerced++;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return null;
}

/** A count: non-negative safe integers as they are; digit strings ("1,234" too) as numbers; anything else absent. */
export function asCount(v: unknown, tally: CoercionTally): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  tally.coerced++;
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0 && Number.isSafeInteger(Math.round(v))) return Math.round(v);
  if (typeof v === 'string') {
    const digits = v.trim().replace(/[,_\s]/g, '');
    if (/^\d{1,15}$/.test(digits)) return Number(digits);
  }
  return null;
}

/** `{count}` of an Instagram edge object (edge_followed_by...), coerced like {@link asCount}. */
function edgeCount(v: unknown, tally: CoercionTally): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) {
    tally.coerced++;
    return null;
  }
  return asCount((v as { count?: unknown }).count, tally);
}

/**
 * The username: a non-empty string, or a number sent as one (coerced to its digits). Anything else
 * is unusable: the record is quarantined.
 */
const usernameSchema = z.union([
  z.string().min(1),
  z
    .number()
    .int()
    .nonnegative()
    .refine(Number.isSafeInteger)
    .transform((n) => String(n)),
]);

/** True when the username arrived as a number (one coercion). */
function usernameCoerced(raw: unknown): boolean {
  return typeof (raw as { username?: unknown } | null)?.username === 'number';
}

/**
 * A user inside a followers/following list (RocketAPI `users[]`, scraper `data.items[]`; PROVIDERS.md
 * §3.3, §2.1). Only the id and the username are validated: the rest is read by {@link toFollowerRecords}.
 */
export const listUserSchema = z
  .object({ ...idFields, username: usernameSchema, full_name: minor, is_private: minor, is_verified: minor, profile_pic_url: minor })
  .transform(withExtId);

/**
 * A profile user: web_profile_info `data.user` (edge_* counts, PROVIDERS.md §3.1) or the mobile
 * `users/{id}/info` `user` / scraper `data` (flat counts, §3.2, §2.1). Only id and username are
 * validated; the other fields are read (and coerced) by {@link toProfileRecord}.
 */
export const profileUserSchema = z
  .object({
    ...idFields,
    username: usernameSchema,
    full_name: minor,
    biography: minor,
    external_url: minor,
    profile_pic_url: minor,
    profile_pic_url_hd: minor,
    hd_profile_pic_url_info: minor,
    is_private: minor,
    is_verified: minor,
    edge_followed_by: minor,
    edge_follow: minor,
    edge_owner_to_timeline_media: minor,
    follower_count: minor,
    following_count: minor,
    media_count: minor,
  })
  .transform(withExtId);

const countEdge = z.object({ count: z.number().int().nonnegative() }).nullish();
const count = z.number().int().nonnegative().nullish();

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

/**
 * Normalises a validated profile user (either shape) into a ProfileRecord, coercing minor fields
 * (counted in `tally`). `raw` must already be sanitised; it is stored as it came.
 */
export function toProfileRecord(u: z.infer<typeof profileUserSchema>, raw: unknown, tally: CoercionTally = { coerced: 0 }): ProfileRecord {
  if (usernameCoerced(raw)) tally.coerced++;
  const media = (u.edge_owner_to_timeline_media ?? null) as { count?: unknown; edges?: unknown } | null;
  const mediaObject = media !== null && typeof media === 'object' && !Array.isArray(media) ? media : null;
  if (media !== null && !mediaObject) tally.coerced++;
  const hd = u.hd_profile_pic_url_info as { url?: unknown } | null | undefined;
  const text = (v: unknown) => orNull(asText(v, tally));
  return {
    platform: 'instagram',
    extId: u.extId,
    username: u.username,
    fullName: text(u.full_name),
    bio: text(u.biography),
    avatar: text(u.profile_pic_url_hd) ?? (hd && typeof hd === 'object' ? text(hd.url) : null) ?? text(u.profile_pic_url),
    url: text(u.external_url),
    followersCount: edgeCount(u.edge_followed_by, tally) ?? asCount(u.follower_count, tally),
    followsCount: edgeCount(u.edge_follow, tally) ?? asCount(u.following_count, tally),
    postsCount: asCount(mediaObject?.count, tally) ?? asCount(u.media_count, tally),
    isPrivate: asFlag(u.is_private, tally) ?? false,
    isVerified: asFlag(u.is_verified, tally) ?? false,
    recentPosts: recentPosts(Array.isArray(mediaObject?.edges) ? mediaObject.edges : null),
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
 * Validates each list item on its own: an item without a usable id or username goes to `quarantined`
 * with its raw value and the reason; minor fields of another type are coerced ({@link asFlag},
 * {@link asText}) and counted in `coerced`; the rest of the page survives. Items must already be
 * sanitised; each record's `raw` keeps the item as it came.
 */
export function toFollowerRecords(items: readonly unknown[]): {
  users: FollowerRecord[];
  quarantined: QuarantinedRecord[];
  coerced: number;
} {
  const users: FollowerRecord[] = [];
  const quarantined: QuarantinedRecord[] = [];
  const tally: CoercionTally = { coerced: 0 };
  for (const raw of items) {
    const parsed = listUserSchema.safeParse(raw);
    if (!parsed.success) {
      quarantined.push({ raw, reason: zodReason(parsed.error) });
      continue;
    }
    const u = parsed.data;
    if (usernameCoerced(raw)) tally.coerced++;
    users.push({
      platform: 'instagram',
      extId: u.extId,
      username: u.username,
      fullName: orNull(asText(u.full_name, tally)),
      avatar: orNull(asText(u.profile_pic_url, tally)),
      isPrivate: asFlag(u.is_private, tally) ?? false,
      isVerified: asFlag(u.is_verified, tally) ?? false,
      raw,
    });
  }
  return { users, quarantined, coerced: tally.coerced };
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

/** Reads a validated profile user into a ProfileResult, with the coercions it needed (see {@link toProfileRecord}). */
export function toProfileResult(u: z.infer<typeof profileUserSchema>, raw: unknown, sanitized: number): ProfileResult {
  const tally: CoercionTally = { coerced: 0 };
  return { profile: toProfileRecord(u, raw, tally), sanitized, coerced: tally.coerced };
}
