// Drives a real followers sync for the sync benchmarks: a scratch database, the fake RocketAPI in
// this process (generated lists, optional latency and limits), `sm-core worker` processes spawned as
// real OS processes, and the runs started through the product's enqueue. Samples each worker's
// resident memory (Linux /proc) and the runs' progress while it waits.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { getJobCall, type JobCallRow } from '../../src/db/queries/job-calls.ts';
import { createLogger } from '../../src/logger.ts';
import type { GeneratedProfile } from '../../src/providers/sample/generated-list.ts';
import { type FakeRocketServerOptions, type LoggedRequest, startFakeRocketServer } from '../../src/providers/sample/fake-rocket-server.ts';
import { startBoss } from '../../src/queue/boss.ts';
import { enqueueFollowersSync } from '../../src/sync/enqueue.ts';
import { createScratchDatabase } from './scratch-db.ts';

/** The `sm-core` launcher: workers start as the README starts them (pinned Node, heap flags, exec). */
export const LAUNCHER = fileURLToPath(new URL('../../bin/sm-core', import.meta.url));
const KEY = 'bench-key';
const FINAL = new Set(['succeeded', 'failed', 'partial']);

/** One memory sample of one worker. */
export interface RssSample {
  /** ms since the runs were started. */
  t: number;
  worker: number;
  rssMb: number;
  /** Followers committed so far, all runs together. */
  followers: number;
}

/** What a benchmark sync needs. */
export interface SyncRunOptions {
  adminUrl: string;
  label: string;
  profiles: GeneratedProfile[];
  workers: number;
  /** `worker --concurrency` (default 1). */
  concurrency?: number;
  /** Extra environment of the workers (limits, log level...). */
  env?: Record<string, string>;
  server?: Pick<FakeRocketServerOptions, 'latencyMs' | 'intercept'>;
  /** Keep these worker stderr lines (parsed JSON), e.g. `'job done'`; others are dropped. */
  keepLogs?: string[];
  /** Stop after this long even if the runs did not end (ms). */
  stopAfterMs?: number;
  /** Sample worker RSS every this many ms (0 = never). */
  rssEveryMs?: number;
  log(message: string): void;
}

/** What happened. */
export interface SyncRunResult {
  requests: LoggedRequest[];
  /** Kept worker log lines (JSON objects with pino's `time`, ms). */
  logs: Array<Record<string, unknown>>;
  runs: JobCallRow[];
  rss: RssSample[];
  /** Wall time from the start of the runs until they ended or the bench stopped (ms). */
  elapsedMs: number;
  /** Edges stored per profile ext id. */
  edges: Map<string, number>;
  /** True when all runs ended before `stopAfterMs`. */
  complete: boolean;
}

/** Resident memory of process `pid` in MB (Linux /proc), NaN once it is gone. */
export function rssMb(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

function startWorker(env: Record<string, string>, concurrency: number, keep: readonly string[], logs: Array<Record<string, unknown>>) {
  // The worker runs as deployed, through the launcher and its heap flags (SM_NODE_OPTIONS, when set
  // for the bench, replaces them; empty = Node's defaults). The launcher execs Node: child.pid is the worker.
  const child = spawn(LAUNCHER, ['worker', '--concurrency', String(concurrency)], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      SM_LOG_FORMAT: 'json',
      ...(process.env.SM_NODE_OPTIONS === undefined ? {} : { SM_NODE_OPTIONS: process.env.SM_NODE_OPTIONS }),
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let buffer = '';
  let started = false;
  const ready = new Promise<void>((resolve, reject) => {
    child.on('exit', (code) => (started ? undefined : reject(new Error(`worker exited with ${code} before starting`))));
    child.stderr!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        nl = buffer.indexOf('\n');
        if (!started && line.includes('worker started')) {
          started = true;
          resolve();
        }
        if (keep.some((k) => line.includes(`"msg":"${k}"`))) logs.push(JSON.parse(line));
        else if (line.includes('"level":50') || line.includes('"level":60')) process.stderr.write(`  worker: ${line}\n`);
      }
    });
  });
  return { child, ready };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const done = new Promise((r) => child.on('exit', r));
  child.kill('SIGTERM');
  await done;
}

