// Audience quality of one profile (`sm-core audience`, docs/analytics.md): shares of its ACTIVE
// followers by account flags and handle shape, and its followers gained / lost per UTC day from
// subscription_events. The formula ids named here are the ones docs/analytics.md defines; a changed
// formula gets a new id.
import type { Queryable } from '../database.ts';
import { countFromInt8, idFromInt8 } from '../int8.ts';

/**
 * bot_handle_v1: a handle looks machine-made when it holds a run of 5 or more digits, or when it is
 * at least 6 characters long and more than half of them are digits. SQL condition on `a.username`.
 */
export const BOT_HANDLE_V1_SQL = `(a.username ~ '[0-9]{5,}' OR (length(a.username) >= 6
  AND length(regexp_replace(a.username, '[^0-9]', '', 'g')) * 2 > length(a.username)))`;

/** Counts behind the quality shares (accounts). */
export interface AudienceCounts {
  /** Active followers: the denominator of private, verified and bot-like shares. */
  followers: number;
  private: number;
  verified: number;
  /** Followers whose stored record carries the provider's has_anonymous_profile_picture flag: the no-picture denominator. */
  pictureKnown: number;
  /** ... of which the flag is true (Instagram's default picture). */
  noPicture: number;
  /** bot_handle_v1 matches. */
  botLike: number;
}

/** Counts of the profile's active followers by flag (one pass). */
export async function countAudience(q: Queryable, profileId: string): Promise<AudienceCounts> {
  const res = await q.query<Record<string, string>>(
    `SELECT count(*) AS followers,
            count(*) FILTER (WHERE a.is_private) AS private,
            count(*) FILTER (WHERE a.is_verified) AS verified,
            count(*) FILTER (WHERE jsonb_typeof(a.raw_data -> 'has_anonymous_profile_picture') = 'boolean') AS picture_known,
            count(*) FILTER (WHERE a.raw_data -> 'has_anonymous_profile_picture' = 'true'::jsonb) AS no_picture,
            count(*) FILTER (WHERE ${BOT_HANDLE_V1_SQL}) AS bot_like
     FROM subscriptions s JOIN followers a ON a.id = s.follower_id
     WHERE s.social_profile_id = $1 AND s.active`,
    [profileId],
  );
  const r = res.rows[0]!;
  const n = (k: string) => countFromInt8(r[k]) ?? 0;
  return {
    followers: n('followers'),
    private: n('private'),
    verified: n('verified'),
    pictureKnown: n('picture_known'),
    noPicture: n('no_picture'),
    botLike: n('bot_like'),
  };
}

/** Followers gained and lost on one UTC day, and the runs behind the figures. */
export interface DailyChange {
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  /** followed + refollowed events that are not baseline. */
  gained: number;
  /** unfollowed events (only complete runs write them). */
  lost: number;
  /** Runs that recorded the day's gained/lost events, ascending. */
  runIds: string[];
  /** Complete (succeeded) followers runs that ended this day, ascending: the day is "observed" when there is one. */
  completeRunIds: string[];
}

/**
 * Every UTC day from `from` to `to` (inclusive, `YYYY-MM-DD`) with the profile's followers gained
 * and lost that day; days without events have zeros.
 */
export async function listDailyChanges(q: Queryable, profileId: string, from: string, to: string): Promise<DailyChange[]> {
  const res = await q.query<{ day: string; gained: string; lost: string; run_ids: string[] | null; complete_run_ids: string[] | null }>(
    `WITH days AS (SELECT d::date AS day FROM generate_series($2::date, $3::date, interval '1 day') AS d),
     ev AS (
       SELECT (v.occurred_at AT TIME ZONE 'UTC')::date AS day,
              count(*) FILTER (WHERE v.event IN ('followed', 'refollowed') AND NOT v.baseline) AS gained,
              count(*) FILTER (WHERE v.event = 'unfollowed') AS lost,
              array_agg(DISTINCT v.job_call_id ORDER BY v.job_call_id)
                FILTER (WHERE v.job_call_id IS NOT NULL AND (v.event = 'unfollowed' OR NOT v.baseline)) AS run_ids
       FROM subscription_events v
       WHERE v.social_profile_id = $1
         AND v.occurred_at >= ($2::date AT TIME ZONE 'UTC') AND v.occurred_at < (($3::date + 1) AT TIME ZONE 'UTC')
       GROUP BY 1
     ),
     runs AS (
       SELECT (j.finished_at AT TIME ZONE 'UTC')::date AS day, array_agg(j.id ORDER BY j.id) AS complete_run_ids
       FROM job_calls j
       WHERE j.subject_id = $1 AND j.kind = 'followers' AND j.status = 'succeeded'
         AND j.finished_at >= ($2::date AT TIME ZONE 'UTC') AND j.finished_at < (($3::date + 1) AT TIME ZONE 'UTC')
       GROUP BY 1
     )
     SELECT to_char(days.day, 'YYYY-MM-DD') AS day, coalesce(ev.gained, 0) AS gained, coalesce(ev.lost, 0) AS lost,
            ev.run_ids::text[] AS run_ids, runs.complete_run_ids::text[] AS complete_run_ids
     FROM days LEFT JOIN ev USING (day) LEFT JOIN runs USING (day) ORDER BY days.day`,
    [profileId, from, to],
  );
  return res.rows.map((r) => ({
    day: r.day,
    gained: countFromInt8(r.gained) ?? 0,
    lost: countFromInt8(r.lost) ?? 0,
    runIds: (r.run_ids ?? []).map(idFromInt8),
    completeRunIds: (r.complete_run_ids ?? []).map(idFromInt8),
  }));
}
