// Queries on followers (accounts seen in a profile's followers list). One batched statement per page.
import type { FollowerRecord } from '../../providers/types.ts';
import type { Queryable } from '../database.ts';

/**
 * Keeps the last record for each (platform, ext_id) (order: by last occurrence). A page may list one
 * account twice (a rename between two requests): Postgres refuses to upsert one row twice in a
 * statement (SQLSTATE 21000), and the later record is the newer one (CASES.md C15).
 */
export function dedupeByExtId<T extends { platform: string; extId: string }>(records: readonly T[]): T[] {
  const byKey = new Map<string, T>();
  for (const r of records) {
    const key = `${r.platform}\u0000${r.extId}`;
    byKey.delete(key); // last wins
    byKey.set(key, r);
  }
  return [...byKey.values()];
}

/**
 * Inserts or updates followers by (platform, ext_id) in ONE statement built on `unnest` (eight array
 * parameters whatever the page size, so the 65,535-parameter limit never applies: CASES.md C16).
 * The provider id is the identity: a rename updates `username` and the old name is kept in
 * username_history (same statement); no index is unique on usernames, so a name released by one
 * account and taken by another never conflicts, in any order on a page.
 * Records must already be deduplicated ({@link dedupeByExtId}).
 * @param jobCallId the run that saw the records (recorded with renames)
 * @returns rows written (inserted or updated)
 */
export async function upsertFollowers(q: Queryable, users: readonly FollowerRecord[], jobCallId: string | null = null): Promise<number> {
  if (users.length === 0) return 0;
  const res = await q.query<{ n: string }>(
    `WITH input AS (
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[], $7::boolean[], $8::jsonb[])
         AS i (platform, ext_id, username, full_name, avatar, is_private, is_verified, raw_data)
     ), renamed AS (
       INSERT INTO username_history (platform, ext_id, old_username, new_username, seen_in, job_call_id)
       SELECT f.platform, f.ext_id, f.username, i.username, 'list', $9::bigint
       FROM input i JOIN followers f ON f.platform = i.platform AND f.ext_id = i.ext_id
       WHERE f.username IS DISTINCT FROM i.username
     ), up AS (
       INSERT INTO followers AS f (platform, ext_id, username, full_name, avatar, is_private, is_verified, raw_data)
       SELECT * FROM input
       ON CONFLICT (platform, ext_id) DO UPDATE SET
         username = EXCLUDED.username, full_name = EXCLUDED.full_name, avatar = EXCLUDED.avatar,
         is_private = EXCLUDED.is_private, is_verified = EXCLUDED.is_verified, raw_data = EXCLUDED.raw_data,
         updated_at = now()
       RETURNING 1
     )
     SELECT count(*) AS n FROM up`,
    [
      users.map((u) => u.platform),
      users.map((u) => u.extId),
      users.map((u) => u.username),
      users.map((u) => u.fullName),
      users.map((u) => u.avatar),
      users.map((u) => u.isPrivate),
      users.map((u) => u.isVerified),
      users.map((u) => JSON.stringify(u.raw ?? null)),
      jobCallId,
    ],
  );
  return Number(res.rows[0]?.n ?? 0);
}
