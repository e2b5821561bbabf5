import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/errors.ts';
import { createRocketClient, type RocketClient } from '../../src/providers/rocket/client.ts';
import { startFakeRocketServer, type FakeRocketServer } from '../../src/providers/sample/fake-rocket-server.ts';
import { envelopeText, rocketSample, TEST_KEY } from './helpers.ts';

let server: FakeRocketServer;
let rocket: RocketClient;

beforeAll(async () => {
  server = await startFakeRocketServer({ apiKey: TEST_KEY });
  rocket = createRocketClient({ host: server.url, apiKey: TEST_KEY, timeoutMs: 5_000 });
});
afterAll(async () => {
  await rocket.close();
  await server.close();
});
beforeEach(() => server.reset());

const PAGE1_CURSOR = 'QVFEX0ZBS0VfZm9sbG93ZXJzX2N1cnNvcl9wYWdlXzAwMDAxX2RvX25vdF9wYXJzZQ==';

describe('profiles (rocketapi-user-get_info*.json)', () => {
  it('maps get_info (web_profile_info data.user, edge_* counts) and sends Token auth', async () => {
    const { data, call } = await rocket.getProfile({ username: 'demo.blogger' });
    const p = data.profile;
    expect(p).toMatchObject({
      platform: 'instagram',
      extId: '9100000001',
      username: 'demo.blogger',
      fullName: 'Demo Blogger ✨',
      url: 'https://demo-blog.example/links?src=ig&utm=1',
      followersCount: 9,
      followsCount: 5,
      postsCount: 89,
      isPrivate: false,
      isVerified: false,
    });
    expect(p.bio).toContain('مرحبا بالعالم — שלום עולם');
    expect(p.avatar).toContain('s320x320');
    expect(p.recentPosts).toEqual([{ extId: '3400000000000000001', likes: 4, comments: 1, takenAt: 1717171717 }]);
    expect((p.raw as { fbid: string }).fbid).toBe('17841400000000003');
    expect(data.sanitized).toBe(0);
    expect(call).toMatchObject({ provider: 'rocket', endpoint: 'instagram/user/get_info', httpStatus: 200, innerStatus: 200, attempts: 1 });
    expect(call.latencyMs).toBeGreaterThanOrEqual(0);
    const [req] = server.requestsTo('get_info');
    expect(req!.method).toBe('POST');
    expect(req!.headers.authorization).toBe(`Token ${TEST_KEY}`);
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.body).toEqual({ username: 'demo.blogger' });
  });

  it('maps a private profile: counts present, no posts', async () => {
    const { data } = await rocket.getProfile({ username: 'quiet.gardener' });
    expect(data.profile).toMatchObject({ extId: '9100000002', isPrivate: true, followersCount: 87, recentPosts: [] });
  });

  it('maps get_info_by_id (mobile user, flat counts), removes the NUL from the bio, keeps big ids exact', async () => {
    const { data, call } = await rocket.getProfile({ id: '9100000106' });
    const p = data.profile;
    expect(p).toMatchObject({
      extId: '9100000106',
      username: 'noa.example',
      fullName: 'נועה · Noa (she/her) ⟷ שלום',
      bio: 'Line onehidden after NUL 🌙\nשורה שנייה',
      url: null,
      followersCount: 42,
      followsCount: 1999,
      postsCount: 0,
      recentPosts: [],
    });
    expect(p.avatar).toContain('9100000106');
    expect(data.sanitized).toBe(2); // biography + biography_with_entities.raw_text
    const raw = p.raw as { fbid_v2: unknown; bio_links: Array<{ link_id: unknown }>; biography: string };
    expect(raw.fbid_v2).toBe('17841400000000213');
    expect(raw.bio_links[0]!.link_id).toBe('17954900000000107');
    expect(raw.biography).not.toContain('\u0000');
    expect(call.endpoint).toBe('instagram/user/get_info_by_id');
    expect(server.requestsTo('get_info_by_id')[0]!.body).toEqual({ id: '9100000106' });
  });
});

