// Queries on social_profiles (the synced accounts, "bloggers"). Identity is (platform, ext_id);
// the username is only a lookup key (it can change, and be taken by another account later).
import type { Platform, ProfileQuery, ProfileRecord } from '../../providers/types.ts';
import type { Queryable } from '../database.ts';
import { countFromInt8, idFromInt8 } from '../int8.ts';

/** A stored profile as the CLI and HTTP layers show it. Ids are strings, counts numbers (C18). */
export interface ProfileRow {
  id: string;
  platform: Platform;
  extId: string;
  username: string;
  fullName: string | null;
  bio: string | null;
  avatar: string | null;
  url: string | null;
  followersCount: number | null;
  followsCount: number | null;
  postsCount: number;
  isPrivate: boolean;
  isVerified: boolean;
  lastSyncedAt: Date | null;
  notFoundAt: Date | null;
  /** Latest engagement rate (ratio; profile_snapshots keeps the history and the formula id). */
  engagementRate: number | null;
  /** When the first complete followers / followings run ended (null: no baseline yet). */
  followersBaselineAt: Date | null;
  followingsBaselineAt: Date | null;
  /** When followersCount / followsCount were read from a provider (null: never; sql/0011). */
  followersCountAt: Date | null;
  followsCountAt: Date | null;
}

interface RawProfileRow {
  id: string;
  platform: Platform;
  ext_id: string;
  username: string;
  full_name: string | null;
  bio: string | null;
  avatar: string | null;
  url: string | null;
  followers_count: string | null;
  follows_count: string | null;
  posts_count: string;
  is_private: boolean;
  is_verified: boolean;
  last_synced_at: Date | null;
  not_found_at: Date | null;
  engagement_rate: string | null;
  followers_baseline_at: Date | null;
  followings_baseline_at: Date | null;
  followers_count_at: Date | null;
  follows_count_at: Date | null;
}

const COLUMNS = `id, platform, ext_id, username, full_name, bio, avatar, url, followers_count, follows_count,
  posts_count, is_private, is_verified, last_synced_at, not_found_at, engagement_rate, followers_baseline_at, followings_baseline_at,
  followers_count_at, follows_count_at`;

function toRow(r: RawProfileRow): ProfileRow {
  return {
    id: idFromInt8(r.id),
    platform: r.platform,
    extId: r.ext_id,
    username: r.username,
    fullName: r.full_name,
    bio: r.bio,
    avatar: r.avatar,
    url: r.url,
    followersCount: countFromInt8(r.followers_count),
    followsCount: countFromInt8(r.follows_count),
    postsCount: countFromInt8(r.posts_count) ?? 0,
    isPrivate: r.is_private,
    isVerified: r.is_verified,
    lastSyncedAt: r.last_synced_at,
    notFoundAt: r.not_found_at,
    engagementRate: r.engagement_rate === null ? null : Number(r.engagement_rate),
    followersBaselineAt: r.followers_baseline_at,
    followingsBaselineAt: r.followings_baseline_at,
    followersCountAt: r.followers_count_at,
    followsCountAt: r.follows_count_at,
  };
}

/**
 * Inserts or updates a profile by (platform, ext_id) with its counts, the sanitised raw payload and
 * `last_synced_at = now()`; clears `not_found_at`. A count the payload lacked (null) keeps the stored one
 * and its read time (`followers_count_at` / `follows_count_at`, set to now() with each count read).
 * A rename keeps the old username in username_history (same statement).
 * @param jobCallId the profile run (recorded with a rename)
 * @returns the stored row
 */
