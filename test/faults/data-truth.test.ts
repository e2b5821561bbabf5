// Data truth (issue 13 §1-3), through the real CLI, the real queue and the RocketAPI client against a
// scripted fake RocketAPI on loopback: no unfollow judged on a stale count, no follower lost to type
// drift, private and restricted lists ending as what they are. Every case counts the requests the
// provider received and holds the run's ledger (sum of service_calls.request_units) to it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoggedRequest, ScriptedResponse } from '../../src/providers/sample/fake-rocket-server.ts';
import { runCli } from '../helpers/cli.ts';
import { createFaultHarness, type FaultHarness, storedEdges } from '../helpers/faults.ts';

/** A scripted account: its profile count, privacy and the users its followers list returns. */
interface Account {
  id: string;
  username: string;
  count: number;
  isPrivate: boolean;
  /** Follower list items, served 50 per page; `hidden` answers `{"status":"ok","users":[]}` (no paging keys). */
  users: Record<string, unknown>[];
  hidden?: boolean;
}

const accounts = new Map<string, Account>();
const user = (id: string, extra: Record<string, unknown> = {}) => ({ pk: id, pk_id: id, username: `u${id}`, is_private: false, ...extra });
const ids = (from: number, n: number) => Array.from({ length: n }, (_, i) => String(from + i));

function envelope(body: unknown): ScriptedResponse {
  return { status: 200, body: { status: 'done', response: { status_code: 200, content_type: 'application/json', body } } };
}

