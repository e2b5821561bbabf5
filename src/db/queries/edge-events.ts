// Read queries on a profile's edges and their events (sql/0006) for the CLI (`sm-core followers`,
// `sm-core show`) and analysts: current followers, new and lost ones in a window or since the
// previous complete run. Identifiers come from EDGE_TABLES (fixed names); values are bound.
import type { Queryable } from '../database.ts';
import { idFromInt8 } from '../int8.ts';
import { EDGE_TABLES, type EdgeList } from './edges.ts';

/** An account on the other side of an edge, as listed. */
export interface EdgeAccount {
  extId: string;
  username: string;
  fullName: string | null;
}

/** A current (active) edge. `followedAt` is the first time sm-core saw it, not Instagram's follow time. */
export interface ActiveEdgeRow extends EdgeAccount {
  followedAt: Date;
  lastSeenAt: Date | null;
  lastSeenRunId: string | null;
}

/** One change of an edge. */
export interface EdgeEventRow extends EdgeAccount {
  event: 'followed' | 'unfollowed' | 'refollowed';
  occurredAt: Date;
  runId: string | null;
}

/** A time window [since, until) on first-seen times or event times; either end open. */
export interface Window {
  since?: Date | null;
  until?: Date | null;
}

/** Keyset page: rows after `afterId` (internal row id), at most `limit`. */
interface Page {
  limit: number;
  afterId?: string | null;
}

/**
 * Active edges of a profile in `list`, optionally first seen inside `window`, ordered by row id.
 * @returns rows plus `lastId` to continue from (null when this was the last page)
 */
export async function listActiveEdges(
  q: Queryable,
  list: EdgeList,
  profileId: string,
  window: Window,
  page: Page,
): Promise<{ rows: ActiveEdgeRow[]; lastId: string | null }> {
  const t = EDGE_TABLES[list];
  const res = await q.query<Record<string, unknown>>(
    `SELECT e.id, a.ext_id, a.username, a.full_name, e.followed_at, e.last_seen_at, e.last_seen_job_call_id
     FROM ${t.edges} e JOIN followers a ON a.id = e.${t.account}
     WHERE e.social_profile_id = $1 AND e.active
       AND ($2::timestamptz IS NULL OR e.followed_at >= $2) AND ($3::timestamptz IS NULL OR e.followed_at < $3)
       AND ($4::bigint IS NULL OR e.id > $4)
     ORDER BY e.id LIMIT $5`,
    [profileId, window.since ?? null, window.until ?? null, page.afterId ?? null, page.limit],
  );
  const rows = res.rows.map((r) => ({
    extId: r.ext_id as string,
    username: r.username as string,
    fullName: r.full_name as string | null,
    followedAt: r.followed_at as Date,
    lastSeenAt: r.last_seen_at as Date | null,
    lastSeenRunId: r.last_seen_job_call_id === null ? null : idFromInt8(r.last_seen_job_call_id as string),
  }));
  const last = res.rows.length === page.limit ? idFromInt8(res.rows[res.rows.length - 1]!.id as string) : null;
  return { rows, lastId: last };
}

/** Which events to list: gains (followed + refollowed, never baseline) or losses (unfollowed). */
export type EventFilter = 'gained' | 'lost';

/**
 * Events of a profile's `list` edges: gains or losses, inside `window` (event time) and/or recorded
 * by runs with an id above `afterRunId` (runs after a given complete run) and at most `throughRunId`
 * (up to a given complete run), oldest first.
 * Baseline events are never gains: they are the first inventory, not new followers.
 */
export async function listEdgeEvents(
  q: Queryable,
  list: EdgeList,
  profileId: string,
  filter: EventFilter,
  scope: Window & { afterRunId?: string | null; throughRunId?: string | null },
  page: Page,
): Promise<{ rows: EdgeEventRow[]; lastId: string | null }> {
  const t = EDGE_TABLES[list];
  const res = await q.query<Record<string, unknown>>(
    `SELECT v.id, a.ext_id, a.username, a.full_name, v.event, v.occurred_at, v.job_call_id
     FROM ${t.events} v JOIN followers a ON a.id = v.${t.account}
     WHERE v.social_profile_id = $1
       AND (CASE WHEN $2 = 'lost' THEN v.event = 'unfollowed' ELSE v.event IN ('followed', 'refollowed') AND NOT v.baseline END)
       AND ($3::timestamptz IS NULL OR v.occurred_at >= $3) AND ($4::timestamptz IS NULL OR v.occurred_at < $4)
       AND ($5::bigint IS NULL OR v.job_call_id > $5)
       AND ($6::bigint IS NULL OR v.id > $6)
       AND ($8::bigint IS NULL OR v.job_call_id <= $8)
     ORDER BY v.id LIMIT $7`,
    [
      profileId,
      filter,
      scope.since ?? null,
      scope.until ?? null,
      scope.afterRunId ?? null,
      page.afterId ?? null,
      page.limit,
      scope.throughRunId ?? null,
    ],
  );
  const rows = res.rows.map((r) => ({
    extId: r.ext_id as string,
    username: r.username as string,
    fullName: r.full_name as string | null,
    event: r.event as EdgeEventRow['event'],
    occurredAt: r.occurred_at as Date,
    runId: r.job_call_id === null ? null : idFromInt8(r.job_call_id as string),
  }));
  const last = res.rows.length === page.limit ? idFromInt8(res.rows[res.rows.length - 1]!.id as string) : null;
  return { rows, lastId: last };
}

