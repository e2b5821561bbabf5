// Syncs through the real RocketAPI client against the fake RocketAPI on loopback: data hygiene as
// stored rows (C01, C02, C03) and errors inside an HTTP 200 (C09) never stored as data.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getJobCall } from '../../src/db/queries/job-calls.ts';
import { listServiceCalls } from '../../src/db/queries/service-calls.ts';
import { type FakeRocketServer, ROCKET_SAMPLES_DIR, startFakeRocketServer } from '../../src/providers/sample/fake-rocket-server.ts';
import { enqueueFollowersSync, enqueueProfileSync } from '../../src/sync/enqueue.ts';
import { createSyncHarness, rows, type SyncHarness } from '../helpers/sync.ts';

let server: FakeRocketServer;
let h: SyncHarness;

/** A RocketAPI envelope around Instagram's body, as JSON text (escapes kept as written). */
const envelope = (bodyJson: string, contentType = 'application/json') =>
  `{"status":"done","response":{"status_code":200,"content_type":"${contentType}","body":${bodyJson}}}`;
const followersBody = (usersJson: string[]) =>
  `{"users":[${usersJson.join(',')}],"big_list":false,"page_size":50,"has_more":false,"status":"ok"}`;
const infoFixture = JSON.parse(readFileSync(path.join(ROCKET_SAMPLES_DIR, 'rocketapi-user-get_info.json'), 'utf8'));

/** get_info body for an invented user with the given biography JSON text. */
function infoWithBio(id: string, username: string, bioJson: string): string {
  const user = { ...infoFixture.response.body.data.user, id, pk_id: id, username, biography: '__BIO__' };
  return envelope(JSON.stringify({ data: { user }, status: 'ok' }).replace('"__BIO__"', bioJson));
}

beforeAll(async () => {
  server = await startFakeRocketServer({ apiKey: 'k-rocket-sync' });
  // Share 0: these pages hold a few users of demo.blogger's 9; the completeness gate has its own tests.
  h = await createSyncHarness(undefined, {
    ROCKET_API_HOST: server.url,
    ROCKET_API_KEY: 'k-rocket-sync',
    SM_PROVIDER_RETRIES: '0',
    SM_COMPLETENESS_MIN_SHARE: '0',
  });
  // demo.blogger is the profile whose followers pages are scripted below.
  const r = await enqueueProfileSync(h.deps, { lookup: { username: 'demo.blogger' } });
  await h.drain();
  expect(await getJobCall(h.deps.db, r.runId)).toMatchObject({ status: 'succeeded' });
});
afterAll(async () => {
  await h.close();
  await server.close();
});
beforeEach(() => server.reset());

async function syncDemoFollowers() {
  const r = await enqueueFollowersSync(h.deps, { lookup: { username: 'demo.blogger' } });
  await h.drain();
  return (await getJobCall(h.deps.db, r.runId))!;
}

describe('data hygiene (stored rows)', () => {
  it('C01: a NUL in full_name is removed, the page stored, the cleaning counted', async () => {
    server.script('get_followers', {
      body: envelope(
        followersBody([
          '{"pk":"9000000001","username":"nul.user","full_name":"Ann\\u0000a"}',
          '{"pk":"9000000011","username":"plain.user","full_name":"Plain"}',
        ]),
      ),
    });
    const run = await syncDemoFollowers();
    expect(run).toMatchObject({ status: 'succeeded', itemsSeen: 2 });
    expect(run.sanitized).toBeGreaterThanOrEqual(1);
    expect(
      await rows(
        h,
        `SELECT ext_id, full_name, raw_data->>'full_name' AS raw FROM followers WHERE ext_id IN ('9000000001', '9000000011') ORDER BY ext_id`,
      ),
    ).toEqual([
      { ext_id: '9000000001', full_name: 'Anna', raw: 'Anna' },
      { ext_id: '9000000011', full_name: 'Plain', raw: 'Plain' },
    ]);
    const [call] = await listServiceCalls(h.deps.db, run.id);
    expect(call!.resultSummary.sanitized).toBeGreaterThanOrEqual(1);
  });

  it('C02: NUL in a bio is removed in text and jsonb; a typed backslash-u0000 round-trips unchanged', async () => {
    server.script(
      'get_info',
      { body: infoWithBio('9000000021', 'c02.one', '"hi\\u0000there"') },
      { body: infoWithBio('9000000022', 'c02.two', '"\\\\u0000"') },
    );
    for (const username of ['c02.one', 'c02.two']) {
      const r = await enqueueProfileSync(h.deps, { lookup: { username } });
      await h.drain();
      expect(await getJobCall(h.deps.db, r.runId)).toMatchObject({ status: 'succeeded' });
    }
    expect(
      await rows(
        h,
        `SELECT username, bio, raw_data->>'biography' AS raw_bio FROM social_profiles WHERE username LIKE 'c02.%' ORDER BY username`,
      ),
    ).toEqual([
      { username: 'c02.one', bio: 'hithere', raw_bio: 'hithere' },
      { username: 'c02.two', bio: '\\u0000', raw_bio: '\\u0000' },
    ]);
  });

  it('C03: a lone surrogate is stored the same way in text and jsonb; an emoji survives byte-exact', async () => {
    server.script('get_followers', {
      body: envelope(
        followersBody([
          '{"pk":"9000000031","username":"zoe.lone","full_name":"Zoe \\ud83d"}',
          '{"pk":"9000000032","username":"zoe.emoji","full_name":"Zoe \\ud83d\\ude00"}',
        ]),
      ),
    });
    const run = await syncDemoFollowers();
    expect(run.status).toBe('succeeded');
    const stored = await rows<{ ext_id: string; full_name: string; raw: string; bytes: string }>(
      h,
      `SELECT ext_id, full_name, raw_data->>'full_name' AS raw, encode(convert_to(full_name, 'UTF8'), 'hex') AS bytes FROM followers WHERE ext_id IN ('9000000031', '9000000032') ORDER BY ext_id`,
    );
    expect(stored[0]!.full_name).toBe(stored[0]!.raw);
    expect(['Zoe \uFFFD', 'Zoe ', 'Zoe']).toContain(stored[0]!.full_name);
    expect(stored[1]).toMatchObject({ full_name: 'Zoe 😀', raw: 'Zoe 😀', bytes: Buffer.from('Zoe 😀', 'utf8').toString('hex') });
  });
});

