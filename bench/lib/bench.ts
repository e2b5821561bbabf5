// The benchmark contract: each bench/<name>.bench.ts default-exports a Bench; bench/run.ts runs them.
// Speed targets live here, not in timed tests (BRIEF.md).

/** A target a figure is compared with: `below` for latencies, `above` for throughput. */
export interface Target {
  below?: number;
  above?: number;
}

/** One measured figure, printed as a row: value, unit, target and value/target ratio. */
export interface Figure {
  /** Short name, e.g. `query module p95`. */
  name: string;
  value: number;
  /** `ms`, `req/s`, `rows`, `s`... */
  unit: string;
  target?: Target;
  /** Free text shown after the row (query counts, notes). */
  note?: string;
}

/** What a bench receives from the runner. */
export interface BenchContext {
  /** Progress lines for people (stderr); results go in the returned figures. */
  log(message: string): void;
  /** Admin connection string of the local server (a database that always exists). */
  adminUrl: string;
}

/** A benchmark: a name, one line saying what it measures, and a run that returns its figures. */
export interface Bench {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<Figure[]>;
}

/** Value at quantile q (0..1) of `samples` (nearest-rank on a sorted copy). */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** Median and p95 of latency samples (ms). */
export function summarize(samples: readonly number[]): { median: number; p95: number; n: number } {
  return { median: quantile(samples, 0.5), p95: quantile(samples, 0.95), n: samples.length };
}

/** Measures `fn` once, in milliseconds. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}
