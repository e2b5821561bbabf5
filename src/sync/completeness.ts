// The completeness gate of a list run (issue 4 §2; docs/history.md "Completeness"). A run is
// complete only when its pagination ended normally AND the distinct accounts it saw reach
// SM_COMPLETENESS_MIN_SHARE of the list's size when the run started. Only a complete run may turn
// unseen edges into unfollows; it also becomes the profile's baseline when it is the first one.
import type { Queryable } from '../db/database.ts';
import { closeUnseenEdges, type EdgeList } from '../db/queries/edges.ts';
import { finishJobCall, type JobCallRow } from '../db/queries/job-calls.ts';
import type { PageDecision } from './pagination.ts';

/**
 * Why a run whose pagination ended normally still is not complete:
 * - `short_list`: it saw fewer accounts than the share of the expected count (providers and
 *   Instagram cut long lists short without saying so: a "last page" after a few thousand users);
 * - `unknown_count`: the profile had no count to check against (sync the profile first).
 */
export type CompletenessOutcome = 'short_list' | 'unknown_count';

/** The gate's answer. `share` = seen / expected (null when expected is unknown or 0). */
export type CompletenessVerdict =
  | { complete: true; share: number | null }
  | { complete: false; outcome: CompletenessOutcome; reason: string; share: number | null };

/**
 * Judges a run whose pagination ended normally.
 * @param seen distinct accounts the run saw (job_calls.items_seen)
 * @param expected the profile's count when the run started (job_calls.expected_items)
 * @param minShare SM_COMPLETENESS_MIN_SHARE, a ratio in [0, 1]
 */
export function judgeCompleteness(seen: number, expected: number | null, minShare: number): CompletenessVerdict {
  if (expected === null) {
    return {
      complete: false,
      outcome: 'unknown_count',
      reason: 'the profile has no count to check the list against (run sync-profile first)',
      share: null,
    };
  }
  const share = expected > 0 ? seen / expected : null;
  // The tolerance keeps 0.9 x 10 = 9 from failing on floating-point noise.
  const needed = Math.ceil(minShare * expected - 1e-9);
  if (seen >= needed) return { complete: true, share };
  const pct = (v: number) => `${(Math.round(v * 1000) / 10).toString()}%`;
  return {
    complete: false,
    outcome: 'short_list',
    reason:
      `the list ended after ${seen.toLocaleString('en-US')} of ${expected.toLocaleString('en-US')} accounts ` +
      `(${pct(share ?? 0)}, below SM_COMPLETENESS_MIN_SHARE=${minShare}): kept as partial, nothing unfollowed`,
    share,
  };
}

/** How a list run ended, as written to job_calls. */
export interface ListRunEnd {
  status: 'succeeded' | 'partial';
  outcome: string;
  /** Why a partial run is partial (null when complete). */
  reason: string | null;
  /** Edges turned inactive by this run (0 unless complete). */
  unfollowed: number;
  baseline: boolean;
}

/**
 * Ends a list run after its last page, inside the page's transaction: applies the gate to a run
 * whose pagination ended normally; a complete run closes the edges it did not see (set-based, one
 * statement) and may become the baseline; any other end only records its status.
 * @param run the run as updated by this page (items_seen includes the page)
 */
export async function finishListRun(
  tx: Queryable,
  list: EdgeList,
  run: JobCallRow,
  profile: { id: string; platform: string },
  decision: Extract<PageDecision, { next: 'end' }>,
  minShare: number,
): Promise<ListRunEnd> {
  const verdict = decision.status === 'succeeded' ? judgeCompleteness(run.itemsSeen, run.expectedItems, minShare) : null;
  if (!verdict?.complete) {
    const outcome = verdict && !verdict.complete ? verdict.outcome : decision.outcome;
    const reason = verdict && !verdict.complete ? verdict.reason : decision.reason;
    await finishJobCall(tx, run.id, { status: 'partial', outcome, errorMessage: reason });
    return { status: 'partial', outcome, reason, unfollowed: 0, baseline: false };
  }
  const closed = await closeUnseenEdges(tx, list, { profileId: profile.id, platform: profile.platform, jobCallId: run.id });
  await finishJobCall(tx, run.id, {
    status: 'succeeded',
    outcome: decision.outcome,
    errorMessage: null,
    itemsLost: closed.unfollowed,
    baseline: closed.baseline,
  });
  return { status: 'succeeded', outcome: decision.outcome, reason: null, unfollowed: closed.unfollowed, baseline: closed.baseline };
}
