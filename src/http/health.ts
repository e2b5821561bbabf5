// GET /health: 200 when the database answers and its schema is what this code expects, else 503
// with the reason (for load balancers and Kubernetes readiness probes). With a probe (`serve`)
// the checks run on the probe's own connection, so they never wait behind searches for a pooled
// one; without one (tests) they run on the shared pool, where searches are kept below the pool size
// (SM_HTTP_SEARCH_CONCURRENCY) so a connection stays free.
import type { Queryable } from '../db/database.ts';
import { assertSchemaCurrent } from '../db/migrate.ts';
import { SchemaVersionError } from '../errors.ts';
import { sharedPoolProbe } from './health-probe.ts';
import type { RouteContext, RouteResult } from './route.ts';

/** How long the database gets to answer a health check without a probe (ms); a probe has its own budget. */
export const HEALTH_TIMEOUT_MS = 1000;

/** Body of /health. */
export interface HealthBody {
  status: 'ok' | 'unavailable';
  database: 'ok' | 'unreachable';
  schema: 'current' | 'not_current' | 'unknown';
  /** Why the service is unavailable; absent when ok. */
  reason?: string;
}

async function check(db: Queryable): Promise<void> {
  await db.query('SELECT 1');
  await assertSchemaCurrent(db);
}

/** Checks the database (SELECT 1) and then the schema version (assertSchemaCurrent), within the timeout. */
export async function healthRoute(ctx: RouteContext): Promise<RouteResult> {
  const { db, health } = ctx.deps;
  try {
    await (health ?? sharedPoolProbe(db, HEALTH_TIMEOUT_MS)).run(check);
  } catch (err) {
    const body: HealthBody =
      err instanceof SchemaVersionError
        ? { status: 'unavailable', database: 'ok', schema: 'not_current', reason: err.message }
        : {
            status: 'unavailable',
            database: 'unreachable',
            schema: 'unknown',
            reason: `database unreachable (${db.label}): ${(err as Error).message}`,
          };
    return { status: 503, body };
  }
  const body: HealthBody = { status: 'ok', database: 'ok', schema: 'current' };
  return { status: 200, body };
}
