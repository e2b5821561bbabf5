// `sm-core mutuals <username> [--not-following-back|--fans]`: followers who are also followings (or
// followings who do not follow back, or followers not followed back), with the counts of all three
// and the freshness of both lists. Refuses (exit 12) while either list has no complete run.
import type { Database } from '../db/database.ts';
import { countMutuals, listMutuals, type MutualsCounts, type MutualsView } from '../db/queries/mutuals.ts';
import type { ProfileQuery } from '../providers/types.ts';
import { requireStoredProfile } from './history-lookup.ts';
import { freshnessJson, freshnessText, requireCompleteList } from './list-freshness.ts';
import { printLine, printTable } from './output.ts';
import { type OutputRow, streamRows } from './stream-rows.ts';

/** Options of `mutuals`. */
export interface MutualsOptions {
  view: MutualsView;
  format: 'table' | 'json' | 'csv';
  /** Accounts listed at most (null: all; the table defaults to 100). */
  limit: number | null;
}

const TABLE_DEFAULT_LIMIT = 100;
const COLUMNS = ['ext_id', 'username', 'full_name', 'is_private', 'is_verified'];

/** What each view is, in words (table title and --json `definition`). */
export const VIEW_TEXT: Record<MutualsView, string> = {
  mutuals: 'followers the profile also follows (mutual follows)',
  'not-following-back': 'accounts the profile follows that do not follow it back',
  fans: 'followers the profile does not follow back',
};

function countsJson(c: MutualsCounts) {
  return { followers: c.followers, followings: c.followings, mutuals: c.mutuals, not_following_back: c.notFollowingBack, fans: c.fans };
}

/**
 * Prints the view of `lookup`.
 * @throws AppError exit 8 (profile not stored), exit 12 (a list never completed)
 */
export async function printMutualsReport(db: Database, lookup: ProfileQuery, opts: MutualsOptions): Promise<void> {
  const profile = await requireStoredProfile(db, lookup);
  const why = 'who follows back';
  const followersRun = await requireCompleteList(db, profile, 'followers', why);
  const followingsRun = await requireCompleteList(db, profile, 'followings', why);
  const counts = await countMutuals(db, profile.id);
  const limit = opts.limit ?? (opts.format === 'table' ? TABLE_DEFAULT_LIMIT : null);
  const head = {
    profile: { platform: profile.platform, ext_id: profile.extId, username: profile.username },
    view: opts.view,
    definition: VIEW_TEXT[opts.view],
    lists: {
      followers: { active: counts.followers, last_complete_run: freshnessJson(followersRun) },
      followings: { active: counts.followings, last_complete_run: freshnessJson(followingsRun) },
    },
    counts: countsJson(counts),
  };
  if (opts.format === 'csv') {
    // CSV holds the accounts only: say what they are on stderr, where people see it and files do not.
    process.stderr.write(
      `@${profile.username}: ${VIEW_TEXT[opts.view]}; followers as of ${freshnessText(followersRun)}, followings as of ${freshnessText(followingsRun)}\n`,
    );
  }
  const { kept, count, more } = await streamRows(
    async (afterId, size) => {
      const page = await listMutuals(db, profile.id, opts.view, { limit: size, afterId });
      return {
        rows: page.rows.map(
          (r): OutputRow => ({
            ext_id: r.extId,
            username: r.username,
            full_name: r.fullName,
            is_private: r.isPrivate,
            is_verified: r.isVerified,
          }),
        ),
        lastId: page.lastId,
      };
    },
    { format: opts.format, columns: COLUMNS, limit, jsonBefore: `${JSON.stringify(head).slice(0, -1)},"accounts":`, jsonAfter: '}' },
  );
  if (opts.format !== 'table') return;

  printLine(`@${profile.username}: ${VIEW_TEXT[opts.view]}`);
  printLine(`followers list:  ${counts.followers} active, as of the last complete run: ${freshnessText(followersRun)}`);
  printLine(`followings list: ${counts.followings} active, as of the last complete run: ${freshnessText(followingsRun)}`);
  printLine(`mutuals ${counts.mutuals} · not following back ${counts.notFollowingBack} · fans ${counts.fans}`);
  if (count === 0) {
    printLine('none');
    return;
  }
  await printTable(
    ['username', 'full name', 'id', 'private', 'verified'],
    kept.map((r) => [
      `@${r.username}`,
      r.full_name as string | null,
      r.ext_id as string,
      r.is_private ? 'yes' : '',
      r.is_verified ? 'yes' : '',
    ]),
  );
  if (more) printLine(`(first ${count} shown: --limit N for more, --csv or --json for all)`);
}
