// Queries on profile_snapshots: the growth history of a profile, one row per successful profile
// sync (followers, follows, posts, engagement rate with its formula id, time). Never updated.
import type { Queryable } from '../database.ts';
import { countFromInt8, idFromInt8 } from '../int8.ts';

/** A snapshot as stored. Counts are numbers (safe-checked), the rate a ratio. */
export interface ProfileSnapshotRow {
  id: string;
  profileId: string;
  jobCallId: string | null;
  capturedAt: Date;
  followersCount: number | null;
  followsCount: number | null;
  postsCount: number | null;
  isPrivate: boolean;
  engagementRate: number | null;
  engagementFormula: string | null;
  engagementPosts: number;
}

/** A snapshot to write. */
export interface NewProfileSnapshot {
  profileId: string;
  jobCallId: string | null;
  followersCount: number | null;
  followsCount: number | null;
  postsCount: number | null;
  isPrivate: boolean;
  engagementRate: number | null;
  engagementFormula: string;
  engagementPosts: number;
}

/**
 * Writes a snapshot (captured now) and sets the profile's current `engagement_rate` to its value.
 * @returns the new row's id
 */
export async function insertProfileSnapshot(q: Queryable, s: NewProfileSnapshot): Promise<string> {
  const res = await q.query<{ id: string }>(
    `WITH current AS (
       -- social_profiles.engagement_rate is numeric(12, 6): a value it cannot hold is left out there.
       UPDATE social_profiles SET engagement_rate = CASE WHEN abs($8::numeric) < 1000000 THEN round($8::numeric, 6) END WHERE id = $1
     )
     INSERT INTO profile_snapshots (social_profile_id, job_call_id, followers_count, follows_count, posts_count, is_private,
       engagement_rate, engagement_formula, engagement_posts)
     VALUES ($1, $2, $3::bigint, $4::bigint, $5::bigint, $6, $8::numeric, $7, $9)
     RETURNING id`,
    [
      s.profileId,
      s.jobCallId,
      s.followersCount,
      s.followsCount,
      s.postsCount,
      s.isPrivate,
      s.engagementFormula,
      s.engagementRate === null ? null : String(s.engagementRate),
      s.engagementPosts,
    ],
  );
  return idFromInt8(res.rows[0]!.id);
}

/** The latest `limit` snapshots of a profile, oldest first (for a growth chart). */
export async function listProfileSnapshots(q: Queryable, profileId: string, limit: number): Promise<ProfileSnapshotRow[]> {
  const res = await q.query<Record<string, unknown>>(
    `SELECT * FROM (
       SELECT id, social_profile_id, job_call_id, captured_at, followers_count, follows_count, posts_count, is_private,
         engagement_rate, engagement_formula, engagement_posts
       FROM profile_snapshots WHERE social_profile_id = $1 ORDER BY captured_at DESC, id DESC LIMIT $2
     ) s ORDER BY captured_at, id`,
    [profileId, limit],
  );
  return res.rows.map((r) => ({
    id: idFromInt8(r.id as string),
    profileId: idFromInt8(r.social_profile_id as string),
    jobCallId: r.job_call_id === null ? null : idFromInt8(r.job_call_id as string),
    capturedAt: r.captured_at as Date,
    followersCount: countFromInt8(r.followers_count as string | null),
    followsCount: countFromInt8(r.follows_count as string | null),
    postsCount: countFromInt8(r.posts_count as string | null),
    isPrivate: r.is_private as boolean,
    engagementRate: r.engagement_rate === null ? null : Number(r.engagement_rate),
    engagementFormula: r.engagement_formula as string | null,
    engagementPosts: countFromInt8(r.engagement_posts as number) ?? 0,
  }));
}
