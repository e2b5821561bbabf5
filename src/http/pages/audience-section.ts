// The blogger page's audience figures and mutuals counts (issue 16's analyses, issue 17's page):
// the same report builders as `sm-core audience` / `sm-core mutuals` and their API, so the page never
// shows a figure the CLI would not. A list that never completed shows why there are no figures.
import { buildAudienceReport, type AudienceShare } from '../../analytics/audience.ts';
import type { AnalyzedProfile } from '../../analytics/list-freshness.ts';
import { openMutuals } from '../../analytics/mutuals.ts';
import type { Queryable } from '../../db/database.ts';
import { AppError, EXIT } from '../../errors.ts';
import { count, html, type SafeHtml, timeTag } from './html.ts';

/** Days of the audience window the page shows, and its anomaly threshold (the CLI's defaults). */
const WINDOW_DAYS = 30;
const ANOMALY_K = 3;

/** The analysis, or null with the refusal's message when a list never completed (exit 12). */
async function unlessIncomplete<T>(build: () => Promise<T>): Promise<{ value: T } | { missing: string }> {
  try {
    return { value: await build() };
  } catch (err) {
    if (err instanceof AppError && err.exitCode === EXIT.noCompleteList) return { missing: err.message };
    throw err;
  }
}

const share = (label: string, s: AudienceShare): SafeHtml =>
  html`<dt>${label}</dt><dd>${s.share === null ? '–' : `${(Math.round(s.share * 10_000) / 100).toString()}%`} <span class="muted">(${count(s.count)} of ${count(s.denominator)}, ${s.formula})</span></dd>`;

const runLink = (run: { run_id: string; finished_at: string }): SafeHtml =>
  html`run <a href="/runs/${run.run_id}">${run.run_id}</a>, finished ${timeTag(new Date(run.finished_at))}`;

/**
 * Renders the "Audience" section of `profile`: quality shares, growth anomalies of the last 30 days,
 * and the mutuals / not-following-back / fans counts, each with the complete run it comes from.
 * @throws whatever the queries throw, except the "list never completed" refusal, which is shown
 */
export async function audienceSection(db: Queryable, profile: AnalyzedProfile): Promise<SafeHtml> {
  const [audience, mutuals] = await Promise.all([
    unlessIncomplete(() => buildAudienceReport(db, profile, { days: WINDOW_DAYS, k: ANOMALY_K })),
    unlessIncomplete(() => openMutuals(db, profile, 'mutuals')),
  ]);
  const quality =
    'value' in audience
      ? html`<p>Of ${count(audience.value.followers)} active followers, from ${runLink(audience.value.source_run)}:</p>
<dl class="facts">
${share('Private', audience.value.shares.private)}
${share('Verified', audience.value.shares.verified)}
${share('No profile picture', audience.value.shares.no_profile_picture)}
${share('Bot-like handle', audience.value.shares.bot_like_handle)}
<dt>Growth anomalies (${WINDOW_DAYS} days)</dt><dd>${audience.value.anomalies.days.length ? audience.value.anomalies.days.join(', ') : 'none'} <span class="muted">(${audience.value.anomalies.formula}, k ${ANOMALY_K})</span></dd>
</dl>`
      : html`<p class="muted">No audience figures: ${audience.missing}</p>`;
  const follows =
    'value' in mutuals
      ? html`<dl class="facts">
<dt>Mutuals</dt><dd>${count(mutuals.value.head.counts.mutuals)}</dd>
<dt>Not following back</dt><dd>${count(mutuals.value.head.counts.not_following_back)}</dd>
<dt>Fans</dt><dd>${count(mutuals.value.head.counts.fans)}</dd>
<dt>Lists</dt><dd>followers from ${runLink(mutuals.value.head.lists.followers.last_complete_run)}; followings from ${runLink(mutuals.value.head.lists.followings.last_complete_run)}</dd>
</dl>`
      : html`<p class="muted">No mutuals: ${mutuals.missing}</p>`;
  return html`<section aria-labelledby="audience-heading"><h2 id="audience-heading">Audience</h2>
${quality}
<h3>Follows back</h3>
${follows}
</section>`;
}
