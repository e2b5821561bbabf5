// Composition root: config -> logger -> database -> (queue, providers). The only module that knows every layer.
import type { PgBoss } from 'pg-boss';
import { loadConfig, type Config } from './config.ts';
import { ConfigError } from './errors.ts';
import { openDatabase, type Database } from './db/database.ts';
import { assertSchemaCurrent, migrate } from './db/migrate.ts';
import { createLogger, defaultLogLevel, type Logger } from './logger.ts';
import type { ProviderSet, SyncDeps } from './sync/deps.ts';

/** Everything a command needs, built once. `close()` releases what was acquired, in reverse order. */
export interface Context {
  config: Config;
  logger: Logger;
  db: Database;
  /** Starts pg-boss on first use (commands that never queue never pay for it). */
  boss(): Promise<PgBoss>;
  /** Builds the configured providers on first use (the bundled sample server when no key is set). */
  providers(): Promise<ProviderSet>;
  /** What the sync layer and queue handlers need: db, boss, providers, settings. */
  syncDeps(): Promise<SyncDeps>;
  close(): Promise<void>;
}

/** Options for {@link createContext}. */
export interface ContextOptions {
  /** Environment to read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /**
   * Schema handling: 'check' refuses a stale schema on a configured server and migrates the embedded
   * one (sm-core owns it; migrations are serialised by an advisory lock); 'none' skips both (the
   * migrate command itself).
   */
  schema?: 'check' | 'none';
  /** A long-running service (worker, serve): info-level logs even off a terminal when SM_LOG_LEVEL is unset. */
  service?: boolean;
  logger?: Logger;
  /** Providers to use instead of the configured ones (tests). */
  providers?: ProviderSet;
}

/**
 * Builds the context.
 * @throws ConfigError, DatabaseError, SchemaVersionError (each with its own exit code)
 */
export async function createContext(options: ContextOptions = {}): Promise<Context> {
  const config = loadConfig(options.env ?? process.env);
  const level = config.logLevel ?? defaultLogLevel(options.service === true);
  const logger = options.logger ?? createLogger(level, config.secrets, { format: config.logFormat });
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
    db = await openDatabase(config.database, logger, { poolSize: config.dbPoolSize });
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
  let providersPromise: Promise<ProviderSet> | undefined;
  const ctx: Context = {
    config,
    logger,
    db,
    boss() {
      if (!bossPromise) {
        // pg-boss loads on first use only: read-only commands (show, search, runs) never import it.
        bossPromise = import('./queue/boss.ts').then(({ startBoss }) => startBoss(db, undefined, logger));
        releasers.push(async () => {
          const boss = await bossPromise!;
          await boss.stop({ graceful: true, timeout: 10_000, close: true });
        });
      }
      return bossPromise;
    },
    providers() {
      if (!providersPromise) {
        providersPromise = options.providers ? Promise.resolve(options.providers) : loadProviders(config, logger, releasers, db);
      }
      return providersPromise;
    },
    async syncDeps() {
      const [boss, providers] = await Promise.all([ctx.boss(), ctx.providers()]);
      return {
        db,
        boss,
        logger,
        providers,
        settings: {
          followersPageSize: config.followersPageSize,
          maxPages: config.maxPages,
          rateLimitFloorSeconds: RATE_LIMIT_FLOOR_SECONDS,
          completenessMinShare: config.completenessMinShare,
          countMaxAgeMinutes: config.countMaxAgeMinutes,
          privateMaxAgeHours: config.privateMaxAgeHours,
          runResumeHours: config.runResumeHours,
          cursorProviderWaitSeconds: config.cursorProviderWaitSeconds,
        },
        alerts: config.webhook,
      };
    },
    close: releaseAll,
  };
  return ctx;
}

/** Deferral after a rate limit that named no Retry-After (seconds; CASES.md C08). */
const RATE_LIMIT_FLOOR_SECONDS = 60;

async function loadProviders(config: Config, logger: Logger, releasers: Array<() => Promise<void>>, db: Database): Promise<ProviderSet> {
  if (config.sampleData && db.kind === 'server' && !config.sampleToServer) {
    // Invented accounts never land in a user's own database unless asked for (SM_SAMPLE_TO_SERVER).
    throw new ConfigError(
      'no provider key is set, so only the bundled SAMPLE accounts could be synced, and they are not written into the configured ' +
        'database: set ROCKET_API_KEY (or RAPID_API_KEY), or SM_SAMPLE_TO_SERVER=true to store them there, or unset DATABASE_URL/DB_HOST to use the embedded database',
    );
  }
  const { createProviders } = await import('./providers/registry.ts');
  // db: rate limits, budgets and usage counts shared by every worker (src/providers/rate-gate.ts)
  const built = await createProviders(config, logger, { db });
  releasers.push(() => built.close());
  return { primary: built.primary, byName: built.byName, sample: built.sample, names: built.names };
}
