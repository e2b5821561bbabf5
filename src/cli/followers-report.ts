// `sm-core followers <username> [--new|--lost] [--since] [--until]`: a profile's current followers,
// or the ones gained / lost in a window (default: since the previous complete run). Table for
// people (first --limit rows), JSON or CSV for machines (every row, streamed page by page).
import type { Database } from '../db/database.ts';
import { type ActiveEdgeRow, type EdgeEventRow, listActiveEdges, listEdgeEvents } from '../db/queries/edge-events.ts';
import type { ProfileQuery } from '../providers/types.ts';
import { csvLine } from './csv.ts';
import { changeScope, requireStoredProfile } from './history-lookup.ts';
import { printLine, printTable } from './output.ts';

/** Options of `followers`. */
export interface FollowersOptions {
  which: 'current' | 'new' | 'lost';
  since: Date | null;
  until: Date | null;
  format: 'table' | 'json' | 'csv';
  /** Rows at most (null: all; the table defaults to 100). */
  limit: number | null;
}

/** Rows fetched per statement while streaming. */
const PAGE = 1000;
const TABLE_DEFAULT_LIMIT = 100;

type Row = Record<string, string | number | null>;

const currentRow = (r: ActiveEdgeRow): Row => ({
  ext_id: r.extId,
  username: r.username,
  full_name: r.fullName,
  first_seen_at: r.followedAt.toISOString(),
  last_seen_at: r.lastSeenAt?.toISOString() ?? null,
  last_seen_run_id: r.lastSeenRunId,
});

const eventRow = (r: EdgeEventRow): Row => ({
  ext_id: r.extId,
  username: r.username,
  full_name: r.fullName,
  event: r.event,
  at: r.occurredAt.toISOString(),
  run_id: r.runId,
});

const CURRENT_COLUMNS = ['ext_id', 'username', 'full_name', 'first_seen_at', 'last_seen_at', 'last_seen_run_id'];
const EVENT_COLUMNS = ['ext_id', 'username', 'full_name', 'event', 'at', 'run_id'];

/** Lists the followers of `lookup` as asked. @throws AppError (exit 8) when the profile is not stored */
export async function listFollowersReport(db: Database, lookup: ProfileQuery, opts: FollowersOptions): Promise<void> {
  const profile = await requireStoredProfile(db, lookup);
  const limit = opts.limit ?? (opts.format === 'table' ? TABLE_DEFAULT_LIMIT : null);
  const scope =
    opts.which === 'current'
      ? { since: opts.since, until: opts.until, afterRunId: null, label: '' }
      : await changeScope(db, 'followers', profile.id, opts.since, opts.until);
  const columns = opts.which === 'current' ? CURRENT_COLUMNS : EVENT_COLUMNS;

  /** Yields rows page by page (keyset), at most `limit` + 1 (to know whether more exist). */
  async function* rows(): AsyncGenerator<Row> {
    let afterId: string | null = null;
    let left = limit === null ? Number.POSITIVE_INFINITY : limit + 1;
    while (left > 0) {
      const size = Math.min(PAGE, left);
      const page: { rows: Array<ActiveEdgeRow | EdgeEventRow>; lastId: string | null } =
        opts.which === 'current'
          ? await listActiveEdges(db, 'followers', profile.id, scope, { limit: size, afterId })
          : await listEdgeEvents(db, 'followers', profile.id, opts.which === 'new' ? 'gained' : 'lost', scope, { limit: size, afterId });
      for (const r of page.rows) yield 'event' in r ? eventRow(r) : currentRow(r);
      left -= page.rows.length;
      if (!page.lastId) return;
      afterId = page.lastId;
    }
  }

  let count = 0;
  let more = false;
  const kept: Row[] = [];
  if (opts.format === 'csv') process.stdout.write(csvLine(columns));
  if (opts.format === 'json') process.stdout.write('[');
  for await (const r of rows()) {
    if (limit !== null && count >= limit) {
      more = true;
      break;
    }
    if (opts.format === 'csv') process.stdout.write(csvLine(columns.map((c) => r[c])));
    else if (opts.format === 'json') process.stdout.write(`${count ? ',' : ''}\n  ${JSON.stringify(r)}`);
    else kept.push(r);
    count++;
  }
  if (opts.format === 'json') process.stdout.write(count ? '\n]\n' : ']\n');
  if (opts.format !== 'table') return;

  const what = opts.which === 'current' ? 'current followers' : opts.which === 'new' ? 'new followers' : 'lost followers';
  printLine(`@${profile.username}: ${what}${scope.label ? ` ${scope.label}` : ''}`);
  if (kept.length === 0) {
    printLine('none');
    return;
  }
  const head =
    opts.which === 'current'
      ? ['username', 'full name', 'id', 'first seen', 'last seen']
      : ['username', 'full name', 'id', 'event', 'at', 'run'];
  await printTable(
    head,
    kept.map((r) =>
      opts.which === 'current'
        ? [`@${r.username}`, r.full_name, r.ext_id, r.first_seen_at, r.last_seen_at]
        : [`@${r.username}`, r.full_name, r.ext_id, r.event, r.at, r.run_id],
    ),
  );
  if (more) printLine(`(first ${count} shown: --limit N for more, --csv or --json for all)`);
}
