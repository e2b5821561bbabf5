// `sm-core overlap <a> <b> [<c>...] [--list] [--limit N] [--json|--csv]`
import type { Command } from 'commander';
import { withContext } from '../with-context.ts';

interface OverlapFlags {
  list?: boolean;
  limit?: string;
  json?: boolean;
  csv?: boolean;
}

/** Registers `overlap` on the program. */
export function registerOverlap(program: Command): void {
  program
    .command('overlap')
    .description('audience overlap of 2 to 16 profiles: shared followers and Jaccard index per pair, unique reach of the set')
    .argument('<usernames...>', 'two or more Instagram usernames (@name and profile URLs accepted)')
    .option('--list', 'also list the followers shared by at least two of the profiles')
    .option('--limit <n>', 'with --list: at most this many shared followers (default: 100 in a table, all with --json/--csv)')
    .option('--json', 'print one JSON object on stdout (profiles, pairs, reach; with --list: shared_followers)')
    .option('--csv', "print the pairs as CSV (with --list: the shared followers); the lists' freshness goes to stderr")
    .addHelpText(
      'after',
      `
Counts from the stored followers lists (active subscriptions; no provider request), in SQL.
Per pair: shared = followers of both, union = |A| + |B| - shared, Jaccard = shared / union (0 = no
overlap, 1 = the same audience). Unique reach = distinct followers across all the profiles. Every
followers list must have completed at least once; the output names the last complete run of each
(formula overlap_v1, docs/analytics.md).

Examples:
  sm-core overlap demo.blogger other.blogger
  sm-core overlap demo.blogger other.blogger third.one --json
  sm-core overlap demo.blogger other.blogger --list --csv > shared.csv

Exit codes: 0 ok, 2 usage (fewer than 2 or more than 16 profiles, one named twice), 8 a profile is
not stored, 12 a followers list has never completed (sync it first).`,
    )
    .action(async (usernames: string[], opts: OverlapFlags) => {
      const [{ parseLookup }, { positiveInt }, { UsageError }, { MAX_OVERLAP_PROFILES }, { printOverlapReport }] = await Promise.all([
        import('../lookup.ts'),
        import('../history-args.ts'),
        import('../../errors.ts'),
        import('../../db/queries/overlap.ts'),
        import('../overlap-report.ts'),
      ]);
      if (opts.json && opts.csv) throw new UsageError('give --json or --csv, not both');
      if (usernames.length < 2 || usernames.length > MAX_OVERLAP_PROFILES) {
        throw new UsageError(`overlap compares 2 to ${MAX_OVERLAP_PROFILES} profiles (got ${usernames.length})`);
      }
      if (opts.limit !== undefined && !opts.list) throw new UsageError('--limit applies to --list only');
      const lookups = usernames.map((u) => parseLookup(u, undefined));
      const options = {
        list: opts.list === true,
        format: opts.json ? ('json' as const) : opts.csv ? ('csv' as const) : ('table' as const),
        limit: opts.limit === undefined ? null : positiveInt('--limit', opts.limit),
      };
      await withContext({}, (ctx) => printOverlapReport(ctx.db, lookups, options));
    });
}
