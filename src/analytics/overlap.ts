// Audience overlap of several profiles (`sm-core overlap`, GET /api/v1/overlap): per pair the shared
// followers and the Jaccard index, for the set the unique reach (formula overlap_v1,
// docs/analytics.md), from active subscriptions, and the followers shared by at least two of them.
// The CLI streams the shared followers page by page and the API answers one page; both print the
// head and the rows built here, so their JSON is the same. Refuses (exit 12) while a followers list
// never completed.
import type { Queryable } from '../db/database.ts';
import { listSharedFollowers, MAX_OVERLAP_PROFILES, measureOverlap, type OverlapResult } from '../db/queries/overlap.ts';
import { UsageError } from '../errors.ts';
import { type AnalyzedProfile, freshnessJson, type ListFreshness, requireCompleteList } from './list-freshness.ts';
import { readOnePage } from './page.ts';

/** Formula id of the pair and set figures. */
export const OVERLAP_FORMULA = 'overlap_v1';

/** A follower of at least two of the profiles (a type alias, so it is a plain record for the CSV writer). */
export type SharedFollower = {
  ext_id: string;
  username: string;
  full_name: string | null;
  /** Usernames of the profiles of the set it follows, in input order. */
  follows: string[];
};

/** CSV columns of a shared follower, in order. */
export const SHARED_FOLLOWER_COLUMNS = ['ext_id', 'username', 'full_name', 'follows'] as const;

/** One pair as printed. */
export interface OverlapPairJson {
  a: string;
  b: string;
  shared: number;
  /** |A| + |B| - shared */
  union: number;
  /** shared / union rounded to 6 decimals; null when both lists are empty. */
  jaccard: number | null;
}

/** The report without the shared followers: what `sm-core overlap --json` prints. */
export interface OverlapHead {
  formula: string;
  source: 'active subscriptions';
  profiles: Array<{ username: string; ext_id: string; followers: number; last_complete_run: { run_id: string; finished_at: string } }>;
  pairs: OverlapPairJson[];
  reach: number;
}

/** With `--list` / `list=true`: the head and the shared followers. */
export interface OverlapListReport extends OverlapHead {
  shared_followers: SharedFollower[];
}

/** A measured set: the head, each list's freshness, and a page reader for the shared followers. */
export interface OverlapSource {
  head: OverlapHead;
  result: OverlapResult;
  runs: ListFreshness[];
  /** Shared followers after the keyset cursor `afterId` (null: from the start), at most `size`; `lastId` null at the end. */
  page(afterId: string | null, size: number): Promise<{ rows: SharedFollower[]; lastId: string | null }>;
}

const ratio = (x: number | null) => (x === null ? null : Math.round(x * 1e6) / 1e6);

/**
 * Measures the overlap of `profiles` (2 to 16, in the order given).
 * @throws UsageError when the count is out of range or a profile is named twice; AppError exit 12 when
 *   a followers list never completed
 */
export async function openOverlap(db: Queryable, profiles: readonly AnalyzedProfile[]): Promise<OverlapSource> {
  if (profiles.length < 2 || profiles.length > MAX_OVERLAP_PROFILES) {
    throw new UsageError(`overlap compares 2 to ${MAX_OVERLAP_PROFILES} profiles (got ${profiles.length})`);
  }
  for (const [i, p] of profiles.entries()) {
    if (profiles.findIndex((x) => x.id === p.id) !== i) throw new UsageError(`@${p.username} is named twice: give each profile once`);
  }
  const runs: ListFreshness[] = [];
  for (const p of profiles) runs.push(await requireCompleteList(db, p, 'followers', 'the overlap'));
  const ids = profiles.map((p) => p.id);
  const result = await measureOverlap(db, ids);
  const name = (i: number) => profiles[i]!.username;
  const head: OverlapHead = {
    formula: OVERLAP_FORMULA,
    source: 'active subscriptions',
    profiles: profiles.map((p, i) => ({
      username: p.username,
      ext_id: p.extId,
      followers: result.sizes[i]!,
      last_complete_run: freshnessJson(runs[i]!),
    })),
    pairs: result.pairs.map((x) => ({
      a: name(x.a),
      b: name(x.b),
      shared: x.shared,
      union: result.sizes[x.a]! + result.sizes[x.b]! - x.shared,
      jaccard: ratio(x.jaccard),
    })),
    reach: result.reach,
  };
  const page = async (afterId: string | null, size: number) => {
    const p = await listSharedFollowers(db, ids, { limit: size, afterId });
    return {
      rows: p.rows.map(
        (r): SharedFollower => ({ ext_id: r.extId, username: r.username, full_name: r.fullName, follows: r.follows.map(name) }),
      ),
      lastId: p.lastId,
    };
  };
  return { head, result, runs, page };
}

/**
 * The overlap report: the head alone, or with `list` the head and one page of at most `limit`
 * shared followers after the cursor `after`.
 * @returns the report and `next`: the cursor of the following page (null without `list` or at the end)
 * @throws as {@link openOverlap}
 */
export async function buildOverlapReport(
  db: Queryable,
  profiles: readonly AnalyzedProfile[],
  opts: { list: boolean; limit: number; after: string | null },
): Promise<{ report: OverlapHead | OverlapListReport; next: string | null }> {
  const source = await openOverlap(db, profiles);
  if (!opts.list) return { report: source.head, next: null };
  const { rows, next } = await readOnePage(source.page, opts.after, opts.limit);
  return { report: { ...source.head, shared_followers: rows }, next };
}
