// GET /runs/:id[?calls_page=N] : one run and the chain of provider calls it made, like `sm-core runs show <id>`:
// status and outcome, times, pages / calls / requests, accounts seen, new and lost, list restarts,
// then every provider call with its parent, cursors sent and received, items, HTTP status, errors.
import { getRunReport, httpRequests, providerCalls, runCompleteness, runSeconds } from '../../db/queries/run-reports.ts';
import { listServiceCalls, type ServiceCallRow } from '../../db/queries/service-calls.ts';
import { HttpError } from '../respond.ts';
import type { RouteContext } from '../route.ts';
import { bloggerHref } from './search-page.ts';
import { count, html, providerText, type SafeHtml, timeTag } from './html.ts';
import { type Page, pageNumber } from './page-route.ts';

/** Provider calls per page (a long followers run makes one per page of followers). */
export const CALLS_PER_PAGE = 200;

/** Largest PostgreSQL bigint (job_calls.id): a larger id names no run. */
const INT8_MAX = 9_223_372_036_854_775_807n;

const pct = (v: number | null) => (v === null ? '' : ` (${(Math.round(v * 1000) / 10).toString()}%)`);

/** A cursor in a table cell: shortened, the whole value in its tooltip. */
function cursorCell(cursor: string | null | undefined): SafeHtml {
  if (!cursor) return html``;
  const short = cursor.length > 20 ? `${cursor.slice(0, 9)}…${cursor.slice(-8)}` : cursor;
  return html`<code title="${cursor}">${short}</code>`;
}

function restarts(summary: Record<string, unknown>): SafeHtml[] {
  const list = Array.isArray(summary.list_restarts) ? (summary.list_restarts as Array<Record<string, unknown>>) : [];
  return list.map(
    (r) =>
      html`<dt>List restarted</dt><dd>on ${String(r.to ?? '?')} at page 1: ${String(r.from ?? '?')} failed page ${String(r.page ?? '?')} (${String(r.kind ?? '?')}) for ${String(r.failing_seconds ?? '?')} s${typeof r.at === 'string' ? html`, ${timeTag(new Date(r.at))}` : ''}</dd>`,
  );
}

function callsTable(calls: ServiceCallRow[]): SafeHtml {
  if (calls.length === 0) return html`<p class="empty">No provider calls.</p>`;
  return html`<div class="table-wrap"><table class="calls">
<thead><tr><th scope="col">Call</th><th scope="col">Parent</th><th scope="col">Kind</th><th scope="col">Provider</th><th scope="col">Status</th><th scope="col">Cursor sent</th><th scope="col">Cursor received</th><th scope="col" class="num">Items</th><th scope="col" class="num">New</th><th scope="col" class="num">HTTP</th><th scope="col" class="num">Requests</th><th scope="col" class="num">ms</th><th scope="col">Started</th><th scope="col">Error</th></tr></thead>
<tbody>${calls.map((c) => {
    const s = c.resultSummary;
    const switched = typeof s.switched_to === 'string' ? html` <span class="meta">(list restarted on ${s.switched_to})</span>` : '';
    return html`<tr id="call-${c.id}"><td>${c.id}</td><td>${c.parentServiceCallId ? html`<a href="#call-${c.parentServiceCallId}">${c.parentServiceCallId}</a>` : ''}</td>
<td>${c.kind}</td><td>${c.cursor.provider ?? ''}</td><td class="status-${c.status}">${c.status}</td><td>${cursorCell(c.cursor.sent)}</td><td>${cursorCell(c.cursor.received)}</td>
<td class="num">${s.items ?? ''}</td><td class="num">${s.new_items ?? ''}</td><td class="num">${s.http_status ?? ''}</td><td class="num">${c.requestUnits}</td><td class="num">${s.latency_ms ?? ''}</td>
<td>${timeTag(c.startedAt, '')}</td><td class="wrap">${c.errorMessage ? html`${providerText(c.errorMessage)}${s.error_kind ? html` <span class="meta">(${s.error_kind})</span>` : ''}` : ''}${switched}</td></tr>`;
  })}</tbody></table></div>`;
}

