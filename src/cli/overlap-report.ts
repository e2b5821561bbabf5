// `sm-core overlap <a> <b> [<c>...]`: per pair the shared followers and the Jaccard index, for the
// set the unique reach (formula overlap_v1, docs/analytics.md), from active subscriptions; `--list`
// prints the followers shared by at least two of them. Refuses (exit 12) while a followers list has
// no complete run.
import { freshnessText } from '../analytics/list-freshness.ts';
import { OVERLAP_FORMULA, openOverlap, SHARED_FOLLOWER_COLUMNS } from '../analytics/overlap.ts';
import type { Database } from '../db/database.ts';
import type { ProfileRow } from '../db/queries/profiles.ts';
import type { ProfileQuery } from '../providers/types.ts';
import { csvLine } from './csv.ts';
import { requireStoredProfile } from './history-lookup.ts';
import { printJson, printLine, printTable } from './output.ts';
import { streamRows } from './stream-rows.ts';

/** Options of `overlap`. */
export interface OverlapOptions {
  /** Also list the followers shared by at least two profiles. */
  list: boolean;
  format: 'table' | 'json' | 'csv';
  /** Shared followers listed at most (null: all; the table defaults to 100). */
  limit: number | null;
}

const TABLE_DEFAULT_LIMIT = 100;

/**
 * Prints the overlap of `lookups` (2 or more distinct stored profiles).
 * @throws UsageError when a profile is named twice; AppError exit 8 (not stored), exit 12 (a followers list never completed)
 */
export async function printOverlapReport(db: Database, lookups: readonly ProfileQuery[], opts: OverlapOptions): Promise<void> {
  const profiles: ProfileRow[] = [];
  for (const lookup of lookups) profiles.push(await requireStoredProfile(db, lookup));
  const { head, result, runs, page } = await openOverlap(db, profiles);
  const pairsJson = head.pairs;
  const limit = opts.limit ?? (opts.format === 'table' ? TABLE_DEFAULT_LIMIT : null);
  const shared = (format: 'table' | 'json' | 'csv', jsonBefore?: string, jsonAfter?: string) =>
    streamRows(page, { format, columns: SHARED_FOLLOWER_COLUMNS, limit, ...(jsonBefore ? { jsonBefore, jsonAfter } : {}) });

  if (opts.format === 'json') {
    if (!opts.list) printJson(head);
    else await shared('json', `${JSON.stringify(head).slice(0, -1)},"shared_followers":`, '}');
    return;
  }
  if (opts.format === 'csv') {
    const what = profiles.map((p, i) => `@${p.username} as of ${freshnessText(runs[i]!)}`).join('; ');
    process.stderr.write(`${opts.list ? 'followers shared by at least two of' : 'overlap of'} ${what}\n`);
    if (opts.list) {
      await shared('csv');
      return;
    }
    process.stdout.write(csvLine(['a', 'b', 'a_followers', 'b_followers', 'shared', 'union', 'jaccard']));
    for (const [i, x] of result.pairs.entries()) {
      const p = pairsJson[i]!;
      process.stdout.write(csvLine([p.a, p.b, result.sizes[x.a], result.sizes[x.b], p.shared, p.union, p.jaccard]));
    }
    return;
  }

  await printTable(
    ['profile', 'active followers', 'followers as of'],
    profiles.map((p, i) => [`@${p.username}`, result.sizes[i], freshnessText(runs[i]!)]),
  );
  await printTable(
    ['a', 'b', 'shared followers', 'union', `Jaccard (${OVERLAP_FORMULA})`],
    pairsJson.map((p) => [`@${p.a}`, `@${p.b}`, p.shared, p.union, p.jaccard === null ? 'n/a' : p.jaccard.toFixed(4)]),
  );
  printLine(`unique reach: ${result.reach} distinct followers across the ${profiles.length} profiles (active subscriptions)`);
  if (!opts.list) return;
  const { kept, count, more } = await shared('table');
  printLine(`followers of at least two of them:${count === 0 ? ' none' : ''}`);
  if (count === 0) return;
  await printTable(
    ['username', 'full name', 'id', 'follows'],
    kept.map((r) => [
      `@${r.username}`,
      r.full_name as string | null,
      r.ext_id as string,
      (r.follows as string[]).map((u) => `@${u}`).join(' '),
    ]),
  );
  if (more) printLine(`(first ${count} shown: --limit N for more, --csv or --json for all)`);
}
