// GET /bloggers/:platform/:username : a blogger's page. The profile card (the picture URL as a link,
// never loaded from the provider's CDN), the follower-count chart over its snapshots, the new and
// lost followers of each complete followers run (paged, newest first), and its last runs.
// Reads only: the same query modules as `sm-core show` and `sm-core runs`.
import { type CompleteRunChanges, type EdgeEventRow, listCompleteRunChanges, listEdgeEvents } from '../../db/queries/edge-events.ts';
import { countActiveEdges } from '../../db/queries/edges.ts';
import { listProfileSnapshots } from '../../db/queries/profile-snapshots.ts';
import { httpRequests, listRunReports, type RunReport } from '../../db/queries/run-reports.ts';
import type { Queryable } from '../../db/database.ts';
import { parseProfilePath, requireBloggerCard } from '../bloggers.ts';
import { HttpError } from '../respond.ts';
import type { RouteContext } from '../route.ts';
import { audienceSection } from './audience-section.ts';
import { followersChart } from './chart.ts';
import { count, html, providerText, type SafeHtml, safeHttpUrl, timeTag } from './html.ts';
import { type Page, pageNumber } from './page-route.ts';
import { bloggerHref } from './search-page.ts';

/** Snapshots drawn in the chart (the newest). */
export const CHART_SNAPSHOTS = 365;
/** Complete runs per page of the follower changes. */
export const CHANGE_RUNS_PER_PAGE = 5;
/** Accounts named per run and side (new, lost) before "and N more". */
export const CHANGE_NAMES = 25;
/** Runs in the "last runs" table. */
export const LAST_RUNS = 10;

const pct = (v: number | null) => (v === null ? '–' : `${(Math.round(v * 10_000) / 100).toString()}%`);

/** A provider URL as a link (with its whole address, or only its host when `hostOnly`), never loaded by the page. */
function linkOrDash(url: string | null, label: string, hostOnly = false): SafeHtml {
  const href = safeHttpUrl(url);
  if (href)
    return html`<a href="${href}" rel="noopener noreferrer nofollow">${label}</a> <code>${hostOnly ? new URL(href).host : href}</code>`;
  return url ? html`<code>${url}</code> (not a web address)` : html`–`;
}

function accounts(rows: EdgeEventRow[], total: number, what: string): SafeHtml {
  if (total === 0) return html`<p class="meta">No ${what} followers.</p>`;
  const more = total - rows.length;
  return html`<ul>${rows.map(
    (r) =>
      html`<li><span class="handle">@${r.username}</span>${r.fullName ? html` ${providerText(r.fullName)}` : ''} <span class="meta">${timeTag(r.occurredAt)}</span></li>`,
  )}</ul>${more > 0 ? html`<p class="meta">and ${count(more)} more.</p>` : ''}`;
}

async function runChanges(db: Queryable, profileId: string, run: CompleteRunChanges): Promise<SafeHtml> {
  const scope = { afterRunId: run.previousId, throughRunId: run.id };
  const [gained, lost] = await Promise.all([
    run.gained > 0 ? listEdgeEvents(db, 'followers', profileId, 'gained', scope, { limit: CHANGE_NAMES }) : null,
    run.lost > 0 ? listEdgeEvents(db, 'followers', profileId, 'lost', scope, { limit: CHANGE_NAMES }) : null,
  ]);
  const heading = html`<h3>Run <a href="/runs/${run.id}">${run.id}</a>, finished ${timeTag(run.finishedAt)}</h3>`;
  if (run.baseline) {
    return html`<article class="changes">${heading}<p>Baseline: the first complete run. Its followers are the starting inventory, none is counted as new.${run.lost > 0 ? html` Lost: ${count(run.lost)}.` : ''}</p></article>`;
  }
  return html`<article class="changes" data-run="${run.id}">${heading}
<p class="meta">Since run ${run.previousId ?? '–'}: <strong>${count(run.gained)} new</strong>, <strong>${count(run.lost)} lost</strong>.</p>
<h4>New</h4>${accounts(gained?.rows ?? [], run.gained, 'new')}
<h4>Lost</h4>${accounts(lost?.rows ?? [], run.lost, 'lost')}
</article>`;
}

async function changesSection(ctx: RouteContext, profileId: string, base: string): Promise<SafeHtml> {
  const page = pageNumber(ctx.url, 'changes_page');
  const { runs, total } = await listCompleteRunChanges(ctx.deps.db, 'followers', profileId, {
    limit: CHANGE_RUNS_PER_PAGE,
    offset: (page - 1) * CHANGE_RUNS_PER_PAGE,
  });
  const pages = Math.max(1, Math.ceil(total / CHANGE_RUNS_PER_PAGE));
  const link = (p: number) => `${base}?changes_page=${p}#changes`;
  const items = await Promise.all(runs.map((r) => runChanges(ctx.deps.db, profileId, r)));
  return html`<section id="changes" aria-labelledby="changes-heading"><h2 id="changes-heading">New and lost followers by complete run</h2>
<p class="meta">A complete followers run read the whole list; it is compared with the complete run before it. Dates are when sm-core first saw an account (or found it gone), not when it followed.</p>
${total === 0 ? html`<p class="empty">No complete followers run yet.</p>` : items}
${
  total > CHANGE_RUNS_PER_PAGE
    ? html`<nav class="pager" aria-label="Pages of complete runs">${page > 1 ? html`<a href="${link(page - 1)}" rel="prev">Newer runs</a>` : ''}<span>Page ${page} of ${pages}</span>${page < pages ? html`<a href="${link(page + 1)}" rel="next">Older runs</a>` : ''}</nav>`
    : ''
}
</section>`;
}

