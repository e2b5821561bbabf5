// GET /health: 200 when the database answers and its schema is what this code expects, else 503
// with the reason (for load balancers and Kubernetes readiness probes).
import { assertSchemaCurrent } from '../db/migrate.ts';
import { SchemaVersionError } from '../errors.ts';
import type { RouteContext, RouteResult } from './route.ts';

/** How long the database gets to answer a health check (ms). */
export const HEALTH_TIMEOUT_MS = 2000;

/** Body of /health. */
export interface HealthBody {
  status: 'ok' | 'unavailable';
  database: 'ok' | 'unreachable';
  schema: 'current' | 'not_current' | 'unknown';
  /** Why the service is unavailable; absent when ok. */
  reason?: string;
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Checks the database (SELECT 1) and then the schema version (assertSchemaCurrent). */
export async function healthRoute(ctx: RouteContext): Promise<RouteResult> {
  const { db } = ctx.deps;
  try {
    await withTimeout(db.query('SELECT 1'), HEALTH_TIMEOUT_MS, 'the database');
  } catch (err) {
    const body: HealthBody = {
      status: 'unavailable',
      database: 'unreachable',
      schema: 'unknown',
      reason: `database unreachable (${db.label}): ${(err as Error).message}`,
    };
    return { status: 503, body };
  }
  try {
    await withTimeout(assertSchemaCurrent(db), HEALTH_TIMEOUT_MS, 'the schema check');
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
