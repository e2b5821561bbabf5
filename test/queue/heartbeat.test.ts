// Job heartbeats (src/queue/heartbeat.ts) and the queue options startBoss keeps current.
import { Writable } from 'node:stream';
import type { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { openServerDatabase } from '../../src/db/server.ts';
import { createLogger } from '../../src/logger.ts';
import { startBoss } from '../../src/queue/boss.ts';
import { startHeartbeat } from '../../src/queue/heartbeat.ts';
import { HEARTBEAT_SECONDS } from '../../src/queue/jobs.ts';
import { waitFor } from '../helpers/faults.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

let tdb: TestDatabase;
let db: Database;
let boss: PgBoss;
const lines: string[] = [];
const logger = createLogger('info', [], {
  format: 'json',
  destination: new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  }),
});

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await openServerDatabase(tdb.url, createLogger('silent'));
  // A queue created by an older version: no heartbeat.
  await tdb.pool.query(`UPDATE pgboss.queue SET heartbeat_seconds = NULL WHERE name = 'sync-followers'`);
  boss = await startBoss(db, tdb.url, logger);
});
afterAll(async () => {
  await boss.stop({ graceful: false, close: true });
  await db.close();
  await tdb.drop();
});

describe('job heartbeats', () => {
  it('startBoss brings the heartbeat of an existing queue up to date', async () => {
    const { rows } = await tdb.pool.query(`SELECT name, heartbeat_seconds FROM pgboss.queue WHERE name LIKE 'sync-%' ORDER BY name`);
    expect(rows).toEqual([
      { name: 'sync-followers', heartbeat_seconds: HEARTBEAT_SECONDS },
      { name: 'sync-followings', heartbeat_seconds: HEARTBEAT_SECONDS },
      { name: 'sync-profile', heartbeat_seconds: HEARTBEAT_SECONDS },
    ]);
  });

  it('touches the job it holds; logs once when pg-boss gave the attempt away', async () => {
    const id = await boss.send('sync-followers', { probe: 1 });
    const [job] = await boss.fetch('sync-followers');
    expect(job?.id).toBe(id);
    const heartbeatOn = async () =>
      (await tdb.pool.query('SELECT heartbeat_on FROM pgboss.job WHERE id = $1', [id])).rows[0].heartbeat_on as Date;
    const before = await heartbeatOn();
    const beat = startHeartbeat(boss, 'sync-followers', { id: id!, retryCount: 0, retryLimit: 5, data: {} }, logger, 50);
    try {
      await waitFor('a touch', async () => (await heartbeatOn()).getTime() > before.getTime(), 10_000);
      // The attempt is failed elsewhere (as pg-boss does when a heartbeat is lost): the next touch finds nothing.
      await boss.fail('sync-followers', id!, { message: 'heartbeat lost (test)' });
      await waitFor('the lost-attempt warning', () => lines.some((l) => l.includes('no longer assigns this attempt')), 10_000);
    } finally {
      beat.stop();
    }
    expect(lines.filter((l) => l.includes('no longer assigns this attempt'))).toHaveLength(1);
  });

  it('pg-boss error events reach the log', () => {
    boss.emit('error', new Error('synthetic pg-boss failure'));
    expect(lines.some((l) => l.includes('"msg":"pg-boss error"') && l.includes('synthetic pg-boss failure'))).toBe(true);
  });
});
