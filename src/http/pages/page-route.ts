// What every web page shares: the response (HTML with the page headers), errors as an HTML page
// with the same status and message the API would give, and the two static files (script, styles).
import { readFile } from 'node:fs/promises';
import { HttpError, toHttpError } from '../respond.ts';
import type { RouteContext, RouteResult } from '../route.ts';
import { html, layout, PAGE_HEADERS, type SafeHtml } from './html.ts';

/** A page as a handler builds it: its <title> text and its <main> markup. */
export interface Page {
  status?: number;
  title: string;
  main: SafeHtml;
}

/** An HTML answer with the page headers (CSP, nosniff, no-store). */
export function pageResult(page: Page): RouteResult {
  return {
    status: page.status ?? 200,
    text: layout(page.title, page.main),
    contentType: 'text/html; charset=utf-8',
    headers: PAGE_HEADERS,
  };
}

/**
 * Wraps a page handler: a thrown HttpError becomes an HTML page with its status and message; an
 * unexpected error is logged with its stack and answered with a bare 500 page (like the API).
 */
export function pageRoute(build: (ctx: RouteContext) => Promise<Page>): (ctx: RouteContext) => Promise<RouteResult> {
  return async (ctx) => {
    try {
      return pageResult(await build(ctx));
    } catch (err) {
      const httpErr = toHttpError(err);
      if (httpErr.status >= 500) ctx.deps.logger.error({ err, url: ctx.url.pathname }, 'page failed');
      const title = httpErr.status === 404 ? 'Not found' : httpErr.status >= 500 ? 'Unavailable' : 'Bad request';
      const result = pageResult({
        status: httpErr.status,
        title,
        main: html`<h1>${title}</h1><p class="error">${httpErr.message}</p><p><a href="/">Search the stored bloggers</a></p>`,
      });
      return { ...result, headers: { ...result.headers, ...httpErr.headers } };
    }
  };
}

/** A whole number query parameter of at least 1 (a page number), `fallback` when absent; 400 otherwise. */
export function pageNumber(url: URL, name: string, fallback = 1): number {
  const text = url.searchParams.get(name);
  if (text === null || text === '') return fallback;
  if (!/^\d{1,6}$/.test(text) || Number(text) < 1)
    throw new HttpError(400, 'invalid_parameter', `${name} must be a whole number of at least 1`);
  return Number(text);
}

const STATIC_TYPES: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};
const staticFiles = new Map<string, Promise<string>>();

/** GET /static/app.js, app.css and favicon.svg: the files of src/http/static/, read once per process. */
export async function staticRoute(ctx: RouteContext): Promise<RouteResult> {
  const name = ctx.params[0] ?? '';
  const contentType = STATIC_TYPES[name];
  if (!contentType) throw new HttpError(404, 'not_found', `no static file ${name.slice(0, 40)}`);
  let text = staticFiles.get(name);
  if (!text) {
    text = readFile(new URL(`../static/${name}`, import.meta.url), 'utf8');
    staticFiles.set(name, text);
  }
  return {
    status: 200,
    text: await text,
    contentType,
    headers: { 'x-content-type-options': 'nosniff', 'cache-control': 'public, max-age=300' },
  };
}
