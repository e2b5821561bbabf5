// Schedule entries for tests: a CSV (as `schedule import` reads it) stored with the default options.
import type { Queryable } from '../../src/db/database.ts';
import { DEFAULT_TIMING, parseScheduleFile } from '../../src/sync/schedule-file.ts';
import { type SaveReport, saveSchedules } from '../../src/sync/schedule.ts';

/** Stores the entries of `csv` (header or one username per line); defaults: profile, every 24h, priority 0. */
export function addSchedules(db: Queryable, csv: string): Promise<SaveReport> {
  const { specs } = parseScheduleFile(csv, 'csv', { platform: 'instagram', timing: DEFAULT_TIMING, kinds: ['profile'], priority: 0 });
  return saveSchedules(db, specs);
}
