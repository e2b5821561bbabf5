// `sm-core schedule add|list|remove|import`: which bloggers run-schedule keeps in sync, and how often.
import type { Command } from 'commander';
import type { ScheduleRow } from '../../db/queries/sync-schedules.ts';
import type { ScheduleDefaults, ScheduleSpec } from '../../sync/schedule-file.ts';
import { printJson, printLine, printTable } from '../output.ts';
import { withContext } from '../with-context.ts';

/** Options shared by `add` and `import` (for import they are defaults for rows that leave them out). */
interface TimingOptions {
  every?: string;
  cron?: string;
  tz?: string;
  profile: boolean;
  followers?: boolean;
  followings?: boolean;
  priority?: string;
  platform: string;
  json?: boolean;
}

function addTimingOptions(cmd: Command): Command {
  return cmd
    .option('--every <interval>', 'run at this interval: 30m, 12h, 24h, 7d, 1h30m (default 24h)')
    .option('--cron <expression>', 'run on a 5-field cron expression instead, e.g. "0 3 * * *"')
    .option('--tz <zone>', 'timezone of --cron (IANA name, default UTC)')
    .option('--followers', 'also sync the followers list')
    .option('--followings', 'also sync the accounts it follows')
    .option(
      '--no-profile',
      'do not refresh the profile itself (only with --followers/--followings); its list runs then mark nobody unfollowed unless a profile sync read the count within SM_COUNT_MAX_AGE_MINUTES',
    )
    .option('--priority <n>', 'higher runs first when many entries are due (default 0)')
    .option('--platform <name>', 'platform', 'instagram')
    .option('--json', 'print machine-readable JSON');
}

/** Turns command options into the defaults of a spec (validated; UsageError on bad values). */
async function defaultsFrom(opts: TimingOptions): Promise<ScheduleDefaults> {
  const { buildTiming, DEFAULT_TIMING, parseKinds } = await import('../../sync/schedule-file.ts');
  const { UsageError } = await import('../../errors.ts');
  const priority = opts.priority === undefined ? 0 : Number(opts.priority);
  if (!Number.isInteger(priority) || Math.abs(priority) > 1000)
    throw new UsageError(`invalid --priority "${opts.priority}": an integer from -1000 to 1000`);
  const kinds = [opts.profile ? 'profile' : '', opts.followers ? 'followers' : '', opts.followings ? 'followings' : ''].filter(Boolean);
  return {
    platform: opts.platform.toLowerCase(),
    timing: buildTiming(opts.every, opts.cron, opts.tz, DEFAULT_TIMING),
    kinds: parseKinds(kinds),
    priority,
  };
}

function rowCells(row: ScheduleRow, describeWho: (r: ScheduleRow) => string, describeTiming: (r: ScheduleRow) => string) {
  return [
    row.id,
    describeWho(row),
    row.kinds.join(', '),
    describeTiming(row),
    row.priority,
    row.enabled ? 'yes' : 'no',
    row.nextRunAt.toISOString(),
    row.lastEnqueuedAt?.toISOString() ?? '',
  ];
}

const HEAD = ['id', 'who', 'sync', 'when', 'priority', 'enabled', 'next run (UTC)', 'last enqueued'];

async function printSaved(
  report: { added: number; updated: number; unchanged: number; outcomes: Array<{ spec: ScheduleSpec; outcome: string }> },
  json?: boolean,
) {
  if (json) {
    printJson({
      added: report.added,
      updated: report.updated,
      unchanged: report.unchanged,
      entries: report.outcomes.map((o) => ({
        username: o.spec.username,
        ext_id: o.spec.extId,
        platform: o.spec.platform,
        outcome: o.outcome,
      })),
    });
  } else {
    printLine(`added ${report.added}, updated ${report.updated}, unchanged ${report.unchanged}`);
  }
}

