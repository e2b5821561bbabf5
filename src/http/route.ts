// The route contract of the HTTP server: what a handler receives and returns.
import type { PgBoss } from 'pg-boss';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import type { HealthProbe, PoolStats } from './health-probe.ts';

/** What the server needs from the composition root. */
export interface HttpDeps {
  db: Database;
  logger: Logger;
  /** pg-boss, started on first use (queue depth in /metrics); optional. */
  boss?: () => Promise<PgBoss>;
  /** /health's own connection (src/http/health-probe.ts); without it health uses the shared pool. */
  health?: HealthProbe;
  /** The shared database pool's connections, for /metrics, when the database exposes them. */
  poolStats?: () => PoolStats;
}

/** One request as a handler sees it. */
export interface RouteContext {
  url: URL;
  /** Path captures of the route pattern, still percent-encoded. */
  params: string[];
  deps: HttpDeps;
}

/** A handler's answer: JSON unless `text` is given (then served as-is with `contentType` and `headers`). */
export interface RouteResult {
  status: number;
  body?: unknown;
  text?: string;
  contentType?: string;
  /** Extra response headers (the web pages' Content-Security-Policy and caching, an API page's `Link`). */
  headers?: Record<string, string>;
}

/** One entry of the route table. `name` is the pattern used as the metrics label. */
export interface Route {
  name: string;
  pattern: RegExp;
  handler(ctx: RouteContext): Promise<RouteResult>;
}