/** GET /runs/:id */
export async function runPage(ctx: RouteContext): Promise<Page> {
  const id = ctx.params[0] ?? '';
  for (const key of ctx.url.searchParams.keys()) {
    if (key !== 'calls_page') throw new HttpError(400, 'invalid_parameter', `unknown parameter "${key.slice(0, 40)}"; allowed: calls_page`);
  }
  const run = /^\d{1,19}$/.test(id) && BigInt(id) <= INT8_MAX ? await getRunReport(ctx.deps.db, id) : null;
  if (!run) throw new HttpError(404, 'not_found', `no run ${id.slice(0, 30)} is stored`);
  const page = pageNumber(ctx.url, 'calls_page');
  const calls = await listServiceCalls(ctx.deps.db, run.id, { limit: CALLS_PER_PAGE, offset: (page - 1) * CALLS_PER_PAGE });
  const total = providerCalls(run);
  const pages = Math.max(1, Math.ceil(total / CALLS_PER_PAGE));
  const link = (p: number) => `/runs/${run.id}?calls_page=${p}#calls-heading`;
  const list = run.kind !== 'profile';
  const requests = Object.entries(run.requestsByProvider)
    .map(([p, v]) => `${p} ${v.units}${v.calls === v.units ? '' : ` (${v.calls} call${v.calls === 1 ? '' : 's'})`}`)
    .join(', ');
  const seconds = runSeconds(run);
  return {
    title: `Run ${run.id}`,
    main: html`<h1>Run ${run.id}: ${run.kind}${run.username ? html` of <a href="${bloggerHref(run.platform ?? 'instagram', run.username)}">@${run.username}</a>` : ''}</h1>
<section class="card" aria-labelledby="run-heading"><h2 id="run-heading">Summary</h2>
<dl class="facts">
<dt>Status</dt><dd class="status-${run.status}">${run.status}${run.outcome ? ` (${run.outcome})` : ''}</dd>
${run.errorMessage ? html`<dt>Reason</dt><dd>${providerText(run.errorMessage)}</dd>` : ''}
<dt>Started</dt><dd>${timeTag(run.startedAt)}</dd>
<dt>Finished</dt><dd>${timeTag(run.finishedAt)}</dd>
<dt>Seconds</dt><dd>${seconds === null ? '–' : seconds.toFixed(3)}</dd>
<dt>Pages / calls / requests</dt><dd>${run.pages} / ${providerCalls(run)} / ${httpRequests(run)}${requests ? ` (${requests})` : ''}</dd>
${
  list
    ? html`<dt>Accounts seen</dt><dd>${count(run.itemsSeen)}${run.expectedItems === null ? '' : ` of ${count(run.expectedItems)}`}${pct(runCompleteness(run))}</dd>
<dt>New / lost</dt><dd>${run.baseline ? 'baseline (first complete run: nothing new)' : `${count(run.itemsGained)} / ${count(run.itemsLost)}`}</dd>`
    : ''
}
${restarts(run.summary)}
${run.cursor ? html`<dt>Next cursor</dt><dd>${cursorCell(run.cursor)}</dd>` : ''}
${run.deferredUntil ? html`<dt>Waiting until</dt><dd>${timeTag(run.deferredUntil)}</dd>` : ''}
${run.parentJobCallId ? html`<dt>Started by run</dt><dd><a href="/runs/${run.parentJobCallId}">${run.parentJobCallId}</a></dd>` : ''}
</dl></section>
<section aria-labelledby="calls-heading"><h2 id="calls-heading">Provider calls (${count(total)})</h2>
<p class="meta">Each call is one queue job; its parent is the call that returned the cursor it sent. Requests are the HTTP requests it sent (what the provider bills).</p>
${callsTable(calls)}
${
  total > CALLS_PER_PAGE
    ? html`<nav class="pager" aria-label="Pages of provider calls">${page > 1 ? html`<a href="${link(page - 1)}" rel="prev">Earlier calls</a>` : ''}<span>Calls ${count((page - 1) * CALLS_PER_PAGE + 1)}–${count(Math.min(page * CALLS_PER_PAGE, total))} of ${count(total)}</span>${page < pages ? html`<a href="${link(page + 1)}" rel="next">Later calls</a>` : ''}</nav>`
    : ''
}</section>`,
  };
}
