// Change alerts (issue 16 §4) against the real database and pg-boss, with a webhook receiver on
// loopback that verifies the signature the way docs/analytics.md tells receivers to: the new/lost
// alert of a complete run, a receiver that fails twice then succeeds (delivered once), one that
// always fails (dead letter, the sync unaffected), a private run, no alert without a URL.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getJobCall } from '../../src/db/queries/job-calls.ts';
import { ProviderError } from '../../src/errors.ts';
import { workAlerts } from '../../src/queue/alerts.ts';
import { queueRunAlerts } from '../../src/sync/alerts.ts';
import { enqueueFollowersSync, enqueueProfileSync } from '../../src/sync/enqueue.ts';
import { recoverRunById } from '../../src/sync/recover-runs.ts';
import { runCli } from '../helpers/cli.ts';
import { createFakeProvider, follower, page, profile } from '../helpers/fake-provider.ts';
import { createSyncHarness, queuedJobs, rows, type SyncHarness } from '../helpers/sync.ts';

const SECRET = 'alerts-test-secret-0123456789';
const TOKEN_PATH = '/hooks/T0KEN-IN-PATH';

/** What the receiver got: verified requests in arrival order. */
interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  signatureOk: boolean;
  answered: number;
}

/** The receiver of docs/analytics.md: HMAC-SHA256 over `<timestamp>.<body>`, timestamps within 5 minutes. */
function verify(headers: IncomingHttpHeaders, body: string): boolean {
  const timestamp = String(headers['x-sm-timestamp'] ?? '');
  const signature = String(headers['x-sm-signature'] ?? '');
  if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const expected = `sha256=${createHmac('sha256', SECRET).update(`${timestamp}.${body}`).digest('hex')}`;
  return signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
}

let server: Server;
let received: Received[] = [];
/** Statuses to answer, one per request; when empty, 200. */
let answers: number[] = [];
let h: SyncHarness;
const fake = createFakeProvider('fake');

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => {
      const answered = answers.length ? answers.shift()! : 200;
      received.push({ headers: req.headers, body, signatureOk: req.url === TOKEN_PATH && verify(req.headers, body), answered });
      res.writeHead(answered).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  h = await createSyncHarness(fake.asSet(), {
    SM_WEBHOOK_URL: `http://127.0.0.1:${port}${TOKEN_PATH}`,
    SM_WEBHOOK_SECRET: SECRET,
    SM_WEBHOOK_MAX_ATTEMPTS: '3',
    SM_WEBHOOK_RETRY_SECONDS: '0',
    SM_WEBHOOK_LIST_MAX: '2',
  });
}, 60_000);
afterAll(async () => {
  await h.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  received = [];
  answers = [];
});

const deliver = () => workAlerts(h.deps, { stopWhenIdle: true, idleMs: 10 });

async function syncProfile(extId: string, username: string, followersCount: number): Promise<string> {
  fake.addProfile(profile(extId, username, { followersCount }));
  const r = await enqueueProfileSync(h.deps, { lookup: { username } });
  await h.drain();
  return (await getJobCall(h.deps.db, r.runId))!.subjectId!;
}

async function syncFollowers(profileId: string, users: ReturnType<typeof follower>[]): Promise<string> {
  fake.followersScript.push(page(users));
  const r = await enqueueFollowersSync(h.deps, { profileId });
  await h.drain();
  return r.runId;
}

const [A, B, C, D, E] = ['1', '2', '3', '4', '5'].map((n) => follower(`970000010${n}`, `fan.${n}`));

