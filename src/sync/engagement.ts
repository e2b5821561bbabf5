// Engagement rate of a profile (issue 4 §8), computed from the posts visible in its profile payload.
import type { PostStats } from '../providers/types.ts';

/**
 * Id of the formula below, stored with every value (profile_snapshots.engagement_formula). A new
 * formula gets a new id; rows written under an old id are never recomputed.
 */
export const ENGAGEMENT_FORMULA = 'mean_likes_comments_latest12_per_follower_v1';

/** Posts the formula looks at: the latest up to 12 (the web profile payload carries 12). */
export const ENGAGEMENT_POSTS = 12;

/** An engagement rate and what it was computed from. */
export interface Engagement {
  /** Ratio (0.0123 = 1.23 %), rounded to 10 decimals; null when no post is visible or followers is unknown or 0. */
  rate: number | null;
  formula: string;
  /** Posts the rate was computed from. */
  posts: number;
}

/**
 * mean(likes + comments) over the latest up-to-12 posts (newest first by `takenAt`; posts without a
 * time keep their payload order after dated ones) divided by `followers`.
 * Source: ProfileRecord.recentPosts (web_profile_info `edge_owner_to_timeline_media.edges`, PROVIDERS.md §3.1).
 */
export function engagementRate(posts: readonly PostStats[], followers: number | null): Engagement {
  const latest = [...posts]
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (b.p.takenAt ?? -Infinity) - (a.p.takenAt ?? -Infinity) || a.i - b.i)
    .slice(0, ENGAGEMENT_POSTS)
    .map((x) => x.p);
  if (latest.length === 0 || followers === null || followers <= 0) return { rate: null, formula: ENGAGEMENT_FORMULA, posts: latest.length };
  const mean = latest.reduce((sum, p) => sum + p.likes + p.comments, 0) / latest.length;
  return { rate: Math.round((mean / followers) * 1e10) / 1e10, formula: ENGAGEMENT_FORMULA, posts: latest.length };
}
