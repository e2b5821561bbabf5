// Queries on the two edge tables and their event tables (sql/0006): `subscriptions` (follower_id
// FOLLOWS social_profile_id) with `subscription_events`, and `followings` (social_profile_id FOLLOWS
// followed_id) with `following_events`. Both share one shape, so the statements are written once
// and take their identifiers from EDGE_TABLES (fixed names, never input); values are always bound.
import type { Queryable } from '../database.ts';
import { countFromInt8 } from '../int8.ts';

/** Which list of a profile: its followers, or the accounts it follows (its followings). */
export type EdgeList = 'followers' | 'followings';

/** Table and column names of each list. `account` is the other side of the edge, named by its role. */
export const EDGE_TABLES = {
  followers: { edges: 'subscriptions', events: 'subscription_events', account: 'follower_id', baseline: 'followers_baseline_at' },
  followings: { edges: 'followings', events: 'following_events', account: 'followed_id', baseline: 'followings_baseline_at' },
} as const satisfies Record<EdgeList, { edges: string; events: string; account: string; baseline: string }>;

/** What one page's edge upsert changed. */
export interface EdgeUpsertResult {
  /** Edges that did not exist before (first seen now). */
  newEdges: number;
  /** Edges not yet seen in this run (counted into the run's distinct accounts). */
  newInRun: number;
  /**
   * Edges not yet seen in the run's current pass (the loop guard's "new ids", CASES.md C05): equal
   * to `newInRun` unless the run restarted its list on another provider (`passStartedAt`).
   */
  newInPass: number;
  /** followed + refollowed events written that are not baseline (the run's "new" accounts). */
  gained: number;
  /** Inactive edges seen again (refollowed events). */
  refollowed: number;
}

/**
 * Upserts the edges between `profileId` and the accounts with these ext ids in ONE statement,
 * marking them seen by run `jobCallId` now, and writes their events in the same statement: a
 * `followed` event for a new edge, `refollowed` for an inactive one seen again. Events written
 * while the profile has no baseline for this list carry `baseline = true`. `followed_at` is never
 * changed (first seen). Accounts must be stored first (same transaction); `extIds` must be distinct.
 * `passStartedAt` (the run's `list_restarted_at`, sql/0009) makes edges last seen before it count
 * as new in the pass (`newInPass`) though the run saw them already.
 */
export async function upsertEdges(
  q: Queryable,
  list: EdgeList,
  edges: { profileId: string; platform: string; extIds: readonly string[]; jobCallId: string; passStartedAt?: Date | null },
): Promise<EdgeUpsertResult> {
  if (edges.extIds.length === 0) return { newEdges: 0, newInRun: 0, newInPass: 0, gained: 0, refollowed: 0 };
  const t = EDGE_TABLES[list];
  const res = await q.query<{ new_edges: string; new_in_run: string; new_in_pass: string; gained: string; refollowed: string }>(
    `WITH page AS (
       SELECT a.id AS account_id FROM followers a WHERE a.platform = $2 AND a.ext_id = ANY($3::text[])
     ), old AS (
       SELECT e.${t.account} AS account_id, e.active, e.last_seen_job_call_id, e.last_seen_at FROM ${t.edges} e
       WHERE e.social_profile_id = $1 AND e.${t.account} IN (SELECT account_id FROM page)
     ), up AS (
       INSERT INTO ${t.edges} AS e (social_profile_id, ${t.account}, active, followed_at, last_seen_at, last_seen_job_call_id)
       SELECT $1, page.account_id, true, now(), now(), $4 FROM page
       ON CONFLICT (social_profile_id, ${t.account}) DO UPDATE SET
         active = true, unfollowed_at = NULL, last_seen_at = now(), last_seen_job_call_id = EXCLUDED.last_seen_job_call_id,
         updated_at = now()
       RETURNING e.${t.account} AS account_id, (xmax = 0) AS inserted
     ), changes AS (
       SELECT up.account_id, CASE WHEN up.inserted THEN 'followed' ELSE 'refollowed' END AS event
       FROM up LEFT JOIN old USING (account_id)
       WHERE up.inserted OR NOT old.active
     ), profile AS (
       SELECT p.${t.baseline} IS NULL AS before_baseline FROM social_profiles p WHERE p.id = $1
     ), ev AS (
       INSERT INTO ${t.events} (social_profile_id, ${t.account}, event, baseline, job_call_id, occurred_at)
       SELECT $1, c.account_id, c.event, coalesce((SELECT before_baseline FROM profile), true), $4, now() FROM changes c
       RETURNING event, baseline
     )
     SELECT (SELECT count(*) FROM up WHERE inserted) AS new_edges,
            seen.new_in_run, seen.new_in_pass,
            (SELECT count(*) FROM ev WHERE NOT baseline) AS gained,
            (SELECT count(*) FROM ev WHERE event = 'refollowed') AS refollowed
     FROM (SELECT count(*) FILTER (WHERE old.last_seen_job_call_id IS DISTINCT FROM $4::bigint) AS new_in_run,
                  count(*) FILTER (WHERE old.last_seen_job_call_id IS DISTINCT FROM $4::bigint
                                      OR old.last_seen_at < $5::timestamptz) AS new_in_pass
           FROM up LEFT JOIN old USING (account_id)) seen`,
    [edges.profileId, edges.platform, edges.extIds, edges.jobCallId, edges.passStartedAt ?? null],
  );
  const row = res.rows[0]!;
  const n = (v: string) => countFromInt8(v) ?? 0;
  return {
    newEdges: n(row.new_edges),
    newInRun: n(row.new_in_run),
    newInPass: n(row.new_in_pass),
    gained: n(row.gained),
    refollowed: n(row.refollowed),
  };
}