/** Runs the followers syncs of `profiles` on `workers` worker processes and reports what happened. */
export async function runSync(o: SyncRunOptions): Promise<SyncRunResult> {
  const scratch = await createScratchDatabase(o.adminUrl, o.label);
  const server = await startFakeRocketServer({ apiKey: KEY, generated: o.profiles, ...o.server });
  const logs: Array<Record<string, unknown>> = [];
  const workers: ReturnType<typeof startWorker>[] = [];
  const logger = createLogger('warn');
  const boss = await startBoss(scratch.db, scratch.url, logger);
  try {
    const env = {
      DATABASE_URL: scratch.url,
      ROCKET_API_HOST: server.url,
      ROCKET_API_KEY: KEY,
      SM_ENV: 'production',
      SM_PROVIDER_PRIORITY: 'rocket',
      SM_LOG_LEVEL: 'info',
      ...o.env,
    };
    for (let i = 0; i < o.workers; i++) workers.push(startWorker(env, o.concurrency ?? 1, o.keepLogs ?? [], logs));
    await Promise.all(workers.map((w) => w.ready));
    o.log(`${o.workers} worker(s) started; syncing ${o.profiles.map((p) => `${p.username} (${p.followers})`).join(', ')}`);
    const start = performance.now();
    const started = [];
    for (const p of o.profiles) started.push(await enqueueFollowersSync({ db: scratch.db, boss }, { lookup: { username: p.username } }));
    const rss: RssSample[] = [];
    let followersDone = 0;
    let lastLog = 0;
    let runs: JobCallRow[] = [];
    const ids = new Map<string, string>(); // profile run id -> followers run id
    let complete = false;
    for (;;) {
      const t = performance.now() - start;
      runs = [];
      for (const s of started) {
        const root = await getJobCall(scratch.db, s.runId);
        const childId = ids.get(s.runId) ?? (root?.summary.followers_job_call_id as string | undefined);
        if (childId) ids.set(s.runId, childId);
        const run = childId ? await getJobCall(scratch.db, childId) : null;
        if (run) runs.push(run);
        else if (root && FINAL.has(root.status)) throw new Error(`profile run ${root.id} ended ${root.status}: ${root.errorMessage}`);
      }
      followersDone = runs.reduce((n, r) => n + r.itemsSeen, 0);
      if (o.rssEveryMs) {
        for (const [i, w] of workers.entries()) rss.push({ t, worker: i, rssMb: rssMb(w.child.pid!), followers: followersDone });
      }
      if (t - lastLog > 10_000) {
        lastLog = t;
        o.log(`${(t / 1000).toFixed(0)} s: ${followersDone} followers committed`);
      }
      if (runs.length === o.profiles.length && runs.every((r) => FINAL.has(r.status))) {
        complete = true;
        break;
      }
      if (o.stopAfterMs && t > o.stopAfterMs) break;
      await new Promise((r) => setTimeout(r, o.rssEveryMs || 250));
    }
    const elapsedMs = performance.now() - start;
    const counts = await scratch.db.query<{ ext_id: string; n: string }>(
      'SELECT p.ext_id, count(*) AS n FROM subscriptions s JOIN social_profiles p ON p.id = s.social_profile_id GROUP BY 1',
    );
    return {
      requests: server.requests,
      logs,
      runs,
      rss,
      elapsedMs,
      edges: new Map(counts.rows.map((r) => [r.ext_id, Number(r.n)])),
      complete,
    };
  } finally {
    for (const w of workers) await stop(w.child);
    await boss.stop({ graceful: false, close: true });
    await server.close();
    await scratch.drop();
  }
}
