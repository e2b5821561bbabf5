// Schema migrations: numbered plain SQL files in sql/, applied in order, one transaction each,
// serialised by an advisory lock, recorded in sm_migrations. Forward-only.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SchemaVersionError } from '../errors.ts';
import type { Database, Queryable } from './database.ts';

/** Directory holding the migration files (shipped with the package). */
export const SQL_DIR = fileURLToPath(new URL('../../sql/', import.meta.url));

/** `0001_init.sql` -> id 1, name `init`. Anything else in sql/ (README.md) is ignored. */
const FILE_PATTERN = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** Arbitrary constant key for pg_advisory_xact_lock: "sm-core migrate". */
const MIGRATE_LOCK_KEY = 727_001;

/** A migration file known to this code. */
export interface MigrationFile {
  id: number;
  name: string;
  file: string;
}

/** One row of `migrate --status`. */
export interface MigrationStatus {
  id: number;
  name: string;
  /** null when pending. */
  appliedAt: Date | null;
  /** true when the database has it but this code does not (the database is ahead). */
  unknown: boolean;
}

/** Lists migration files in `dir`, sorted by id. @throws Error on a duplicated id */
export function listMigrationFiles(dir = SQL_DIR): MigrationFile[] {
  const files = readdirSync(dir)
    .map((f) => ({ f, m: FILE_PATTERN.exec(f) }))
    .filter((x): x is { f: string; m: RegExpExecArray } => x.m !== null)
    .map(({ f, m }) => ({ id: Number(m[1]), name: m[2]!, file: path.join(dir, f) }))
    .sort((a, b) => a.id - b.id);
  for (let i = 1; i < files.length; i++) {
    if (files[i]!.id === files[i - 1]!.id) throw new Error(`two migrations share id ${files[i]!.id} in ${dir}`);
  }
  return files;
}

const BOOTSTRAP = `CREATE TABLE IF NOT EXISTS sm_migrations (
  id integer PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

async function appliedRows(q: Queryable): Promise<Array<{ id: number; name: string; applied_at: Date }>> {
  const exists = await q.query<{ t: string | null }>(`SELECT to_regclass('sm_migrations')::text AS t`);
  if (!exists.rows[0]?.t) return [];
  const res = await q.query<{ id: number; name: string; applied_at: Date }>('SELECT id, name, applied_at FROM sm_migrations ORDER BY id');
  return res.rows;
}

/** Applied and pending migrations, plus unknown ones the database has and this code lacks. */
export async function migrationStatus(db: Queryable, dir = SQL_DIR): Promise<MigrationStatus[]> {
  const files = listMigrationFiles(dir);
  const applied = new Map((await appliedRows(db)).map((r) => [Number(r.id), r]));
  const out: MigrationStatus[] = files.map((f) => ({
    id: f.id,
    name: f.name,
    appliedAt: applied.get(f.id)?.applied_at ?? null,
    unknown: false,
  }));
  for (const [id, r] of applied) {
    if (!files.some((f) => f.id === id)) out.push({ id, name: r.name, appliedAt: r.applied_at, unknown: true });
  }
  return out.sort((a, b) => a.id - b.id);
}

function refuseUnknown(status: MigrationStatus[]): void {
  const unknown = status.filter((s) => s.unknown);
  if (unknown.length) {
    throw new SchemaVersionError(
      `the database has migrations this sm-core does not know (${unknown.map((u) => `${u.id}_${u.name}`).join(', ')}); upgrade sm-core before running it against this database`,
    );
  }
}

/**
 * Applies every pending migration, each in its own transaction under an advisory lock, and
 * returns the ids applied (empty when up to date). Safe to run from several processes at once:
 * the loser of a race waits on the lock, then sees the migration recorded and skips it.
 * @throws SchemaVersionError when the database is ahead of the code
 */
export async function migrate(db: Database, dir = SQL_DIR): Promise<number[]> {
  const status = await migrationStatus(db, dir);
  refuseUnknown(status);
  // Up to date (every start on the embedded server): one query, no transaction per file.
  const known = new Set(status.filter((s) => s.appliedAt).map((s) => s.id));
  const applied: number[] = [];
  for (const file of listMigrationFiles(dir).filter((f) => !known.has(f.id))) {
    const done = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATE_LOCK_KEY]);
      await tx.exec(BOOTSTRAP);
      const seen = await tx.query('SELECT 1 FROM sm_migrations WHERE id = $1', [file.id]);
      if (seen.rowCount > 0) return false;
      await tx.exec(readFileSync(file.file, 'utf8'));
      await tx.query('INSERT INTO sm_migrations (id, name) VALUES ($1, $2)', [file.id, file.name]);
      return true;
    });
    if (done) applied.push(file.id);
  }
  return applied;
}

/**
 * Checks the schema is exactly what this code expects.
 * @throws SchemaVersionError when migrations are pending (run `sm-core migrate`) or unknown ones exist
 */
export async function assertSchemaCurrent(db: Queryable, dir = SQL_DIR): Promise<void> {
  const status = await migrationStatus(db, dir);
  refuseUnknown(status);
  const pending = status.filter((s) => !s.appliedAt);
  if (pending.length) {
    throw new SchemaVersionError(`the database schema is behind: ${pending.length} migration(s) pending; run \`sm-core migrate\``);
  }
}