/**
 * The end of a COMPLETE run, set-based: every active edge of the profile that run `jobCallId` did
 * not see becomes inactive (`unfollowed_at = now()`) with an `unfollowed` event, and the profile's
 * baseline for this list is set when it had none. An account this run set aside in
 * quarantined_records (its id readable from the raw payload) counts as seen: a record we could not
 * validate is no proof that the edge is gone. Never call it for a partial run.
 * @returns edges turned inactive, and whether this run became the profile's baseline
 */
export async function closeUnseenEdges(
  q: Queryable,
  list: EdgeList,
  run: { profileId: string; platform: string; jobCallId: string },
): Promise<{ unfollowed: number; baseline: boolean }> {
  const t = EDGE_TABLES[list];
  const res = await q.query<{ unfollowed: string; baseline: boolean }>(
    `WITH spared AS (
       SELECT a.id AS account_id FROM quarantined_records r
       JOIN followers a ON a.platform = $3
         AND a.ext_id = coalesce(r.raw_data ->> 'pk_id', r.raw_data ->> 'pk', r.raw_data ->> 'id', r.raw_data ->> 'strong_id__')
       WHERE r.job_call_id = $2
     ), gone AS (
       UPDATE ${t.edges} e SET active = false, unfollowed_at = now(), updated_at = now()
       WHERE e.social_profile_id = $1 AND e.active AND e.last_seen_job_call_id IS DISTINCT FROM $2::bigint
         AND e.${t.account} NOT IN (SELECT account_id FROM spared)
       RETURNING e.${t.account} AS account_id
     ), ev AS (
       INSERT INTO ${t.events} (social_profile_id, ${t.account}, event, baseline, job_call_id, occurred_at)
       SELECT $1, account_id, 'unfollowed', false, $2, now() FROM gone
     ), base AS (
       UPDATE social_profiles SET ${t.baseline} = now() WHERE id = $1 AND ${t.baseline} IS NULL RETURNING id
     )
     SELECT (SELECT count(*) FROM gone) AS unfollowed, EXISTS (SELECT 1 FROM base) AS baseline`,
    [run.profileId, run.jobCallId, run.platform],
  );
  const row = res.rows[0]!;
  return { unfollowed: countFromInt8(row.unfollowed) ?? 0, baseline: row.baseline };
}

/** Number of active edges of a profile in `list`. */
export async function countActiveEdges(q: Queryable, list: EdgeList, profileId: string): Promise<number> {
  const t = EDGE_TABLES[list];
  const res = await q.query<{ n: string }>(`SELECT count(*) AS n FROM ${t.edges} WHERE social_profile_id = $1 AND active`, [profileId]);
  return countFromInt8(res.rows[0]!.n) ?? 0;
}
