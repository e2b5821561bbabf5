// `sm-core audience <username> [--days N] [--k K] [--json]`
import type { Command } from 'commander';
import { withContext } from '../with-context.ts';

/** Registers `audience` on the program. */
export function registerAudience(program: Command): void {
  program
    .command('audience')
    .description(
      "audience quality of a profile's followers: private / verified / no picture / bot-like shares, daily new vs lost, growth anomalies",
    )
    .argument('[username]', 'Instagram username (@name and profile URLs accepted)')
    .option('--id <ext_id>', "look the profile up by the provider's numeric user id instead of the username")
    .option('--days <n>', 'days in the daily window, today (UTC) included', '30')
    .option('--k <k>', 'standard deviations from the trailing mean that make a day anomalous', '3')
    .option('--json', 'print one JSON object on stdout')
    .addHelpText(
      'after',
      `
Reads the stored followers (no provider request). Shares are of the active followers as of the last
complete followers run, each printed with its formula id, count and denominator:
  share_private_v1, share_verified_v1   private / verified accounts among the active followers
  share_no_picture_v1                   the provider's has_anonymous_profile_picture flag; denominator:
                                        the followers whose stored record carries the flag
  bot_handle_v1                         handles with 5+ digits in a row, or 6+ characters of which
                                        more than half are digits
Daily gained / lost come from the follower history (followers_daily_v1). growth_anomaly_v1 judges a
day on which a complete followers run ended: its net change (gained - lost) is anomalous when it lies
more than k x max(sigma, 1) from the mean of the observed days among the 14 days before (at least 5).
Formulas and a worked example: docs/analytics.md.

Examples:
  sm-core audience demo.blogger
  sm-core audience demo.blogger --days 90 --k 2.5 --json

Exit codes: 0 ok, 2 usage, 8 the profile is not stored, 12 the followers list has never completed
(sync it first).`,
    )
    .action(async (username: string | undefined, opts: { id?: string; days: string; k: string; json?: boolean }) => {
      const [{ parseLookup }, { positiveInt }, { UsageError }, { printAudienceReport }] = await Promise.all([
        import('../lookup.ts'),
        import('../history-args.ts'),
        import('../../errors.ts'),
        import('../audience-report.ts'),
      ]);
      const lookup = parseLookup(username, opts.id);
      const days = positiveInt('--days', opts.days);
      if (days > 366) throw new UsageError(`--days must be at most 366 (got "${opts.days}")`);
      const k = Number(opts.k);
      if (!Number.isFinite(k) || k <= 0) throw new UsageError(`--k must be a number above 0 (got "${opts.k}")`);
      await withContext({}, (ctx) => printAudienceReport(ctx.db, lookup, { days, k, json: opts.json === true }));
    });
}
