// `sm-core sync-profile <username> [--id <ext_id>] [--followers] [--enqueue] [--json]`
import type { Command } from 'commander';
import { withContext } from '../with-context.ts';

/** Registers `sync-profile` on the program. */
export function registerSyncProfile(program: Command): void {
  program
    .command('sync-profile')
    .description('sync one profile (one provider request) into social_profiles; with --followers also its followers')
    .argument('[username]', 'Instagram username (@name and profile URLs accepted; checked before any request)')
    .option('--id <ext_id>', "look the profile up by the provider's numeric user id instead of the username")
    .option('--followers', 'after the profile, sync its followers (one queue job and one provider request per page)')
    .option('--enqueue', 'only queue the run, print its id and exit; `sm-core worker` does the work')
    .option('--json', 'print machine-readable JSON on stdout')
    .addHelpText(
      'after',
      `
By default the command works the queue in-process until its runs end, shows progress on a terminal
(pages, followers, elapsed) and prints the profile and a run summary. When the run fails, the error
goes to stderr and the card (if the profile was stored before) is headed "stored data, NOT refreshed
by this run (last synced <time>)" ("profile_refreshed": false with --json). Starting a sync while one
of the same profile is in progress follows that run instead of starting a second one.
Without ROCKET_API_KEY (outside production) the bundled SAMPLE data is served (try demo.blogger).

Exit codes: 0 succeeded, 6 run failed, 7 run partial, 8 not found, 9 private (with --followers),
10 provider throttled/out of quota, 11 API key rejected, 130 interrupted (the run stays resumable).

Examples:
  sm-core sync-profile demo.blogger --followers
  sm-core sync-profile --id 9100000001 --json
  sm-core sync-profile demo.blogger --followers --enqueue   # then: sm-core worker`,
    )
    .action(async (username: string | undefined, opts: { id?: string; followers?: boolean; enqueue?: boolean; json?: boolean }) => {
      const [{ parseLookup }, { runSyncCommand }] = await Promise.all([import('../lookup.ts'), import('../sync-run.ts')]);
      const lookup = parseLookup(username, opts.id);
      await withContext({}, (ctx) => runSyncCommand(ctx, 'profile', lookup, opts));
    });
}
