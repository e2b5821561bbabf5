// `sm-core followers <username> [--new|--lost] [--since WHEN] [--until WHEN] [--limit N] [--json|--csv]`
import type { Command } from 'commander';
import { withContext } from '../with-context.ts';

interface FollowersFlags {
  id?: string;
  new?: boolean;
  lost?: boolean;
  since?: string;
  until?: string;
  limit?: string;
  json?: boolean;
  csv?: boolean;
}

/** Registers `followers` on the program. */
export function registerFollowers(program: Command): void {
  program
    .command('followers')
    .description("list a profile's followers as stored: current ones, or new / lost ones in a window")
    .argument('[username]', 'Instagram username (@name and profile URLs accepted)')
    .option('--id <ext_id>', "look the profile up by the provider's numeric user id instead of the username")
    .option('--new', 'followers gained (followed or came back); default window: since the previous complete run')
    .option('--lost', 'followers a complete run no longer found (unfollowed); default window: since the previous complete run')
    .option('--since <when>', 'from this time: 2026-11-01, 2026-11-01T12:00Z, or back from now: 24h, 7d, 2w')
    .option('--until <when>', 'before this time (same forms as --since)')
    .option('--limit <n>', 'at most this many rows (default: 100 in a table, all with --json/--csv)')
    .option('--json', 'print a JSON array on stdout')
    .option('--csv', 'print CSV (with a header line) on stdout')
    .addHelpText(
      'after',
      `
Without --new/--lost: the followers stored as current; --since/--until then filter on when sm-core
FIRST SAW them (not Instagram's follow time). The baseline (first complete run) is never "new", and
only complete runs mark anyone lost (docs/history.md).

Examples:
  sm-core followers demo.blogger --new                 # since the previous complete run
  sm-core followers demo.blogger --lost --since 7d     # who left in the last week
  sm-core followers demo.blogger --new --since 2026-11-01 --until 2026-11-15 --csv > new.csv

Exit codes: 0 ok, 2 usage, 8 the profile is not stored (sync it first).`,
    )
    .action(async (username: string | undefined, opts: FollowersFlags) => {
      const [{ parseLookup }, { positiveInt }, { parseWhen }, { UsageError }, { listFollowersReport }] = await Promise.all([
        import('../lookup.ts'),
        import('../history-args.ts'),
        import('../when.ts'),
        import('../../errors.ts'),
        import('../followers-report.ts'),
      ]);
      if (opts.new && opts.lost) throw new UsageError('give --new or --lost, not both');
      if (opts.json && opts.csv) throw new UsageError('give --json or --csv, not both');
      const lookup = parseLookup(username, opts.id);
      const options = {
        which: opts.new ? ('new' as const) : opts.lost ? ('lost' as const) : ('current' as const),
        since: opts.since ? parseWhen('--since', opts.since) : null,
        until: opts.until ? parseWhen('--until', opts.until) : null,
        format: opts.json ? ('json' as const) : opts.csv ? ('csv' as const) : ('table' as const),
        limit: opts.limit === undefined ? null : positiveInt('--limit', opts.limit),
      };
      await withContext({}, (ctx) => listFollowersReport(ctx.db, lookup, options));
    });
}
