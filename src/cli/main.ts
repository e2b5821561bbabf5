// CLI entry: builds the commander program, registers each command, maps errors to exit codes.
// Heavy modules (pg, pg-boss) load inside actions only, so `--help` starts fast.
import { Command, CommanderError } from 'commander';
import { AppError, EXIT, UsageError } from '../errors.ts';
import { registerAlerts } from './commands/alerts.ts';
import { registerAudience } from './commands/audience.ts';
import { registerDb } from './commands/db.ts';
import { registerFollowers } from './commands/followers.ts';
import { commandPath, registerHelp } from './commands/help.ts';
import { registerMigrate } from './commands/migrate.ts';
import { registerMutuals } from './commands/mutuals.ts';
import { registerOverlap } from './commands/overlap.ts';
import { registerRunSchedule } from './commands/run-schedule.ts';
import { registerRuns } from './commands/runs.ts';
import { registerSchedule } from './commands/schedule.ts';
import { registerSyncFollowers } from './commands/sync-followers.ts';
import { registerSyncFollowings } from './commands/sync-followings.ts';
import { registerShow } from './commands/show.ts';
import { registerSyncProfile } from './commands/sync-profile.ts';
import { registerUsage } from './commands/usage.ts';
import { registerWorker } from './commands/worker.ts';
import { registerSearch } from './commands/search.ts';
import { registerServe } from './commands/serve.ts';
import { printError } from './output.ts';

/** Builds the program with every command registered (exported for tests and docs). */
export function buildProgram(): Command {
  const program = new Command('sm-core')
    .description(
      'Social Monitoring Core: sync Instagram profiles ("bloggers") and their followers from paid data ' +
        'providers (RocketAPI, RapidAPI) into PostgreSQL, through a pg-boss queue.\n\n' +
        'Database: DATABASE_URL (or DB_HOST...) selects a PostgreSQL server; without it sm-core runs an embedded ' +
        'PostgreSQL server with its data in SM_DATA_DIR (default ./.sm-core), shared by every sm-core process ' +
        '(see sm-core db --help); without any provider key, bundled sample data (invented accounts) is served and ' +
        'kept apart in its own database. See .env.example for every setting.',
    )
    .version('0.1.0', '-V, --version')
    .configureHelp({ sortSubcommands: false });
  registerSyncProfile(program);
  registerSyncFollowers(program);
  registerSyncFollowings(program);
  registerShow(program);
  registerFollowers(program);
  registerMutuals(program);
  registerOverlap(program);
  registerAudience(program);
  registerAlerts(program);
  registerRuns(program);
  registerWorker(program);
  registerMigrate(program);
  registerDb(program);
  registerSchedule(program);
  registerRunSchedule(program);
  registerUsage(program);
  registerSearch(program);
  registerServe(program);
  program.addHelpText(
    'after',
    `
Exit codes:
  0 ok   1 internal error   2 usage   3 configuration   4 database unreachable or in use
  5 schema behind/ahead (run sm-core migrate)   6 run failed   7 run partial
  8 profile not found   9 profile private   10 provider throttled/out of quota
  11 provider rejected the API key   12 a list the analysis needs never completed
  130 interrupted`,
  );
  registerHelp(program);
  routeUsageErrors(program);
  return program;
}

/**
 * Makes commander's own usage errors (unknown option or command, missing or extra argument, a bad
 * option value) on `cmd` and every subcommand one line like every other error,
 * `sm-core: <message> (see 'sm-core <cmd> --help')`, with exit code 2: commander prints nothing
 * itself and its error becomes a UsageError, printed by {@link main}. Help and version pass through.
 */
function routeUsageErrors(cmd: Command): void {
  cmd.configureOutput({ outputError: () => {} });
  cmd.exitOverride((err) => {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version') throw err;
    // Commander's messages start with "error: " and put a "(Did you mean ...?)" on a line of its own.
    const message = err.message
      .replace(/^error:\s*/, '')
      .replace(/\s*\n\s*/g, ' ')
      .trim();
    throw new UsageError(`${message} (see '${commandPath(cmd)} --help')`);
  });
  for (const sub of cmd.commands) routeUsageErrors(sub);
}

/**
 * Runs the CLI and resolves to the process exit code; never throws.
 * @param argv process.argv (node, script, ...args)
 */
export async function main(argv: string[]): Promise<number> {
  // `sm-core followers x --json | head`: the reader closed the pipe; stop quietly, as `cat` does.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT.ok);
    throw err;
  });
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.ok;
      // Help shown because a command was missing (`sm-core`, `sm-core schedule`) is a usage error; `sm-core help` is not.
      if (err.code === 'commander.help') return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
      // Not expected: routeUsageErrors turns every other commander error into a UsageError.
      printError(new UsageError(err.message.replace(/^error:\s*/, '')));
      return EXIT.usage;
    }
    printError(err);
    return err instanceof AppError ? err.exitCode : EXIT.internal;
  }
}
