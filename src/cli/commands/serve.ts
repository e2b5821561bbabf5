// `sm-core serve [--port 3000] [--host 127.0.0.1]`: the HTTP API (src/http/server.ts) until SIGTERM
// or SIGINT, then a graceful stop: in-flight requests finish, the database and queue are closed.
import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import { printLine } from '../output.ts';
import { withContext } from '../with-context.ts';

/** How long in-flight requests get to finish after SIGTERM before connections are cut (ms). */
const SHUTDOWN_GRACE_MS = 10_000;

function parsePort(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65_535) throw new UsageError(`--port must be a number from 0 to 65535, got "${text}"`);
  return Number(text);
}

/** Registers `serve` on the program. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'serve the HTTP API (search, profiles, mutuals/audience/overlap, /health, /metrics, /api/v1/openapi.json) and the web pages',
    )
    .option('--port <n>', 'TCP port to listen on (0 picks a free one)', '3000')
    .option('--host <address>', 'address to listen on (0.0.0.0 for every interface)', '127.0.0.1')
    .addHelpText(
      'after',
      `
Endpoints (docs/api.md):
  GET /api/v1/bloggers?q=&page=1&per_page=20&platform=instagram
  GET /api/v1/bloggers/:platform/:username
  GET /api/v1/bloggers/:platform/:username/mutuals?view=mutuals|not-following-back|fans&limit=100
  GET /api/v1/bloggers/:platform/:username/audience?days=30&k=3
  GET /api/v1/overlap?u=a&u=b[&u=c...][&list=true&limit=100]
                       the JSON of sm-core mutuals|audience|overlap --json; 409 while a list
                       the analysis needs never completed
  GET /health          200, or 503 with the reason (database unreachable, schema not current);
                       on its own database connection, within SM_HEALTH_TIMEOUT_MS
  GET /metrics         Prometheus text
  GET /api/v1/openapi.json
Web pages for people (read-only; open the printed URL):
  GET /                               search with type-ahead
  GET /bloggers/:platform/:username   profile, follower-count chart, new and lost followers, last runs
  GET /runs/:id                       one run and its chain of provider calls

Prints "listening on http://HOST:PORT" once ready. SIGTERM or SIGINT stops it gracefully
(in-flight requests finish, at most ${SHUTDOWN_GRACE_MS / 1000} s); a second signal exits at once (130).
It starts even when the schema is behind, and /health answers 503 until \`sm-core migrate\` ran.
Under load at most SM_HTTP_SEARCH_CONCURRENCY searches and analyses (mutuals, audience, overlap)
run at once and SM_HTTP_SEARCH_QUEUE wait
(at most SM_HTTP_SEARCH_WAIT_MS); more get 503 overloaded with Retry-After: 1 (docs/api.md "Load").`,
    )
    .action(async (opts: { port: string; host: string }) => {
      const port = parsePort(opts.port);
      const { createHttpServer } = await import('../../http/server.ts');
      const { createHealthProbe } = await import('../../http/health-probe.ts');
      const { watchShutdown } = await import('../signals.ts');
      const { assertSchemaCurrent, migrate } = await import('../../db/migrate.ts');
      await withContext({ schema: 'none', service: true }, async (ctx) => {
        if (ctx.db.kind === 'embedded') await migrate(ctx.db);
        await assertSchemaCurrent(ctx.db).catch((err: Error) =>
          ctx.logger.warn({ reason: err.message }, 'schema not current: /health answers 503'),
        );
        const { http } = ctx.config;
        // /health gets its own connection (configured or embedded server), so it never waits behind searches (issue 14).
        const health = createHealthProbe(ctx.db.connectionString, http.healthTimeoutMs, ctx.logger);
        const server = createHttpServer(
          { db: ctx.db, logger: ctx.logger, boss: () => ctx.boss(), health, poolStats: () => ctx.db.poolStats() },
          { searchConcurrency: http.searchConcurrency, searchQueue: http.searchQueue, searchWaitMs: http.searchWaitMs },
        );
        const shutdown = watchShutdown(SHUTDOWN_GRACE_MS, (signal) =>
          ctx.logger.info({ signal }, 'shutting down: finishing in-flight requests'),
        );
        await new Promise<void>((resolve, reject) => {
          server.once('error', (err: NodeJS.ErrnoException) => {
            const why = err.code === 'EADDRINUSE' ? 'the port is in use' : err.code === 'EACCES' ? 'permission denied' : err.message;
            reject(new UsageError(`cannot listen on ${opts.host}:${port}: ${why}; choose another --port or --host`));
          });
          server.listen(port, opts.host, resolve);
        });
        const address = server.address();
        const url =
          typeof address === 'object' && address
            ? `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`
            : String(address);
        ctx.logger.info({ url, database: ctx.db.label }, 'listening');
        printLine(`listening on ${url}`);
        await new Promise((resolve) => shutdown.stopSignal.addEventListener('abort', resolve, { once: true }));
        await server.shutdown(SHUTDOWN_GRACE_MS);
        await health.close();
        shutdown.dispose();
        ctx.logger.info('stopped');
      });
    });
}