describe('followers and followings pages', () => {
  it('maps followers page 1 and page 2 (cursor re-sent exactly, duplicate and rename kept as given)', async () => {
    const p1 = (await rocket.getFollowersPage('9100000001', null, 50)).data;
    expect(p1.users.map((u) => u.extId)).toEqual(['9100000101', '9100000102', '9100000103', '9100000104', '9100000105', '9100000106']);
    expect(p1).toMatchObject({ nextCursor: PAGE1_CURSOR, hasMore: true, limited: false, quarantined: [], sanitized: 0 });
    expect(p1.users[1]).toMatchObject({ username: 'layla.qamar', fullName: 'ليلى قمر 🌙', isPrivate: true });
    expect(p1.users[2]).toMatchObject({ username: 'no.name.here', fullName: null });
    expect((p1.users[0]!.raw as { fbid_v2: unknown }).fbid_v2).toBe('17841400000000203');

    const p2 = (await rocket.getFollowersPage('9100000001', p1.nextCursor, 50)).data;
    expect(p2.users.map((u) => `${u.extId}:${u.username}`)).toEqual([
      '9100000101:sunny_side.up',
      '9100000105:verified.bakery.official',
      '9100000107:mirror.text',
      '9100000108:html.tester',
      '9100000109:no.picture.key',
    ]);
    expect(p2).toMatchObject({ nextCursor: null, hasMore: false, limited: false });
    expect(p2.users[1]!.isVerified).toBe(true);
    expect(p2.users[3]!.fullName).toBe('<b>Bold</b> & "Quotes" \\ back\\slash \'single\' `tick`');
    expect(p2.users[4]!.avatar).toBeNull();

    const reqs = server.requestsTo('get_followers');
    expect(reqs.map((r) => r.body)).toEqual([
      { id: '9100000001', count: 50 },
      { id: '9100000001', count: 50, max_id: PAGE1_CURSOR },
    ]);
  });

  it('caps count at 50 for followers and 200 for followings', async () => {
    await rocket.getFollowersPage('9100000001', null, 500);
    await rocket.getFollowingsPage!('9100000001', null, 500);
    expect(server.requestsTo('get_followers')[0]!.body).toMatchObject({ count: 50 });
    expect(server.requestsTo('get_following')[0]!.body).toMatchObject({ count: 200 });
  });

  it('maps followings (pk as a JSON string, numeric-string cursor "50")', async () => {
    const p1 = (await rocket.getFollowingsPage!('9100000001', null, 50)).data;
    expect(p1.users.map((u) => u.extId)).toEqual(['9100000105', '9100000106', '9100000201', '9100000202']);
    expect(p1.nextCursor).toBe('50');
    const p2 = (await rocket.getFollowingsPage!('9100000001', '50', 50)).data;
    expect(p2.users.map((u) => u.username)).toEqual(['quiet.gardener']);
    expect(p2).toMatchObject({ nextCursor: null, hasMore: false });
  });

  it('maps a limited list (should_limit_list_of_followers, next_max_id null)', async () => {
    server.script('get_followers', { fixture: 'rocketapi-user-get_followers-limited.json' });
    const page = (await rocket.getFollowersPage('9100000001', null, 50)).data;
    expect(page).toMatchObject({ limited: true, nextCursor: null, hasMore: false });
    expect(page.users).toHaveLength(2);
  });

  it('maps an empty page that claims more', async () => {
    server.script('get_followers', { fixture: 'rocketapi-user-get_followers-empty-page-has-more.json' });
    const page = (await rocket.getFollowersPage('9100000001', PAGE1_CURSOR, 50)).data;
    expect(page).toMatchObject({ users: [], hasMore: true, nextCursor: PAGE1_CURSOR });
  });

  it('treats "" next_max_id as no cursor and falls back to big_list for hasMore', async () => {
    server.script('get_followers', { body: envelopeText('{"users":[],"next_max_id":"","big_list":false}') });
    const page = (await rocket.getFollowersPage('9100000001', null, 50)).data;
    expect(page).toMatchObject({ nextCursor: null, hasMore: false, limited: false });
  });
});

