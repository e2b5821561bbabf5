// `sm-core search <query...> [--platform p] [--page n] [--per-page m] [--json]`: search stored
// bloggers through the same query module as GET /api/v1/bloggers (src/db/queries/search.ts).
import type { Command } from 'commander';
import { printJson, printLine, printTable } from '../output.ts';
import { withContext } from '../with-context.ts';

interface SearchOptions {
  platform?: string;
  page: string;
  perPage: string;
  json?: boolean;
}

function formatCount(n: number | null): string {
  return n === null ? '' : n.toLocaleString('en-US');
}

function formatTime(d: Date | null): string {
  return d ? `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC` : 'never';
}

/** Registers `search` on the program. */
export function registerSearch(program: Command): void {
  program
    .command('search')
    .description('search stored bloggers by handle, full name or bio (type-ahead, accents and typos tolerated)')
    .argument('<query...>', 'words to find; the last one may be the start of a word ("ann" finds "annabel_k")')
    .option('--platform <name>', 'only profiles of this platform (e.g. instagram)')
    .option('--page <n>', 'page number, from 1', '1')
    .option('--per-page <n>', 'results per page (at most 100; larger values are capped)', '20')
    .option('--json', 'print {data, meta} as JSON, exactly as GET /api/v1/bloggers returns it')
    .addHelpText(
      'after',
      `
Matching: case, accents and punctuation are ignored ("zoe" finds "Zoë", "k_92" finds "anna.k_92");
the last word matches as a prefix; near spellings ("bloger") match when exact words find few
profiles. Order: exact handle first, then handle > full name > bio matches, then by id.
Very broad queries rank the first 1,000 matches; the footer (or meta.total_exact) says so.

Examples:
  sm-core search anna
  sm-core search "jose garcia" --per-page 50
  sm-core search @anna.k_92 --json
  sm-core search blogger --platform instagram --page 2

Exit codes: 0 results printed (possibly none), 2 empty or invalid query/options,
4 database unreachable, 5 schema not current (run sm-core migrate).`,
    )
    .action(async (words: string[], opts: SearchOptions) => {
      // Validate before touching the database: an empty query is a usage error (exit 2), as HTTP 400.
      const { parseSearchRequest } = await import('../../db/queries/search-input.ts');
      const req = parseSearchRequest({ q: words.join(' '), platform: opts.platform, page: opts.page, per_page: opts.perPage });
      const { searchBloggers } = await import('../../db/queries/search.ts');
      await withContext({}, async (ctx) => {
        const result = await searchBloggers(ctx.db, req);
        if (opts.json) {
          printJson(result);
          return;
        }
        const { total, total_exact: exact, page, per_page: perPage } = result.meta;
        if (result.data.length === 0) {
          printLine(
            total === 0 ? `no bloggers match "${req.query}"` : `page ${page} is past the last page (${total}${exact ? '' : '+'} matches)`,
          );
          return;
        }
        await printTable(
          ['handle', 'name', 'followers', 'last synced'],
          result.data.map((b) => [`@${b.username}`, b.full_name ?? '', formatCount(b.followers_count), formatTime(b.last_synced_at)]),
        );
        const first = (page - 1) * perPage + 1;
        const pages = Math.max(1, Math.ceil(total / perPage));
        printLine(
          `${first}-${first + result.data.length - 1} of ${total}${exact ? '' : '+'} matches (page ${page} of ${pages}${exact ? '' : '+'})`,
        );
      });
    });
}
