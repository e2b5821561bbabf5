// Composition root: config -> logger -> database -> (queue). The only module that knows every layer.
import type { PgBoss } from 'pg-boss';
import { loadConfig, type Config } from './config.ts';
import { openDatabase, type Database } from './db/database.ts';
import { assertSchemaCurrent, migrate } from './db/migrate.ts';
import { createLogger, type Logger } from './logger.ts';
import { startBoss } from './queue/boss.ts';

/** Everything a command needs, built once. `close()` releases what was acquired, in reverse order. */
export interface Context {
  config: Config;
  logger: Logger;
  db: Database;
  /** Starts pg-boss on first use (commands that never queue never pay for it). */
  boss(): Promise<PgBoss>;
  close(): Promise<void>;
}

/** Options for {@link createContext}. */
export interface ContextOptions {
  /** Environment to read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /**
   * Schema handling: 'check' refuses a stale schema on a server and migrates the embedded database
   * (it belongs to this process alone); 'none' skips both (the migrate command itself).
   */
  schema?: 'check' | 'none';
  logger?: Logger;
}

/**
 * Builds the context.
 * @throws ConfigError, DatabaseError, SchemaVersionError (each with its own exit code)
 */
export async function createContext(options: ContextOptions = {}): Promise<Context> {
  const config = loadConfig(options.env ?? process.env);
  const logger = options.logger ?? createLogger(config.logLevel, config.secrets, { format: config.logFormat });
  const releasers: Array<() => Promise<void>> = [];
  const releaseAll = async () => {
    for (const release of releasers.reverse()) {
      try {
        await release();
      } catch (err) {
        logger.warn({ err: { message: (err as Error).message } }, 'error while closing');
      }
    }
    releasers.length = 0;
  };
  let db: Database;
  try {
    if (config.newRelicLicenseKey) {
      // Only with a key: the agent module is never imported otherwise (test/monitoring/newrelic.test.ts).
      const monitoring = await import('./monitoring/newrelic.ts');
      if (await monitoring.startMonitoring(config, logger)) releasers.push(() => monitoring.stopMonitoring());
    }
    db = await openDatabase(config.database, logger);
    releasers.push(() => db.close());
    if (options.schema !== 'none') {
      if (db.kind === 'embedded') await migrate(db);
      else await assertSchemaCurrent(db);
    }
  } catch (err) {
    await releaseAll();
    throw err;
  }
  let bossPromise: Promise<PgBoss> | undefined;
  return {
    config,
    logger,
    db,
    boss() {
      if (!bossPromise) {
        const connectionString = config.database.kind === 'server' ? config.database.connectionString : undefined;
        bossPromise = startBoss(db, connectionString, logger);
        releasers.push(async () => {
          const boss = await bossPromise!;
          await boss.stop({ graceful: true, timeout: 10_000, close: true });
        });
      }
      return bossPromise;
    },
    close: releaseAll,
  };
}