export async function upsertProfile(q: Queryable, p: ProfileRecord, jobCallId: string | null = null): Promise<ProfileRow> {
  const res = await q.query<RawProfileRow>(
    `WITH renamed AS (
       INSERT INTO username_history (platform, ext_id, old_username, new_username, seen_in, job_call_id)
       SELECT sp.platform, sp.ext_id, sp.username, $3::text, 'profile', $14::bigint FROM social_profiles sp
       WHERE sp.platform = $1 AND sp.ext_id = $2 AND sp.username IS DISTINCT FROM $3
     )
     INSERT INTO social_profiles AS sp (platform, ext_id, username, full_name, bio, avatar, url, followers_count,
       follows_count, posts_count, is_private, is_verified, raw_data, last_synced_at, followers_count_at, follows_count_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::bigint, $9::bigint, coalesce($10::bigint, 0), $11, $12, $13::jsonb, now(),
       CASE WHEN $8::bigint IS NULL THEN NULL ELSE now() END, CASE WHEN $9::bigint IS NULL THEN NULL ELSE now() END)
     ON CONFLICT (platform, ext_id) DO UPDATE SET
       username = EXCLUDED.username, full_name = EXCLUDED.full_name, bio = EXCLUDED.bio, avatar = EXCLUDED.avatar,
       url = EXCLUDED.url,
       followers_count = coalesce($8::bigint, sp.followers_count),
       follows_count = coalesce($9::bigint, sp.follows_count),
       followers_count_at = CASE WHEN $8::bigint IS NULL THEN sp.followers_count_at ELSE now() END,
       follows_count_at = CASE WHEN $9::bigint IS NULL THEN sp.follows_count_at ELSE now() END,
       posts_count = coalesce($10::bigint, sp.posts_count),
       is_private = EXCLUDED.is_private, is_verified = EXCLUDED.is_verified, raw_data = EXCLUDED.raw_data,
       last_synced_at = now(), not_found_at = NULL, updated_at = now()
     RETURNING ${COLUMNS}`,
    [
      p.platform,
      p.extId,
      p.username,
      p.fullName,
      p.bio,
      p.avatar,
      p.url,
      p.followersCount,
      p.followsCount,
      p.postsCount,
      p.isPrivate,
      p.isVerified,
      JSON.stringify(p.raw ?? null),
      jobCallId,
    ],
  );
  return toRow(res.rows[0]!);
}

/**
 * Which row a username names when a released username is stored for two accounts: the most recently
 * synced one (then the newest row). Every lookup by username (CLI, HTTP API, web pages) orders by it.
 * A constant SQL fragment over alias `p`, never built from input.
 */
export const USERNAME_OWNER_ORDER = 'p.last_synced_at DESC NULLS LAST, p.id DESC';

/**
 * Finds a stored profile by username (case-insensitive; the most recently synced one wins when a
 * released username was stored for two accounts) or by provider id.
 */
export async function findProfile(q: Queryable, lookup: ProfileQuery, platform: Platform = 'instagram'): Promise<ProfileRow | null> {
  const res =
    'id' in lookup
      ? await q.query<RawProfileRow>(`SELECT ${COLUMNS} FROM social_profiles WHERE platform = $1 AND ext_id = $2`, [platform, lookup.id])
      : await q.query<RawProfileRow>(
          `SELECT ${COLUMNS} FROM social_profiles p WHERE platform = $1 AND lower(username) = lower($2)
           ORDER BY ${USERNAME_OWNER_ORDER} LIMIT 1`,
          [platform, lookup.username],
        );
  return res.rows[0] ? toRow(res.rows[0]) : null;
}

/** Reads one profile by its row id. */
export async function getProfile(q: Queryable, id: string): Promise<ProfileRow | null> {
  const res = await q.query<RawProfileRow>(`SELECT ${COLUMNS} FROM social_profiles WHERE id = $1`, [id]);
  return res.rows[0] ? toRow(res.rows[0]) : null;
}

/**
 * Marks the stored account with this provider id as gone at the provider (`not_found_at = now()`).
 * Only an id identifies an account: a username that no longer resolves says nothing about the
 * account stored under it (renamed, the name maybe taken by another account later; docs/history.md),
 * so there is deliberately no username form.
 * @returns the profile's row id, or null when no profile with this id is stored
 */
export async function markProfileNotFound(q: Queryable, lookup: { id: string }, platform: Platform = 'instagram'): Promise<string | null> {
  const found = await findProfile(q, lookup, platform);
  if (!found) return null;
  await markProfileIdNotFound(q, found.id);
  return found.id;
}

/** Marks the profile with this row id as gone at the provider. */
export async function markProfileIdNotFound(q: Queryable, id: string): Promise<void> {
  await q.query('UPDATE social_profiles SET not_found_at = now(), updated_at = now() WHERE id = $1', [id]);
}

/** Records that a profile's lists cannot be read (the provider said private). */
export async function markProfilePrivate(q: Queryable, id: string): Promise<void> {
  await q.query('UPDATE social_profiles SET is_private = true, updated_at = now() WHERE id = $1 AND NOT is_private', [id]);
}