/** Registers `schedule` and its subcommands on the program. */
export function registerSchedule(program: Command): void {
  const schedule = program
    .command('schedule')
    .description('manage the list of bloggers that `sm-core run-schedule` keeps in sync (table sync_schedules)')
    .addHelpText(
      'after',
      '\nExamples:\n  sm-core schedule add demo.blogger --every 24h --followers\n  sm-core schedule add anna.k --cron "0 3 * * *" --tz Europe/Berlin\n' +
        '  sm-core schedule import bloggers.csv --every 12h\n  sm-core schedule list --json\n  sm-core schedule remove demo.blogger',
    );

  addTimingOptions(
    schedule
      .command('add')
      .description('add a blogger to the schedule, or change its entry (same username or --id = same entry)')
      .argument('[username]', 'Instagram username (@name and profile URLs accepted)')
      .option('--id <ext_id>', "the provider's user id instead of (or with) a username"),
  )
    .option('--disabled', 'store the entry disabled (run-schedule skips it)')
    .action(async (username: string | undefined, opts: TimingOptions & { id?: string; disabled?: boolean }) => {
      const { toSpec } = await import('../../sync/schedule-file.ts');
      const { saveSchedules } = await import('../../sync/schedule.ts');
      const spec = toSpec({ username, id: opts.id, enabled: opts.disabled ? false : undefined }, await defaultsFrom(opts));
      await withContext({}, async (ctx) => printSaved(await saveSchedules(ctx.db, [spec]), opts.json));
    });

  schedule
    .command('list')
    .description('list schedule entries: what is synced, when, and when it runs next')
    .option('--platform <name>', 'only this platform')
    .option('--json', 'print machine-readable JSON')
    .action(async (opts: { platform?: string; json?: boolean }) => {
      const { describeTiming, describeWho, listSchedules, scheduleToJson } = await import('../../sync/schedule.ts');
      await withContext({}, async (ctx) => {
        const rows = await listSchedules(ctx.db, opts.platform);
        if (opts.json) printJson(rows.map(scheduleToJson));
        else if (rows.length === 0) printLine('no schedule entries (add one with `sm-core schedule add <username> --every 24h`)');
        else
          await printTable(
            HEAD,
            rows.map((r) => rowCells(r, describeWho, describeTiming)),
          );
      });
    });

  schedule
    .command('remove')
    .description("remove a blogger's schedule entries (stored profiles and history stay)")
    .argument('[username]', 'Instagram username (case-insensitive)')
    .option('--id <ext_id>', "remove by the provider's user id")
    .option('--platform <name>', 'platform', 'instagram')
    .option('--json', 'print machine-readable JSON')
    .action(async (username: string | undefined, opts: { id?: string; platform: string; json?: boolean }) => {
      const { UsageError } = await import('../../errors.ts');
      const { normalizeUsername } = await import('../../sync/usernames.ts');
      const { removeSchedule, scheduleToJson } = await import('../../sync/schedule.ts');
      if (!username === !opts.id) throw new UsageError('give a username or --id (one of them)');
      const who = opts.id ? { extId: opts.id } : { username: normalizeUsername(username!) };
      await withContext({}, async (ctx) => {
        const removed = await removeSchedule(ctx.db, opts.platform.toLowerCase(), who);
        if (removed.length === 0)
          throw new UsageError(`no schedule entry for ${username ?? `id ${opts.id}`} (see \`sm-core schedule list\`)`);
        if (opts.json) printJson({ removed: removed.map(scheduleToJson) });
        else printLine(`removed ${removed.length} entr${removed.length === 1 ? 'y' : 'ies'}`);
      });
    });

  addTimingOptions(
    schedule
      .command('import')
      .description('add or update entries from a CSV or JSON file; importing the same file again changes nothing')
      .argument('<file>', 'CSV (header: username,id,every,cron,timezone,kinds,followers,followings,priority,enabled) or JSON list')
      .option('--format <csv|json>', 'file format (default: from the extension)'),
  )
    .addHelpText(
      'after',
      '\nOptions above are defaults for rows that leave a column out. A CSV without a header is one username per line.\n' +
        'A file with any invalid row is refused whole (exit 2), naming the rows. Entries not in the file are kept.',
    )
    .action(async (file: string, opts: TimingOptions & { format?: string }) => {
      const { readFile } = await import('node:fs/promises');
      const { UsageError } = await import('../../errors.ts');
      const { parseScheduleFile } = await import('../../sync/schedule-file.ts');
      const { saveSchedules } = await import('../../sync/schedule.ts');
      const format = (opts.format ?? (file.toLowerCase().endsWith('.json') ? 'json' : 'csv')).toLowerCase();
      if (format !== 'csv' && format !== 'json') throw new UsageError(`unknown --format "${opts.format}": csv or json`);
      let content: string;
      try {
        content = await readFile(file, 'utf8');
      } catch (err) {
        throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      const { specs } = parseScheduleFile(content, format, await defaultsFrom(opts));
      await withContext({}, async (ctx) => printSaved(await saveSchedules(ctx.db, specs), opts.json));
    });
}
