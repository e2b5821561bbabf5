// Pure pagination rules for a followers run: after each committed page, continue or end (and how).
// The loop guards come from CASES.md C05 (repeating pages), C06 (the last page), C07 (empty pages).

/** Consecutive pages with no new ids (or no users) after which a run is declared stalled. */
export const MAX_STALL_PAGES = 2;

/** What a committed page tells the pagination rules. */
export interface PageFacts {
  /** 1-based number of this page within the run. */
  page: number;
  /** Users on the page (after validation). */
  users: number;
  /** Users not yet seen in this run. */
  newInRun: number;
  /** Cursor the provider returned ('' and null both mean none). */
  nextCursor: string | null;
  /** The provider's own "more pages" flag, when it sent one. */
  hasMore: boolean | null;
  /** Instagram cut the list short (`should_limit_list_of_followers`). */
  limited: boolean;
  /** `nextCursor` was already received earlier in this run. */
  cursorSeen: boolean;
  /** Streaks before this page. */
  stallStreak: number;
  emptyStreak: number;
  maxPages: number;
}

/** Why a run ended, for job_calls.outcome. */
export type PaginationOutcome = 'complete' | 'limited' | 'missing_cursor' | 'empty_pages' | 'stalled' | 'cursor_loop' | 'max_pages';

/** The decision after a page. */
export type PageDecision =
  | { next: 'continue'; cursor: string; stallStreak: number; emptyStreak: number }
  | { next: 'end'; status: 'succeeded' | 'partial'; outcome: PaginationOutcome; reason: string; stallStreak: number; emptyStreak: number };

/** Normalises a provider cursor: '' and whitespace-only become null. */
export function normaliseCursor(cursor: string | null | undefined): string | null {
  return typeof cursor === 'string' && cursor.trim() !== '' ? cursor : null;
}

/**
 * Decides what follows a committed page:
 * - the last page (no cursor, or `has_more: false` even beside a stale cursor) ends the run as
 *   succeeded (C06), or partial when Instagram limited the list;
 * - `has_more: true` without a cursor ends it as partial and never re-sends a null cursor (C07);
 * - a 2nd consecutive empty page (C07), a 2nd consecutive page without new ids, or a cursor already
 *   received in this run (C05) end it as partial;
 * - reaching `maxPages` ends it as partial.
 */
export function decideNextPage(f: PageFacts): PageDecision {
  const cursor = normaliseCursor(f.nextCursor);
  const emptyStreak = f.users === 0 ? f.emptyStreak + 1 : 0;
  const stallStreak = f.newInRun === 0 ? f.stallStreak + 1 : 0;
  const end = (status: 'succeeded' | 'partial', outcome: PaginationOutcome, reason: string): PageDecision => ({
    next: 'end',
    status,
    outcome,
    reason,
    stallStreak,
    emptyStreak,
  });
  if (f.hasMore === false || (cursor === null && f.hasMore !== true)) {
    return f.limited
      ? end('partial', 'limited', 'the provider cut the list short (should_limit_list_of_followers)')
      : end('succeeded', 'complete', 'last page');
  }
  if (cursor === null) return end('partial', 'missing_cursor', 'the provider said there are more pages but sent no cursor');
  if (emptyStreak >= MAX_STALL_PAGES) return end('partial', 'empty_pages', `${emptyStreak} consecutive empty pages that claim more`);
  if (stallStreak >= MAX_STALL_PAGES) return end('partial', 'stalled', `${stallStreak} consecutive pages with no new followers`);
  if (f.cursorSeen) return end('partial', 'cursor_loop', 'the provider returned a cursor already seen in this run');
  if (f.page >= f.maxPages) return end('partial', 'max_pages', `reached the page limit (SM_MAX_PAGES=${f.maxPages})`);
  return { next: 'continue', cursor, stallStreak, emptyStreak };
}
