// The web pages in a real browser: Debian's Chromium (/usr/bin/chromium; npm's pretest installs it)
// driven by playwright-core, headless, with a new empty profile, against the server on loopback.
// Type-ahead search, the chart's points, provider text rendered as text (no script runs, no CSP
// violation), no horizontal scroll at 375 px, times in the browser's locale and time zone.
// Screenshots of every page go to test/.out/screenshots/ (git-ignored) for people to look at.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, startApi } from './api-helpers.ts';
import { createPageFixture, GROWTH, type PageFixture, SNAPSHOTS } from './page-fixtures.ts';

/** Where the screenshots go (git-ignored). */
const SCREENSHOTS = join(import.meta.dirname, '..', '.out', 'screenshots');
const CHROMIUM = '/usr/bin/chromium';

let fx: PageFixture;
let api: RunningApi;
let profileDir: string;
let browser: BrowserContext;
/** Console errors and page errors of every page (a CSP violation is one). */
const problems: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get update && apt-get install -y chromium (npm test's pretest does it as root)`);
  fx = await createPageFixture();
  api = await startApi(fx.h.deps.db);
  mkdirSync(SCREENSHOTS, { recursive: true });
  profileDir = mkdtempSync(join(tmpdir(), 'sm-core-chromium-'));
  browser = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    locale: 'de-DE',
    timezoneId: 'Asia/Tokyo',
    viewport: { width: 1280, height: 900 },
  });
  browser.on('page', watch);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  await api?.close();
  await fx?.close();
});

