// The pure pagination rules and the failure policy of a run.
import { describe, expect, it } from 'vitest';
import { EXIT, ProviderError } from '../../src/errors.ts';
import { decideNextPage, normaliseCursor, type PageFacts } from '../../src/sync/pagination.ts';
import { classifyFailure, exitCodeForRun, MAX_DEFER_SECONDS } from '../../src/sync/outcome.ts';

const facts = (f: Partial<PageFacts>): PageFacts => ({
  page: 1,
  users: 50,
  newInRun: 50,
  nextCursor: 'c1',
  hasMore: null,
  limited: false,
  cursorSeen: false,
  stallStreak: 0,
  emptyStreak: 0,
  maxPages: 100,
  ...f,
});

describe('decideNextPage', () => {
  it('continues with the cursor and resets streaks on a page with new users', () => {
    expect(decideNextPage(facts({ stallStreak: 1, emptyStreak: 1 }))).toEqual({
      next: 'continue',
      cursor: 'c1',
      stallStreak: 0,
      emptyStreak: 0,
    });
  });
  it('C06: no cursor, "" or has_more:false end the run as complete', () => {
    for (const f of [{ nextCursor: null }, { nextCursor: '' }, { nextCursor: '  ' }, { nextCursor: 'stale', hasMore: false }]) {
      expect(decideNextPage(facts(f))).toMatchObject({ next: 'end', status: 'succeeded', outcome: 'complete' });
    }
  });
  it('C07: has_more:true without a cursor ends partial (never a null cursor re-sent)', () => {
    expect(decideNextPage(facts({ nextCursor: null, hasMore: true }))).toMatchObject({
      next: 'end',
      status: 'partial',
      outcome: 'missing_cursor',
    });
  });
  it('C07: the 2nd consecutive empty page ends partial; the 1st continues', () => {
    expect(decideNextPage(facts({ users: 0, newInRun: 0, hasMore: true }))).toMatchObject({
      next: 'continue',
      emptyStreak: 1,
      stallStreak: 1,
    });
    expect(decideNextPage(facts({ users: 0, newInRun: 0, hasMore: true, emptyStreak: 1, stallStreak: 1 }))).toMatchObject({
      next: 'end',
      status: 'partial',
      outcome: 'empty_pages',
    });
  });
  it('C05: the 2nd consecutive page without new ids ends stalled; a seen cursor ends at once', () => {
    expect(decideNextPage(facts({ newInRun: 0 }))).toMatchObject({ next: 'continue', stallStreak: 1 });
    expect(decideNextPage(facts({ newInRun: 0, stallStreak: 1 }))).toMatchObject({ next: 'end', status: 'partial', outcome: 'stalled' });
    expect(decideNextPage(facts({ cursorSeen: true }))).toMatchObject({ next: 'end', status: 'partial', outcome: 'cursor_loop' });
  });
  it('a limited list ends partial; the page limit ends partial', () => {
    expect(decideNextPage(facts({ nextCursor: null, limited: true }))).toMatchObject({ status: 'partial', outcome: 'limited' });
    expect(decideNextPage(facts({ page: 100, maxPages: 100 }))).toMatchObject({ status: 'partial', outcome: 'max_pages' });
  });
  it('normaliseCursor keeps real cursors byte for byte', () => {
    expect(normaliseCursor('QVFE==')).toBe('QVFE==');
    expect(normaliseCursor('17841401234567891')).toBe('17841401234567891');
    expect(normaliseCursor(undefined)).toBeNull();
  });
});

describe('classifyFailure', () => {
  const first = { retryCount: 0, retryLimit: 5 };
  const last = { retryCount: 5, retryLimit: 5 };
  const err = (kind: ConstructorParameters<typeof ProviderError>[0], retryAfterSeconds?: number) =>
    new ProviderError(kind, 'p', 'x', retryAfterSeconds === undefined ? {} : { retryAfterSeconds });
  it('retries transient and invalid responses while attempts remain, then ends the run', () => {
    expect(classifyFailure(err('transient'), first, 60)).toEqual({ action: 'retry' });
    expect(classifyFailure(err('invalid_response'), first, 60)).toEqual({ action: 'retry' });
    expect(classifyFailure(err('transient'), last, 60)).toEqual({ action: 'end', outcome: 'transient' });
    expect(classifyFailure(new Error('db down'), first, 60)).toEqual({ action: 'retry' });
    expect(classifyFailure(new Error('db down'), last, 60)).toEqual({ action: 'end', outcome: 'error' });
  });
  it('C08: defers a rate limit by Retry-After (the floor without one); a quota with a reset time too', () => {
    expect(classifyFailure(err('rate_limited', 600), first, 60)).toEqual({ action: 'defer', seconds: 600 });
    expect(classifyFailure(err('rate_limited'), last, 60)).toEqual({ action: 'defer', seconds: 60 });
    expect(classifyFailure(err('quota_exhausted', 3600), first, 60)).toEqual({ action: 'defer', seconds: 3600 });
    expect(classifyFailure(err('quota_exhausted'), first, 60)).toEqual({ action: 'end', outcome: 'quota_exhausted' });
    expect(classifyFailure(err('rate_limited', MAX_DEFER_SECONDS + 1), first, 60)).toEqual({ action: 'end', outcome: 'rate_limited' });
  });
  it('ends the run at once on definitive or non-retryable kinds', () => {
    for (const kind of ['not_found', 'private', 'unauthorized'] as const) {
      expect(classifyFailure(err(kind), first, 60)).toEqual({ action: 'end', outcome: kind });
    }
  });
});

describe('exitCodeForRun', () => {
  it('maps statuses and failure outcomes to the EXIT table', () => {
    expect(exitCodeForRun({ status: 'succeeded', outcome: 'complete' })).toBe(EXIT.ok);
    expect(exitCodeForRun({ status: 'partial', outcome: 'stalled' })).toBe(EXIT.runPartial);
    expect(exitCodeForRun({ status: 'failed', outcome: 'not_found' })).toBe(EXIT.notFound);
    expect(exitCodeForRun({ status: 'failed', outcome: 'private' })).toBe(EXIT.private);
    expect(exitCodeForRun({ status: 'failed', outcome: 'quota_exhausted' })).toBe(EXIT.rateLimited);
    expect(exitCodeForRun({ status: 'failed', outcome: 'unauthorized' })).toBe(EXIT.unauthorized);
    expect(exitCodeForRun({ status: 'failed', outcome: 'abandoned' })).toBe(EXIT.runFailed);
    expect(exitCodeForRun({ status: 'running', outcome: null })).toBe(EXIT.interrupted);
  });
});
