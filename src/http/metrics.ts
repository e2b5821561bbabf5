// Prometheus metrics (prom-client): HTTP requests and latency observed per request; provider calls,
// run outcomes and queue depth read from the database and pg-boss at scrape time.
import type { PgBoss } from 'pg-boss';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Database } from '../db/database.ts';
import { countRuns, createProviderCallCounter } from '../db/queries/run-stats.ts';
import type { Logger } from '../logger.ts';
import type { HealthProbe, PoolStats } from './health-probe.ts';
import type { Limiter, ShedReason } from './limiter.ts';

/** What the scrape-time collectors read. */
export interface MetricsSources {
  db: Database;
  /** pg-boss, started on first use; absent in tests that do not need queue depth. */
  boss?: () => Promise<PgBoss>;
  logger: Logger;
  /** /health's connection: sm_database_up reads through it (not behind searches), and its pool is reported. */
  health?: HealthProbe;
  /** The shared pool's connections, when the database exposes them. */
  poolStats?: () => PoolStats;
  /** The search limiter, read at scrape time (set by the server after creating it). */
  searchSlots?: () => ReturnType<Limiter['stats']>;
}

/** The metrics of one server: its own registry (no global state), and the request observer. */
export interface HttpMetrics {
  registry: Registry;
  /** Records one finished request. @param route the route pattern (bounded label set), `unmatched` otherwise */
  observe(method: string, route: string, status: number, seconds: number): void;
  /** Records a search that got a slot after waiting `seconds` (0 when one was free). */
  searchAdmitted(seconds: number): void;
  /** Records a request refused by load shedding (503 overloaded). */
  shed(route: string, reason: ShedReason): void;
}

