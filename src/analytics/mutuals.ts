// Relationship views of one profile (`sm-core mutuals`, GET /api/v1/bloggers/:platform/:username/mutuals):
// followers who are also followings, followings who do not follow back, followers not followed back,
// with the counts of all three and the freshness of both lists. The CLI streams the accounts page by
// page (flat memory on lists of millions) and the API answers one page; both print the head and the
// accounts built here, so their JSON is the same. Refuses (exit 12) while either list never completed.
import type { Queryable } from '../db/database.ts';
import { countMutuals, listMutuals, type MutualsCounts, type MutualsView } from '../db/queries/mutuals.ts';
import { type AnalyzedProfile, freshnessJson, type ListFreshness, profileJson, requireCompleteList } from './list-freshness.ts';
import { readOnePage } from './page.ts';

export type { MutualsView } from '../db/queries/mutuals.ts';

/** Every view, the API's `view` values. */
export const MUTUALS_VIEWS: readonly MutualsView[] = ['mutuals', 'not-following-back', 'fans'];

/** What each view is, in words (table title and JSON `definition`). */
export const VIEW_TEXT: Record<MutualsView, string> = {
  mutuals: 'followers the profile also follows (mutual follows)',
  'not-following-back': 'accounts the profile follows that do not follow it back',
  fans: 'followers the profile does not follow back',
};

/** One account of a view, as printed (a type alias, so it is a plain record for the CSV writer). */
export type MutualsAccount = {
  ext_id: string;
  username: string;
  full_name: string | null;
  is_private: boolean;
  is_verified: boolean;
};

/** CSV columns of an account, in order. */
export const MUTUALS_ACCOUNT_COLUMNS = ['ext_id', 'username', 'full_name', 'is_private', 'is_verified'] as const;

/** Everything of the report but the accounts. */
export interface MutualsHead {
  profile: { platform: string; ext_id: string; username: string };
  view: MutualsView;
  definition: string;
  lists: {
    followers: { active: number; last_complete_run: { run_id: string; finished_at: string } };
    followings: { active: number; last_complete_run: { run_id: string; finished_at: string } };
  };
  counts: { followers: number; followings: number; mutuals: number; not_following_back: number; fans: number };
}

/** The report: what `sm-core mutuals --json` prints and the API answers. */
export interface MutualsReport extends MutualsHead {
  accounts: MutualsAccount[];
}

/** An opened view: its head, the two lists' freshness, and a page reader for its accounts. */
export interface MutualsSource {
  head: MutualsHead;
  counts: MutualsCounts;
  followersRun: ListFreshness;
  followingsRun: ListFreshness;
  /** Accounts after the keyset cursor `afterId` (null: from the start), at most `size`; `lastId` null at the end. */
  page(afterId: string | null, size: number): Promise<{ rows: MutualsAccount[]; lastId: string | null }>;
}

/**
 * Checks both lists and counts the views of `profile`.
 * @throws AppError exit 12 when the followers or the followings list never completed
 */
export async function openMutuals(db: Queryable, profile: AnalyzedProfile, view: MutualsView): Promise<MutualsSource> {
  const why = 'who follows back';
  const followersRun = await requireCompleteList(db, profile, 'followers', why);
  const followingsRun = await requireCompleteList(db, profile, 'followings', why);
  const counts = await countMutuals(db, profile.id);
  const head: MutualsHead = {
    profile: profileJson(profile),
    view,
    definition: VIEW_TEXT[view],
    lists: {
      followers: { active: counts.followers, last_complete_run: freshnessJson(followersRun) },
      followings: { active: counts.followings, last_complete_run: freshnessJson(followingsRun) },
    },
    counts: {
      followers: counts.followers,
      followings: counts.followings,
      mutuals: counts.mutuals,
      not_following_back: counts.notFollowingBack,
      fans: counts.fans,
    },
  };
  const page = async (afterId: string | null, size: number) => {
    const p = await listMutuals(db, profile.id, view, { limit: size, afterId });
    return {
      rows: p.rows.map(
        (r): MutualsAccount => ({
          ext_id: r.extId,
          username: r.username,
          full_name: r.fullName,
          is_private: r.isPrivate,
          is_verified: r.isVerified,
        }),
      ),
      lastId: p.lastId,
    };
  };
  return { head, counts, followersRun, followingsRun, page };
}

/**
 * One page of the report: the head and at most `limit` accounts after the cursor `after`.
 * @returns the report and `next`: the cursor of the following page, null when this page reached the end
 * @throws AppError exit 12 when a list never completed
 */
export async function buildMutualsReport(
  db: Queryable,
  profile: AnalyzedProfile,
  view: MutualsView,
  page: { limit: number; after: string | null },
): Promise<{ report: MutualsReport; next: string | null }> {
  const source = await openMutuals(db, profile, view);
  const { rows, next } = await readOnePage(source.page, page.after, page.limit);
  return { report: { ...source.head, accounts: rows }, next };
}