function watch(page: Page): void {
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${page.url()}: ${e.message}`));
}

async function open(path: string, width = 1280): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewportSize({ width, height: width < 500 ? 812 : 900 });
  const res = await page.goto(api.base + path);
  expect(res?.status(), path).toBe(200);
  return page;
}

const bloggerPath = `/bloggers/instagram/${GROWTH.username}`;

describe('web pages in Chromium', () => {
  it('type into the search box and pick a result (mouse, then keyboard)', async () => {
    const page = await open('/');
    const box = page.getByRole('combobox', { name: /search bloggers/i });
    await box.pressSequentially('growth', { delay: 20 });
    const options = page.getByRole('option');
    await expect.poll(() => options.count(), { timeout: 10_000 }).toBe(3);
    expect(await box.getAttribute('aria-expanded')).toBe('true');
    await page.screenshot({ path: join(SCREENSHOTS, 'search-typeahead.png') });
    // The hostile name is shown as text inside the suggestion.
    expect(await options.first().textContent()).toContain('<script>window.__pwned = 1</script>');
    await options.filter({ hasText: '@growth.blogger' }).click();
    await page.waitForURL(api.base + bloggerPath);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('@growth.blogger');

    const again = await open('/');
    const box2 = again.getByRole('combobox');
    await box2.pressSequentially('growth.dai', { delay: 20 });
    await expect.poll(() => again.getByRole('option').count(), { timeout: 10_000 }).toBe(1);
    await box2.press('ArrowDown');
    expect(await box2.getAttribute('aria-activedescendant')).toBe('suggestion-0');
    await box2.press('Enter');
    await again.waitForURL(`${api.base}/bloggers/instagram/growth.daily`);
    await Promise.all([page.close(), again.close()]);
  });

  it('the search works without the type-ahead: submitting the form lists the results', async () => {
    const page = await open('/');
    await page.getByRole('combobox').fill('growth');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(`${api.base}/?q=growth`);
    expect(await page.locator('ul.results > li').count()).toBe(3);
    await page.screenshot({ path: join(SCREENSHOTS, 'search-results.png'), fullPage: true });
    await page.close();
  });

  it('the chart has one point per snapshot with the right values, higher counts drawn higher', async () => {
    const page = await open(bloggerPath);
    const points = page.locator('svg.followers-chart circle.point');
    expect(await points.count()).toBe(SNAPSHOTS.length);
    const drawn = await points.evaluateAll((els) =>
      els.map((el) => {
        const box = el.getBoundingClientRect();
        return {
          followers: Number(el.getAttribute('data-followers')),
          at: el.getAttribute('data-captured-at'),
          title: el.querySelector('title')?.textContent,
          x: box.x + box.width / 2,
          y: box.y + box.height / 2,
          visible: box.width > 0 && box.height > 0,
        };
      }),
    );
    expect(drawn.map((d) => [d.at, d.followers])).toEqual(SNAPSHOTS.map((s) => [s.at, s.followers]));
    expect(drawn.map((d) => d.title)).toEqual(
      SNAPSHOTS.map((s) => `${s.at.slice(0, 16).replace('T', ' ')} UTC: ${s.followers.toLocaleString('en-US')} followers`),
    );
    expect(drawn.every((d) => d.visible)).toBe(true);
    // y grows downwards: more followers, smaller y; the distances are proportional to the counts.
    const [p0, p1, p2, p3] = drawn as [(typeof drawn)[0], (typeof drawn)[0], (typeof drawn)[0], (typeof drawn)[0]];
    expect(p1.y).toBeLessThan(p0.y);
    expect(p2.y).toBeGreaterThan(p1.y);
    expect(p3.y).toBeLessThan(p1.y);
    expect((p0.y - p1.y) / (p0.y - p3.y)).toBeCloseTo(250 / 420, 2);
    expect(p0.x < p1.x && p1.x < p2.x && p2.x < p3.x).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, 'blogger.png'), fullPage: true });
    await page.close();
  });

  it('provider text with <script> and an RTL override renders as text; no script of it runs', async () => {
    const page = await open(bloggerPath);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('<script>window.__pwned = 1</script> Growth');
    expect(await page.locator('dd.bio').textContent()).toContain('<img src=x onerror="window.__pwned = 2">');
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    // The RTL override stays inside its <bdi>: the text after the name is laid out normally.
    expect(await page.locator('h1 bdi').count()).toBe(1);
    expect(await page.locator('article.changes').filter({ hasText: '@dan.arrives' }).textContent()).toContain('<b>Dan</b> & "friends"');
    await page.close();
  });

  it('times are shown in the browser locale and time zone', async () => {
    const page = await open(bloggerPath);
    const first = page.locator('details.chart-table time').first();
    expect(await first.getAttribute('datetime')).toBe(SNAPSHOTS[0]!.at);
    // 2026-10-01 08:00 UTC is 17:00 in Tokyo, written the German way.
    const expected = new Intl.DateTimeFormat('de-DE', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Tokyo' }).format(
      new Date(SNAPSHOTS[0]!.at),
    );
    expect(await first.textContent()).toBe(expected);
    expect(expected).toContain('17:00');
    await page.close();
  });

  it('at 375 px no page scrolls sideways; a screenshot of each page', async () => {
    const paths: Array<[string, string]> = [
      ['/', 'search-375.png'],
      ['/?q=growth', 'search-results-375.png'],
      [bloggerPath, 'blogger-375.png'],
      [`/runs/${fx.baselineRun}`, 'run-375.png'],
    ];
    for (const [path, file] of paths) {
      const page = await open(path, 375);
      // Runs in the page (no DOM types in this project's tsconfig).
      const widths = await page.evaluate(() => {
        const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document
          .documentElement;
        return { scroll: root.scrollWidth, client: root.clientWidth };
      });
      expect(widths.scroll, path).toBeLessThanOrEqual(widths.client);
      expect(widths.client, path).toBe(375);
      await page.screenshot({ path: join(SCREENSHOTS, file), fullPage: true });
      await page.close();
    }
    const run = await open(`/runs/${fx.baselineRun}`);
    expect(await run.locator('table.calls tbody tr').count()).toBe(2);
    await run.screenshot({ path: join(SCREENSHOTS, 'run.png'), fullPage: true });
    await run.close();
  });

  it('no page logged an error (a Content-Security-Policy violation would be one)', () => {
    expect(problems).toEqual([]);
  });
});
