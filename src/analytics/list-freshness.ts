// What the analyses (`mutuals`, `overlap`, `audience`: CLI and HTTP API) say about the lists they
// judge: the last complete run of each, and a refusal (exit 12, HTTP 409) when a list never
// completed, since a partial list would make every figure wrong.
import type { Queryable } from '../db/database.ts';
import { listCompleteRuns } from '../db/queries/edge-events.ts';
import type { EdgeList } from '../db/queries/edges.ts';
import { AppError, EXIT } from '../errors.ts';

/** The stored profile an analysis describes: the CLI finds it by username or id, the API by its path. */
export interface AnalyzedProfile {
  /** social_profiles row id. */
  id: string;
  platform: string;
  /** The platform's account id, a string. */
  extId: string;
  username: string;
}

/** The profile as printed in --json output and API bodies. */
export function profileJson(p: AnalyzedProfile): { platform: string; ext_id: string; username: string } {
  return { platform: p.platform, ext_id: p.extId, username: p.username };
}

/** The last complete (succeeded) run of a list: the state the figures describe. */
export interface ListFreshness {
  runId: string;
  finishedAt: Date;
}

/** The same, as printed in --json output. */
export function freshnessJson(f: ListFreshness): { run_id: string; finished_at: string } {
  return { run_id: f.runId, finished_at: f.finishedAt.toISOString() };
}

/** `run 12, 2026-12-04T10:00:00.000Z (3h ago)`: for tables. */
export function freshnessText(f: ListFreshness, now = Date.now()): string {
  const hours = (now - f.finishedAt.getTime()) / 3_600_000;
  const age =
    hours < 1
      ? `${Math.max(0, Math.round(hours * 60))} min ago`
      : hours < 48
        ? `${Math.round(hours)} h ago`
        : `${Math.round(hours / 24)} days ago`;
  return `run ${f.runId}, ${f.finishedAt.toISOString()} (${age})`;
}

const SYNC_COMMAND: Record<EdgeList, string> = { followers: 'sync-followers', followings: 'sync-followings' };

/**
 * The last complete run of `profile`'s `list`.
 * @throws AppError (exit 12) when the list has never completed, naming the command that syncs it
 */
export async function requireCompleteList(q: Queryable, profile: AnalyzedProfile, list: EdgeList, why: string): Promise<ListFreshness> {
  const [last] = await listCompleteRuns(q, list, profile.id, 1);
  if (last) return { runId: last.id, finishedAt: last.finishedAt };
  throw new AppError(
    `@${profile.username}'s ${list} list has never been synced completely, so ${why} cannot be judged: ` +
      `run \`sm-core ${SYNC_COMMAND[list]} ${profile.username}\` first`,
    EXIT.noCompleteList,
  );
}
