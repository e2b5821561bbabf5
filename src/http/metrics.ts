// Prometheus metrics (prom-client): HTTP requests and latency observed per request; provider calls,
// run outcomes and queue depth read from the database and pg-boss at scrape time.
import type { PgBoss } from 'pg-boss';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Database } from '../db/database.ts';
import { countRuns, createProviderCallCounter } from '../db/queries/run-stats.ts';
import type { Logger } from '../logger.ts';

/** What the scrape-time collectors read. */
export interface MetricsSources {
  db: Database;
  /** pg-boss, started on first use; absent in tests that do not need queue depth. */
  boss?: () => Promise<PgBoss>;
  logger: Logger;
}

/** The metrics of one server: its own registry (no global state), and the request observer. */
export interface HttpMetrics {
  registry: Registry;
  /** Records one finished request. @param route the route pattern (bounded label set), `unmatched` otherwise */
  observe(method: string, route: string, status: number, seconds: number): void;
}

/** Latency buckets in seconds: the search target is 20 ms, so resolution sits around it. */
const LATENCY_BUCKETS = [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Creates the registry with every metric:
 * - sm_http_requests_total{method,route,status}, sm_http_request_duration_seconds{method,route,status}
 * - sm_provider_calls{provider,outcome}: rows of service_calls (provider column, outcome = status)
 * - sm_runs{kind,status}: rows of job_calls (runs and how they ended)
 * - sm_queue_jobs{queue,state}: pg-boss getQueueStats(force) counts (queued, active, deferred, failed)
 * - sm_database_up: 1 when the scrape could read the database
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
        await sources.db.query('SELECT 1');
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

  return {
    registry,
    observe(method, route, status, seconds) {
      const labels = { method, route, status: String(status) };
      requests.inc(labels);
      latency.observe(labels, seconds);
    },
  };
}
