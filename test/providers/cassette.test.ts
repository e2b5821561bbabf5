// Record then replay (issue 3 §9): the same records with no network, and no secrets in cassettes.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { AppError } from '../../src/errors.ts';
import { createProviders, type Providers } from '../../src/providers/registry.ts';
import { startFakeRocketServer, type FakeRocketServer } from '../../src/providers/sample/fake-rocket-server.ts';
import { TEST_KEY } from './helpers.ts';

const logger = pino({ level: 'silent' });
let dir: string;
let server: FakeRocketServer;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sm-core-cassettes-'));
  server = await startFakeRocketServer({ apiKey: TEST_KEY });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const env = (extra: Record<string, string>) =>
  loadConfig({ SM_ENV: 'test', SM_PROVIDER_RETRIES: '1', SM_PROVIDER_RETRY_BASE_MS: '5', ...extra });

/** A profile and every followers page, as a sync would ask for them. */
async function fullSync(p: Providers, username: string) {
  const profile = await p.primary.getProfile({ username });
  const pages = [];
  let page = await p.primary.getFollowersPage(profile.data.profile.extId, null, 50);
  pages.push(page.data);
  while (page.data.nextCursor) {
    page = await p.byName(page.call.provider)!.getFollowersPage(profile.data.profile.extId, page.data.nextCursor, 50);
    pages.push(page.data);
  }
  return { profile: profile.data, pages, provider: profile.call.provider };
}

function cassettes(provider: string): string[] {
  return readdirSync(path.join(dir, provider)).sort();
}

describe('record then replay', () => {
  let recorded: Awaited<ReturnType<typeof fullSync>>;
  let recordedScraper: Awaited<ReturnType<typeof fullSync>>;

  it('records every exchange of a full sync (a 503 and its retry included) without secrets', async () => {
    const live = await createProviders(
      env({
        ROCKET_API_KEY: TEST_KEY,
        ROCKET_API_HOST: server.url,
        RAPID_API_KEY: TEST_KEY,
        RAPID_SCRAPER_API_HOST: server.url,
        RAPID_SCRAPER_API_FAMILY: 'scraperapi2',
        SM_RECORD_DIR: dir,
      }),
      logger,
    );
    try {
      server.script(
        'get_followers',
        { fixture: 'rocketapi-user-get_followers-page1.json' },
        { status: 503, body: `upstream down for key ${TEST_KEY}` },
      );
      recorded = await fullSync(live, 'demo.blogger');
      expect(recorded.pages.map((p) => p.users.length)).toEqual([6, 5]);
      recordedScraper = await fullSync({ ...live, primary: live.byName('scraper')! }, 'demo.blogger');
      expect(recordedScraper.provider).toBe('scraper');
    } finally {
      await live.close();
    }
    const rocketFiles = cassettes('rocket');
    expect(rocketFiles).toHaveLength(4); // get_info, page 1, page 2 (503), page 2 (200)
    expect(rocketFiles.filter((f) => f.startsWith('instagram-user-get_followers-')).map((f) => f.slice(-7))).toEqual([
      '-1.json',
      '-1.json',
      '-2.json',
    ]);
    expect(cassettes('scraper').every((f) => f.startsWith('v1-'))).toBe(true);
    for (const provider of ['rocket', 'scraper']) {
      for (const f of cassettes(provider)) {
        const text = readFileSync(path.join(dir, provider, f), 'utf8');
        expect(text).not.toContain(TEST_KEY);
        expect(text.toLowerCase()).not.toContain('authorization');
        expect(text.toLowerCase()).not.toContain('x-rapidapi-key');
      }
    }
    const page2Failure = JSON.parse(
      readFileSync(path.join(dir, 'rocket', rocketFiles.find((f) => f.endsWith('-2.json'))!.replace('-2.json', '-1.json')), 'utf8'),
    );
    expect(page2Failure.response).toMatchObject({ status: 503, body: 'upstream down for key [redacted]' });
    expect(page2Failure.request).toMatchObject({ method: 'POST', path: '/instagram/user/get_followers' });
  });

  it('replays the same records with no network', async () => {
    await server.close(); // nothing listens any more
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const replay = await createProviders(env({ SM_REPLAY_DIR: dir, SM_PROVIDER_PRIORITY: 'rocket,scraper' }), logger);
    try {
      expect(stderr.mock.calls.map((c) => String(c[0]))).toEqual([
        `sm-core: replaying recorded provider responses from ${dir} (no network)\n`,
      ]);
      expect(replay).toMatchObject({ replay: true, sample: false });
      expect(replay.providers.map((p) => p.name)).toEqual(['rocket', 'scraper']);
      const again = await fullSync(replay, 'demo.blogger');
      expect(again).toEqual(recorded);
      const scraperAgain = await fullSync({ ...replay, primary: replay.byName('scraper')! }, 'demo.blogger');
      expect(scraperAgain).toEqual(recordedScraper);
      const err = await replay.primary.getProfile({ username: 'never.recorded' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as Error).message).toMatch(
        /^replay: no cassette for POST \/instagram\/user\/get_info .*record it first with SM_RECORD_DIR/,
      );
    } finally {
      stderr.mockRestore();
      await replay.close();
    }
  });
});
