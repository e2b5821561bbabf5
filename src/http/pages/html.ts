// HTML for the web pages: a tagged template that escapes every interpolated value unless it is
// already markup, bidi isolation for provider text (names with RTL overrides stay inside their own
// element), links only to http(s) URLs, <time> elements the page script shows in the browser's
// locale, and the page shell with its Content-Security-Policy.

/** Markup that is already safe to embed (built by {@link html}); anything else is escaped. */
export class SafeHtml {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for an HTML element or a double- or single-quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/**
 * Tagged template for markup: `html\`<p>${name}</p>\`` escapes `name`; nested `html` results,
 * and arrays of them, are embedded as they are; null, undefined and false render as nothing.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}

/**
 * Provider-supplied text (a name, a bio, an error message) inside `<bdi>`: escaped, and isolated so
 * that a right-to-left override in it cannot reorder the text around it. Empty or null renders `fallback`.
 */
export function providerText(text: string | null | undefined, fallback = ''): SafeHtml {
  if (text === null || text === undefined || text === '') return html`${fallback}`;
  return html`<bdi>${text}</bdi>`;
}

/** The URL when it is an absolute http(s) URL (never `javascript:` or `data:`), else null. */
export function safeHttpUrl(text: string | null | undefined): string | null {
  if (!text) return null;
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/** `2026-11-29 11:27 UTC` (minutes), the text a <time> shows before the page script localizes it. */
export function utcText(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A time as `<time datetime="ISO">` with UTC text; the page script shows it in the browser's locale. */
export function timeTag(date: Date | null | undefined, fallback = '–'): SafeHtml {
  if (!date) return html`${fallback}`;
  return html`<time datetime="${date.toISOString()}">${utcText(date)}</time>`;
}

/** A count with thousands separators (`12,345`), `–` when unknown. */
export function count(value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : value.toLocaleString('en-US');
}

/** The Content-Security-Policy of every page: scripts, styles and fetches from this origin only, no inline script or style. */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** Response headers of every page. */
export const PAGE_HEADERS: Record<string, string> = {
  'content-security-policy': PAGE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/** A whole page: the shell (language, viewport, stylesheet, script, header with navigation) around `main`. */
export function layout(title: string, main: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · sm-core</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/app.css">
<script type="module" src="/static/app.js"></script>
</head>
<body>
<header class="site"><a href="/" class="brand">sm-core</a> <span class="tagline">stored bloggers, read-only</span></header>
<main id="main">
${main}
</main>
<footer class="site">Times are shown in your browser's time zone (UTC without JavaScript). Data as stored; these pages never start a sync.</footer>
</body>
</html>
`.value;
}
