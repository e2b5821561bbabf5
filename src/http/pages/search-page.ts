// GET / : the search page. A labelled search box whose type-ahead (static/app.js) asks
// /api/v1/bloggers; submitted without JavaScript (`/?q=anna&page=2`) the server runs the same search
// (src/db/queries/search.ts) and lists the results: handle, name, followers, last synced.
import { parseSearchRequest, SearchInputError, type SearchRequest } from '../../db/queries/search-input.ts';
import { type SearchHit, searchBloggers } from '../../db/queries/search.ts';
import { HttpError } from '../respond.ts';
import type { RouteContext } from '../route.ts';
import { count, html, providerText, type SafeHtml, timeTag } from './html.ts';
import { type Page, pageNumber } from './page-route.ts';

/** Results per page when the form is submitted without JavaScript. */
export const SEARCH_PAGE_SIZE = 20;

/** The path of a blogger's page. */
export function bloggerHref(platform: string, username: string): string {
  return `/bloggers/${encodeURIComponent(platform)}/${encodeURIComponent(username)}`;
}

function searchForm(query: string): SafeHtml {
  return html`<form class="search" action="/" method="get" role="search">
<label for="q">Search bloggers by handle, name or bio</label>
<div class="row">
<input id="q" name="q" type="search" value="${query}" maxlength="200" autocomplete="off" spellcheck="false"
 role="combobox" aria-autocomplete="list" aria-expanded="false" aria-controls="suggestions" aria-describedby="search-hint">
<button type="submit">Search</button>
</div>
<ul id="suggestions" role="listbox" aria-label="Matching bloggers" hidden></ul>
<p id="search-hint" class="meta">Suggestions appear as you type; use the arrow keys and Enter to open one.</p>
<p id="suggestions-status" class="visually-hidden" role="status" aria-live="polite"></p>
</form>`;
}

function resultItem(hit: SearchHit): SafeHtml {
  return html`<li><a class="handle" href="${bloggerHref(hit.platform, hit.username)}">@${hit.username}</a>
${hit.full_name ? html` ${providerText(hit.full_name)}` : ''}
<div class="meta">${count(hit.followers_count)} followers · ${hit.platform} · last synced ${timeTag(hit.last_synced_at, 'never')}</div></li>`;
}

/** GET /?q=&page= : the search page, with server-side results when `q` is given. */
export async function searchPage(ctx: RouteContext): Promise<Page> {
  for (const key of ctx.url.searchParams.keys()) {
    if (key !== 'q' && key !== 'page')
      throw new HttpError(400, 'invalid_parameter', `unknown parameter "${key.slice(0, 40)}"; allowed: q, page`);
  }
  const query = ctx.url.searchParams.get('q') ?? '';
  if (query.trim() === '') {
    return { title: 'Search', main: html`<h1>Bloggers</h1>${searchForm(query)}` };
  }
  const page = pageNumber(ctx.url, 'page');
  let request: SearchRequest;
  try {
    request = parseSearchRequest({ q: query, page: String(page), per_page: String(SEARCH_PAGE_SIZE) });
  } catch (err) {
    // A query the search refuses (too long): the form again, with the reason.
    if (!(err instanceof SearchInputError)) throw err;
    return {
      status: 400,
      title: 'Search',
      main: html`<h1>Bloggers</h1>${searchForm(query)}<p class="error" role="alert">${err.message}</p>`,
    };
  }
  const result = await searchBloggers(ctx.deps.db, request);
  const { total, total_exact: exact } = result.meta;
  const pages = Math.max(1, Math.ceil(total / SEARCH_PAGE_SIZE));
  const link = (p: number) => `/?${new URLSearchParams({ q: query, page: String(p) }).toString()}`;
  const body =
    result.data.length === 0
      ? html`<p class="empty">${total === 0 ? 'No stored blogger matches.' : 'No results on this page.'}</p>`
      : html`<ul class="results">${result.data.map(resultItem)}</ul>`;
  return {
    title: `Search: ${query.slice(0, 60)}`,
    main: html`<h1>Bloggers</h1>${searchForm(query)}
<section aria-labelledby="results-heading"><h2 id="results-heading">${exact ? '' : 'At least '}${count(total)} result${total === 1 ? '' : 's'}</h2>
${body}
<nav class="pager" aria-label="Result pages">${page > 1 ? html`<a href="${link(page - 1)}" rel="prev">Previous page</a>` : ''}
<span>Page ${page} of ${pages}</span>${page < pages ? html`<a href="${link(page + 1)}" rel="next">Next page</a>` : ''}</nav>
</section>`,
  };
}
