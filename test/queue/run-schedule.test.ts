// `worker --schedule`: the pg-boss cron row is registered, and a tick job runs run-schedule.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RUN_SCHEDULE_QUEUE } from '../../src/queue/jobs.ts';
import { startScheduleTick } from '../../src/queue/run-schedule.ts';
import { createFakeProvider } from '../helpers/fake-provider.ts';
import { addSchedules } from '../helpers/schedules.ts';
import { createSyncHarness, rows, type SyncHarness } from '../helpers/sync.ts';

describe('queue: run-schedule tick (worker --schedule)', () => {
  let h: SyncHarness;
  beforeAll(async () => {
    h = await createSyncHarness(createFakeProvider().asSet());
  });
  afterAll(async () => {
    await h.close();
  });

  it('registers a per-minute UTC cron and runs run-schedule for each tick job', async () => {
    await addSchedules(h.deps.db, 'ticked\n');
    const stop = await startScheduleTick(h.deps);
    try {
      // idempotent: a second worker with --schedule registers the same single schedule
      await (await startScheduleTick(h.deps))();
      const schedules = await rows<{ name: string; cron: string; timezone: string }>(
        h,
        `SELECT name, cron, timezone FROM pgboss.schedule WHERE name = $1`,
        [RUN_SCHEDULE_QUEUE.name],
      );
      expect(schedules).toEqual([{ name: 'run-schedule', cron: '* * * * *', timezone: 'UTC' }]);
      // what pg-boss cron sends every minute (null when the cron's own tick is already queued: the
      // queue is `exclusive`); the worker's handler runs run-schedule for it
      await h.deps.boss.send(RUN_SCHEDULE_QUEUE.name, {});
      await vi.waitFor(
        async () => {
          const entry = await rows<{ enqueued: boolean }>(h, `SELECT last_enqueued_at IS NOT NULL AS enqueued FROM sync_schedules`);
          expect(entry).toEqual([{ enqueued: true }]);
        },
        { timeout: 20_000, interval: 100 },
      );
      const runs = await rows<{ params: { lookup: string } }>(h, `SELECT params FROM job_calls`);
      expect(runs.map((r) => r.params.lookup)).toEqual(['username:ticked']);
      await vi.waitFor(
        async () => {
          const done = await rows<{ output: unknown }>(h, `SELECT output FROM pgboss.job WHERE name = $1 AND state = 'completed'`, [
            RUN_SCHEDULE_QUEUE.name,
          ]);
          expect(done.map((j) => j.output)).toContainEqual({ due: 1, started: 1, attached: 0, failed: 0 });
        },
        { timeout: 20_000, interval: 100 },
      );
    } finally {
      await stop();
    }
  });
});