describe('C04 ids above 2^53', () => {
  it('stores an unquoted big pk as its exact string and re-sends a big numeric cursor exactly', async () => {
    server.script(
      'get_followers',
      {
        body: envelope(
          '{"users":[{"pk":17841401234567891,"username":"big.id"}],"next_max_id":17841401234567891,"has_more":true,"status":"ok"}',
        ),
      },
      { body: envelope(followersBody(['{"pk":17841401234567893,"username":"big.id.two"}'])) },
    );
    const run = await syncDemoFollowers();
    expect(run).toMatchObject({ status: 'succeeded', pages: 2, itemsSeen: 2 });
    expect(await rows(h, `SELECT ext_id, username FROM followers WHERE username LIKE 'big.id%' ORDER BY ext_id`)).toEqual([
      { ext_id: '17841401234567891', username: 'big.id' },
      { ext_id: '17841401234567893', username: 'big.id.two' },
    ]);
    const ledger = await listServiceCalls(h.deps.db, run.id);
    expect(ledger.map((c) => [c.cursor.sent, c.cursor.received])).toEqual([
      [null, '17841401234567891'],
      ['17841401234567891', null],
    ]);
    const second = server.requestsTo('get_followers')[1]!;
    expect(second.rawBody).toContain('17841401234567891');
    expect(String(second.body?.max_id)).toBe('17841401234567891');
  });
});

describe('C09 errors inside an HTTP 200', () => {
  it('(a) inner 404 on a profile: marked not found, no retry, stored data untouched', async () => {
    const before = await rows(h, `SELECT followers_count, username FROM social_profiles WHERE ext_id = '9100000001'`);
    server.script('get_info_by_id', { fixture: 'rocketapi-error-not-found.json' });
    const r = await enqueueProfileSync(h.deps, { lookup: { id: '9100000001' } });
    await h.drain();
    expect(await getJobCall(h.deps.db, r.runId)).toMatchObject({ status: 'failed', outcome: 'not_found', requests: 1 });
    expect(server.requestsTo('get_info_by_id')).toHaveLength(1);
    expect(
      await rows(h, `SELECT followers_count, username, not_found_at IS NOT NULL AS gone FROM social_profiles WHERE ext_id = '9100000001'`),
    ).toEqual([{ ...before[0], gone: true }]);
  });

  for (const [name, answer] of [
    ['(b) inner text/html', { body: envelope('"<html>Please wait a few minutes</html>"', 'text/html; charset=utf-8') }],
    ['(c) envelope status not done', { fixture: 'rocketapi-error-status-not-done.json' }],
  ] as const) {
    it(`${name} on a page: retried, never stored as an empty page`, async () => {
      server.script('get_followers', answer);
      const run = await syncDemoFollowers();
      expect(run).toMatchObject({ status: 'succeeded', pages: 2, requests: 3, itemsSeen: 9, emptyStreak: 0 });
      const ledger = await listServiceCalls(h.deps.db, run.id);
      expect(ledger.map((c) => [c.status, c.cursor.sent === null, c.resultSummary.items ?? null])).toEqual([
        ['failed', true, null],
        ['succeeded', true, 6],
        ['succeeded', false, 5],
      ]);
      expect(['invalid_response', 'transient']).toContain(ledger[0]!.resultSummary.error_kind);
    });
  }
});
