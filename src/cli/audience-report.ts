// `sm-core audience <username>`: audience quality of one profile from stored data: shares of its
// active followers (private, verified, no profile picture, bot-like handle), followers gained and lost
// per UTC day over a window, and growth anomalies. Every figure carries its formula id, numerator,
// denominator and the run it comes from (docs/analytics.md). Refuses (exit 12) while the followers
// list has no complete run.
import type { Database } from '../db/database.ts';
import { countAudience, listDailyChanges } from '../db/queries/audience.ts';
import type { ProfileQuery } from '../providers/types.ts';
import {
  ANOMALY_MIN_OBSERVED_DAYS,
  ANOMALY_MIN_SIGMA,
  ANOMALY_TRAILING_DAYS,
  addDays,
  GROWTH_ANOMALY_FORMULA,
  judgeGrowth,
} from '../sync/growth-anomaly.ts';
import { requireStoredProfile } from './history-lookup.ts';
import { freshnessJson, freshnessText, requireCompleteList } from './list-freshness.ts';
import { printJson, printLine, printTable } from './output.ts';

/** Options of `audience`. */
export interface AudienceOptions {
  /** Days in the window, today (UTC) included. */
  days: number;
  /** Standard deviations that make a day anomalous. */
  k: number;
  json: boolean;
}

/** One share: formula, numerator, denominator and what the denominator is. */
interface Share {
  formula: string;
  count: number;
  denominator: number;
  denominator_is: string;
  share: number | null;
}

const share = (formula: string, count: number, denominator: number, denominatorIs: string): Share => ({
  formula,
  count,
  denominator,
  denominator_is: denominatorIs,
  share: denominator === 0 ? null : Math.round((count / denominator) * 1e6) / 1e6,
});

const pct = (s: Share) => (s.share === null ? 'n/a' : `${(s.share * 100).toFixed(1)} %`);

/**
 * Prints the audience report of `lookup`.
 * @param today the last day of the window (`YYYY-MM-DD`, UTC); default today
 * @throws AppError exit 8 (profile not stored), exit 12 (the followers list never completed)
 */
export async function printAudienceReport(db: Database, lookup: ProfileQuery, opts: AudienceOptions, today?: string): Promise<void> {
  const profile = await requireStoredProfile(db, lookup);
  const run = await requireCompleteList(db, profile, 'followers', 'its audience');
  const counts = await countAudience(db, profile.id);
  const last = today ?? new Date().toISOString().slice(0, 10);
  const first = addDays(last, -(opts.days - 1));
  const series = await listDailyChanges(db, profile.id, addDays(first, -ANOMALY_TRAILING_DAYS), last);
  const judged = new Map(judgeGrowth(series, first, opts.k).map((j) => [j.day, j]));
  const active = 'active followers (subscriptions.active)';
  const shares = {
    private: share('share_private_v1', counts.private, counts.followers, active),
    verified: share('share_verified_v1', counts.verified, counts.followers, active),
    no_profile_picture: share(
      'share_no_picture_v1',
      counts.noPicture,
      counts.pictureKnown,
      "active followers whose stored record carries the provider's has_anonymous_profile_picture flag",
    ),
    bot_like_handle: share('bot_handle_v1', counts.botLike, counts.followers, active),
  };
  const days = series
    .filter((d) => d.day >= first)
    .map((d) => {
      const j = judged.get(d.day);
      return {
        day: d.day,
        gained: d.gained,
        lost: d.lost,
        net: d.gained - d.lost,
        run_ids: d.runIds,
        observed: d.completeRunIds.length > 0,
        complete_run_ids: d.completeRunIds,
        z: j ? Math.round(j.z * 100) / 100 : null,
        trailing_mean: j ? Math.round(j.mean * 100) / 100 : null,
        trailing_sigma: j ? Math.round(j.sigma * 100) / 100 : null,
        trailing_observed_days: j?.observedDays ?? null,
        anomaly: j?.anomaly ?? false,
      };
    });
  const anomalyRule = {
    formula: GROWTH_ANOMALY_FORMULA,
    k: opts.k,
    trailing_days: ANOMALY_TRAILING_DAYS,
    min_observed_days: ANOMALY_MIN_OBSERVED_DAYS,
    min_sigma: ANOMALY_MIN_SIGMA,
  };
  if (opts.json) {
    printJson({
      profile: { platform: profile.platform, ext_id: profile.extId, username: profile.username },
      source_run: freshnessJson(run),
      followers: counts.followers,
      shares,
      daily: { formula: 'followers_daily_v1', from: first, to: last, time_zone: 'UTC', days },
      anomalies: { ...anomalyRule, days: days.filter((d) => d.anomaly).map((d) => d.day) },
    });
    return;
  }
  printLine(
    `@${profile.username}: audience of ${counts.followers} active followers, as of the last complete followers run: ${freshnessText(run)}`,
  );
  await printTable(
    ['figure', 'formula', 'share', 'count / denominator', 'denominator'],
    Object.entries(shares).map(([k, s]) => [k.replaceAll('_', ' '), s.formula, pct(s), `${s.count} / ${s.denominator}`, s.denominator_is]),
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
