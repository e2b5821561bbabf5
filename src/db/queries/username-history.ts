// Queries on username_history: the usernames an account (platform, ext_id) left behind. Written by
// upsertFollowers and upsertProfile in the same statement as the rename.
import type { Queryable } from '../database.ts';

/** One rename of an account. */
export interface UsernameChange {
  extId: string;
  oldUsername: string;
  newUsername: string;
  seenIn: 'profile' | 'list';
  detectedAt: Date;
}

/**
 * The current username of the stored profile that most recently gave up `username`, or null.
 * Only profiles count (a follower that renamed is not something `show` can display).
 */
export async function findRenamedTo(q: Queryable, username: string, platform = 'instagram'): Promise<string | null> {
  const res = await q.query<{ username: string }>(
    `SELECT p.username FROM username_history h JOIN social_profiles p ON p.platform = h.platform AND p.ext_id = h.ext_id
     WHERE h.platform = $1 AND lower(h.old_username) = lower($2) AND lower(p.username) <> lower($2)
     ORDER BY h.detected_at DESC, h.id DESC LIMIT 1`,
    [platform, username.replace(/^@/, '')],
  );
  return res.rows[0]?.username ?? null;
}

/** Renames of one account, oldest first. */
export async function listUsernameChanges(q: Queryable, extId: string, platform = 'instagram'): Promise<UsernameChange[]> {
  const res = await q.query<{ ext_id: string; old_username: string; new_username: string; seen_in: 'profile' | 'list'; detected_at: Date }>(
    `SELECT ext_id, old_username, new_username, seen_in, detected_at FROM username_history
     WHERE platform = $1 AND ext_id = $2 ORDER BY detected_at, id`,
    [platform, extId],
  );
  return res.rows.map((r) => ({
    extId: r.ext_id,
    oldUsername: r.old_username,
    newUsername: r.new_username,
    seenIn: r.seen_in,
    detectedAt: r.detected_at,
  }));
}
