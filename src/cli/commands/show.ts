// `sm-core show <username> [--id <ext_id>] [--snapshots N] [--json]`
import type { Command } from 'commander';
import { withContext } from '../with-context.ts';

/** Registers `show` on the program. */
export function registerShow(program: Command): void {
  program
    .command('show')
    .description('show a stored profile: its card, growth over recent snapshots, new and lost followers since the previous complete run')
    .argument('[username]', 'Instagram username (@name and profile URLs accepted)')
    .option('--id <ext_id>', "look the profile up by the provider's numeric user id instead of the username")
    .option('--snapshots <n>', 'snapshots in the growth chart (the newest)', '30')
    .option('--names <n>', 'new and lost followers named before "..."', '10')
    .option('--json', 'print machine-readable JSON on stdout')
    .addHelpText(
      'after',
      `
Reads the database only (no provider request). "New" and "lost" compare the newest complete
followers run with the one before it; the first complete run is the baseline (nothing is new).
Dates are when sm-core first saw a follower, not when they followed (docs/history.md).

Exit codes: 0 ok, 2 usage, 8 the profile is not stored (sync it first).`,
    )
    .action(async (username: string | undefined, opts: { id?: string; snapshots: string; names: string; json?: boolean }) => {
      const [{ parseLookup }, { positiveInt }, { showProfile }] = await Promise.all([
        import('../lookup.ts'),
        import('../history-args.ts'),
        import('../show-report.ts'),
      ]);
      const lookup = parseLookup(username, opts.id);
      const options = {
        snapshots: positiveInt('--snapshots', opts.snapshots),
        names: positiveInt('--names', opts.names),
        json: opts.json === true,
      };
      await withContext({}, (ctx) => showProfile(ctx.db, lookup, options));
    });
}
