// The completeness gate of a list run (issue 4 §2, issue 13 §1; docs/history.md "Completeness"). A
// run is complete only when its pagination ended normally, the list's size it is checked against
// was read fresh (in the profile run that started it, or at most SM_COUNT_MAX_AGE_MINUTES before it
// was created) AND the distinct accounts it saw (quarantined records included) reach
// SM_COMPLETENESS_MIN_SHARE of that size. Only a complete run may turn unseen edges into unfollows;
// it also becomes the profile's baseline when it is the first one. A first page that comes back
// empty for an account that has followers ends the run as `private` or `restricted` (issue 13 §3).
import type { Queryable } from '../db/database.ts';
import { closeUnseenEdges, type EdgeList } from '../db/queries/edges.ts';
import { finishJobCall, type JobCallRow } from '../db/queries/job-calls.ts';
import type { PageDecision } from './pagination.ts';

/**
 * Why a run whose pagination ended normally still is not complete:
 * - `short_list`: it saw fewer accounts than the share of the expected count (providers and
 *   Instagram cut long lists short without saying so: a "last page" after a few thousand users);
 * - `unknown_count`: the profile had no count to check against (sync the profile first);
 * - `stale_count`: the count was read too long before the run (SM_COUNT_MAX_AGE_MINUTES): the
 *   account may have grown since, so a short list could pass for a complete one.
 */
export type CompletenessOutcome = 'short_list' | 'unknown_count' | 'stale_count';

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

/**
 * Judges whether the run's expected count is fresh enough to judge unfollows by: read when the run
 * was created (the profile run that chained it commits the count and the run together) or at most
 * `maxAgeMinutes` before. A count with no read time (stored before sql/0011) is stale.
 * @returns null when fresh, else the `stale_count` verdict
 */
export function judgeCountAge(
  run: Pick<JobCallRow, 'expectedItems' | 'expectedItemsAt' | 'createdAt'>,
  maxAgeMinutes: number,
): Extract<CompletenessVerdict, { complete: false }> | null {
  if (run.expectedItems === null) return null;
  const ageMinutes = run.expectedItemsAt ? (run.createdAt.getTime() - run.expectedItemsAt.getTime()) / 60_000 : null;
  if (ageMinutes !== null && ageMinutes <= maxAgeMinutes) return null;
  const age = ageMinutes === null ? 'at an unknown time' : `${formatAge(ageMinutes)} before this run`;
  return {
    complete: false,
    outcome: 'stale_count',
    reason:
      `the follower count ${run.expectedItems.toLocaleString('en-US')} was read ${age} (SM_COUNT_MAX_AGE_MINUTES=${maxAgeMinutes}): ` +
      'new followers recorded, nobody marked unfollowed (sync the profile first, e.g. sync-profile --followers)',
    share: null,
  };
}

function formatAge(minutes: number): string {
  if (minutes < 120) return `${Math.round(minutes)} min`;
  if (minutes < 2_880) return `${Math.round(minutes / 60)} h`;
  return `${Math.round(minutes / 1_440)} days`;
}

/** Why a list could not be read although the provider answered: the account is private, or the list is restricted. */
export interface UnreadableList {
  outcome: 'private' | 'restricted';
  reason: string;
}

/**
 * A list that came back empty on the first page with no more pages, from an account that has
 * followers (or is private): Instagram hides the list (a private account not followed by the
 * viewer; a restricted one). The run ends with that outcome (exit 9), its edges untouched, rather
 * than as a short list.
 * @param f the page and the run after it (`seenInRun` counts every account the run saw, this page included)
 * @returns the outcome, or null when the list was read normally
 */
export function judgeUnreadableList(f: {
  page: number;
  users: number;
  quarantined: number;
  seenInRun: number;
  ended: PageDecision;
  isPrivate: boolean;
  expected: number | null;
  noun: string;
}): UnreadableList | null {
  if (f.page !== 1 || f.users > 0 || f.quarantined > 0 || f.seenInRun > 0) return null;
  if (f.ended.next !== 'end' || f.ended.status !== 'succeeded') return null;
  if (f.isPrivate) {
    return { outcome: 'private', reason: `the account is private: the provider returned an empty ${f.noun} list (nothing changed)` };
  }
  if (f.expected !== null && f.expected > 0) {
    return {
      outcome: 'restricted',
      reason:
        `the ${f.noun} list came back empty although the profile counts ${f.expected.toLocaleString('en-US')}: ` +
        'the account restricts its list (nothing changed)',
    };
  }
  return null;
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

/** The gate's settings (SM_COMPLETENESS_MIN_SHARE, SM_COUNT_MAX_AGE_MINUTES). */
export interface GateSettings {
  minShare: number;
  countMaxAgeMinutes: number;
}

/**
 * Judges a run whose pagination ended normally: an unknown count, then a stale one
 * ({@link judgeCountAge}), then the share ({@link judgeCompleteness}) of the accounts it saw. Records
 * it set aside in quarantine count as seen (they were on the list).
 */
export function judgeListRun(run: JobCallRow, gate: GateSettings): CompletenessVerdict {
  const seen = run.itemsSeen + run.quarantined;
  if (run.expectedItems === null) return judgeCompleteness(seen, null, gate.minShare);
  return judgeCountAge(run, gate.countMaxAgeMinutes) ?? judgeCompleteness(seen, run.expectedItems, gate.minShare);
}

/**
 * Ends a list run after its last page, inside the page's transaction: applies the gate
 * ({@link judgeListRun}) to a run whose pagination ended normally; a complete run closes the edges
 * it did not see (set-based, one statement) and may become the baseline; any other end only records
 * its status. The verdict goes to `summary.completeness` (complete, short_list, unknown_count,
 * stale_count, or the pagination outcome).
 * @param run the run as updated by this page (items_seen includes the page)
 */
export async function finishListRun(
  tx: Queryable,
  list: EdgeList,
  run: JobCallRow,
  profile: { id: string; platform: string },
  decision: Extract<PageDecision, { next: 'end' }>,
  gate: GateSettings,
): Promise<ListRunEnd> {
  const verdict = decision.status === 'succeeded' ? judgeListRun(run, gate) : null;
  if (!verdict?.complete) {
    const outcome = verdict && !verdict.complete ? verdict.outcome : decision.outcome;
    const reason = verdict && !verdict.complete ? verdict.reason : decision.reason;
    await finishJobCall(tx, run.id, { status: 'partial', outcome, errorMessage: reason, summary: { completeness: outcome } });
    return { status: 'partial', outcome, reason, unfollowed: 0, baseline: false };
  }
  const closed = await closeUnseenEdges(tx, list, { profileId: profile.id, platform: profile.platform, jobCallId: run.id });
  await finishJobCall(tx, run.id, {
    status: 'succeeded',
    outcome: decision.outcome,
    errorMessage: null,
    itemsLost: closed.unfollowed,
    baseline: closed.baseline,
    summary: { completeness: 'complete' },
  });
  return { status: 'succeeded', outcome: decision.outcome, reason: null, unfollowed: closed.unfollowed, baseline: closed.baseline };
}
