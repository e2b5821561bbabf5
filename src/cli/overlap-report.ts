// `sm-core overlap <a> <b> [<c>...]`: per pair the shared followers and the Jaccard index, for the
// set the unique reach (formula overlap_v1, docs/analytics.md), from active subscriptions; `--list`
// prints the followers shared by at least two of them. Refuses (exit 12) while a followers list has
// no complete run.
import type { Database } from '../db/database.ts';
import { listSharedFollowers, measureOverlap } from '../db/queries/overlap.ts';
import type { ProfileRow } from '../db/queries/profiles.ts';
import { UsageError } from '../errors.ts';
import type { ProfileQuery } from '../providers/types.ts';
import { requireStoredProfile } from './history-lookup.ts';
import { freshnessJson, freshnessText, type ListFreshness, requireCompleteList } from './list-freshness.ts';
import { printJson, printLine, printTable } from './output.ts';
import { csvLine } from './csv.ts';
import { streamRows } from './stream-rows.ts';

/** Formula id of the pair and set figures. */
export const OVERLAP_FORMULA = 'overlap_v1';

/** Options of `overlap`. */
export interface OverlapOptions {
  /** Also list the followers shared by at least two profiles. */
  list: boolean;
  format: 'table' | 'json' | 'csv';
  /** Shared followers listed at most (null: all; the table defaults to 100). */
  limit: number | null;
}

const TABLE_DEFAULT_LIMIT = 100;

const ratio = (x: number | null) => (x === null ? null : Math.round(x * 1e6) / 1e6);

/**
 * Prints the overlap of `lookups` (2 or more distinct stored profiles).
 * @throws UsageError when a profile is named twice; AppError exit 8 (not stored), exit 12 (a followers list never completed)
 */
export async function printOverlapReport(db: Database, lookups: readonly ProfileQuery[], opts: OverlapOptions): Promise<void> {
  const profiles: ProfileRow[] = [];
  const runs: ListFreshness[] = [];
  for (const lookup of lookups) {
    const p = await requireStoredProfile(db, lookup);
    if (profiles.some((x) => x.id === p.id)) throw new UsageError(`@${p.username} is named twice: give each profile once`);
    profiles.push(p);
  }
  for (const p of profiles) runs.push(await requireCompleteList(db, p, 'followers', 'the overlap'));
  const ids = profiles.map((p) => p.id);
  const result = await measureOverlap(db, ids);
  const name = (i: number) => profiles[i]!.username;
  const profilesJson = profiles.map((p, i) => ({
    username: p.username,
    ext_id: p.extId,
    followers: result.sizes[i],
    last_complete_run: freshnessJson(runs[i]!),
  }));
  const pairsJson = result.pairs.map((x) => ({
    a: name(x.a),
    b: name(x.b),
    shared: x.shared,
    union: result.sizes[x.a]! + result.sizes[x.b]! - x.shared,
    jaccard: ratio(x.jaccard),
  }));
  const limit = opts.limit ?? (opts.format === 'table' ? TABLE_DEFAULT_LIMIT : null);
  const shared = (format: 'table' | 'json' | 'csv', jsonBefore?: string, jsonAfter?: string) =>
    streamRows(
      async (afterId, size) => {
        const page = await listSharedFollowers(db, ids, { limit: size, afterId });
        return {
          rows: page.rows.map((r) => ({ ext_id: r.extId, username: r.username, full_name: r.fullName, follows: r.follows.map(name) })),
          lastId: page.lastId,
        };
      },
      { format, columns: ['ext_id', 'username', 'full_name', 'follows'], limit, ...(jsonBefore ? { jsonBefore, jsonAfter } : {}) },
    );

  const head = { formula: OVERLAP_FORMULA, source: 'active subscriptions', profiles: profilesJson, pairs: pairsJson, reach: result.reach };
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
