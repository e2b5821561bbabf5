// Queries on subscriptions: the edge "follower follows profile". followed_at is the first time
// sm-core saw the edge (not Instagram's follow time); last_seen_at / last_seen_job_call_id the latest.
// The statements shared with followings (upsert with events, closing unseen edges) live in edges.ts.
import type { Queryable } from '../database.ts';
import { countActiveEdges, type EdgeUpsertResult, upsertEdges } from './edges.ts';

export type { EdgeUpsertResult } from './edges.ts';

/**
 * Upserts the edges from `profileId` to the followers with these ext ids in ONE statement, marking
 * them seen by run `jobCallId` now and writing their followed/refollowed events (see
 * {@link upsertEdges}). Followers must be stored first (same transaction); `extIds` must be distinct.
 */
export async function upsertSubscriptions(
  q: Queryable,
  edges: { profileId: string; platform: string; extIds: readonly string[]; jobCallId: string },
): Promise<EdgeUpsertResult> {
  return upsertEdges(q, 'followers', edges);
}

/** Number of active edges of a profile (followers currently stored as following it). */
export async function countActiveSubscriptions(q: Queryable, profileId: string): Promise<number> {
  return countActiveEdges(q, 'followers', profileId);
}
