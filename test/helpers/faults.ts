// Fault-test harness: a cloned test database, a fake RocketAPI on loopback (generated lists, fault
// interception) in the test process, and `sm-core worker` processes spawned as real OS processes.
import { type Context, createContext } from '../../src/context.ts';
import type { Queryable } from '../../src/db/database.ts';
import { getJobCall, type JobCallRow } from '../../src/db/queries/job-calls.ts';
import { createLogger } from '../../src/logger.ts';
import {
  type FakeRocketServer,
  type FakeRocketServerOptions,
  type LoggedRequest,
  startFakeRocketServer,
} from '../../src/providers/sample/fake-rocket-server.ts';
import type { ProfileQuery } from '../../src/providers/types.ts';
import { type EnqueuedRun, enqueueFollowersSync } from '../../src/sync/enqueue.ts';
import { type CliProcess, startCli } from './cli.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

export const FAULT_API_KEY = 'fault-test-key';

/** Polls `fn` every `intervalMs` until it returns a truthy value. @throws after `timeoutMs`, naming `what` */
export async function waitFor<T>(what: string, fn: () => Promise<T> | T, timeoutMs = 60_000, intervalMs = 25): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The harness of one fault-test file. */
export interface FaultHarness {
  tdb: TestDatabase;
  server: FakeRocketServer;
  /** Environment for spawned sm-core processes (database, fake provider, key, fast in-place retries). */
  env: Record<string, string>;
  /** An in-process context on the same database (enqueueing, reading runs). */
  ctx: Context;
  /** Starts `sm-core worker` as a child process; stopped (SIGTERM) at close if still running. */
  startWorker(extraEnv?: Record<string, string>, args?: string[]): CliProcess;
  /** Starts a followers sync (via its profile sync when the profile is not stored yet). */
  enqueueFollowers(lookup: ProfileQuery): Promise<EnqueuedRun>;
  /** The followers run of a started sync (the one a profile run chained), once it exists. */
  followersRun(started: EnqueuedRun): Promise<JobCallRow>;
  /** Waits until the run has ended and returns it. */
  waitForEnd(runId: string, timeoutMs?: number): Promise<JobCallRow>;
  /** Runs a query on the test database. */
  q<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

const FINAL = new Set(['succeeded', 'failed', 'partial']);

/**
 * Creates the harness. `server` options add generated lists and fault interception; `env` adds
 * or overrides keys of the spawned processes' environment.
 */
export async function createFaultHarness(server: FakeRocketServerOptions = {}, env: Record<string, string> = {}): Promise<FaultHarness> {
  const tdb = await createTestDatabase();
  const fake = await startFakeRocketServer({ apiKey: FAULT_API_KEY, ...server });
  const fullEnv = {
    DATABASE_URL: tdb.url,
    ROCKET_API_HOST: fake.url,
    ROCKET_API_KEY: FAULT_API_KEY,
    SM_ENV: 'test',
    SM_PROVIDER_PRIORITY: 'rocket',
    SM_PROVIDER_RETRY_BASE_MS: '20',
    SM_LOG_LEVEL: 'info',
    ...env,
  };
  const ctx = await createContext({
    env: { DATABASE_URL: tdb.url, SM_ENV: 'test', SM_LOG_LEVEL: 'silent' },
    logger: createLogger('silent'),
  });
  const workers = new Set<CliProcess>();
  // Waiting and assertions read through the test's own pool: a C17 test terminates every connection
  // named 'sm-core', the harness context's included, and a poll must not fail on its own side.
  const observer: Queryable = {
    async query<R>(text: string, params?: readonly unknown[]) {
      const res = await tdb.pool.query(text, params as unknown[] | undefined);
      return { rows: res.rows as R[], rowCount: res.rowCount ?? 0 };
    },
  };
  const h: FaultHarness = {
    tdb,
    server: fake,
    env: fullEnv,
    ctx,
    startWorker(extraEnv = {}, args = []) {
      const w = startCli(['worker', ...args], { ...fullEnv, ...extraEnv });
      workers.add(w);
      void w.done.then(() => workers.delete(w));
      return w;
    },
    async enqueueFollowers(lookup) {
      return enqueueFollowersSync({ db: ctx.db, boss: await ctx.boss() }, { lookup });
    },
    async followersRun(started) {
      if (started.kind === 'followers') return (await getJobCall(ctx.db, started.runId))!;
      const childId = await waitFor('the chained followers run', async () => {
        const root = await getJobCall(ctx.db, started.runId);
        if (root && FINAL.has(root.status) && root.status !== 'succeeded')
          throw new Error(`profile run ended ${root.status}: ${root.errorMessage}`);
        const id = root?.summary.followers_job_call_id;
        return typeof id === 'string' ? id : null;
      });
      return (await getJobCall(ctx.db, childId))!;
    },
    waitForEnd(runId, timeoutMs = 90_000) {
      return waitFor(
        `run ${runId} to end`,
        async () => {
          const run = await getJobCall(observer, runId);
          return run && FINAL.has(run.status) ? run : null;
        },
        timeoutMs,
        50,
      );
    },
    async q(sql, params = []) {
      return (await tdb.pool.query(sql, params)).rows;
    },
    async close() {
      for (const w of workers) {
        w.child.kill('SIGTERM');
        await w.done;
      }
      await ctx.close();
      await fake.close();
      await tdb.drop();
    },
  };
  return h;
}

/** Requests for follower pages of profile `id`, in arrival order. */
export function followerRequests(server: FakeRocketServer, id?: string): LoggedRequest[] {
  return server.requestsTo('get_followers').filter((r) => id === undefined || String(r.body?.id) === id);
}

/** Ext ids of the followers stored as following the profile with this ext id, sorted. */
export async function storedEdges(h: FaultHarness, profileExtId: string): Promise<string[]> {
  const rows = await h.q<{ ext_id: string }>(
    `SELECT f.ext_id FROM subscriptions s JOIN followers f ON f.id = s.follower_id
     JOIN social_profiles p ON p.id = s.social_profile_id WHERE p.ext_id = $1 AND s.active ORDER BY f.ext_id`,
    [profileExtId],
  );
  return rows.map((r) => r.ext_id);
}

/** Facts every completed run must satisfy: one succeeded page per cursor, nothing left running or queued. */
export async function ledgerFacts(h: FaultHarness, runId: string) {
  const pages = await h.q<{ sent: string | null; n: number }>(
    `SELECT cursor ->> 'sent' AS sent, count(*)::int AS n FROM service_calls
     WHERE job_call_id = $1 AND status = 'succeeded' GROUP BY 1`,
    [runId],
  );
  const [open] = await h.q<{ runs: number; calls: number; jobs: number }>(
    `SELECT (SELECT count(*)::int FROM job_calls WHERE status IN ('pending', 'running')) AS runs,
            (SELECT count(*)::int FROM service_calls WHERE status = 'running') AS calls,
            (SELECT count(*)::int FROM pgboss.job WHERE name IN ('sync-followers', 'sync-profile')
               AND state IN ('created', 'retry', 'active')) AS jobs`,
  );
  return { pagesCommitted: pages.length, committedTwice: pages.filter((p) => p.n > 1), open: open! };
}
