// Queries on subscriptions: the edge "follower follows profile". followed_at is the first time
// sm-core saw the edge (not Instagram's follow time); last_seen_at / last_seen_job_call_id the latest.
import type { Queryable } from '../database.ts';
import { countFromInt8 } from '../int8.ts';

/** What one page's edge upsert changed. */
export interface EdgeUpsertResult {
  /** Edges that did not exist before (first seen now). */
  newEdges: number;
  /** Edges not yet seen in this run (the loop guard's "new ids", CASES.md C05). */
  newInRun: number;
}

/**
 * Upserts the edges from `profileId` to the followers with these ext ids in ONE statement, marking
 * them seen by run `jobCallId` now. A re-seen inactive edge becomes active again. Followers must be
 * stored first (same transaction); `extIds` must be distinct.
 */
export async function upsertSubscriptions(
  q: Queryable,
  edges: { profileId: string; platform: string; extIds: readonly string[]; jobCallId: string },
): Promise<EdgeUpsertResult> {
  if (edges.extIds.length === 0) return { newEdges: 0, newInRun: 0 };
  const res = await q.query<{ new_edges: string; new_in_run: string }>(
    `WITH page AS (
       SELECT f.id AS follower_id FROM followers f WHERE f.platform = $2 AND f.ext_id = ANY($3::text[])
     ), old AS (
       SELECT s.follower_id, s.last_seen_job_call_id FROM subscriptions s
       WHERE s.social_profile_id = $1 AND s.follower_id IN (SELECT follower_id FROM page)
     ), up AS (
       INSERT INTO subscriptions AS s (social_profile_id, follower_id, active, followed_at, last_seen_at, last_seen_job_call_id)
       SELECT $1, page.follower_id, true, now(), now(), $4 FROM page
       ON CONFLICT (social_profile_id, follower_id) DO UPDATE SET
         active = true, unfollowed_at = NULL, last_seen_at = now(), last_seen_job_call_id = EXCLUDED.last_seen_job_call_id,
         updated_at = now()
       RETURNING s.follower_id, (xmax = 0) AS inserted
     )
     SELECT count(*) FILTER (WHERE up.inserted) AS new_edges,
            count(*) FILTER (WHERE old.last_seen_job_call_id IS DISTINCT FROM $4::bigint) AS new_in_run
     FROM up LEFT JOIN old USING (follower_id)`,
    [edges.profileId, edges.platform, edges.extIds, edges.jobCallId],
  );
  const row = res.rows[0]!;
  return { newEdges: countFromInt8(row.new_edges) ?? 0, newInRun: countFromInt8(row.new_in_run) ?? 0 };
}

/** Number of active edges of a profile (followers currently stored as following it). */
export async function countActiveSubscriptions(q: Queryable, profileId: string): Promise<number> {
  const res = await q.query<{ n: string }>('SELECT count(*) AS n FROM subscriptions WHERE social_profile_id = $1 AND active', [profileId]);
  return countFromInt8(res.rows[0]!.n) ?? 0;
}
