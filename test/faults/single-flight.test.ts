// Fault test: two processes start the same profile's followers sync at the same moment (the real
// CLI, in-process mode: each works the queue). One run, both commands follow it to its end, and the
// provider is paid exactly once per page: 1 profile request + ceil(N / page size) pages (issue 7,
// benchmark 5 as an assertion).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueProfileSync } from '../../src/sync/enqueue.ts';
import { generatedFollowerIds, type GeneratedProfile } from '../../src/providers/sample/generated-list.ts';
import { type CliResult, startCli } from '../helpers/cli.ts';
import { createFaultHarness, type FaultHarness, followerRequests, ledgerFacts, storedEdges, waitFor } from '../helpers/faults.ts';

const PAGE_SIZE = 50;
const FLIGHT: GeneratedProfile = { id: '8400000001', username: 'flight.target', followers: 520 };
const EVEN: GeneratedProfile = { id: '8400000002', username: 'even.target', followers: 500 };
const pages = (p: GeneratedProfile) => Math.ceil(p.followers / PAGE_SIZE);

let h: FaultHarness;

beforeAll(async () => {
  // 60 ms per answer: a run lasts long enough that two processes started together always overlap.
  h = await createFaultHarness({ generated: [FLIGHT, EVEN], latencyMs: 60 });
});
afterAll(async () => {
  await h?.close();
});

/** Starts `sm-core sync-followers <username> --json` twice at once and waits for both. */
async function twice(username: string): Promise<[CliResult, CliResult]> {
  const a = startCli(['sync-followers', username, '--json'], h.env);
  const b = startCli(['sync-followers', username, '--json'], h.env);
  return Promise.all([a.done, b.done]);
}

const runIds = (res: CliResult) => (JSON.parse(res.stdout).runs as Array<{ run_id: string; kind: string }>).map((r) => [r.kind, r.run_id]);

describe('two processes start the same sync at once', () => {
  it('profile not stored yet: one profile run, one followers run; 1 profile request + ceil(N/50) pages', async () => {
    const [a, b] = await twice(FLIGHT.username);
    expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0]);
    // Both follow the same followers run. A process that starts after the other's profile run has
    // already ended (a busy machine) reports only the followers run, so compare the union.
    const followersOf = (res: CliResult) => runIds(res).filter(([kind]) => kind === 'followers');
    expect(followersOf(a)).toEqual(followersOf(b));
    const union = new Map([...runIds(a), ...runIds(b)].map(([kind, id]) => [`${kind}:${id}`, kind]));
    expect([...union.values()].sort()).toEqual(['followers', 'profile']);
    const runs = await h.q<{ kind: string; status: string; pages: number; items_seen: number }>(
      'SELECT kind, status, pages, items_seen FROM job_calls ORDER BY id',
    );
    expect(runs).toEqual([
      { kind: 'profile', status: 'succeeded', pages: 1, items_seen: 0 },
      { kind: 'followers', status: 'succeeded', pages: pages(FLIGHT), items_seen: FLIGHT.followers },
    ]);
    expect(await storedEdges(h, FLIGHT.id)).toEqual(generatedFollowerIds(FLIGHT).sort());
    // Cost: exactly one profile request and one request per page, nothing more.
    expect(h.server.requestsTo('get_info')).toHaveLength(1);
    expect(followerRequests(h.server, FLIGHT.id)).toHaveLength(pages(FLIGHT));
    expect(h.server.requests).toHaveLength(1 + pages(FLIGHT));
  }, 150_000);

  it('profile stored: one new followers run, attached by the second process; ceil(N/50) page requests', async () => {
    h.server.reset();
    const [a, b] = await twice(FLIGHT.username);
    expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0]);
    expect(runIds(a)).toEqual(runIds(b));
    const [followersRunId] = runIds(a)
      .find(([kind]) => kind === 'followers')!
      .slice(1);
    const runs = await h.q<{ id: string; status: string }>(`SELECT id::text, status FROM job_calls WHERE kind = 'followers' ORDER BY id`);
    expect(runs).toHaveLength(2);
    expect(runs[1]).toEqual({ id: followersRunId, status: 'succeeded' });
    expect((await ledgerFacts(h, followersRunId!)).committedTwice).toEqual([]);
    expect(h.server.requestsTo('get_info')).toHaveLength(0);
    expect(h.server.requests).toHaveLength(pages(FLIGHT));
  }, 150_000);

  it('a list of exactly 10 pages costs 1 + 10 requests (the last full page carries no cursor)', async () => {
    h.server.reset();
    const res = await startCli(['sync-followers', EVEN.username, '--json'], h.env).done;
    expect(res.code, res.stderr).toBe(0);
    expect(h.server.requests.map((r) => r.path.split('/').at(-1))).toEqual(['get_info', ...Array(10).fill('get_followers')]);
    expect(await storedEdges(h, EVEN.id)).toHaveLength(EVEN.followers);
  }, 150_000);

  it('race: the profile is stored between our lookup and our insert -> no second profile run, the followers run starts', async () => {
    const deps = { db: h.ctx.db, boss: await h.ctx.boss() };
    const first = await enqueueProfileSync(deps, { lookup: { username: 'race.target' }, followers: true });
    // Another process is committing that profile run right now: profile stored, run succeeded, not yet committed.
    const other = await h.tdb.pool.connect();
    try {
      await other.query('BEGIN');
      await other.query(`INSERT INTO social_profiles (ext_id, username) VALUES ('8400000009', 'race.target')`);
      await other.query(`UPDATE job_calls SET status = 'succeeded', finished_at = now() WHERE id = $1`, [first.runId]);
      const second = h.enqueueFollowers({ username: 'race.target' });
      await waitFor('our insert to wait for the other transaction', async () => {
        const rows = await h.q(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        return rows.length > 0;
      });
      await other.query('COMMIT');
      const started = await second;
      expect(started).toMatchObject({ kind: 'followers', attached: false });
      expect(started.via).toBeUndefined();
      const runs = await h.q<{ kind: string }>(
        `SELECT kind FROM job_calls WHERE params ->> 'lookup' = 'username:race.target' OR subject_id = (SELECT id FROM social_profiles WHERE username = 'race.target') ORDER BY id`,
      );
      expect(runs.map((r) => r.kind)).toEqual(['profile', 'followers']);
    } finally {
      other.release();
    }
  }, 30_000);
});
