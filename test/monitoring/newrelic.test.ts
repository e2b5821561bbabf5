// New Relic: loads only with NEW_RELIC_LICENSE_KEY; each job run becomes one SmCoreJob custom event.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import {
  JOB_EVENT_TYPE,
  type NewRelicAgent,
  monitoringEnabled,
  recordJobEvent,
  startMonitoring,
  stopMonitoring,
} from '../../src/monitoring/newrelic.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const logger = createLogger('silent');
const root = fileURLToPath(new URL('../../', import.meta.url));

function fakeAgent() {
  const events: Array<{ type: string; attributes: Record<string, unknown> }> = [];
  const shutdowns: unknown[] = [];
  const agent: NewRelicAgent = {
    recordCustomEvent: (type, attributes) => events.push({ type, attributes }),
    shutdown: (options, cb) => {
      shutdowns.push(options);
      cb();
    },
  };
  return { agent, events, shutdowns };
}

describe('monitoring/newrelic', () => {
  afterEach(async () => {
    await stopMonitoring();
  });

  it('without a license key: loads nothing, recordJobEvent is a no-op', async () => {
    let loads = 0;
    const started = await startMonitoring({ newRelicLicenseKey: undefined, newRelicAppName: 'sm-core' }, logger, async () => {
      loads++;
      return fakeAgent().agent;
    });
    expect(started).toBe(false);
    expect(loads).toBe(0);
    expect(monitoringEnabled()).toBe(false);
    expect(() => recordJobEvent({ kind: 'followers', status: 'succeeded', durationMs: 5, items: 1, requests: 1 })).not.toThrow();
  });

  it('with a key: records each job run as an SmCoreJob event and flushes on stop', async () => {
    const fake = fakeAgent();
    expect(
      await startMonitoring({ newRelicLicenseKey: 'nr-test-key', newRelicAppName: 'sm-core-test' }, logger, async () => fake.agent),
    ).toBe(true);
    recordJobEvent({ kind: 'followers', status: 'partial', durationMs: 1234, items: 200, requests: 4, runId: 42, queue: 'sync-followers' });
    recordJobEvent({ kind: 'profile', status: 'failed', durationMs: 10, items: 0, requests: 1, provider: undefined });
    expect(fake.events).toEqual([
      {
        type: JOB_EVENT_TYPE,
        attributes: {
          kind: 'followers',
          status: 'partial',
          durationMs: 1234,
          items: 200,
          requests: 4,
          runId: '42',
          queue: 'sync-followers',
        },
      },
      { type: 'SmCoreJob', attributes: { kind: 'profile', status: 'failed', durationMs: 10, items: 0, requests: 1 } },
    ]);
    await stopMonitoring();
    expect(fake.shutdowns).toEqual([{ collectPendingData: true, timeout: 5000 }]);
    expect(monitoringEnabled()).toBe(false);
    recordJobEvent({ kind: 'profile', status: 'succeeded', durationMs: 1, items: 1, requests: 1 });
    expect(fake.events).toHaveLength(2);
  });

  it('an agent that fails to load leaves monitoring off instead of failing the command', async () => {
    const started = await startMonitoring({ newRelicLicenseKey: 'nr-test-key', newRelicAppName: 'sm-core' }, logger, async () => {
      throw new Error('boom');
    });
    expect(started).toBe(false);
    expect(monitoringEnabled()).toBe(false);
  });

  describe('through createContext in a fresh process', () => {
    let tdb: TestDatabase;
    beforeAll(async () => {
      tdb = await createTestDatabase();
    });
    afterAll(async () => {
      await tdb.drop();
    });

    // Builds a context, records one event, closes, and reports whether any file of the `newrelic`
    // package is in the CommonJS module cache (the agent is CommonJS; import() of it fills that cache).
    const probe = `
      import { createRequire } from 'node:module';
      import { createContext } from ${JSON.stringify(`${root}src/context.ts`)};
      import { recordJobEvent, monitoringEnabled } from ${JSON.stringify(`${root}src/monitoring/newrelic.ts`)};
      const ctx = await createContext();
      const enabled = monitoringEnabled();
      recordJobEvent({ kind: 'profile', status: 'succeeded', durationMs: 1, items: 1, requests: 1 });
      await ctx.close();
      const cache = createRequire(import.meta.url).cache;
      const loaded = Object.keys(cache).filter((k) => k.includes('/node_modules/newrelic/'));
      console.log(JSON.stringify({ enabled, loaded: loaded.length, nrCache: '__NR_cache' in cache }));
    `;
    function runProbe(extraEnv: Record<string, string>) {
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: tdb.url, SM_ENV: 'test', ...extraEnv };
      const res = spawnSync(`${root}node_modules/.bin/node`, ['--input-type=module', '-e', probe], { cwd: root, env, encoding: 'utf8' });
      expect(res.status, res.stderr).toBe(0);
      return { out: JSON.parse(res.stdout.trim()) as { enabled: boolean; loaded: number; nrCache: boolean }, stderr: res.stderr };
    }

    it('NEW_RELIC_LICENSE_KEY unset: no newrelic module is ever imported', () => {
      expect(runProbe({}).out).toEqual({ enabled: false, loaded: 0, nrCache: false });
    });

    it('NEW_RELIC_LICENSE_KEY set: the real agent module loads (agent disabled here, so no network), stdout stays clean', () => {
      // NEW_RELIC_ENABLED=false: the package loads its stub API and never contacts a collector.
      const { out, stderr } = runProbe({ NEW_RELIC_LICENSE_KEY: 'nr-fake-license-key-0000', NEW_RELIC_ENABLED: 'false' });
      expect(out.enabled).toBe(true);
      expect(out.loaded).toBeGreaterThan(0);
      expect(out.nrCache).toBe(true);
      expect(stderr).not.toContain('nr-fake-license-key-0000');
    });
  });
});
