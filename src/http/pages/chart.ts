// The follower-count chart of a blogger's page, drawn on the server as SVG: a y axis with round
// values, an x axis with dates, a line through the snapshots and one point per snapshot with a
// known count (its date and value in a <title>, shown on hover). The same numbers follow as a table
// for screen readers and keyboard users. No script, no inline style (the page's CSP forbids both).
import { count, html, type SafeHtml, utcText } from './html.ts';

/** One point of the chart: a snapshot's time and its follower count (null when unknown: no point). */
export interface ChartPoint {
  at: Date;
  value: number | null;
}

/** Size of the drawing in SVG units (it scales to the page width). */
const WIDTH = 640;
const HEIGHT = 260;
const MARGIN = { left: 84, right: 20, top: 16, bottom: 40 };

/** A round step (1, 2 or 5 times a power of ten, at least 1) that cuts `span` into about `parts` pieces. */
export function niceStep(span: number, parts: number): number {
  if (!(span > 0)) return 1;
  const raw = span / parts;
  const power = 10 ** Math.floor(Math.log10(raw));
  const m = raw / power;
  // Rounded geometrically (as d3's ticks do): 1.05 rounds to 1, 1.5 to 2, 3.2 to 5, 7.1 to 10.
  const step = (m >= Math.sqrt(50) ? 10 : m >= Math.sqrt(10) ? 5 : m >= Math.sqrt(2) ? 2 : 1) * power;
  return Math.max(1, step);
}

/** The y axis: from a round value at or below the least count to one at or above the largest, in round steps. */
export function valueAxis(min: number, max: number): { lo: number; hi: number; ticks: number[] } {
  const span = max - min;
  const step = niceStep(span > 0 ? span : Math.max(10, Math.abs(max) * 0.1), 4);
  let lo = Math.floor(min / step) * step;
  let hi = Math.ceil(max / step) * step;
  if (lo === hi) {
    lo -= step;
    hi += step;
  }
  if (lo < 0 && min >= 0) lo = 0;
  const ticks: number[] = [];
  for (let v = lo; v <= hi + step / 2; v += step) ticks.push(v);
  return { lo, hi, ticks };
}

/** Axis label of a count: `1,250`, or `52.5K` / `12.25M` from 10,000 on when that is exact. */
export function axisValue(v: number): string {
  const unit = Math.abs(v) >= 1e9 ? 1e9 : Math.abs(v) >= 1e6 ? 1e6 : 1e3;
  if (Math.abs(v) >= 10_000 && v % (unit / 100) === 0) {
    return new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 2 }).format(v);
  }
  return v.toLocaleString('en-US');
}

/** Date label of the x axis (UTC; the page script rewrites it in the browser's locale). */
function axisDate(at: Date, withTime: boolean): SafeHtml {
  const iso = at.toISOString();
  return html`<tspan data-date="${iso}" data-with-time="${withTime ? '1' : '0'}">${withTime ? utcText(at).slice(5) : iso.slice(0, 10)}</tspan>`;
}

/**
 * The chart of `points` (oldest first) as a <figure>: the SVG, a caption, and the values as a table.
 * With no known count it says so instead of drawing empty axes.
 */
export function followersChart(points: ChartPoint[], caption: string): SafeHtml {
  const known = points.filter((p): p is { at: Date; value: number } => p.value !== null);
  if (known.length === 0) return html`<p class="empty">No follower counts stored yet: every profile sync adds a snapshot.</p>`;
  const values = known.map((p) => p.value);
  const axis = valueAxis(Math.min(...values), Math.max(...values));
  const t0 = known[0]!.at.getTime();
  const t1 = known[known.length - 1]!.at.getTime();
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (at: Date) => (t1 === t0 ? MARGIN.left + plotW / 2 : MARGIN.left + ((at.getTime() - t0) / (t1 - t0)) * plotW);
  const y = (v: number) => MARGIN.top + plotH - ((v - axis.lo) / (axis.hi - axis.lo)) * plotH;
  const r = (n: number) => Math.round(n * 10) / 10;
  const withTime = t1 - t0 < 3 * 86_400_000;
  // Five dates, or three when they carry a time (longer labels); one when every snapshot has the same time.
  const ticks = t1 === t0 ? 1 : withTime ? 3 : 5;
  const dateTicks = Array.from({ length: ticks }, (_, i) => new Date(ticks === 1 ? t0 : t0 + ((t1 - t0) * i) / (ticks - 1)));
  const line = known.map((p) => `${r(x(p.at))},${r(y(p.value))}`).join(' ');
  const radius = known.length > 60 ? 2.5 : 4;
  const first = known[0]!;
  const last = known[known.length - 1]!;
  const summary =
    `Followers over ${known.length} snapshot${known.length === 1 ? '' : 's'}, ` +
    `${utcText(first.at)} to ${utcText(last.at)}: from ${count(first.value)} to ${count(last.value)}.`;
  return html`<figure class="chart">
<svg class="followers-chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="chart-title chart-desc" preserveAspectRatio="xMidYMid meet">
<title id="chart-title">Follower count</title>
<desc id="chart-desc">${summary}</desc>
<g class="grid">${axis.ticks.map(
    (v) =>
      html`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${r(y(v))}" y2="${r(y(v))}" stroke="#d9dde3" stroke-width="1"/><text x="${MARGIN.left - 8}" y="${r(y(v)) + 4}" text-anchor="end" font-size="12" fill="#444">${axisValue(v)}</text>`,
  )}</g>
<g class="x-axis"><line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}" stroke="#666" stroke-width="1"/>${dateTicks.map(
    (d, i) =>
      html`<text x="${r(x(d))}" y="${HEIGHT - 14}" font-size="12" fill="#444"${i % 2 === 1 ? html` class="minor"` : ''} text-anchor="${dateTicks.length === 1 ? 'middle' : i === 0 ? 'start' : i === dateTicks.length - 1 ? 'end' : 'middle'}">${axisDate(d, withTime)}</text>`,
  )}</g>
<polyline class="line" points="${line}" fill="none" stroke="#1f5fbf" stroke-width="2" stroke-linejoin="round"/>
<g class="points">${known.map(
    (p) =>
      html`<circle class="point" cx="${r(x(p.at))}" cy="${r(y(p.value))}" r="${radius}" fill="#1f5fbf" stroke="#fff" stroke-width="1" data-captured-at="${p.at.toISOString()}" data-followers="${p.value}"><title>${utcText(p.at)}: ${count(p.value)} followers</title></circle>`,
  )}</g>
<text class="last-value" x="${r(Math.min(x(last.at), WIDTH - MARGIN.right))}" y="${r(Math.max(y(last.value) - 10, MARGIN.top + 10))}" text-anchor="end" font-size="13" font-weight="bold" fill="#123">${count(last.value)}</text>
</svg>
<figcaption>${caption} Hover a point for its date and value, or open the table.</figcaption>
<details class="chart-table"><summary>Snapshots as a table</summary>
<div class="table-wrap"><table><caption class="visually-hidden">Follower count per snapshot</caption>
<thead><tr><th scope="col">Captured</th><th scope="col" class="num">Followers</th></tr></thead>
<tbody>${points.map((p) => html`<tr><td><time datetime="${p.at.toISOString()}">${utcText(p.at)}</time></td><td class="num">${count(p.value)}</td></tr>`)}</tbody>
</table></div></details>
</figure>`;
}
