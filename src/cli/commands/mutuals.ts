// `sm-core mutuals <username> [--not-following-back|--fans] [--limit N] [--json|--csv]`
import type { Command } from 'commander';
import { withContext } from '../with-context.ts';

interface MutualsFlags {
  id?: string;
  notFollowingBack?: boolean;
  fans?: boolean;
  limit?: string;
  json?: boolean;
  csv?: boolean;
}

/** Registers `mutuals` on the program. */
export function registerMutuals(program: Command): void {
  program
    .command('mutuals')
    .description("who follows back: a profile's mutual follows, the followings who do not follow back, or its fans (stored data only)")
    .argument('[username]', 'Instagram username (@name and profile URLs accepted)')
    .option('--id <ext_id>', "look the profile up by the provider's numeric user id instead of the username")
    .option('--not-following-back', 'accounts the profile follows that do not follow it back')
    .option('--fans', 'followers the profile does not follow back')
    .option('--limit <n>', 'at most this many accounts (default: 100 in a table, all with --json/--csv)')
    .option('--json', 'print one JSON object on stdout: profile, both lists with their last complete run, counts, accounts')
    .option('--csv', "print the accounts as CSV (with a header line); the lists' freshness goes to stderr")
    .addHelpText(
      'after',
      `
Compares the profile's current followers with its current followings as stored (no provider
request). Both lists must have completed at least once (sm-core sync-followers and
sm-core sync-followings); the output names the last complete run of each: the figures are as fresh
as the older of the two. Counts of all three views are printed with each.

Examples:
  sm-core mutuals demo.blogger                       # mutual follows
  sm-core mutuals demo.blogger --not-following-back  # who they follow that ignores them
  sm-core mutuals demo.blogger --fans --csv > fans.csv

Exit codes: 0 ok, 2 usage, 8 the profile is not stored, 12 the followers or the followings list has
never completed (sync it first).`,
    )
    .action(async (username: string | undefined, opts: MutualsFlags) => {
      const [{ parseLookup }, { positiveInt }, { UsageError }, { printMutualsReport }] = await Promise.all([
        import('../lookup.ts'),
        import('../history-args.ts'),
        import('../../errors.ts'),
        import('../mutuals-report.ts'),
      ]);
      if (opts.notFollowingBack && opts.fans) throw new UsageError('give --not-following-back or --fans, not both');
      if (opts.json && opts.csv) throw new UsageError('give --json or --csv, not both');
      const lookup = parseLookup(username, opts.id);
      const options = {
        view: opts.notFollowingBack ? ('not-following-back' as const) : opts.fans ? ('fans' as const) : ('mutuals' as const),
        format: opts.json ? ('json' as const) : opts.csv ? ('csv' as const) : ('table' as const),
        limit: opts.limit === undefined ? null : positiveInt('--limit', opts.limit),
      };
      await withContext({}, (ctx) => printMutualsReport(ctx.db, lookup, options));
    });
}
