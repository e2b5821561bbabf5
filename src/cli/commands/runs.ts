// `sm-core runs [--profile u] [--status s] [--kind k] [--limit N] [--json]` and `sm-core runs show <id> [--json]`
import type { Command } from 'commander';
import { withContext } from '../with-context.ts';

const STATUSES = ['pending', 'running', 'succeeded', 'partial', 'failed'] as const;
const KINDS = ['profile', 'followers', 'followings'] as const;

/** Registers `runs` and `runs show` on the program. */
export function registerRuns(program: Command): void {
  const runs = program
    .command('runs')
    .description('list runs (newest first): duration, pages, accounts, completeness, new/lost, requests per provider')
    .option('--profile <username>', 'only the runs of this profile')
    .option('--status <status>', `only runs with this status: ${STATUSES.join(', ')}`)
    .option('--kind <kind>', `only runs of this kind: ${KINDS.join(', ')}`)
    .option('--limit <n>', 'at most this many runs', '20')
    .option('--json', 'print machine-readable JSON on stdout')
    .addHelpText(
      'after',
      `
"complete" is accounts seen / the profile's count at the run's start; a list run is complete only
when its pagination ended normally and that share reaches SM_COMPLETENESS_MIN_SHARE (docs/history.md).
"requests" are HTTP requests sent to each provider, what it bills (retries in place included), with
the provider calls they were made in when those differ: "rocket 4 (2 calls)" = 2 queue-job attempts.
See one run's provider calls, with cursors and errors: sm-core runs show <id>.`,
    )
    .action(async (opts: { profile?: string; status?: string; kind?: string; limit: string; json?: boolean }) => {
      const [{ positiveInt, oneOf }, { listRuns }] = await Promise.all([import('../history-args.ts'), import('../runs-report.ts')]);
      const options = {
        profile: opts.profile ?? null,
        status: opts.status === undefined ? null : oneOf('--status', opts.status, STATUSES),
        kind: opts.kind === undefined ? null : oneOf('--kind', opts.kind, KINDS),
        limit: positiveInt('--limit', opts.limit),
        json: opts.json === true,
      };
      await withContext({}, (ctx) => listRuns(ctx.db, options));
    });
  runs
    .command('show')
    .description('one run and the chain of provider calls it made: cursors sent and received, statuses, errors')
    .argument('<id>', 'run id (the `run` column of `sm-core runs`)')
    .option('--json', 'print machine-readable JSON on stdout (cursors in full)')
    .action(async (id: string, opts: { json?: boolean }) => {
      const { showRun } = await import('../runs-report.ts');
      // `runs` has a --json of its own: commander gives it the flag when it follows `show <id>`.
      const json = opts.json === true || runs.opts().json === true;
      await withContext({}, (ctx) => showRun(ctx.db, id, json));
    });
}
