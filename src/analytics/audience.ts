// Audience quality of one profile from stored data (`sm-core audience`, GET
// /api/v1/bloggers/:platform/:username/audience): shares of its active followers (private, verified,
// no profile picture, bot-like handle), followers gained and lost per UTC day over a window, and
// growth anomalies. Every figure carries its formula id, numerator, denominator and the run it comes
// from (docs/analytics.md). One function builds the report both entry points print.
import type { Queryable } from '../db/database.ts';
import { countAudience, listDailyChanges } from '../db/queries/audience.ts';
import {
  ANOMALY_MIN_OBSERVED_DAYS,
  ANOMALY_MIN_SIGMA,
  ANOMALY_TRAILING_DAYS,
  addDays,
  GROWTH_ANOMALY_FORMULA,
  judgeGrowth,
} from '../sync/growth-anomaly.ts';
import { type AnalyzedProfile, freshnessJson, profileJson, requireCompleteList } from './list-freshness.ts';

/** Options of the audience report. */
export interface AudienceOptions {
  /** Days in the window, today (UTC) included (1-366). */
  days: number;
  /** Standard deviations that make a day anomalous (> 0). */
  k: number;
}

/** Largest window (days) the CLI and the API accept. */
export const AUDIENCE_MAX_DAYS = 366;

/** One share: formula, numerator, denominator and what the denominator is. */
export interface AudienceShare {
  formula: string;
  count: number;
  denominator: number;
  denominator_is: string;
  /** count / denominator rounded to 6 decimals; null when the denominator is 0. */
  share: number | null;
}

/** One UTC day of the window. */
export interface AudienceDay {
  day: string;
  gained: number;
  lost: number;
  net: number;
  run_ids: string[];
  /** A complete followers run ended that day. */
  observed: boolean;
  complete_run_ids: string[];
  z: number | null;
  trailing_mean: number | null;
  trailing_sigma: number | null;
  trailing_observed_days: number | null;
  anomaly: boolean;
}

/** The report: what `sm-core audience --json` prints and the API answers (docs/analytics.md). */
export interface AudienceReport {
  profile: { platform: string; ext_id: string; username: string };
  source_run: { run_id: string; finished_at: string };
  followers: number;
  shares: { private: AudienceShare; verified: AudienceShare; no_profile_picture: AudienceShare; bot_like_handle: AudienceShare };
  daily: { formula: 'followers_daily_v1'; from: string; to: string; time_zone: 'UTC'; days: AudienceDay[] };
  anomalies: { formula: string; k: number; trailing_days: number; min_observed_days: number; min_sigma: number; days: string[] };
}

const share = (formula: string, count: number, denominator: number, denominatorIs: string): AudienceShare => ({
  formula,
  count,
  denominator,
  denominator_is: denominatorIs,
  share: denominator === 0 ? null : Math.round((count / denominator) * 1e6) / 1e6,
});

/**
 * Builds the audience report of `profile`.
 * @param today the last day of the window (`YYYY-MM-DD`, UTC); default today
 * @throws AppError exit 12 (the followers list never completed)
 */
export async function buildAudienceReport(
  db: Queryable,
  profile: AnalyzedProfile,
  opts: AudienceOptions,
  today?: string,
): Promise<AudienceReport> {
  const run = await requireCompleteList(db, profile, 'followers', 'its audience');
  const counts = await countAudience(db, profile.id);
  const last = today ?? new Date().toISOString().slice(0, 10);
  const first = addDays(last, -(opts.days - 1));
  const series = await listDailyChanges(db, profile.id, addDays(first, -ANOMALY_TRAILING_DAYS), last);
  const judged = new Map(judgeGrowth(series, first, opts.k).map((j) => [j.day, j]));
  const active = 'active followers (subscriptions.active)';
  const days = series
    .filter((d) => d.day >= first)
    .map((d): AudienceDay => {
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
  return {
    profile: profileJson(profile),
    source_run: freshnessJson(run),
    followers: counts.followers,
    shares: {
      private: share('share_private_v1', counts.private, counts.followers, active),
      verified: share('share_verified_v1', counts.verified, counts.followers, active),
      no_profile_picture: share(
        'share_no_picture_v1',
        counts.noPicture,
        counts.pictureKnown,
        "active followers whose stored record carries the provider's has_anonymous_profile_picture flag",
      ),
      bot_like_handle: share('bot_handle_v1', counts.botLike, counts.followers, active),
    },
    daily: { formula: 'followers_daily_v1', from: first, to: last, time_zone: 'UTC', days },
    anomalies: {
      formula: GROWTH_ANOMALY_FORMULA,
      k: opts.k,
      trailing_days: ANOMALY_TRAILING_DAYS,
      min_observed_days: ANOMALY_MIN_OBSERVED_DAYS,
      min_sigma: ANOMALY_MIN_SIGMA,
      days: days.filter((d) => d.anomaly).map((d) => d.day),
    },
  };
}