/** Latency buckets in seconds: the search target is 20 ms, so resolution sits around it. */
const LATENCY_BUCKETS = [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Wait-for-a-slot buckets in seconds: 0 (a free slot) up to the default 1 s queue wait. */
const WAIT_BUCKETS = [0, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * Creates the registry with every metric:
 * - sm_http_requests_total{method,route,status}, sm_http_request_duration_seconds{method,route,status}
 * - sm_provider_calls{provider,outcome}: rows of service_calls (provider column, outcome = status)
 * - sm_runs{kind,status}: rows of job_calls (runs and how they ended)
 * - sm_queue_jobs{queue,state}: pg-boss getQueueStats(force) counts (queued, active, deferred, failed)
 * - sm_database_up: 1 when the scrape could read the database (through /health's connection when there is one)
 * - sm_http_search_slots{state}: searches running (`active`), waiting (`queued`), and the bounds (`limit`, `queue_limit`)
 * - sm_http_search_wait_seconds: how long admitted searches waited for a slot (the pool wait of searches)
 * - sm_http_shed_total{route,reason}: requests refused with 503 overloaded (`queue_full`, `wait_timeout`)
 * - sm_db_pool_connections{pool,state}: `total`, `idle` and `waiting` of the `health` pool, and of `main` when known
 * - Node.js process metrics (prefix sm_process_ / sm_nodejs_)
 * The database-backed gauges are totals of stored rows: runs are recounted at every scrape; provider
 * calls (one row per page, millions) are counted incrementally (run-stats.ts createProviderCallCounter).
 */
export function createMetrics(sources: MetricsSources): HttpMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'sm_' });
  const requests = new Counter({
    name: 'sm_http_requests_total',
    help: 'HTTP requests served, by route pattern and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'sm_http_request_duration_seconds',
    help: 'HTTP request latency in seconds',
    labelNames: ['method', 'route', 'status'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  // prom-client reads every metric concurrently at scrape time; each gauge refreshes itself.
  new Gauge({
    name: 'sm_database_up',
    help: '1 when the scrape could query the database, else 0',
    registers: [registry],
    async collect() {
      try {
        if (sources.health) await sources.health.run((db) => db.query('SELECT 1'));
        else await sources.db.query('SELECT 1');
        this.set(1);
      } catch {
        this.set(0);
      }
    },
  });
  const countGauge = <L extends string>(
    name: string,
    help: string,
    labelNames: L[],
    read: () => Promise<Array<{ labels: Record<L, string>; count: number }>>,
  ) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        try {
          for (const r of await read()) this.set(r.labels, r.count);
        } catch (err) {
          sources.logger.warn({ err: { message: (err as Error).message }, metric: name }, 'metrics: cannot read the database');
        }
      },
    });
  const providerCalls = createProviderCallCounter();
  countGauge(
    'sm_provider_calls',
    'Provider requests recorded (service_calls rows) by provider and outcome',
    ['provider', 'outcome'],
    async () =>
      (await providerCalls.count(sources.db)).map((r) => ({ labels: { provider: r.provider, outcome: r.outcome }, count: r.count })),
  );
  countGauge('sm_runs', 'Runs recorded (job_calls rows) by kind and status', ['kind', 'status'], async () =>
    (await countRuns(sources.db)).map((r) => ({ labels: { kind: r.kind, status: r.status }, count: r.count })),
  );
  new Gauge({
    name: 'sm_queue_jobs',
    help: 'pg-boss jobs by queue and state (queued, active, deferred, failed)',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      if (!sources.boss) return;
      try {
        const boss = await sources.boss();
        for (const q of await boss.getQueues()) {
          // force: a reading at most a minute old, not the monitor's cache (up to an hour old).
          const s = (await boss.getQueueStats(q.name, { force: true })).at(-1);
          if (!s) continue;
          this.set({ queue: q.name, state: 'queued' }, s.queuedCount);
          this.set({ queue: q.name, state: 'active' }, s.activeCount);
          this.set({ queue: q.name, state: 'deferred' }, s.deferredCount);
          this.set({ queue: q.name, state: 'failed' }, s.failedCount);
        }
      } catch (err) {
        sources.logger.warn({ err: { message: (err as Error).message } }, 'metrics: cannot read queue depth');
      }
    },
  });

  new Gauge({
    name: 'sm_http_search_slots',
    help: 'Searches running (active) and waiting for a slot (queued), and the bounds (limit, queue_limit)',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const s = sources.searchSlots?.();
      if (!s) return;
      this.set({ state: 'active' }, s.active);
      this.set({ state: 'queued' }, s.queued);
      this.set({ state: 'limit' }, s.concurrency);
      this.set({ state: 'queue_limit' }, s.queue);
    },
  });
  const searchWait = new Histogram({
    name: 'sm_http_search_wait_seconds',
    help: 'Time admitted searches waited for a search slot, in seconds',
    buckets: WAIT_BUCKETS,
    registers: [registry],
  });
  const shed = new Counter({
    name: 'sm_http_shed_total',
    help: 'Requests refused with 503 overloaded by load shedding, by route and reason',
    labelNames: ['route', 'reason'],
    registers: [registry],
  });
  new Gauge({
    name: 'sm_db_pool_connections',
    help: 'Database pool connections by pool (main, health) and state (total, idle, waiting = callers waiting for one)',
    labelNames: ['pool', 'state'],
    registers: [registry],
    collect() {
      const pools: Array<[string, PoolStats | undefined]> = [
        ['main', sources.poolStats?.()],
        ['health', sources.health?.stats()],
      ];
      for (const [pool, s] of pools) {
        if (!s) continue;
        this.set({ pool, state: 'total' }, s.total);
        this.set({ pool, state: 'idle' }, s.idle);
        this.set({ pool, state: 'waiting' }, s.waiting);
      }
    },
  });

  return {
    registry,
    searchAdmitted: (seconds) => searchWait.observe(seconds),
    shed: (route, reason) => shed.inc({ route, reason }),
    observe(method, route, status, seconds) {
      const labels = { method, route, status: String(status) };
      requests.inc(labels);
      latency.observe(labels, seconds);
    },
  };
}