/** Complete (succeeded) runs of a profile's list, newest first: at most `limit` ids with their end times. */
export async function listCompleteRuns(
  q: Queryable,
  list: EdgeList,
  profileId: string,
  limit: number,
): Promise<Array<{ id: string; finishedAt: Date }>> {
  const res = await q.query<{ id: string; finished_at: Date }>(
    `SELECT id, finished_at FROM job_calls WHERE subject_id = $1 AND kind = $2 AND status = 'succeeded'
     ORDER BY id DESC LIMIT $3`,
    [profileId, list, limit],
  );
  return res.rows.map((r) => ({ id: idFromInt8(r.id), finishedAt: r.finished_at }));
}

/**
 * Scope of "new and lost since the previous complete run": events recorded by runs after the
 * second-newest complete run (the newest complete run and anything after it), or every event when
 * the profile has fewer than two complete runs (baseline events are excluded from gains anyway).
 */
export async function sincePreviousCompleteRun(
  q: Queryable,
  list: EdgeList,
  profileId: string,
): Promise<{
  afterRunId: string | null;
  previous: { id: string; finishedAt: Date } | null;
  latest: { id: string; finishedAt: Date } | null;
}> {
  const [latest, previous] = await listCompleteRuns(q, list, profileId, 2);
  return { afterRunId: previous?.id ?? null, previous: previous ?? null, latest: latest ?? null };
}

/** A complete run of a profile's list with what changed since the complete run before it. */
export interface CompleteRunChanges {
  id: string;
  finishedAt: Date;
  /** The profile's first complete run of the list: its accounts are the baseline, none is new. */
  baseline: boolean;
  /** The complete run before it (null for the first one). */
  previousId: string | null;
  /** Gains (followed, refollowed; never baseline) and losses recorded by runs after `previousId` up to this run. */
  gained: number;
  lost: number;
}

/**
 * A page of the complete (succeeded) runs of a profile's `list`, newest first, each with the gains
 * and losses recorded by the runs after the previous complete run up to it (the window `show` uses
 * for the newest one). `total` counts every complete run of the list.
 */
export async function listCompleteRunChanges(
  q: Queryable,
  list: EdgeList,
  profileId: string,
  page: { limit: number; offset: number },
): Promise<{ runs: CompleteRunChanges[]; total: number }> {
  const t = EDGE_TABLES[list];
  const res = await q.query<Record<string, unknown>>(
    `WITH complete AS (
       SELECT id, finished_at, baseline, lag(id) OVER (ORDER BY id) AS previous_id, count(*) OVER () AS total
       FROM job_calls WHERE subject_id = $1 AND kind = $2 AND status = 'succeeded'
     ), shown AS (SELECT * FROM complete ORDER BY id DESC LIMIT $3 OFFSET $4)
     SELECT s.id, s.finished_at, s.baseline, s.previous_id, s.total,
       -- One range of the job_call_id index per run: (previous complete run, this run].
       (SELECT count(*) FROM ${t.events} v WHERE v.job_call_id > coalesce(s.previous_id, 0) AND v.job_call_id <= s.id
          AND v.social_profile_id = $1 AND v.event IN ('followed', 'refollowed') AND NOT v.baseline) AS gained,
       (SELECT count(*) FROM ${t.events} v WHERE v.job_call_id > coalesce(s.previous_id, 0) AND v.job_call_id <= s.id
          AND v.social_profile_id = $1 AND v.event = 'unfollowed') AS lost
     FROM shown s ORDER BY s.id DESC`,
    [profileId, list, page.limit, page.offset],
  );
  return {
    // A page past the end has no row to read the total from.
    total: res.rows[0] ? Number(res.rows[0].total) : await countCompleteRuns(q, list, profileId),
    runs: res.rows.map((r) => ({
      id: idFromInt8(r.id as string),
      finishedAt: r.finished_at as Date,
      baseline: r.baseline === true,
      previousId: r.previous_id === null ? null : idFromInt8(r.previous_id as string),
      gained: Number(r.gained),
      lost: Number(r.lost),
    })),
  };
}

async function countCompleteRuns(q: Queryable, list: EdgeList, profileId: string): Promise<number> {
  const res = await q.query<{ n: string }>(
    `SELECT count(*) AS n FROM job_calls WHERE subject_id = $1 AND kind = $2 AND status = 'succeeded'`,
    [profileId, list],
  );
  return Number(res.rows[0]!.n);
}
