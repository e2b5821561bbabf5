// Relationship views of one profile (`sm-core mutuals`, docs/analytics.md): its ACTIVE followers
// (subscriptions) against its ACTIVE followings (followings), both keyed by the account row
// (followers.id), so "also follows back" is one join on the account id. Stored data only.
import type { Queryable } from '../database.ts';
import { countFromInt8, idFromInt8 } from '../int8.ts';

/** Which set: followers who are also followings, followings who do not follow back, followers not followed. */
export type MutualsView = 'mutuals' | 'not-following-back' | 'fans';

/** Sizes of the two lists and of the three views (accounts). */
export interface MutualsCounts {
  followers: number;
  followings: number;
  /** followers ∩ followings */
  mutuals: number;
  /** followings − followers */
  notFollowingBack: number;
  /** followers − followings */
  fans: number;
}

/** One account of a view. */
export interface MutualsRow {
  extId: string;
  username: string;
  fullName: string | null;
  isPrivate: boolean;
  isVerified: boolean;
}

/** Counts of every view for `profileId` (one statement; active edges only). */
export async function countMutuals(q: Queryable, profileId: string): Promise<MutualsCounts> {
  const res = await q.query<{ followers: string; followings: string; mutuals: string }>(
    `SELECT (SELECT count(*) FROM subscriptions s WHERE s.social_profile_id = $1 AND s.active) AS followers,
            (SELECT count(*) FROM followings g WHERE g.social_profile_id = $1 AND g.active) AS followings,
            (SELECT count(*) FROM subscriptions s
               JOIN followings g ON g.followed_id = s.follower_id AND g.social_profile_id = $1 AND g.active
             WHERE s.social_profile_id = $1 AND s.active) AS mutuals`,
    [profileId],
  );
  const r = res.rows[0]!;
  const followers = countFromInt8(r.followers) ?? 0;
  const followings = countFromInt8(r.followings) ?? 0;
  const mutuals = countFromInt8(r.mutuals) ?? 0;
  return { followers, followings, mutuals, notFollowingBack: followings - mutuals, fans: followers - mutuals };
}

/**
 * Each view as the list its accounts come from plus a condition on the account row `a` (fixed text,
 * never input): mutuals and not-following-back start from the followings, fans from the followers.
 */
const VIEWS: Record<MutualsView, { source: string; keep: string }> = {
  mutuals: {
    source: 'SELECT g.followed_id FROM followings g WHERE g.social_profile_id = $1 AND g.active',
    keep: 'EXISTS (SELECT 1 FROM subscriptions s WHERE s.social_profile_id = $1 AND s.follower_id = a.id AND s.active)',
  },
  'not-following-back': {
    source: 'SELECT g.followed_id FROM followings g WHERE g.social_profile_id = $1 AND g.active',
    keep: 'NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.social_profile_id = $1 AND s.follower_id = a.id AND s.active)',
  },
  fans: {
    source: 'SELECT s.follower_id FROM subscriptions s WHERE s.social_profile_id = $1 AND s.active',
    keep: 'NOT EXISTS (SELECT 1 FROM followings g WHERE g.social_profile_id = $1 AND g.followed_id = a.id AND g.active)',
  },
};

/**
 * One page of a view's accounts, ordered by account row id (keyset: rows after `afterId`).
 * @returns rows plus `lastId` to continue from (null when this was the last page)
 */
export async function listMutuals(
  q: Queryable,
  profileId: string,
  view: MutualsView,
  page: { limit: number; afterId?: string | null },
): Promise<{ rows: MutualsRow[]; lastId: string | null }> {
  const res = await q.query<Record<string, unknown>>(
    `SELECT a.id, a.ext_id, a.username, a.full_name, a.is_private, a.is_verified
     FROM followers a
     WHERE a.id IN (${VIEWS[view].source}) AND ${VIEWS[view].keep}
       AND ($2::bigint IS NULL OR a.id > $2)
     ORDER BY a.id LIMIT $3`,
    [profileId, page.afterId ?? null, page.limit],
  );
  const rows = res.rows.map((r) => ({
    extId: r.ext_id as string,
    username: r.username as string,
    fullName: r.full_name as string | null,
    isPrivate: r.is_private as boolean,
    isVerified: r.is_verified as boolean,
  }));
  const lastId = res.rows.length === page.limit ? idFromInt8(res.rows[res.rows.length - 1]!.id as string) : null;
  return { rows, lastId };
}