describe('field cases at the provider level', () => {
  it('C04: an unquoted big pk and cursor are kept exact and the cursor is re-sent exactly', async () => {
    server.script('get_followers', {
      body: envelopeText('{"users":[{"pk":17841401234567891,"username":"big.id"}],"next_max_id":17841401234567891}'),
    });
    const page = (await rocket.getFollowersPage('9100000001', null, 50)).data;
    expect(page.users[0]).toMatchObject({ extId: '17841401234567891', username: 'big.id' });
    expect(page.nextCursor).toBe('17841401234567891');
    server.script('get_followers', { body: envelopeText('{"users":[],"next_max_id":null,"has_more":false}') });
    await rocket.getFollowersPage('9100000001', page.nextCursor, 50);
    expect(server.requestsTo('get_followers')[1]!.rawBody).toContain('"max_id":"17841401234567891"');
  });

  it('C04: when pk and a string pk_id both exist, the string wins', async () => {
    server.script('get_followers', {
      body: envelopeText(
        '{"users":[{"pk":17841401234567890,"pk_id":"17841401234567891","username":"twin"},{"pk":5,"id":"6","username":"ids"}]}',
      ),
    });
    const page = (await rocket.getFollowersPage('9100000001', null, 50)).data;
    expect(page.users.map((u) => u.extId)).toEqual(['17841401234567891', '6']);
  });

  it('C01: a NUL in one full_name is removed, the rest of the page survives, the cleaning is counted', async () => {
    server.script('get_followers', {
      body: envelopeText(
        '{"users":[{"pk":"9000000001","username":"nul.user","full_name":"Ann\\u0000a"},{"pk":"9000000002","username":"plain"}]}',
      ),
    });
    const page = (await rocket.getFollowersPage('9100000001', null, 50)).data;
    expect(page.users.map((u) => [u.extId, u.fullName])).toEqual([
      ['9000000001', 'Anna'],
      ['9000000002', null],
    ]);
    expect((page.users[0]!.raw as { full_name: string }).full_name).toBe('Anna');
    expect(page.sanitized).toBe(1);
  });

  it('C02: NUL in a raw field is cleaned; a literal backslash-u bio round-trips unchanged', async () => {
    server.script('get_followers', {
      body: envelopeText(
        '{"users":[{"pk":"1","username":"u1","biography":"hi\\u0000there"},{"pk":"2","username":"u2","biography":"\\\\u0000"}]}',
      ),
    });
    const page = (await rocket.getFollowersPage('9100000001', null, 50)).data;
    expect((page.users[0]!.raw as { biography: string }).biography).toBe('hithere');
    expect((page.users[1]!.raw as { biography: string }).biography).toBe('\\u0000');
    expect(page.sanitized).toBe(1);
    server.script('get_info', { body: envelopeText('{"data":{"user":{"id":"3","username":"u3","biography":"\\\\u0000"}}}') });
    const { data } = await rocket.getProfile({ username: 'u3' });
    expect(data.profile.bio).toBe('\\u0000');
    expect(data.sanitized).toBe(0);
  });

  it('C03: a lone surrogate becomes U+FFFD in the record and the raw; an emoji is byte-exact', async () => {
    server.script('get_followers', {
      body: envelopeText(
        '{"users":[{"pk":"1","username":"zoe1","full_name":"Zoe \\ud83d"},{"pk":"2","username":"zoe2","full_name":"Zoe \\ud83d\\ude00"}]}',
      ),
    });
    const page = (await rocket.getFollowersPage('9100000001', null, 50)).data;
    expect(page.users[0]!.fullName).toBe('Zoe \uFFFD');
    expect((page.users[0]!.raw as { full_name: string }).full_name).toBe('Zoe \uFFFD');
    expect(Buffer.from(page.users[1]!.fullName!, 'utf8').toString('hex')).toBe('5a6f6520f09f9880');
    expect(page.sanitized).toBe(1);
  });

  it('quarantines users without a usable id or username with raw and reason; a minor field of another type is coerced', async () => {
    server.script('get_followers', {
      body: envelopeText(
        '{"users":[{"pk":"1","username":"ok.one"},{"pk":"2"},{"id":"not-a-number","username":"bad.id"},"junk",{"pk":"3","username":"ok.two","is_private":"yes"},{"pk":"4","username":"ok.three"}]}',
      ),
    });
    const page = (await rocket.getFollowersPage('9100000001', null, 50)).data;
    expect(page.users.map((u) => u.username)).toEqual(['ok.one', 'ok.two', 'ok.three']);
    // issue 13 §2: "is_private": "yes" is coerced (the raw keeps "yes"), not a reason to drop a follower.
    expect(page.users[1]).toMatchObject({ extId: '3', isPrivate: true, raw: { is_private: 'yes' } });
    expect(page.coerced).toBe(1);
    expect(page.quarantined).toHaveLength(3);
    expect(page.quarantined[0]).toMatchObject({ raw: { pk: '2' } });
    expect(page.quarantined[0]!.reason).toMatch(/username/);
    expect(page.quarantined[1]!.reason).toMatch(/no numeric user id/);
    expect(page.quarantined[2]!.raw).toBe('junk');
  });
});

describe('default error answers of the fake server', () => {
  it('unknown username -> not_found; private target followers -> private; unknown id -> not_found', async () => {
    await expect(rocket.getProfile({ username: 'deleted.user.zz' })).rejects.toMatchObject({ kind: 'not_found' });
    await expect(rocket.getFollowersPage('9100000002', null, 50)).rejects.toMatchObject({ kind: 'private' });
    await expect(rocket.getProfile({ id: '9100000999' })).rejects.toMatchObject({ kind: 'not_found' });
  });

  it('a wrong key -> unauthorized, and the key never appears in the error', async () => {
    const wrong = createRocketClient({ host: server.url, apiKey: 'rk_wrong_key_987654', timeoutMs: 5_000 });
    try {
      const err = await wrong.getProfile({ username: 'demo.blogger' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProviderError);
      expect(err).toMatchObject({ kind: 'unauthorized', httpStatus: 401 });
      expect(String((err as Error).message)).toContain('ROCKET_API_KEY');
      expect(JSON.stringify({ m: (err as Error).message, s: (err as Error).stack, r: (err as ProviderError).rawBody })).not.toContain(
        'rk_wrong_key_987654',
      );
    } finally {
      await wrong.close();
    }
  });

  it('serves the bundled samples byte for byte', async () => {
    const res = await fetch(`${server.url}/instagram/user/get_followers`, {
      method: 'POST',
      headers: { authorization: `Token ${TEST_KEY}` },
      body: '{"id":9100000001,"count":50}',
    });
    expect(await res.text()).toBe(rocketSample('rocketapi-user-get_followers-page1.json'));
  });
});
