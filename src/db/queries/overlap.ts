// Audience overlap of several profiles (`sm-core overlap`, docs/analytics.md formula overlap_v1):
// from ACTIVE subscriptions only, per pair the shared followers and the Jaccard index, for the set
// the unique reach (distinct followers). Everything is counted in SQL:
// - two profiles: one merge join of their active edges in follower order over the partial index
//   subscriptions_active_profile_follower_idx (sql/0013), reach = |A| + |B| - |A ∩ B|;
// - three or more: one pass that groups their active edges by follower into a bit mask of the
//   profiles it follows; sizes, every pair and the reach are sums over the (at most 2^n) masks.
import type { Queryable } from '../database.ts';
import { countFromInt8, idFromInt8 } from '../int8.ts';

/** Most profiles one overlap compares (the bit mask is a bigint; the table of pairs grows as n²). */
export const MAX_OVERLAP_PROFILES = 16;

/** One pair of the set, by position in the input (0-based). */
export interface OverlapPair {
  a: number;
  b: number;
  /** Followers of both (accounts). */
  shared: number;
  /** shared / (|A| + |B| - shared); null when both lists are empty. */
  jaccard: number | null;
}

/** The overlap of a set of profiles. */
export interface OverlapResult {
  /** Active followers of each profile, in input order. */
  sizes: number[];
  pairs: OverlapPair[];
  /** Distinct followers across the set. */
  reach: number;
}

function jaccard(sizeA: number, sizeB: number, shared: number): number | null {
  const union = sizeA + sizeB - shared;
  return union === 0 ? null : shared / union;
}

/**
 * Measures the overlap of `profileIds` (2 to {@link MAX_OVERLAP_PROFILES} distinct profile row ids).
 * @throws RangeError on fewer than 2 or more than the maximum ids
 */
export async function measureOverlap(q: Queryable, profileIds: readonly string[]): Promise<OverlapResult> {
  if (profileIds.length < 2 || profileIds.length > MAX_OVERLAP_PROFILES) {
    throw new RangeError(`overlap compares 2 to ${MAX_OVERLAP_PROFILES} profiles (got ${profileIds.length})`);
  }
  return profileIds.length === 2 ? overlapOfTwo(q, profileIds) : overlapOfMany(q, profileIds);
}

async function overlapOfTwo(q: Queryable, ids: readonly string[]): Promise<OverlapResult> {
  const res = await q.query<{ size_a: string; size_b: string; shared: string }>(
    `SELECT (SELECT count(*) FROM subscriptions WHERE social_profile_id = $1 AND active) AS size_a,
            (SELECT count(*) FROM subscriptions WHERE social_profile_id = $2 AND active) AS size_b,
            (SELECT count(*) FROM subscriptions x JOIN subscriptions y ON y.follower_id = x.follower_id
              WHERE x.social_profile_id = $1 AND x.active AND y.social_profile_id = $2 AND y.active) AS shared`,
    [ids[0], ids[1]],
  );
  const r = res.rows[0]!;
  const a = countFromInt8(r.size_a) ?? 0;
  const b = countFromInt8(r.size_b) ?? 0;
  const shared = countFromInt8(r.shared) ?? 0;
  return { sizes: [a, b], pairs: [{ a: 0, b: 1, shared, jaccard: jaccard(a, b, shared) }], reach: a + b - shared };
}

async function overlapOfMany(q: Queryable, ids: readonly string[]): Promise<OverlapResult> {
  // masks: followers grouped by the set of profiles they follow (bit k = input position k).
  const res = await q.query<{ kind: string; i: number; j: number; n: string }>(
    `WITH p AS (SELECT id, (ord - 1)::int AS k FROM unnest($1::bigint[]) WITH ORDINALITY AS p (id, ord)),
     -- array_position, not a join with p: a join runs a nested loop over every edge (twice as slow).
     per_follower AS (
       SELECT bit_or(1::bigint << (array_position($1::bigint[], s.social_profile_id) - 1)) AS mask FROM subscriptions s
       WHERE s.social_profile_id = ANY ($1::bigint[]) AND s.active GROUP BY s.follower_id
     ),
     masks AS (SELECT mask, count(*) AS n FROM per_follower GROUP BY mask)
     SELECT 'size' AS kind, p.k AS i, p.k AS j, coalesce(sum(m.n) FILTER (WHERE m.mask & (1::bigint << p.k) <> 0), 0) AS n
       FROM p CROSS JOIN masks m GROUP BY p.k
     UNION ALL
     SELECT 'pair', a.k, b.k, coalesce(sum(m.n) FILTER (WHERE m.mask & (1::bigint << a.k) <> 0 AND m.mask & (1::bigint << b.k) <> 0), 0)
       FROM p a JOIN p b ON a.k < b.k CROSS JOIN masks m GROUP BY a.k, b.k
     UNION ALL
     SELECT 'reach', -1, -1, coalesce(sum(n), 0) FROM masks`,
    [ids],
  );
  const sizes = ids.map(() => 0);
  const shared = new Map<string, number>();
  let reach = 0;
  for (const r of res.rows) {
    const n = countFromInt8(r.n) ?? 0;
    if (r.kind === 'size') sizes[r.i] = n;
    else if (r.kind === 'pair') shared.set(`${r.i}:${r.j}`, n);
    else reach = n;
  }
  const pairs: OverlapPair[] = [];
  for (let a = 0; a < ids.length; a++) {
    for (let b = a + 1; b < ids.length; b++) {
      const s = shared.get(`${a}:${b}`) ?? 0;
      pairs.push({ a, b, shared: s, jaccard: jaccard(sizes[a]!, sizes[b]!, s) });
    }
  }
  return { sizes, pairs, reach };
}

/** A follower of at least two profiles of the set. */
export interface SharedFollowerRow {
  extId: string;
  username: string;
  fullName: string | null;
  /** Input positions (0-based) of the profiles it follows, ascending. */
  follows: number[];
}

/**
 * One page of the followers that follow at least two of `profileIds` (active edges), ordered by
 * account row id (keyset: rows after `afterId`).
 * @returns rows plus `lastId` to continue from (null when this was the last page)
 */
export async function listSharedFollowers(
  q: Queryable,
  profileIds: readonly string[],
  page: { limit: number; afterId?: string | null },
): Promise<{ rows: SharedFollowerRow[]; lastId: string | null }> {
  const res = await q.query<{ follower_id: string; ext_id: string; username: string; full_name: string | null; follows: number[] }>(
    `WITH shared AS (
       SELECT s.follower_id, array_agg(array_position($1::bigint[], s.social_profile_id) - 1 ORDER BY array_position($1::bigint[], s.social_profile_id)) AS follows
       FROM subscriptions s
       WHERE s.social_profile_id = ANY ($1::bigint[]) AND s.active AND ($2::bigint IS NULL OR s.follower_id > $2)
       GROUP BY s.follower_id HAVING count(*) >= 2
       ORDER BY s.follower_id LIMIT $3
     )
     SELECT sh.follower_id, a.ext_id, a.username, a.full_name, sh.follows
     FROM shared sh JOIN followers a ON a.id = sh.follower_id ORDER BY sh.follower_id`,
    [profileIds, page.afterId ?? null, page.limit],
  );
  const rows = res.rows.map((r) => ({ extId: r.ext_id, username: r.username, fullName: r.full_name, follows: r.follows.map(Number) }));
  const lastId = res.rows.length === page.limit ? idFromInt8(res.rows[res.rows.length - 1]!.follower_id) : null;
  return { rows, lastId };
}
