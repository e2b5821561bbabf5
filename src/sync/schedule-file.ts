// Schedule entries from the command line or a file (`schedule import`): CSV (csv-parse) or JSON,
// validated with zod into ScheduleSpec. A file with any bad row is refused whole, naming the rows.
import { parse as parseCsv } from 'csv-parse/sync';
import { z } from 'zod';
import { SCHEDULE_KINDS, type ScheduleKind } from '../db/queries/sync-schedules.ts';
import { UsageError } from '../errors.ts';
import { parseEvery, type ScheduleTiming, validateCron, validateTimezone } from './schedule-timing.ts';
import { HANDLE, normalizeUsername } from './usernames.ts';

/** A validated schedule entry, before it is stored. */
export interface ScheduleSpec {
  platform: string;
  /** Without a leading `@`; null when only the provider id is known. */
  username: string | null;
  /** The provider's user id (decimal string), when known: then it is the entry's identity. */
  extId: string | null;
  kinds: ScheduleKind[];
  timing: ScheduleTiming;
  enabled: boolean;
  priority: number;
}

/** Values a file row may leave out, taken from the command line (`schedule import --every 12h`). */
export interface ScheduleDefaults {
  platform: string;
  timing: ScheduleTiming;
  kinds: ScheduleKind[];
  priority: number;
}

/** The default when neither `--every` nor `--cron` is given: once a day. */
export const DEFAULT_TIMING: ScheduleTiming = { everySeconds: 86_400 };

const blankToUndefined = (v: unknown) => (v === null || (typeof v === 'string' && v.trim() === '') ? undefined : v);
const flag = z.preprocess((v) => {
  const b = blankToUndefined(v);
  if (typeof b !== 'string') return b;
  const t = b.trim().toLowerCase();
  return ['true', 'yes', 'y', '1'].includes(t) ? true : ['false', 'no', 'n', '0'].includes(t) ? false : b;
}, z.boolean().optional());
const text = z.preprocess(blankToUndefined, z.union([z.string(), z.number().transform(String)]).optional());

/** One row as found in a file (CSV columns or JSON keys); all optional except who. */
const fileRowSchema = z.object({
  username: text,
  id: text,
  ext_id: text,
  platform: text,
  every: text,
  cron: text,
  timezone: text,
  kinds: z.preprocess(blankToUndefined, z.union([z.string(), z.array(z.string())]).optional()),
  profile: flag,
  followers: flag,
  followings: flag,
  priority: z.preprocess(blankToUndefined, z.coerce.number().int().min(-1000).max(1000).optional()),
  enabled: flag,
});

/** Parses `profile,followers` (or an array) into canonical-order kinds. @throws UsageError */
export function parseKinds(input: string | readonly string[]): ScheduleKind[] {
  const items = (typeof input === 'string' ? input.split(/[,;\s]+/) : input).map((k) => k.trim().toLowerCase()).filter(Boolean);
  const unknown = items.filter((k) => !(SCHEDULE_KINDS as readonly string[]).includes(k));
  if (unknown.length) throw new UsageError(`unknown sync kind(s): ${unknown.join(', ')} (use ${SCHEDULE_KINDS.join(', ')})`);
  const kinds = SCHEDULE_KINDS.filter((k) => items.includes(k));
  if (kinds.length === 0) throw new UsageError('nothing to sync: choose at least one of profile, followers, followings');
  return kinds;
}

/**
 * Builds the timing from `every` or `cron` (+ timezone); neither = `fallback` (a fallback cron takes
 * `timezone` when one is given). @throws UsageError
 */
export function buildTiming(
  every: string | undefined,
  cron: string | undefined,
  timezone: string | undefined,
  fallback: ScheduleTiming,
): ScheduleTiming {
  if (every !== undefined && cron !== undefined) throw new UsageError('give either an interval (every) or a cron expression, not both');
  // A timezone beside an interval does nothing, but a misspelt one is still a mistake to report.
  if (timezone !== undefined) validateTimezone(timezone);
  if (every !== undefined) return { everySeconds: parseEvery(every) };
  if (cron !== undefined) {
    validateCron(cron, timezone ?? 'UTC');
    return { cron: cron.trim(), timezone: timezone ?? 'UTC' };
  }
  if (timezone !== undefined && fallback.cron !== undefined) {
    validateCron(fallback.cron, timezone);
    return { ...fallback, timezone };
  }
  return fallback;
}

/**
 * Builds one validated spec from loose fields (a file row or the command's options).
 * @throws UsageError naming the problem
 */