describe('change alerts', () => {
  it('a complete run with new and lost followers: one signed POST with the counts and the first N accounts', async () => {
    const p = await syncProfile('9700000100', 'alert.me', 2);
    await syncFollowers(p, [A!, B!]); // baseline: no alert
    expect(await rows(h, 'SELECT * FROM alert_deliveries')).toEqual([]);
    const run = await syncFollowers(p, [A!, C!, D!, E!]); // +C +D +E, -B
    const totals = await deliver();
    expect(totals).toEqual({ jobs: 1, delivered: 1, retried: 0, dead: 0 });
    expect(received).toHaveLength(1);
    const [got] = received;
    expect(got!.signatureOk).toBe(true);
    expect(got!.headers['content-type']).toBe('application/json');
    expect(got!.headers['x-sm-event']).toBe('followers.changed');
    const body = JSON.parse(got!.body);
    expect(body).toMatchObject({
      event: 'followers.changed',
      profile: { platform: 'instagram', ext_id: '9700000100', username: 'alert.me' },
      run: { id: run, kind: 'followers', status: 'succeeded', outcome: 'complete', baseline: false },
      followers: {
        gained: 3,
        lost: 1,
        new_accounts: [
          { ext_id: '9700000103', username: 'fan.3' },
          { ext_id: '9700000104', username: 'fan.4' },
        ],
        lost_accounts: [{ ext_id: '9700000102', username: 'fan.2' }],
        listed_at_most: 2,
      },
    });
    expect(got!.body).not.toContain(SECRET);
    expect(got!.body).not.toContain('T0KEN');
    expect(got!.headers['x-sm-delivery']).toMatch(/^\d+$/);
    const [d] = await rows(h, 'SELECT status, attempts, target_host, last_http_status FROM alert_deliveries WHERE job_call_id = $1', [run]);
    expect(d).toMatchObject({ status: 'delivered', attempts: 1, last_http_status: 200 });
    expect(d!.target_host).toMatch(/^127\.0\.0\.1:\d+$/);
    // The run's end reported again queues nothing new (one alert per run and event).
    expect(await queueRunAlerts(h.deps, run)).toEqual([]);
  });

  it('a receiver that fails twice then succeeds gets it delivered once; every attempt is recorded', async () => {
    const p = await syncProfile('9700000200', 'flaky.receiver', 1);
    await syncFollowers(p, [A!]);
    answers = [500, 503];
    const run = await syncFollowers(p, [A!, B!]);
    const totals = await deliver();
    expect(totals).toEqual({ jobs: 3, delivered: 1, retried: 2, dead: 0 });
    expect(received.map((r) => [r.answered, r.signatureOk])).toEqual([
      [500, true],
      [503, true],
      [200, true],
    ]);
    // Same delivery id and body on every attempt; a fresh timestamp (and signature) each time.
    expect(new Set(received.map((r) => r.headers['x-sm-delivery'])).size).toBe(1);
    expect(new Set(received.map((r) => r.body)).size).toBe(1);
    const attempts = await rows(
      h,
      `SELECT a.attempt, a.http_status, a.error FROM alert_attempts a JOIN alert_deliveries d ON d.id = a.alert_delivery_id
       WHERE d.job_call_id = $1 ORDER BY a.attempt`,
      [run],
    );
    expect(attempts).toEqual([
      { attempt: 1, http_status: 500, error: 'receiver answered HTTP 500' },
      { attempt: 2, http_status: 503, error: 'receiver answered HTTP 503' },
      { attempt: 3, http_status: 200, error: null },
    ]);
    expect(await queuedJobs(h, 'alerts')).toBe(0);
  });

  it('a receiver that always fails: a dead letter after the last attempt, the sync unaffected; a private run raises run.private', async () => {
    fake.addProfile(profile('9700000300', 'shy.one', { followersCount: 5 }));
    const r = await enqueueProfileSync(h.deps, { lookup: { username: 'shy.one' } });
    await h.drain();
    const p = (await getJobCall(h.deps.db, r.runId))!.subjectId!;
    fake.followersScript.push(new ProviderError('private', 'fake', 'this account is private'));
    answers = [500, 500, 500, 500];
    const run = await enqueueFollowersSync(h.deps, { profileId: p });
    await h.drain();
    const ended = (await getJobCall(h.deps.db, run.runId))!;
    expect(ended.outcome).toBe('private');
    const totals = await deliver();
    expect(totals).toEqual({ jobs: 3, delivered: 0, retried: 2, dead: 1 });
    expect(received.map((x) => x.headers['x-sm-event'])).toEqual(['run.private', 'run.private', 'run.private']);
    expect(JSON.parse(received[0]!.body)).toMatchObject({ event: 'run.private', run: { id: run.runId, outcome: 'private' } });
    const [d] = await rows(h, 'SELECT status, attempts, max_attempts, last_error FROM alert_deliveries WHERE job_call_id = $1', [
      run.runId,
    ]);
    expect(d).toEqual({ status: 'dead', attempts: 3, max_attempts: 3, last_error: 'receiver answered HTTP 500' });
    // The run's own record is what the sync made of it, untouched by the alert.
    expect((await getJobCall(h.deps.db, run.runId))!).toMatchObject({ status: ended.status, outcome: 'private' });
    expect(await queuedJobs(h, 'alerts')).toBe(0);
  });

  it('a receiver that cannot be reached: the error names no URL or path', async () => {
    const p = await syncProfile('9700000400', 'nobody.listens', 1);
    await syncFollowers(p, [A!]);
    const run = await syncFollowers(p, [B!]);
    // Delivered to a port nothing listens on (a fresh server closed at once).
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const settings = { ...h.deps.alerts!, url: `http://127.0.0.1:${deadPort}${TOKEN_PATH}` };
    const totals = await workAlerts({ ...h.deps, alerts: settings }, { stopWhenIdle: true, idleMs: 10 });
    expect(totals).toEqual({ jobs: 3, delivered: 0, retried: 2, dead: 1 });
    expect(received).toEqual([]);
    const [d] = await rows(h, 'SELECT status, last_error, last_http_status FROM alert_deliveries WHERE job_call_id = $1', [run]);
    expect(d).toEqual({ status: 'dead', last_error: 'network error (ECONNREFUSED)', last_http_status: null });
  });

  it('without SM_WEBHOOK_URL no alert is queued', async () => {
    const p = await syncProfile('9700000500', 'quiet.one', 1);
    const run = await syncFollowers(p, [A!]);
    expect(await queueRunAlerts({ ...h.deps, alerts: undefined }, run)).toEqual([]);
  });

  it('the default retry schedule: exponential backoff from SM_WEBHOOK_RETRY_SECONDS, capped at an hour', async () => {
    const p = await syncProfile('9700000600', 'backoff.one', 1);
    await syncFollowers(p, [A!]);
    const run = await syncFollowers(p, [A!, B!]);
    // The harness delivered nothing yet; queue this run's alert again with the default 30 s.
    await h.tdb.pool.query('DELETE FROM alert_deliveries WHERE job_call_id = $1', [run]);
    await h.tdb.pool.query("DELETE FROM pgboss.job WHERE name = 'alerts'");
    const [id] = await queueRunAlerts({ ...h.deps, alerts: { ...h.deps.alerts!, retrySeconds: 30 } }, run);
    const [job] = await rows(
      h,
      `SELECT retry_limit, retry_delay, retry_backoff, retry_delay_max, data FROM pgboss.job WHERE name = 'alerts'`,
    );
    expect(job).toEqual({ retry_limit: 2, retry_delay: 30, retry_backoff: true, retry_delay_max: 3600, data: { deliveryId: id } });
    await h.tdb.pool.query("DELETE FROM pgboss.job WHERE name = 'alerts'");
  });

  it('a growth anomaly raises growth.anomaly once per profile and day, beside followers.changed', async () => {
    const p = await syncProfile('9700000700', 'sudden.growth', 1);
    await syncFollowers(p, [A!]); // baseline today
    // The 10 days before today: one complete run each, +2 or +3 followers a day (mean 2.5, sigma 0.5).
    await h.tdb.pool.query(
      `WITH runs AS (
         INSERT INTO job_calls (subject_id, kind, status, outcome, started_at, finished_at)
         SELECT $1, 'followers', 'succeeded', 'complete', (current_date - d) + time '11:00', (current_date - d) + time '12:00'
         FROM generate_series(1, 10) AS d RETURNING id, finished_at
       ), accounts AS (
         INSERT INTO followers (platform, ext_id, username)
         SELECT 'instagram', (9710000000 + r.id * 100 + n)::text, 'past.' || r.id || '.' || n
         FROM runs r CROSS JOIN generate_series(1, 2 + extract(day FROM r.finished_at)::int % 2) AS n
         RETURNING id, ext_id
       )
       INSERT INTO subscription_events (social_profile_id, follower_id, event, baseline, job_call_id, occurred_at)
       SELECT $1, a.id, 'followed', false, r.id, r.finished_at FROM accounts a JOIN runs r ON (a.ext_id::bigint - 9710000000) / 100 = r.id`,
      [p],
    );
    const many = Array.from({ length: 30 }, (_, i) => follower(`97100009${String(i).padStart(2, '0')}`, `surge.${i}`));
    const run = await syncFollowers(p, [A!, ...many]);
    await deliver();
    const events = received.map((r) => JSON.parse(r.body) as { event: string; run: { id: string }; growth?: Record<string, unknown> });
    expect(events.map((e) => [e.event, e.run.id]).sort()).toEqual([
      ['followers.changed', run],
      ['growth.anomaly', run],
    ]);
    const growth = events.find((e) => e.event === 'growth.anomaly')!.growth!;
    expect(growth).toMatchObject({
      formula: 'growth_anomaly_v1',
      k: 3,
      min_sigma: 1,
      gained: 30,
      lost: 0,
      net: 30,
      trailing_observed_days: 10,
    });
    expect(growth.z as number).toBeGreaterThan(26);
    expect(received.every((r) => r.signatureOk)).toBe(true);
    // A second complete run the same day: its followers change alerts, the day's anomaly does not again.
    received = [];
    const again = await syncFollowers(p, [A!, ...many, B!]);
    await deliver();
    expect(received.map((r) => [r.headers['x-sm-event'], JSON.parse(r.body).run.id])).toEqual([['followers.changed', again]]);
  });

  it('a run the recovery sweep abandons as failed (no page stored) raises run.failed', async () => {
    const p = await syncProfile('9700000800', 'lost.run', 1);
    const r = await enqueueFollowersSync(h.deps, { profileId: p });
    const [job] = await h.deps.boss.fetch('sync-followers');
    // What pg-boss's supervision does to a job whose heartbeat stopped on its last attempt.
    await h.tdb.pool.query(`UPDATE pgboss.job SET state = 'failed', completed_on = now() WHERE id = $1`, [job!.id]);
    expect(await recoverRunById(h.deps, r.runId)).toBe('abandoned');
    expect(await getJobCall(h.deps.db, r.runId)).toMatchObject({ status: 'failed', outcome: 'abandoned' });
    await deliver();
    expect(received.map((x) => [x.headers['x-sm-event'], JSON.parse(x.body).run])).toEqual([
      ['run.failed', expect.objectContaining({ id: r.runId, status: 'failed', outcome: 'abandoned' })],
    ]);
  });

  it('sm-core alerts list shows every alert with its attempts; alerts deliver needs SM_WEBHOOK_URL (exit 3)', async () => {
    const env = { DATABASE_URL: h.tdb.url, SM_LOG_LEVEL: 'warn' };
    const [json, table, dead, deliver] = await Promise.all([
      runCli(['alerts', 'list', '--json'], env),
      runCli(['alerts', 'list'], env),
      runCli(['alerts', 'list', '--status', 'dead', '--json'], env),
      runCli(['alerts', 'deliver'], env),
    ]);
    expect(json.code, json.stderr).toBe(0);
    const all = JSON.parse(json.stdout) as Array<{ event: string; status: string; attempt_log: Array<{ http_status: number | null }> }>;
    const flaky = all.find((a) => a.attempt_log.length === 3 && a.status === 'delivered');
    expect(flaky?.attempt_log.map((a) => a.http_status)).toEqual([500, 503, 200]);
    expect(
      JSON.parse(dead.stdout)
        .map((a: { event: string }) => a.event)
        .sort(),
    ).toEqual(['followers.changed', 'run.private']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/run\.private\s+│ @shy\.one\s+│ \d+\s+│ dead\s+│ 3 \/ 3\s+│ receiver answered HTTP 500/);
    expect(json.stdout + table.stdout).not.toContain('T0KEN');
    expect(deliver.code).toBe(3);
    expect(deliver.stderr).toBe('sm-core: SM_WEBHOOK_URL is not set: there is nowhere to deliver alerts (see .env.example)\n');
  }, 60_000);
});
