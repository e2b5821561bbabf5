// growth_anomaly_v1 (docs/analytics.md): a day's net follower change (gained - lost) that lies more
// than k standard deviations from the mean of the trailing window. Used by `sm-core audience` and by
// the change alerts at the end of a complete followers run (src/sync/alerts.ts).
import type { DailyChange } from '../db/queries/audience.ts';

/** Formula id printed beside every anomaly figure. */
export const GROWTH_ANOMALY_FORMULA = 'growth_anomaly_v1';

/** k: how many standard deviations from the trailing mean make a day anomalous. */
export const ANOMALY_K = 3;
/** Calendar days before the judged day that form its trailing window. */
export const ANOMALY_TRAILING_DAYS = 14;
/** Observed days the trailing window needs before any day is judged. */
export const ANOMALY_MIN_OBSERVED_DAYS = 5;
/**
 * Floor of the standard deviation (followers/day): a perfectly steady history (σ = 0) would
 * otherwise make a single new follower "infinitely" anomalous.
 */
export const ANOMALY_MIN_SIGMA = 1;

/** The judgement of one observed day. */
export interface GrowthJudgement {
  day: string;
  /** gained - lost that day. */
  net: number;
  /** Mean and population standard deviation of `net` over the trailing window's observed days. */
  mean: number;
  sigma: number;
  /** Observed days in the trailing window (the sample size). */
  observedDays: number;
  /** (net - mean) / max(sigma, ANOMALY_MIN_SIGMA). */
  z: number;
  anomaly: boolean;
  /** The complete runs that made the day observed. */
  runIds: string[];
}

/** A day counts only when a complete followers run ended on it: otherwise "no change" is not known. */
const observed = (d: DailyChange) => d.completeRunIds.length > 0;

/**
 * Judges every observed day of `series` from `fromDay` on (`YYYY-MM-DD`) against its trailing window
 * (the {@link ANOMALY_TRAILING_DAYS} calendar days before it, observed days only). Days whose window
 * holds fewer than {@link ANOMALY_MIN_OBSERVED_DAYS} observed days are not judged (left out).
 * @param series consecutive days, oldest first, starting at least ANOMALY_TRAILING_DAYS before `fromDay`
 * @param k standard deviations (default {@link ANOMALY_K})
 */
export function judgeGrowth(series: readonly DailyChange[], fromDay: string, k = ANOMALY_K): GrowthJudgement[] {
  const out: GrowthJudgement[] = [];
  series.forEach((d, i) => {
    if (d.day < fromDay || !observed(d)) return;
    const window = series.slice(Math.max(0, i - ANOMALY_TRAILING_DAYS), i).filter(observed);
    if (window.length < ANOMALY_MIN_OBSERVED_DAYS) return;
    const nets = window.map((w) => w.gained - w.lost);
    const mean = nets.reduce((a, b) => a + b, 0) / nets.length;
    const sigma = Math.sqrt(nets.reduce((a, b) => a + (b - mean) ** 2, 0) / nets.length);
    const net = d.gained - d.lost;
    const z = (net - mean) / Math.max(sigma, ANOMALY_MIN_SIGMA);
    out.push({ day: d.day, net, mean, sigma, observedDays: window.length, z, anomaly: Math.abs(z) > k, runIds: d.completeRunIds });
  });
  return out;
}

/** `day` (`YYYY-MM-DD`) moved by `days` (may be negative). */
export function addDays(day: string, days: number): string {
  const t = new Date(`${day}T00:00:00Z`).getTime() + days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}
