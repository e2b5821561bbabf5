// A sync test harness: a cloned test database, a real Context (pg + pg-boss) with injected providers.
import { type Context, createContext } from '../../src/context.ts';
import { createLogger } from '../../src/logger.ts';
import type { WorkOptions, WorkTotals } from '../../src/queue/worker.ts';
import { workQueues } from '../../src/queue/worker.ts';
import type { ProviderSet, SyncDeps } from '../../src/sync/deps.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

/** A database, a context on it, and the sync dependencies. */
export interface SyncHarness {
  tdb: TestDatabase;
  ctx: Context;
  deps: SyncDeps;
  /** Works the queues until no job is ready (jobs scheduled for later stay queued). */
  drain(options?: WorkOptions): Promise<WorkTotals>;
  close(): Promise<void>;
}

/**
 * Creates the harness. Retries are made immediate (retryDelay 0) so retry paths need no waiting.
 * @param providers injected providers, or undefined for the configured ones (ROCKET_API_HOST... in `env`)
 * @param env extra environment (SM_MAX_PAGES, ROCKET_API_HOST...)
 */
export async function createSyncHarness(providers: ProviderSet | undefined, env: Record<string, string> = {}): Promise<SyncHarness> {
  const tdb = await createTestDatabase();
  const ctx = await createContext({
    env: { DATABASE_URL: tdb.url, SM_ENV: 'test', SM_LOG_LEVEL: 'silent', ...env },
    ...(providers ? { providers } : {}),
    logger: createLogger('silent'),
  });
  const deps = await ctx.syncDeps();
  for (const queue of ['sync-profile', 'sync-followers']) {
    await deps.boss.updateQueue(queue, { retryDelay: 0, retryBackoff: false });
  }
  return {
    tdb,
    ctx,
    deps,
    drain: (options = {}) => workQueues(deps, { idleMs: 10, stopWhenIdle: true, ...options }),
    async close() {
      await ctx.close();
      await tdb.drop();
    },
  };
}

/** Rows of a table as plain objects, for assertions. */
export async function rows<T = Record<string, unknown>>(h: SyncHarness, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await h.tdb.pool.query(sql, params)).rows as T[];
}

/** Jobs of a queue still waiting (created or retry) in pg-boss. */
export async function queuedJobs(h: SyncHarness, queue: string): Promise<number> {
  const res = await h.tdb.pool.query(
    `SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state IN ('created', 'retry', 'active')`,
    [queue],
  );
  return res.rows[0].n;
}
