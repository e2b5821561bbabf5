// Helpers for tests of the embedded PostgreSQL server: which processes belong to a data directory,
// and a teardown that stops the server and proves nothing is left running.
import { readdirSync, readFileSync } from 'node:fs';
import { vi } from 'vitest';
import { stopEmbedded } from '../../src/db/embedded/control.ts';

/** Pids of live processes whose command line names `dataDir` (the postgres server and the supervisor). */
export function processesOf(dataDir: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      const state = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (cmd.includes(dataDir) && !state.slice(state.lastIndexOf(')') + 2).startsWith('Z')) out.push(Number(name));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/** Waits until no process of `dataDir` is alive (the idle stop), failing after `timeout` ms. */
export async function expectNoProcessLeft(dataDir: string, timeout = 15_000): Promise<void> {
  await vi.waitFor(
    () => {
      if (processesOf(dataDir).length > 0) throw new Error(`still running for ${dataDir}: ${processesOf(dataDir).join(', ')}`);
    },
    { timeout, interval: 50 },
  );
}

/** Stops the embedded server of `dataDir` (even with clients) and asserts that nothing of it runs. */
export async function stopAndExpectGone(dataDir: string): Promise<void> {
  await stopEmbedded(dataDir, { force: true });
  await expectNoProcessLeft(dataDir);
}
