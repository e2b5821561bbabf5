// Read model of a blogger for the CLI and the HTTP API: one column list, one JSON shape (ids as
// strings, counts as numbers after a safe-integer check, CASES.md C18), the lookup by handle and
// the latest growth snapshot (table `profile_snapshots`, issue 4).
import type { Queryable } from '../database.ts';
import { countFromInt8, idFromInt8 } from '../int8.ts';
import { USERNAME_OWNER_ORDER } from './profiles.ts';

/** Columns of social_profiles every blogger view selects, qualified with alias `p`. */
export const BLOGGER_COLUMNS = `p.id, p.platform, p.ext_id, p.username, p.full_name, p.bio, p.avatar, p.url,
  p.followers_count, p.follows_count, p.posts_count, p.engagement_rate, p.is_private, p.is_verified,
  p.last_synced_at, p.created_at, p.updated_at`;

/** A social_profiles row as the driver returns it (int8 and numeric as strings). */
export interface BloggerRow {
  id: string;
  platform: string;
  ext_id: string;
  username: string;
  full_name: string | null;
  bio: string | null;
  avatar: string | null;
  url: string | null;
  followers_count: string | null;
  follows_count: string | null;
  posts_count: string;
  engagement_rate: string | null;
  is_private: boolean;
  is_verified: boolean;
  last_synced_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** A blogger as it leaves the product (JSON field names are the API's). */
export interface Blogger {
  /** Our row id, a string (bigint). */
  id: string;
  platform: string;
  /** The platform's own account id (Instagram `pk`), a string: it exceeds 2^53 (C04). */
  ext_id: string;
  username: string;
  full_name: string | null;
  bio: string | null;
  avatar: string | null;
  url: string | null;
  followers_count: number | null;
  follows_count: number | null;
  posts_count: number;
  /** Ratio (0.0123 = 1.23 %), null when unknown. */
  engagement_rate: number | null;
  is_private: boolean;
  is_verified: boolean;
  /** Last successful profile sync, null when never synced. Serialised as ISO 8601. */
  last_synced_at: Date | null;
}

/** Maps a row to the outgoing shape. @throws RangeError on a count beyond 2^53 - 1 */
export function toBlogger(row: BloggerRow): Blogger {
  return {
    id: idFromInt8(row.id),
    platform: row.platform,
    ext_id: String(row.ext_id),
    username: row.username,
    full_name: row.full_name,
    bio: row.bio,
    avatar: row.avatar,
    url: row.url,
    followers_count: countFromInt8(row.followers_count),
    follows_count: countFromInt8(row.follows_count),
    posts_count: countFromInt8(row.posts_count) ?? 0,
    engagement_rate: row.engagement_rate === null ? null : Number(row.engagement_rate),
    is_private: row.is_private,
    is_verified: row.is_verified,
    last_synced_at: row.last_synced_at,
  };
}

/** A blogger with row timestamps and the newest growth snapshot (the profile endpoint). */
export interface BloggerCard extends Blogger {
  created_at: Date;
  updated_at: Date;
  /** The newest row of `profile_snapshots` for this profile, null when none. */
  latest_snapshot: Record<string, unknown> | null;
}

/**
 * Finds one blogger by platform and handle (case-insensitive, leading `@` ignored) with its
 * latest snapshot.
 * @returns null when no such profile is stored
 */
export async function findBloggerCard(db: Queryable, platform: string, username: string): Promise<BloggerCard | null> {
  const res = await db.query<BloggerRow>(
    `SELECT ${BLOGGER_COLUMNS} FROM social_profiles p
      WHERE p.platform = $1 AND lower(p.username) = lower($2)
      ORDER BY ${USERNAME_OWNER_ORDER} LIMIT 1`,
    [platform, username.replace(/^@+/, '')],
  );
  const row = res.rows[0];
  if (!row) return null;
  return {
    ...toBlogger(row),
    created_at: row.created_at,
    updated_at: row.updated_at,
    latest_snapshot: await findLatestSnapshot(db, String(row.id)),
  };
}

/**
 * The newest `profile_snapshots` row (sql/0006) of a profile, or null when it has none.
 * Ids as strings, counts as safe-checked numbers, the engagement rate as a number.
 */
export async function findLatestSnapshot(db: Queryable, profileId: string): Promise<Record<string, unknown> | null> {
  const res = await db.query<Record<string, string | null> & { captured_at: Date; is_private: boolean; engagement_posts: number }>(
    `SELECT id::text, social_profile_id::text, job_call_id::text, captured_at, followers_count, follows_count, posts_count,
            is_private, engagement_rate, engagement_formula, engagement_posts
       FROM profile_snapshots WHERE social_profile_id = $1 ORDER BY captured_at DESC, id DESC LIMIT 1`,
    [profileId],
  );
  const row = res.rows[0];
  if (!row) return null;
  const count = (v: string | null) => (v === null ? null : countFromInt8(v));
  return {
    id: row.id,
    social_profile_id: row.social_profile_id,
    job_call_id: row.job_call_id,
    captured_at: row.captured_at,
    followers_count: count(row.followers_count ?? null),
    follows_count: count(row.follows_count ?? null),
    posts_count: count(row.posts_count ?? null),
    is_private: row.is_private,
    engagement_rate: row.engagement_rate === null || row.engagement_rate === undefined ? null : Number(row.engagement_rate),
    engagement_formula: row.engagement_formula ?? null,
    engagement_posts: row.engagement_posts,
  };
}
