// The progress line the sync commands draw on a terminal (src/cli/run-follow.ts).
import { describe, expect, it } from 'vitest';
import { describeProgress } from '../../src/cli/run-follow.ts';
import type { JobCallRow } from '../../src/db/queries/job-calls.ts';

const run = (over: Partial<JobCallRow>): JobCallRow =>
  ({
    kind: 'followers',
    pages: 3,
    itemsSeen: 150,
    expectedItems: 500,
    itemsGained: 2,
    requests: 4,
    deferredUntil: null,
    listRestarts: 0,
    provider: 'rocket',
    ...over,
  }) as JobCallRow;

describe('describeProgress', () => {
  it('shows pages, accounts against the expected count, new accounts and requests', () => {
    expect(describeProgress(run({}))).toBe('followers: page 3 · 150 of 500 accounts (2 new) · 4 requests');
  });
  it('says when the list restarted on another provider (its cursor provider stayed down)', () => {
    expect(describeProgress(run({ listRestarts: 1, provider: 'scraper' }))).toBe(
      'followers: page 3 · 150 of 500 accounts (2 new) · 4 requests · list restarted on scraper',
    );
  });
});
