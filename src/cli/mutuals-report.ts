// `sm-core mutuals <username> [--not-following-back|--fans]`: prints the view of
// src/analytics/mutuals.ts (the same head and accounts the HTTP API answers) as a table, JSON or
// CSV, streaming the accounts. Refuses (exit 12) while either list has no complete run.
import { freshnessText } from '../analytics/list-freshness.ts';
import { MUTUALS_ACCOUNT_COLUMNS, type MutualsView, openMutuals, VIEW_TEXT } from '../analytics/mutuals.ts';
import type { Database } from '../db/database.ts';
import type { ProfileQuery } from '../providers/types.ts';
import { requireStoredProfile } from './history-lookup.ts';
import { printLine, printTable } from './output.ts';
import { streamRows } from './stream-rows.ts';

/** Options of `mutuals`. */
export interface MutualsOptions {
  view: MutualsView;
  format: 'table' | 'json' | 'csv';
  /** Accounts listed at most (null: all; the table defaults to 100). */
  limit: number | null;
}

const TABLE_DEFAULT_LIMIT = 100;

/**
 * Prints the view of `lookup`.
 * @throws AppError exit 8 (profile not stored), exit 12 (a list never completed)
 */
export async function printMutualsReport(db: Database, lookup: ProfileQuery, opts: MutualsOptions): Promise<void> {
  const profile = await requireStoredProfile(db, lookup);
  const { head, counts, followersRun, followingsRun, page } = await openMutuals(db, profile, opts.view);
  const limit = opts.limit ?? (opts.format === 'table' ? TABLE_DEFAULT_LIMIT : null);
  if (opts.format === 'csv') {
    // CSV holds the accounts only: say what they are on stderr, where people see it and files do not.
    process.stderr.write(
      `@${profile.username}: ${VIEW_TEXT[opts.view]}; followers as of ${freshnessText(followersRun)}, followings as of ${freshnessText(followingsRun)}\n`,
    );
  }
  const { kept, count, more } = await streamRows(page, {
    format: opts.format,
    columns: MUTUALS_ACCOUNT_COLUMNS,
    limit,
    jsonBefore: `${JSON.stringify(head).slice(0, -1)},"accounts":`,
    jsonAfter: '}',
  });
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
