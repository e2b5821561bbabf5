// `sm-core db status|start|stop`: see and steer the embedded PostgreSQL server in SM_DATA_DIR.
import path from 'node:path';
import type { Command } from 'commander';
import type { EmbeddedStatus } from '../../db/embedded/control.ts';
import { printJson, printLine, printTable } from '../output.ts';

const HELP = `
The embedded server is the default database when neither DATABASE_URL nor DB_HOST is set: a real
PostgreSQL 18 server that sm-core runs itself, with its data in SM_DATA_DIR (default ./.sm-core),
listening only on a Unix socket in that directory. The first sm-core process that needs it starts it;
other processes share it; it stops SM_DB_IDLE_SECONDS (default 5) after the last one exits.

  sm-core db status            is it running, its pid, socket and client processes
  sm-core db start             start it and keep it running with no client, until db stop
  sm-core db stop [--force]    stop it now (--force: stop the sm-core processes using it first)
  sm-core db import-pglite     move the previous default's data (PGlite, SM_DATA_DIR/pgdata) into it

Exit codes: 0 ok, 3 configuration invalid, 4 the server cannot start, or is in use (stop without --force).`;

function statusRows(s: EmbeddedStatus): Array<[string, string | number]> {
  return [
    ['data directory', s.dataDir],
    ['cluster', s.clusterDir],
    [
      'state',
      s.running && !s.supervised
        ? 'running without its supervisor (killed): the next sm-core command adopts it, `sm-core db stop` stops it'
        : s.running
          ? 'running'
          : s.initialized
            ? 'stopped'
            : 'not created yet (the first command creates it)',
    ],
    ['postgres', s.version ? `PostgreSQL ${s.version}` : ''],
    ['pid', s.server?.pid ?? ''],
    ['socket', s.server ? path.join(s.server.socketDir, `.s.PGSQL.${s.server.port}`) : ''],
    ['started', s.server?.startedAt ?? ''],
    ['clients', s.clients.length ? s.clients.join(', ') : 'none'],
    ['kept running', s.keepRunning ? 'yes (db start): stop with sm-core db stop' : 'no: stops when idle'],
    ['log', s.logFile],
  ];
}

function statusJson(s: EmbeddedStatus) {
  return {
    data_dir: s.dataDir,
    cluster_dir: s.clusterDir,
    initialized: s.initialized,
    version: s.version,
    running: s.running,
    supervised: s.supervised,
    pid: s.server?.pid ?? null,
    socket_dir: s.server?.socketDir ?? null,
    started_at: s.server?.startedAt ?? null,
    clients: s.clients,
    keep_running: s.keepRunning,
    log_file: s.logFile,
  };
}

/** SM_DATA_DIR (absolute) and the idle time, read from the configuration without opening a database. */
async function embeddedSettings(): Promise<{ dataDir: string; idleSeconds: number; configured: string | null }> {
  const { loadConfig, describeConfig } = await import('../../config.ts');
  const config = loadConfig();
  return {
    dataDir: config.dataDir,
    idleSeconds: config.dbIdleSeconds,
    configured: config.database.kind === 'server' ? (describeConfig(config).database ?? null) : null,
  };
}

async function printStatus(s: EmbeddedStatus, json: boolean | undefined, configured: string | null): Promise<void> {
  if (json) return printJson(statusJson(s));
  await printTable(['embedded server', ''], statusRows(s));
  if (configured) printLine(`note: sm-core commands use the configured server ${configured}, not this embedded one`);
}

/** Registers `db` and its subcommands on the program. */
export function registerDb(program: Command): void {
  const db = program
    .command('db')
    .description('see, start and stop the embedded PostgreSQL server (the default database)')
    .addHelpText('after', HELP);
  db.command('status')
    .description('show whether the embedded server runs, its pid, socket and client processes')
    .option('--json', 'print machine-readable JSON')
    .action(async (opts: { json?: boolean }) => {
      const { embeddedStatus } = await import('../../db/embedded/control.ts');
      const { dataDir, configured } = await embeddedSettings();
      await printStatus(embeddedStatus(dataDir), opts.json, configured);
    });
  db.command('start')
    .description('start the embedded server and keep it running with no client, until `sm-core db stop`')
    .option('--json', 'print machine-readable JSON')
    .action(async (opts: { json?: boolean }) => {
      const { startEmbedded } = await import('../../db/embedded/control.ts');
      const { dataDir, idleSeconds, configured } = await embeddedSettings();
      await printStatus(await startEmbedded(dataDir, idleSeconds), opts.json, configured);
    });
  db.command('stop')
    .description('stop the embedded server now (fast shutdown) and wait until it has exited')
    .option('--force', 'stop the sm-core processes using it first (SIGTERM: a worker lets its jobs in flight commit; SIGKILL after 45 s)')
    .option('--json', 'print machine-readable JSON')
    .action(async (opts: { force?: boolean; json?: boolean }) => {
      const { stopEmbedded } = await import('../../db/embedded/control.ts');
      const { dataDir } = await embeddedSettings();
      const stopped = await stopEmbedded(dataDir, { force: opts.force });
      if (opts.json) printJson({ data_dir: dataDir, stopped });
      else printLine(stopped ? `stopped the embedded server in ${dataDir}` : `no embedded server was running in ${dataDir}`);
    });
  db.command('import-pglite')
    .description("copy the previous embedded default's data (PGlite, in SM_DATA_DIR/pgdata) into the embedded server")
    .option('--json', 'print machine-readable JSON')
    .addHelpText(
      'after',
      '\nNeeds PGlite once: `npm install --no-save @electric-sql/pglite@0.5.17`. Copies every sm-core table into the\n' +
        "embedded server's sm_core database (which must be empty), then renames pgdata to pgdata.imported-<date>.\n" +
        'Queued pg-boss jobs are not moved. See docs/database.md#moving-data-from-pglite.',
    )
    .action(async (opts: { json?: boolean }) => {
      const [{ importPglite }, { loadConfig }, { createLogger, defaultLogLevel }] = await Promise.all([
        import('../../db/embedded/import-pglite.ts'),
        import('../../config.ts'),
        import('../../logger.ts'),
      ]);
      const config = loadConfig();
      const logger = createLogger(config.logLevel ?? defaultLogLevel(false), config.secrets, { format: config.logFormat });
      const result = await importPglite(config.dataDir, config.dbIdleSeconds, logger);
      if (opts.json) {
        printJson({ copied: result.copied, moved_to: result.movedTo });
        return;
      }
      await printTable(
        ['table', 'rows copied'],
        result.copied.map((c) => [c.table, c.rows]),
      );
      printLine(`imported; the PGlite folder is now ${result.movedTo} (delete it once you have checked the data)`);
    });
}
