// What the history commands (`show`, `followers`) share: finding a stored profile by username or
// id (with a hint when the name belongs to a renamed account), and the new/lost window.
import type { Queryable } from '../db/database.ts';
import { listEdgeEvents, sincePreviousCompleteRun, type EdgeEventRow, type EventFilter } from '../db/queries/edge-events.ts';
import type { EdgeList } from '../db/queries/edges.ts';
import { findProfile, type ProfileRow } from '../db/queries/profiles.ts';
import { findRenamedTo } from '../db/queries/username-history.ts';
import { AppError, EXIT } from '../errors.ts';
import type { ProfileQuery } from '../providers/types.ts';

/**
 * The stored profile for `lookup`.
 * @throws AppError (exit 8) when none is stored, saying how to sync it or what an old name became
 */
export async function requireStoredProfile(q: Queryable, lookup: ProfileQuery): Promise<ProfileRow> {
  const found = await findProfile(q, lookup);
  if (found) return found;
  if ('username' in lookup) {
    const renamed = await findRenamedTo(q, lookup.username);
    if (renamed) {
      throw new AppError(`@${lookup.username} is stored under its new name @${renamed}: run the command with ${renamed}`, EXIT.notFound);
    }
    throw new AppError(
      `@${lookup.username} is not stored yet: run \`sm-core sync-profile ${lookup.username} --followers\` first`,
      EXIT.notFound,
    );
  }
  throw new AppError(
    `no profile with id ${lookup.id} is stored yet: run \`sm-core sync-profile --id ${lookup.id} --followers\` first`,
    EXIT.notFound,
  );
}

/** Which window `--new` / `--lost` look at. */
export interface ChangeScope {
  /** Explicit window (`--since`, `--until`). */
  since: Date | null;
  until: Date | null;
  /** Events of runs after this complete run (the default: since the previous complete run). */
  afterRunId: string | null;
  /** Human description of the window. */
  label: string;
}

/**
 * The window of `--new`/`--lost`: the explicit dates, or (default) since the previous complete run
 * of the list: the newest complete run and anything after it.
 */
export async function changeScope(
  q: Queryable,
  list: EdgeList,
  profileId: string,
  since: Date | null,
  until: Date | null,
): Promise<ChangeScope> {
  if (since || until) {
    const label = `${since ? `since ${since.toISOString()}` : ''}${since && until ? ' ' : ''}${until ? `until ${until.toISOString()}` : ''}`;
    return { since, until, afterRunId: null, label };
  }
  const s = await sincePreviousCompleteRun(q, list, profileId);
  const label = s.previous
    ? `since the previous complete run (run ${s.previous.id}, ${s.previous.finishedAt.toISOString()})`
    : s.latest
      ? `since the baseline (run ${s.latest.id}, ${s.latest.finishedAt.toISOString()})`
      : 'no complete run yet';
  return { since: null, until: null, afterRunId: s.previous?.id ?? null, label };
}

/** Every event of `filter` in `scope`, oldest first, at most `max` (with `more` when there are further ones). */
export async function loadChanges(
  q: Queryable,
  list: EdgeList,
  profileId: string,
  filter: EventFilter,
  scope: ChangeScope,
  max: number,
): Promise<{ rows: EdgeEventRow[]; more: boolean }> {
  const page = await listEdgeEvents(q, list, profileId, filter, scope, { limit: max + 1 });
  return { rows: page.rows.slice(0, max), more: page.rows.length > max };
}
