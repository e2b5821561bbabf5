// `sm-core show <username>`: the profile card, its growth over recent snapshots (sparklines), and its
// new and lost followers since the previous complete run (docs/history.md).
import type { Database } from '../db/database.ts';
import type { EdgeEventRow } from '../db/queries/edge-events.ts';
import { countActiveEdges } from '../db/queries/edges.ts';
import { findUsernameMiss } from '../db/queries/job-calls.ts';
import { listRunReports, runCompleteness } from '../db/queries/run-reports.ts';
import { listProfileSnapshots, type ProfileSnapshotRow } from '../db/queries/profile-snapshots.ts';
import { listUsernameChanges } from '../db/queries/username-history.ts';
import type { ProfileQuery } from '../providers/types.ts';
import { changeScope, loadChanges, requireStoredProfile } from './history-lookup.ts';
import { printJson, printLine } from './output.ts';
import { printProfileTable, profileToJson } from './run-summary.ts';
import { sparkline } from './sparkline.ts';

/** Options of `show`. */
export interface ShowOptions {
  /** Snapshots in the growth chart (newest). */
  snapshots: number;
  /** Names listed per side (new, lost) before "and N more". */
  names: number;
  json: boolean;
}

const n = (v: number | null) => (v === null ? '?' : v.toLocaleString('en-US'));
const pct = (v: number | null) => (v === null ? '' : `${(Math.round(v * 10_000) / 100).toString()}%`);

function growthLine(label: string, snaps: ProfileSnapshotRow[], pick: (s: ProfileSnapshotRow) => number | null): string {
  const values = snaps.map(pick);
  const known = values.filter((v): v is number => v !== null);
  if (known.length === 0) return `  ${label.padEnd(10)} (no data)`;
  const first = known[0]!;
  const last = known[known.length - 1]!;
  const delta = last - first;
  return `  ${label.padEnd(10)} ${sparkline(values)}  ${n(first)} -> ${n(last)} (${delta >= 0 ? '+' : ''}${delta.toLocaleString('en-US')})`;
}

function names(rows: EdgeEventRow[], more: boolean): string {
  if (rows.length === 0) return 'none';
  return `${rows.map((r) => `@${r.username}`).join(', ')}${more ? ', ...' : ''}`;
}

/** Prints the report for `lookup` (table for people, JSON for machines). @throws AppError (exit 8) when not stored */
export async function showProfile(db: Database, lookup: ProfileQuery, opts: ShowOptions): Promise<void> {
  const profile = await requireStoredProfile(db, lookup);
  const [snaps, stored, renames, [latestRun], miss] = await Promise.all([
    listProfileSnapshots(db, profile.id, opts.snapshots),
    countActiveEdges(db, 'followers', profile.id),
    listUsernameChanges(db, profile.extId, profile.platform),
    listRunReports(db, { profileId: profile.id, kind: 'followers', limit: 1 }),
    findUsernameMiss(db, profile.id, profile.lastSyncedAt),
  ]);
  const scope = await changeScope(db, 'followers', profile.id, null, null);
  const [gained, lost] = await Promise.all([
    loadChanges(db, 'followers', profile.id, 'gained', scope, opts.names),
    loadChanges(db, 'followers', profile.id, 'lost', scope, opts.names),
  ]);
  if (opts.json) {
    const who = (r: EdgeEventRow) => ({
      ext_id: r.extId,
      username: r.username,
      event: r.event,
      at: r.occurredAt.toISOString(),
      run_id: r.runId,
    });
    printJson({
      profile: {
        ...profileToJson(profile),
        engagement_rate: profile.engagementRate,
        not_found_at: profile.notFoundAt?.toISOString() ?? null,
      },
      username_not_found: miss ? { username: miss.username, at: miss.at.toISOString(), run_id: miss.runId } : null,
      followers_stored: stored,
      followers_baseline_at: profile.followersBaselineAt?.toISOString() ?? null,
      former_usernames: renames.map((r) => r.oldUsername),
      snapshots: snaps.map((s) => ({
        captured_at: s.capturedAt.toISOString(),
        followers_count: s.followersCount,
        follows_count: s.followsCount,
        posts_count: s.postsCount,
        engagement_rate: s.engagementRate,
        engagement_formula: s.engagementFormula,
      })),
      changes: { window: scope.label, new: gained.rows.map(who), new_more: gained.more, lost: lost.rows.map(who), lost_more: lost.more },
      latest_followers_run: latestRun
        ? {
            run_id: latestRun.id,
            status: latestRun.status,
            outcome: latestRun.outcome,
            seen: latestRun.itemsSeen,
            expected: latestRun.expectedItems,
          }
        : null,
    });
    return;
  }
  await printProfileTable(profile, [
    ['engagement', profile.engagementRate === null ? 'n/a (no posts visible)' : pct(profile.engagementRate)],
    [
      'followers stored',
      `${n(stored)}${profile.followersBaselineAt ? ` (baseline ${profile.followersBaselineAt.toISOString()})` : ' (no complete run yet)'}`,
    ],
    ...(renames.length ? [['formerly', renames.map((r) => `@${r.oldUsername}`).join(', ')] as [string, string]] : []),
    ...(profile.notFoundAt ? [['not found', `since ${profile.notFoundAt.toISOString()}`] as [string, string]] : []),
    ...(miss
      ? [
          [
            'username lookup',
            `@${miss.username} not found ${miss.at.toISOString()} (run ${miss.runId}); account not flagged, ` +
              `it may have been renamed: sm-core sync-profile --id ${profile.extId}`,
          ] as [string, string],
        ]
      : []),
  ]);
  if (snaps.length > 0) {
    printLine(
      `growth (${snaps.length} snapshot${snaps.length === 1 ? '' : 's'}, ${snaps[0]!.capturedAt.toISOString()} to ${snaps[snaps.length - 1]!.capturedAt.toISOString()}):`,
    );
    printLine(growthLine('followers', snaps, (s) => s.followersCount));
    printLine(growthLine('following', snaps, (s) => s.followsCount));
    printLine(growthLine('posts', snaps, (s) => s.postsCount));
  } else printLine('growth: no snapshots yet (every `sm-core sync-profile` adds one)');
  printLine(`followers ${scope.label}:`);
  printLine(`  new:  ${names(gained.rows, gained.more)}`);
  printLine(`  lost: ${names(lost.rows, lost.more)}`);
  if (gained.more || lost.more) printLine(`  (all of them: sm-core followers ${profile.username} --new | --lost)`);
  if (latestRun) {
    const share = runCompleteness(latestRun);
    printLine(
      `latest followers run: ${latestRun.id} ${latestRun.status}${latestRun.outcome ? ` (${latestRun.outcome})` : ''}, ` +
        `${n(latestRun.itemsSeen)} of ${n(latestRun.expectedItems)} seen${share === null ? '' : ` (${pct(share)})`}` +
        `${latestRun.baseline ? ', baseline' : ''}`,
    );
  } else printLine(`no followers run yet: sm-core sync-followers ${profile.username}`);
}
