// The web pages over plain HTTP (no browser): headers (CSP without inline script), escaping of
// provider text, the chart's points, the follower changes per complete run, the run page, error
// pages, the static files, and that no page starts a sync. The browser tests are in browser.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listCompleteRunChanges } from '../../src/db/queries/edge-events.ts';
import { listServiceCalls } from '../../src/db/queries/service-calls.ts';
import { axisValue, followersChart, niceStep, valueAxis } from '../../src/http/pages/chart.ts';
import { escapeHtml, html, providerText, safeHttpUrl } from '../../src/http/pages/html.ts';
import { type RunningApi, request, startApi } from './api-helpers.ts';
import { createPageFixture, GROWTH, type PageFixture, SNAPSHOTS } from './page-fixtures.ts';

let fx: PageFixture;
let api: RunningApi;

beforeAll(async () => {
  fx = await createPageFixture();
  api = await startApi(fx.h.deps.db);
}, 120_000);
afterAll(async () => {
  await api?.close();
  await fx?.close();
});

/** Attribute values of `attr` on every `<tag ...>` of `text`, in order. */
function attrs(text: string, tag: string, attr: string): string[] {
  return [...text.matchAll(new RegExp(`<${tag}\\b[^>]*\\b${attr}="([^"]*)"`, 'g'))].map((m) => m[1]!);
}

describe('html helpers', () => {
  it('escape every interpolated value, keep nested markup, isolate provider text', () => {
    const name = '<script>alert("x")</script> & \'q\'';
    expect(html`<p>${name}</p>`.value).toBe('<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;</p>');
    expect(html`<ul>${['a<', 'b'].map((x) => html`<li>${x}</li>`)}</ul>`.value).toBe('<ul><li>a&lt;</li><li>b</li></ul>');
    expect(html`${null}${undefined}${false}${0}`.value).toBe('0');
    expect(providerText('\u202Eevil').value).toBe('<bdi>\u202Eevil</bdi>');
    expect(providerText('', '–').value).toBe('–');
    expect(escapeHtml('"a"')).toBe('&quot;a&quot;');
  });

  it('link only http(s) URLs', () => {
    expect(safeHttpUrl('https://example.org/a?b=1')).toBe('https://example.org/a?b=1');
    expect(safeHttpUrl('javascript:alert(1)')).toBeNull();
    expect(safeHttpUrl('data:text/html,x')).toBeNull();
    expect(safeHttpUrl('not a url')).toBeNull();
    expect(safeHttpUrl(null)).toBeNull();
  });

  it('chart axes are round numbers that hold every value', () => {
    expect(niceStep(420, 4)).toBe(100);
    expect(niceStep(7, 4)).toBe(2);
    expect(valueAxis(1000, 1420)).toEqual({ lo: 1000, hi: 1500, ticks: [1000, 1100, 1200, 1300, 1400, 1500] });
    const flat = valueAxis(9, 9);
    expect(flat.lo).toBeLessThan(9);
    expect(flat.hi).toBeGreaterThan(9);
    expect([1250, 9999, 52_500, 52_250, 52_255, 12_250_000, 2_000_000_000].map(axisValue)).toEqual([
      '1,250',
      '9,999',
      '52.5K',
      '52.25K',
      '52,255',
      '12.25M',
      '2B',
    ]);
    expect(followersChart([{ at: new Date(0), value: null }], '').value).toContain('No follower counts stored yet');
  });
});

