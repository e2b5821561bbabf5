// pg-boss construction and lifecycle: the only queue. Its error/warning events always go to the logger.
import { PgBoss } from 'pg-boss';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { ALERTS_QUEUE, QUEUES } from './jobs.ts';

/**
 * Seconds between pg-boss supervision passes (expiry of jobs whose heartbeat stopped, see
 * src/queue/jobs.ts HEARTBEAT_SECONDS); pg-boss's default of 60 s would leave a dead worker's page
 * waiting up to a minute longer. One instance per pass does the work (pg-boss claims it).
 */
export const SUPERVISE_SECONDS = 10;

/**
 * Creates and starts pg-boss on the given database's server (`connectionString`, default the
 * database's own): it opens its own small pool (LISTEN/NOTIFY included), on a configured server and
 * on the embedded one alike.
 * Installs or upgrades pg-boss's own schema (`pgboss`), then creates every queue idempotently
 * (a send to a missing queue is silently dropped in pg-boss >= 10: CASES.md C12) and brings an
 * existing queue's `heartbeatSeconds` up to date; also the `alerts` queue (ALERTS_QUEUE).
 */
export async function startBoss(db: Database, connectionString: string | undefined, logger: Logger): Promise<PgBoss> {
  const supervision = { superviseIntervalSeconds: SUPERVISE_SECONDS, monitorIntervalSeconds: SUPERVISE_SECONDS };
  const boss = new PgBoss({
    connectionString: connectionString ?? db.connectionString,
    application_name: 'sm-core',
    max: 5,
    useListenNotify: true,
    ...supervision,
  });
  boss.on('error', (err: Error) => logger.error({ err: { message: err.message } }, 'pg-boss error'));
  boss.on('warning', (w: { message: string }) => logger.warn({ warning: w.message }, 'pg-boss warning'));
  await boss.start();
  for (const [name, options] of Object.entries(QUEUES)) {
    await boss.createQueue(name, options);
    // createQueue leaves an existing queue as it was: bring the heartbeat of queues created by an
    // older version up to date (a dead worker's job would otherwise wait for expireInSeconds).
    const existing = await boss.getQueue(name);
    if (existing && existing.heartbeatSeconds !== options.heartbeatSeconds) {
      await boss.updateQueue(name, { heartbeatSeconds: options.heartbeatSeconds });
    }
  }
  await boss.createQueue(ALERTS_QUEUE.name, ALERTS_QUEUE.options);
  return boss;
}