/** The "last runs" table: run, kind, status, started, pages, accounts, new / lost, requests per provider. */
export function runsTable(runs: RunReport[]): SafeHtml {
  if (runs.length === 0) return html`<p class="empty">No runs yet.</p>`;
  return html`<div class="table-wrap"><table>
<thead><tr><th scope="col">Run</th><th scope="col">Kind</th><th scope="col">Status</th><th scope="col">Started</th><th scope="col" class="num">Pages</th><th scope="col" class="num">Accounts</th><th scope="col" class="num">New / lost</th><th scope="col">Requests</th></tr></thead>
<tbody>${runs.map((r) => {
    const list = r.kind !== 'profile';
    const requests = Object.entries(r.requestsByProvider).map(([p, v]) => `${p} ${v.units}`);
    return html`<tr><td><a href="/runs/${r.id}">${r.id}</a></td><td>${r.kind}</td><td class="status-${r.status}">${r.status}${r.outcome ? ` (${r.outcome})` : ''}</td>
<td>${timeTag(r.startedAt)}</td><td class="num">${r.pages}</td><td class="num">${list ? `${count(r.itemsSeen)}${r.expectedItems === null ? '' : ` / ${count(r.expectedItems)}`}` : ''}</td>
<td class="num">${list ? (r.baseline ? 'baseline' : `${count(r.itemsGained)} / ${count(r.itemsLost)}`) : ''}</td><td>${requests.length ? requests.join(', ') : String(httpRequests(r))}</td></tr>`;
  })}</tbody></table></div>`;
}

/** GET /bloggers/:platform/:username[?changes_page=N] */
export async function bloggerPage(ctx: RouteContext): Promise<Page> {
  const { platform, username } = parseProfilePath(ctx.params);
  for (const key of ctx.url.searchParams.keys()) {
    if (key !== 'changes_page')
      throw new HttpError(400, 'invalid_parameter', `unknown parameter "${key.slice(0, 40)}"; allowed: changes_page`);
  }
  const card = await requireBloggerCard(ctx.deps.db, platform, username);
  const db = ctx.deps.db;
  const [snapshots, stored, runs] = await Promise.all([
    listProfileSnapshots(db, card.id, CHART_SNAPSHOTS),
    countActiveEdges(db, 'followers', card.id),
    listRunReports(db, { profileId: card.id, limit: LAST_RUNS }),
  ]);
  const base = bloggerHref(card.platform, card.username);
  const changes = await changesSection(ctx, card.id, base);
  const audience = await audienceSection(db, { id: card.id, platform: card.platform, extId: card.ext_id, username: card.username });
  const chartCaption =
    snapshots.length === CHART_SNAPSHOTS
      ? `The newest ${CHART_SNAPSHOTS} snapshots (one per profile sync).`
      : 'One point per snapshot (one per profile sync).';
  return {
    title: `@${card.username}`,
    main: html`<h1>@${card.username}${card.full_name ? html` <span class="name">${providerText(card.full_name)}</span>` : ''}</h1>
<section class="card" aria-labelledby="profile-heading"><h2 id="profile-heading">Profile</h2>
<dl class="facts">
<dt>Bio</dt><dd class="bio">${providerText(card.bio, '–')}</dd>
<dt>Followers</dt><dd>${count(card.followers_count)}</dd>
<dt>Following</dt><dd>${count(card.follows_count)}</dd>
<dt>Posts</dt><dd>${count(card.posts_count)}</dd>
<dt>Engagement</dt><dd>${pct(card.engagement_rate)}</dd>
<dt>Followers stored</dt><dd>${count(stored)}</dd>
<dt>Private</dt><dd>${card.is_private ? 'yes' : 'no'}</dd>
<dt>Verified</dt><dd>${card.is_verified ? 'yes' : 'no'}</dd>
<dt>Platform id</dt><dd><code>${card.platform} ${card.ext_id}</code></dd>
<dt>Last synced</dt><dd>${timeTag(card.last_synced_at, 'never')}</dd>
<dt>Web site</dt><dd>${linkOrDash(card.url, 'open')}</dd>
<dt>Picture</dt><dd>${linkOrDash(card.avatar, 'open the picture', true)}</dd>
</dl></section>
<section aria-labelledby="growth-heading"><h2 id="growth-heading">Follower count</h2>
${followersChart(
  snapshots.map((s) => ({ at: s.capturedAt, value: s.followersCount })),
  chartCaption,
)}</section>
${changes}
${audience}
<section aria-labelledby="runs-heading"><h2 id="runs-heading">Last runs</h2>${runsTable(runs)}</section>`,
  };
}
