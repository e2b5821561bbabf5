// Read model of a blogger for the CLI and the HTTP API: one column list, one JSON shape (ids as
// strings, counts as numbers after a safe-integer check, CASES.md C18), the lookup by handle and
// the latest growth snapshot (table `profile_snapshots`, issue 4) when that table exists.
import type { Queryable } from '../database.ts';
import { countFromInt8, idFromInt8 } from '../int8.ts';

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
  /** The newest row of `profile_snapshots` for this profile, null when none (or no such table yet). */
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
      ORDER BY p.updated_at DESC, p.id DESC LIMIT 1`,
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

/** Column names, in order of preference, that time-stamp a snapshot. */
const SNAPSHOT_TIME_COLUMNS = ['captured_at', 'taken_at', 'recorded_at', 'synced_at', 'created_at'];
/** Column names that point a snapshot at its profile. */
const SNAPSHOT_PROFILE_COLUMNS = ['social_profile_id', 'profile_id', 'subject_id'];

/** Quotes an identifier read from the catalog (never user input). */
function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * The newest `profile_snapshots` row of a profile, or null. The table arrives with issue 4; until
 * then (or if it has no recognisable profile column) this returns null. Column names are read
 * from the catalog, so the query follows that table's schema when it lands. Values: ids (`id`,
 * `*_id`) as strings, other integers as numbers (safe-checked), numerics as numbers, times as Dates.
 */
export async function findLatestSnapshot(db: Queryable, profileId: string): Promise<Record<string, unknown> | null> {
  const cols = await db.query<{ name: string; type: string }>(
    `SELECT a.attname AS name, format_type(a.atttypid, NULL) AS type FROM pg_attribute a
      WHERE a.attrelid = to_regclass('profile_snapshots') AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
  );
  const names = new Set(cols.rows.map((c) => c.name));
  const profileCol = SNAPSHOT_PROFILE_COLUMNS.find((c) => names.has(c));
  if (!profileCol) return null;
  const order = [...SNAPSHOT_TIME_COLUMNS.filter((c) => names.has(c)).slice(0, 1), ...(names.has('id') ? ['id'] : [])];
  const orderBy = order.length ? `ORDER BY ${order.map((c) => `s.${quoteIdent(c)} DESC`).join(', ')}` : '';
  const res = await db.query<Record<string, unknown>>(
    `SELECT s.* FROM profile_snapshots s WHERE s.${quoteIdent(profileCol)} = $1 ${orderBy} LIMIT 1`,
    [profileId],
  );
  const row = res.rows[0];
  if (!row) return null;
  const types = new Map(cols.rows.map((c) => [c.name, c.type]));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    const type = types.get(key) ?? '';
    if (value === null || value === undefined) out[key] = null;
    else if (key === 'id' || key.endsWith('_id')) out[key] = String(value);
    else if (type === 'bigint' || type === 'integer' || type === 'smallint') out[key] = countFromInt8(value as string);
    else if (type === 'numeric' || type === 'double precision' || type === 'real') out[key] = Number(value);
    else out[key] = value;
  }
  return out;
}
