// `sm-core audience <username>`: prints the audience report of src/analytics/audience.ts (the same
// object the HTTP API answers) as JSON, or as tables for people. Refuses (exit 12) while the
// followers list has no complete run.
import { type AudienceShare, buildAudienceReport } from '../analytics/audience.ts';
import { freshnessText } from '../analytics/list-freshness.ts';
import type { Database } from '../db/database.ts';
import type { ProfileQuery } from '../providers/types.ts';
import { ANOMALY_MIN_OBSERVED_DAYS, ANOMALY_MIN_SIGMA, ANOMALY_TRAILING_DAYS, GROWTH_ANOMALY_FORMULA } from '../sync/growth-anomaly.ts';
import { requireStoredProfile } from './history-lookup.ts';
import { printJson, printLine, printTable } from './output.ts';

/** Options of `audience`. */
export interface AudienceCliOptions {
  /** Days in the window, today (UTC) included. */
  days: number;
  /** Standard deviations that make a day anomalous. */
  k: number;
  json: boolean;
}

const pct = (s: AudienceShare) => (s.share === null ? 'n/a' : `${(s.share * 100).toFixed(1)} %`);

/**
 * Prints the audience report of `lookup`.
 * @param today the last day of the window (`YYYY-MM-DD`, UTC); default today
 * @throws AppError exit 8 (profile not stored), exit 12 (the followers list never completed)
 */
export async function printAudienceReport(db: Database, lookup: ProfileQuery, opts: AudienceCliOptions, today?: string): Promise<void> {
  const profile = await requireStoredProfile(db, lookup);
  const report = await buildAudienceReport(db, profile, { days: opts.days, k: opts.k }, today);
  if (opts.json) {
    printJson(report);
    return;
  }
  const run = { runId: report.source_run.run_id, finishedAt: new Date(report.source_run.finished_at) };
  const { from: first, to: last, days } = report.daily;
  printLine(
    `@${profile.username}: audience of ${report.followers} active followers, as of the last complete followers run: ${freshnessText(run)}`,
  );
  await printTable(
    ['figure', 'formula', 'share', 'count / denominator', 'denominator'],
    Object.entries(report.shares).map(([k, s]) => [
      k.replaceAll('_', ' '),
      s.formula,
      pct(s),
      `${s.count} / ${s.denominator}`,
      s.denominator_is,
    ]),
  );
  printLine(`followers gained and lost per UTC day, ${first} to ${last} (followers_daily_v1; observed = a complete run ended that day):`);
  await printTable(
    ['day', 'gained', 'lost', 'net', 'observed (runs)', 'z', 'anomaly'],
    days.map((d) => [
      d.day,
      d.gained,
      d.lost,
      d.net,
      d.observed ? d.complete_run_ids.join(' ') : '',
      d.z === null ? '' : d.z.toFixed(2),
      d.anomaly ? 'ANOMALY' : '',
    ]),
  );
  const found = days.filter((d) => d.anomaly);
  printLine(
    `growth anomalies (${GROWTH_ANOMALY_FORMULA}: |net - mean| > ${opts.k} x max(sigma, ${ANOMALY_MIN_SIGMA}) over the observed days ` +
      `of the ${ANOMALY_TRAILING_DAYS} days before, at least ${ANOMALY_MIN_OBSERVED_DAYS} of them): ` +
      (found.length ? found.map((d) => `${d.day} (net ${d.net}, z ${d.z})`).join(', ') : 'none'),
  );
}
