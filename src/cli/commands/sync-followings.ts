// `sm-core sync-followings <username> [--id <ext_id>] [--restart] [--no-refresh-count] [--enqueue] [--json]`
import type { Command } from 'commander';
import { withContext } from '../with-context.ts';

/** Registers `sync-followings` on the program. */
export function registerSyncFollowings(program: Command): void {
  program
    .command('sync-followings')
    .description('sync the accounts a profile follows (its followings): one queue job and one provider request per page')
    .argument('[username]', 'Instagram username (@name and profile URLs accepted)')
    .option('--id <ext_id>', "look the profile up by the provider's numeric user id instead of the username")
    .option('--restart', 'close the run of this profile in progress (kept as partial) and start over at page 1')
    .option(
      '--no-refresh-count',
      'do not refresh a "following" count older than SM_COUNT_MAX_AGE_MINUTES first (saves one request; the run then marks nothing gone)',
    )
    .option('--enqueue', 'only queue the run, print its id and exit; `sm-core worker` does the work')
    .option('--json', 'print machine-readable JSON on stdout')
    .addHelpText(
      'after',
      `
The accounts the profile FOLLOWS are stored in the table \`followings\` (social_profile_id follows
followed_id), never mixed with its followers (\`subscriptions\`: follower_id follows social_profile_id).
Same paging, loop guards, completeness gate (against the profile's "following" count) and history as
sync-followers; see docs/history.md. A profile not stored yet is synced first (one more request), and
so is one whose "following" count is older than SM_COUNT_MAX_AGE_MINUTES (--no-refresh-count skips it).

Exit codes: 0 succeeded, 6 run failed, 7 run partial, 8 not found, 9 private or restricted,
10 provider throttled/out of quota, 11 API key rejected, 130 interrupted (the run stays resumable).`,
    )
    .action(
      async (
        username: string | undefined,
        opts: { id?: string; restart?: boolean; refreshCount?: boolean; enqueue?: boolean; json?: boolean },
      ) => {
        const [{ parseLookup }, { runSyncCommand }] = await Promise.all([import('../lookup.ts'), import('../sync-run.ts')]);
        const lookup = parseLookup(username, opts.id);
        await withContext({}, (ctx) => runSyncCommand(ctx, 'followings', lookup, opts));
      },
    );
}