describe('pages', () => {
  it('/ is the search form; submitted without JavaScript it lists results on the server', async () => {
    const home = await request(api.base, '/');
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = home.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("default-src 'none'");
    expect(home.text).toContain('<label for="q">');
    expect(home.text).toMatch(/<script type="module" src="\/static\/app.js"><\/script>/);
    // No inline script anywhere: the only <script> element has a src.
    expect(home.text.match(/<script\b/g)).toHaveLength(1);

    const results = await request(api.base, '/?q=growth');
    expect(results.status).toBe(200);
    expect(results.text).toContain('3 results');
    expect(attrs(results.text, 'a', 'href').filter((h) => h.startsWith('/bloggers/'))).toEqual([
      '/bloggers/instagram/growth.blogger',
      '/bloggers/instagram/growth.daily',
      '/bloggers/instagram/growthhacker',
    ]);
    expect(results.text).toContain('52,000 followers');
    expect(results.text).not.toContain('<script>window');
    expect(results.text).toContain('&lt;script&gt;window.__pwned = 1&lt;/script&gt;');

    const tooLong = await request(api.base, `/?q=${'a'.repeat(201)}`);
    expect(tooLong.status).toBe(400);
    expect(tooLong.text).toContain('<label for="q">');
    expect(tooLong.text).toMatch(/<p class="error" role="alert">the search query is 201 characters long; the limit is 200<\/p>/);
    expect((await request(api.base, '/?q=growth&page=0')).status).toBe(400);
    expect((await request(api.base, '/?q=growth&sort=x')).status).toBe(400);
  });

  it('the blogger page: card escaped, one chart point per snapshot with its value, changes, runs', async () => {
    const r = await request(api.base, `/bloggers/instagram/${GROWTH.username}`);
    expect(r.status).toBe(200);
    expect(r.text.match(/<script\b/g)).toHaveLength(1);
    expect(r.text).toContain('<bdi>&lt;script&gt;window.__pwned = 1&lt;/script&gt; Growth \u202Eevil\u202C 🎉</bdi>');
    expect(r.text).toContain('<bdi>Line one &lt;img src=x onerror=&quot;window.__pwned = 2&quot;&gt;');
    expect(attrs(r.text, 'circle', 'data-followers').map(Number)).toEqual(SNAPSHOTS.map((s) => s.followers));
    expect(attrs(r.text, 'circle', 'data-captured-at')).toEqual(SNAPSHOTS.map((s) => s.at));
    // Later snapshots are further right; more followers are higher (smaller y).
    const cx = attrs(r.text, 'circle', 'cx').map(Number);
    const cy = attrs(r.text, 'circle', 'cy').map(Number);
    expect([...cx].sort((a, b) => a - b)).toEqual(cx);
    expect(cy[1]).toBeLessThan(cy[0]!);
    expect(cy[2]).toBeGreaterThan(cy[1]!);
    expect(cy[3]).toBeLessThan(cy[1]!);
    expect(r.text).toContain('<title>2026-10-15 08:00 UTC: 1,250 followers</title>');
    expect(r.text).toContain('from 1,000 to 1,420');
    // Follower changes: the change run names D as new and B as lost, the baseline none.
    const change = r.text.slice(r.text.indexOf(`data-run="${fx.changeRun}"`));
    expect(change).toMatch(/<strong>1 new<\/strong>, <strong>1 lost<\/strong>/);
    expect(change.slice(0, change.indexOf('<h4>Lost</h4>'))).toContain(
      '@dan.arrives</span> <bdi>&lt;b&gt;Dan&lt;/b&gt; &amp; &quot;friends&quot;</bdi>',
    );
    expect(change.slice(change.indexOf('<h4>Lost</h4>'))).toContain('@bob.leaves</span> <bdi>\u202Egnol\u202C Bob</bdi>');
    expect(r.text).toContain(`Run <a href="/runs/${fx.baselineRun}">${fx.baselineRun}</a>`);
    expect(r.text).toMatch(/Baseline: the first complete run/);
    // Last runs link to their pages.
    expect(attrs(r.text, 'a', 'href')).toContain(`/runs/${fx.changeRun}`);
  });

  it('listCompleteRunChanges: complete runs newest first with their window counts, paged, with the total', async () => {
    const all = await listCompleteRunChanges(fx.h.deps.db, 'followers', fx.profileId, { limit: 5, offset: 0 });
    expect(all.total).toBe(2);
    expect(all.runs.map((r) => [r.id, r.previousId, r.baseline, r.gained, r.lost])).toEqual([
      [fx.changeRun, fx.baselineRun, false, 1, 1],
      [fx.baselineRun, null, true, 0, 0],
    ]);
    const second = await listCompleteRunChanges(fx.h.deps.db, 'followers', fx.profileId, { limit: 1, offset: 1 });
    expect([second.total, second.runs.map((r) => r.id)]).toEqual([2, [fx.baselineRun]]);
    const past = await listCompleteRunChanges(fx.h.deps.db, 'followers', fx.profileId, { limit: 5, offset: 5 });
    expect([past.total, past.runs]).toEqual([2, []]);
  });

  it('the follower changes are paged by complete run', async () => {
    const page2 = await request(api.base, `/bloggers/instagram/${GROWTH.username}?changes_page=2`);
    expect(page2.status).toBe(200);
    expect(page2.text).not.toContain('data-run=');
    expect(page2.text).not.toContain('No complete followers run yet');
    const bad = await request(api.base, `/bloggers/instagram/${GROWTH.username}?changes_page=0`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toBe('text/html; charset=utf-8');
  });

  it('/runs/:id shows the chain of provider calls with cursors', async () => {
    const r = await request(api.base, `/runs/${fx.baselineRun}`);
    expect(r.status).toBe(200);
    const rows = [...r.text.matchAll(/<tr id="call-(\d+)">(.*?)<\/tr>/gs)];
    expect(rows).toHaveLength(2);
    expect(rows[1]![2]).toContain(`<a href="#call-${rows[0]![1]}">${rows[0]![1]}</a>`);
    expect(rows[0]![2]).toContain('<code title="cursor-page-2">cursor-page-2</code>');
    expect(r.text).toContain('baseline (first complete run: nothing new)');
    expect(r.text).toContain(`<a href="/bloggers/instagram/${GROWTH.username}">@${GROWTH.username}</a>`);
    expect(r.text).toContain('Provider calls (2)');
    // Calls are paged (200 a page): a page past the end lists none; the query pages by offset.
    const past = await request(api.base, `/runs/${fx.baselineRun}?calls_page=2`);
    expect([past.status, past.text.match(/<tr id="call-/g)]).toEqual([200, null]);
    expect((await request(api.base, `/runs/${fx.baselineRun}?page=2`)).status).toBe(400);
    const second = await listServiceCalls(fx.h.deps.db, fx.baselineRun, { limit: 1, offset: 1 });
    expect(second.map((c) => c.id)).toEqual([rows[1]![1]]);
  });

  it('unknown bloggers and runs are HTML 404 pages; the static files are served with their types', async () => {
    const missing = await request(api.base, '/bloggers/instagram/nobody.here');
    expect([missing.status, missing.headers.get('content-type')]).toEqual([404, 'text/html; charset=utf-8']);
    expect(missing.text).toContain('no instagram profile &quot;nobody.here&quot; is stored');
    expect((await request(api.base, '/runs/99999999999999999999')).status).toBe(404);
    expect((await request(api.base, '/runs/abc')).status).toBe(404);
    const js = await request(api.base, '/static/app.js');
    expect([js.status, js.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
    expect(js.text).toContain('/api/v1/bloggers?q=');
    expect((await request(api.base, '/static/app.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await request(api.base, '/static/../server.ts')).status).toBe(404);
    expect((await request(api.base, '/static/server.ts')).status).toBe(404);
  });

  it('pages are read-only: opening them starts no run and queues no job', async () => {
    const count = async () =>
      (await fx.h.tdb.pool.query(`SELECT (SELECT count(*) FROM job_calls)::int AS runs, (SELECT count(*) FROM pgboss.job)::int AS jobs`))
        .rows[0];
    const before = await count();
    for (const path of ['/', '/?q=growth', `/bloggers/instagram/${GROWTH.username}`, `/runs/${fx.changeRun}`]) {
      expect((await request(api.base, path)).status).toBe(200);
      expect((await request(api.base, path, { method: 'POST' })).status).toBe(405);
    }
    expect(await count()).toEqual(before);
  });
});
