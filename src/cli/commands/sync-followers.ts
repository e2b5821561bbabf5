// `sm-core sync-followers <username> [--id <ext_id>] [--restart] [--no-refresh-count] [--enqueue] [--json]`
import type { Command } from 'commander';
import { withContext } from '../with-context.ts';

/** Registers `sync-followers` on the program. */
export function registerSyncFollowers(program: Command): void {
  program
    .command('sync-followers')
    .description('sync the followers of a profile: one queue job, one provider request and one service_call per page')
    .argument('[username]', 'Instagram username (@name and profile URLs accepted; checked before any request)')
    .option('--id <ext_id>', "look the profile up by the provider's numeric user id instead of the username")
    .option('--restart', 'close the run of this profile in progress (kept as partial) and start over at page 1')
    .option(
      '--no-refresh-count',
      'do not refresh a follower count older than SM_COUNT_MAX_AGE_MINUTES first (saves one request; the run then marks nobody unfollowed)',
    )
    .option('--enqueue', 'only queue the run, print its id and exit; `sm-core worker` does the work')
    .option('--json', 'print machine-readable JSON on stdout')
    .addHelpText(
      'after',
      `
A profile not stored yet is synced first (one more request: the provider needs its id), and so is a
stored profile whose follower count is older than SM_COUNT_MAX_AGE_MINUTES (default 15), because only
a fresh count can tell a complete list from one cut short (--no-refresh-count skips that request).
A profile found private by a profile sync within SM_PRIVATE_MAX_AGE_HOURS (default 24) is not asked
again: the run ends private (exit 9) with no request. Each page
commits with the next page's job in one transaction, so a crash neither loses nor repeats a page.
The run ends on the last page, or partial on a loop (repeating pages or cursors, empty pages that
claim more, a missing cursor) or at SM_MAX_PAGES. A run already in progress is followed, not doubled;
one whose worker died continues from its last committed cursor (--restart starts over instead).
A cursor only goes back to the provider that issued it; when that provider keeps failing for
SM_CURSOR_PROVIDER_WAIT_SECONDS (default 900; at once for a rejected key or a spent quota), the run
reads its list again from page 1 on the next provider of SM_PROVIDER_PRIORITY (shown by runs show).

History (docs/history.md): a run is COMPLETE only when its last page came normally and it saw at least
SM_COMPLETENESS_MIN_SHARE (default 0.9) of the profile's follower count, read at most
SM_COUNT_MAX_AGE_MINUTES before the run (else: partial, stale_count); records set aside in quarantine
count as seen. Only a complete run marks the followers it did not see as unfollowed. The first
complete run is the baseline (nothing "new"). An empty first page from an account that has followers
ends the run private or restricted (exit 9), nothing changed.
See the result with \`sm-core show\` and \`sm-core followers --new|--lost\`.

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
        await withContext({}, (ctx) => runSyncCommand(ctx, 'followers', lookup, opts));
      },
    );
}