/** Answers profile and followers requests for the scripted accounts. */
function answer(req: LoggedRequest): ScriptedResponse | undefined {
  const method = req.path.replace(/^\/instagram\/user\//, '');
  const body = req.body ?? {};
  const a = [...accounts.values()].find((x) => x.username === body.username || x.id === String(body.id));
  if (!a) return undefined;
  if (method === 'get_info' || method === 'get_info_by_id') {
    const u = {
      id: a.id,
      username: a.username,
      is_private: a.isPrivate,
      edge_followed_by: { count: a.count },
      edge_follow: { count: 0 },
    };
    return envelope(method === 'get_info' ? { data: { user: u }, status: 'ok' } : { user: u, status: 'ok' });
  }
  if (method !== 'get_followers') return undefined;
  if (a.hidden) return envelope({ status: 'ok', users: [] });
  const offset = body.max_id === undefined ? 0 : Number(String(body.max_id).slice(1));
  const end = Math.min(a.users.length, offset + 50);
  const more = end < a.users.length;
  return envelope({ users: a.users.slice(offset, end), has_more: more, ...(more ? { next_max_id: `o${end}` } : {}), status: 'ok' });
}

let h: FaultHarness;

beforeAll(async () => {
  h = await createFaultHarness({ intercept: answer });
});
afterAll(async () => {
  await h?.close();
});

/** Requests the provider received about `a` (profile and followers), by method. */
function received(a: Account) {
  const about = h.server.requests.filter((r) => r.body?.username === a.username || String(r.body?.id) === a.id);
  return {
    profile: about.filter((r) => /get_info/.test(r.path)).length,
    pages: about.filter((r) => r.path.endsWith('/get_followers')).length,
  };
}

/** The ledger of every run of `a`'s profile: provider requests recorded (sum of request_units), by kind. */
async function ledger(a: Account) {
  const [row] = await h.q<{ profile: number; pages: number }>(
    `SELECT coalesce(sum(s.request_units) FILTER (WHERE s.kind = 'profile'), 0)::int AS profile,
            coalesce(sum(s.request_units) FILTER (WHERE s.kind = 'followers_page'), 0)::int AS pages
     FROM service_calls s JOIN job_calls j ON j.id = s.job_call_id
     WHERE j.subject_id = (SELECT id FROM social_profiles WHERE ext_id = $1)
        OR j.params ->> 'lookup' = $2`,
    [a.id, `username:${a.username}`],
  );
  return row!;
}

async function sync(args: string[]) {
  const res = await runCli([...args, '--json'], h.env);
  const out = res.stdout ? JSON.parse(res.stdout) : null;
  return { code: res.code, stderr: res.stderr, runs: (out?.runs ?? []) as Array<Record<string, unknown>> };
}

async function events(a: Account) {
  return h.q<{ event: string; n: number }>(
    `SELECT e.event, count(*)::int AS n FROM subscription_events e JOIN social_profiles p ON p.id = e.social_profile_id
     WHERE p.ext_id = $1 GROUP BY 1 ORDER BY 1`,
    [a.id],
  );
}

/** Makes the stored profile (and its counts) look synced `minutes` ago. */
async function ageProfile(a: Account, minutes: number) {
  await h.q(
    `UPDATE social_profiles SET last_synced_at = now() - make_interval(mins => $2), followers_count_at = now() - make_interval(mins => $2)
     WHERE ext_id = $1`,
    [a.id, minutes],
  );
}

describe('§1 the completeness gate needs a fresh follower count', () => {
  const a: Account = {
    id: '8130000001',
    username: 'stale.count',
    count: 62,
    isPrivate: false,
    users: ids(8130000001000, 60).map((id) => user(id)),
  };
  accounts.set(a.username, a);

  it('baseline, then a stale count marks nobody unfollowed; a refreshed count ends the short list partial; a count read in the same run judges', async () => {
    const base = await sync(['sync-profile', a.username, '--followers']);
    expect(base.code, base.stderr).toBe(0);
    expect(base.runs[1]).toMatchObject({
      status: 'succeeded',
      outcome: 'complete',
      followers: 60,
      expected: 62,
      completeness_verdict: 'complete',
    });

    // An hour later the account has grown to 212,526, but the list ends normally after 56 users:
    // 54 of the old followers and 2 new ones, no "limited" flag.
    await ageProfile(a, 60);
    a.count = 212_526;
    a.users = [...a.users.slice(0, 54), user('8130000009001'), user('8130000009002')];

    const stale = await sync(['sync-followers', a.username, '--no-refresh-count']);
    expect(stale.code).toBe(7);
    expect(stale.runs).toHaveLength(1);
    expect(stale.runs[0]).toMatchObject({
      status: 'partial',
      outcome: 'stale_count',
      completeness_verdict: 'stale_count',
      followers: 56,
      expected: 62,
      new: 2,
      lost: 0,
      requests: 2,
    });
    expect(stale.stderr).toMatch(/read 60 min before this run \(SM_COUNT_MAX_AGE_MINUTES=15\)/);
    expect(await storedEdges(h, a.id)).toHaveLength(62);
    expect(await events(a)).toEqual([{ event: 'followed', n: 62 }]);
    expect(received(a)).toEqual({ profile: 1, pages: 2 + 2 });

    // Default: the stale count is refreshed first (one more request) and the 56 users are 0.03% of it.
    const refreshed = await sync(['sync-followers', a.username]);
    expect(refreshed.code).toBe(7);
    expect(refreshed.runs.map((r) => [r.kind, r.status, r.outcome])).toEqual([
      ['profile', 'succeeded', 'complete'],
      ['followers', 'partial', 'short_list'],
    ]);
    expect(refreshed.runs[1]).toMatchObject({ expected: 212_526, lost: 0, requests: 2 });
    expect(received(a)).toEqual({ profile: 2, pages: 6 });
    expect(await events(a)).toEqual([{ event: 'followed', n: 62 }]);

    // A fresh count that the list does reach: the run judges, and the 6 who left are unfollowed.
    a.count = 57;
    const judged = await sync(['sync-followers', a.username]);
    expect(judged.code).toBe(7); // the stored count (212,526, fresh) is not refreshed: short list again
    expect(received(a)).toEqual({ profile: 2, pages: 8 });
    const same = await sync(['sync-profile', a.username, '--followers']);
    expect(same.code, same.stderr).toBe(0);
    expect(same.runs[1]).toMatchObject({
      status: 'succeeded',
      outcome: 'complete',
      expected: 57,
      lost: 6,
      completeness_verdict: 'complete',
    });
    expect(await events(a)).toEqual([
      { event: 'followed', n: 62 },
      { event: 'unfollowed', n: 6 },
    ]);
    expect(received(a)).toEqual({ profile: 3, pages: 10 });
    expect(await ledger(a)).toEqual(received(a));
  }, 120_000);
});

describe('§2 type drift never drops a follower', () => {
  const a: Account = {
    id: '8130000002',
    username: 'type.drift',
    count: 5,
    isPrivate: false,
    users: ids(8130000002000, 5).map((id) => user(id)),
  };
  accounts.set(a.username, a);

  it('minor fields are coerced and counted, the raw kept; a former follower quarantined for its username is seen, not unfollowed', async () => {
    const base = await sync(['sync-profile', a.username, '--followers']);
    expect(base.code, base.stderr).toBe(0);
    const [u0, u1, u2, u3, u4] = a.users.map((u) => u.pk as string);
    a.users = [
      user(u0!, { is_private: 0 }),
      user(u1!, { is_verified: 1 }),
      user(u2!, { full_name: 12345 }),
      user(u3!, { is_private: 'yes' }),
      { pk: u4, pk_id: u4, is_private: false }, // no username: quarantined
    ];
    const drift = await sync(['sync-profile', a.username, '--followers']);
    expect(drift.code, drift.stderr).toBe(0);
    // 4 stored + 1 quarantined = 5 of 5 seen: complete, and nobody unfollowed.
    expect(drift.runs[1]).toMatchObject({
      status: 'succeeded',
      outcome: 'complete',
      followers: 4,
      quarantined: 1,
      coerced: 4,
      lost: 0,
    });
    const shown = await runCli(['runs', 'show', String(drift.runs[1]!.run_id)], h.env);
    expect(shown.stdout).toMatch(/1 records set aside \/ 4 fields coerced to their type/);
    expect(await storedEdges(h, a.id)).toEqual([u0, u1, u2, u3, u4]);
    const rows = await h.q<{ ext_id: string; is_private: boolean; is_verified: boolean; full_name: string | null; raw: unknown }>(
      `SELECT ext_id, is_private, is_verified, full_name, raw_data AS raw FROM followers WHERE ext_id = ANY($1::text[]) ORDER BY ext_id`,
      [[u0, u1, u2, u3]],
    );
    expect(rows.map((r) => [r.is_private, r.is_verified, r.full_name])).toEqual([
      [false, false, null],
      [false, true, null],
      [false, false, '12345'],
      [true, false, null],
    ]);
    expect(rows[2]!.raw).toMatchObject({ full_name: 12345 });
    expect(rows[3]!.raw).toMatchObject({ is_private: 'yes' });
    expect(await events(a)).toEqual([{ event: 'followed', n: 5 }]);
    expect(received(a)).toEqual({ profile: 2, pages: 2 });
    expect(await ledger(a)).toEqual(received(a));
  }, 60_000);
});

describe('§3 private and restricted lists end as what they are', () => {
  const priv: Account = { id: '8130000003', username: 'hidden.private', count: 300, isPrivate: true, users: [], hidden: true };
  const restricted: Account = {
    id: '8130000004',
    username: 'hidden.restricted',
    count: 3,
    isPrivate: false,
    users: ids(8130000004000, 3).map((id) => user(id)),
  };
  accounts.set(priv.username, priv);
  accounts.set(restricted.username, restricted);

  it('a private account: found by the profile sync (1 request), then not asked again (0 requests), then an empty list after the window (1 request)', async () => {
    const first = await sync(['sync-followers', priv.username]);
    expect(first.code).toBe(9);
    expect(received(priv)).toEqual({ profile: 1, pages: 0 });

    const again = await sync(['sync-followers', priv.username]);
    expect(again.code).toBe(9);
    expect(again.runs).toHaveLength(1);
    expect(again.runs[0]).toMatchObject({ kind: 'followers', status: 'failed', outcome: 'private', requests: 0, calls: 0 });
    expect(again.stderr).toMatch(/is private \(profile sync .*\): its followers were not requested/);
    expect(received(priv)).toEqual({ profile: 1, pages: 0 });

    // Past SM_PRIVATE_MAX_AGE_HOURS (and without refreshing the stale count): one page request, an empty
    // `{"status":"ok","users":[]}`, outcome private.
    await ageProfile(priv, 25 * 60);
    const late = await sync(['sync-followers', priv.username, '--no-refresh-count']);
    expect(late.code).toBe(9);
    expect(late.runs[0]).toMatchObject({ status: 'failed', outcome: 'private', pages: 1, requests: 1, lost: 0 });
    expect(received(priv)).toEqual({ profile: 1, pages: 1 });
    expect(await storedEdges(h, priv.id)).toEqual([]);
    expect(await ledger(priv)).toEqual(received(priv));
  }, 90_000);

  it('a public account whose list comes back empty: restricted (exit 9) after one request, its edges untouched', async () => {
    const base = await sync(['sync-profile', restricted.username, '--followers']);
    expect(base.code, base.stderr).toBe(0);
    restricted.hidden = true;
    const res = await sync(['sync-followers', restricted.username]);
    expect(res.code).toBe(9);
    expect(res.runs).toHaveLength(1); // the count is fresh: no profile request
    expect(res.runs[0]).toMatchObject({
      status: 'failed',
      outcome: 'restricted',
      completeness_verdict: 'restricted',
      pages: 1,
      requests: 1,
      lost: 0,
    });
    expect(res.stderr).toMatch(/followers list came back empty although the profile counts 3/);
    expect(await storedEdges(h, restricted.id)).toEqual(restricted.users.map((u) => u.pk as string));
    expect(await events(restricted)).toEqual([{ event: 'followed', n: 3 }]);
    expect(received(restricted)).toEqual({ profile: 1, pages: 2 });
    expect(await ledger(restricted)).toEqual(received(restricted));
  }, 60_000);
});