export function toSpec(row: z.infer<typeof fileRowSchema>, defaults: ScheduleDefaults): ScheduleSpec {
  const username = row.username === undefined ? null : normalizeUsername(row.username);
  if (username !== null && !HANDLE.test(username)) throw new UsageError(`invalid username "${row.username}"`);
  const idText = row.id ?? row.ext_id;
  const extId = idText === undefined ? null : idText.trim();
  if (extId !== null && !/^\d{1,30}$/.test(extId)) throw new UsageError(`invalid id "${idText}": a provider user id is digits only`);
  if (username === null && extId === null) throw new UsageError('each entry needs a username or an id');
  let kinds: string[] = row.kinds === undefined ? [...defaults.kinds] : parseKinds(row.kinds);
  for (const k of SCHEDULE_KINDS) {
    if (row[k] === true && !kinds.includes(k)) kinds.push(k);
    if (row[k] === false) kinds = kinds.filter((x) => x !== k);
  }
  return {
    platform: (row.platform ?? defaults.platform).toLowerCase(),
    username,
    extId,
    kinds: parseKinds(kinds),
    timing: buildTiming(row.every, row.cron, row.timezone, defaults.timing),
    enabled: row.enabled ?? true,
    priority: row.priority ?? defaults.priority,
  };
}

/** Rows of a CSV file: with a header naming columns (username, id, every, cron...), or one username per line. */
function csvRows(content: string): Array<{ line: number; row: Record<string, unknown> }> {
  const records = parseCsv(content, {
    skip_empty_lines: true,
    trim: true,
    relax_column_count: true,
    comment: '#',
    info: true,
  }) as unknown as Array<{
    record: string[];
    info: { lines: number };
  }>;
  if (records.length === 0) return [];
  const header = records[0]!.record.map((h) => h.toLowerCase().replace(/\s+/g, '_'));
  const hasHeader = header.some((h) => ['username', 'id', 'ext_id'].includes(h));
  const body = hasHeader ? records.slice(1) : records;
  return body.map(({ record, info }) => ({
    line: info.lines,
    row: hasHeader ? Object.fromEntries(header.map((h, i) => [h, record[i] ?? ''])) : { username: record[0] ?? '' },
  }));
}

/** Rows of a JSON file: an array of objects or of usernames, or `{ "schedules": [...] }`. */
function jsonRows(content: string): Array<{ line: number; row: Record<string, unknown> }> {
  let data: unknown;
  try {
    data = JSON.parse(content);
  } catch (err) {
    throw new UsageError(`the file is not valid JSON: ${(err as Error).message}`);
  }
  const list = Array.isArray(data) ? data : (data as { schedules?: unknown })?.schedules;
  if (!Array.isArray(list)) throw new UsageError('a JSON schedule file is an array of entries (or {"schedules": [...]})');
  return list.map((item, i) => ({ line: i + 1, row: typeof item === 'string' ? { username: item } : (item as Record<string, unknown>) }));
}

/**
 * Parses a schedule file into specs, deduplicated by identity (the last row for an account wins).
 * @param format `csv` or `json` (from the file extension or `--format`)
 * @throws UsageError listing up to 10 bad rows (`row 3: invalid interval "2x"`); nothing is imported then
 */
export function parseScheduleFile(
  content: string,
  format: 'csv' | 'json',
  defaults: ScheduleDefaults,
): { specs: ScheduleSpec[]; duplicates: number } {
  const rows = format === 'csv' ? csvRows(content) : jsonRows(content);
  const problems: string[] = [];
  const byTarget = new Map<string, ScheduleSpec>();
  for (const { line, row } of rows) {
    try {
      const parsed = fileRowSchema.safeParse(row && typeof row === 'object' ? row : {});
      if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => `${i.path.join('.') || 'entry'}: ${i.message}`).join('; '));
      const spec = toSpec(parsed.data, defaults);
      const key = `${spec.platform}\n${spec.extId !== null ? `id:${spec.extId}` : `username:${spec.username!.toLowerCase()}`}`;
      byTarget.delete(key); // last wins, and keeps the file's order of last occurrences
      byTarget.set(key, spec);
    } catch (err) {
      problems.push(`${format === 'csv' ? 'line' : 'entry'} ${line}: ${(err as Error).message}`);
    }
  }
  if (problems.length) {
    const more = problems.length > 10 ? ` (and ${problems.length - 10} more)` : '';
    throw new UsageError(`nothing imported, ${problems.length} bad row(s): ${problems.slice(0, 10).join('; ')}${more}`);
  }
  return { specs: [...byTarget.values()], duplicates: rows.length - byTarget.size };
}
