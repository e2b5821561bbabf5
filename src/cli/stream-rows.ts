// Streams a keyset-paged list to stdout for the analysis commands: CSV lines or JSON array items as
// pages arrive (every row, memory stays flat), or collects the first rows for a table.
import { csvLine } from './csv.ts';

/** One output row: column name -> value. */
export type OutputRow = Record<string, string | number | boolean | null | string[]>;

/** Fetches the page after `afterId` (null: the first): rows plus where to continue (null: done). */
export type PageFetcher = (afterId: string | null, limit: number) => Promise<{ rows: OutputRow[]; lastId: string | null }>;

/** Options of {@link streamRows}. */
export interface StreamOptions {
  format: 'table' | 'json' | 'csv';
  /** CSV columns, in order (also the header line). */
  columns: readonly string[];
  /** Rows at most (null: all). */
  limit: number | null;
  /** JSON: text written before the array (e.g. `{"counts":...,"accounts":`), and after it. */
  jsonBefore?: string;
  jsonAfter?: string;
}

/** Rows fetched per statement. */
const PAGE = 1000;

/**
 * Writes every row as CSV or JSON (or keeps them for a table), at most `limit`.
 * @returns the rows kept for a table (empty for CSV/JSON), the rows written, and whether more exist past `limit`
 */
export async function streamRows(fetch: PageFetcher, opts: StreamOptions): Promise<{ kept: OutputRow[]; count: number; more: boolean }> {
  const kept: OutputRow[] = [];
  let count = 0;
  let more = false;
  let afterId: string | null = null;
  if (opts.format === 'csv') process.stdout.write(csvLine(opts.columns));
  if (opts.format === 'json') process.stdout.write(`${opts.jsonBefore ?? ''}[`);
  outer: while (true) {
    const size = opts.limit === null ? PAGE : Math.min(PAGE, opts.limit - count + 1);
    const page = await fetch(afterId, size);
    for (const r of page.rows) {
      if (opts.limit !== null && count >= opts.limit) {
        more = true;
        break outer;
      }
      if (opts.format === 'csv')
        process.stdout.write(
          csvLine(
            opts.columns.map((c) => (Array.isArray(r[c]) ? (r[c] as string[]).join(' ') : (r[c] as string | number | boolean | null))),
          ),
        );
      else if (opts.format === 'json') process.stdout.write(`${count ? ',' : ''}\n  ${JSON.stringify(r)}`);
      else kept.push(r);
      count++;
    }
    if (!page.lastId) break;
    afterId = page.lastId;
  }
  if (opts.format === 'json') process.stdout.write(`${count ? '\n' : ''}]${opts.jsonAfter ?? ''}\n`);
  return { kept, count, more };
}
