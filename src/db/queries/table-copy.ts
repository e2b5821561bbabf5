// Copying sm-core's tables row for row from one database to another with the same (or a newer)
// schema: `sm-core db import-pglite` moves the previous PGlite default's data into the embedded
// server. Table and column names come from the target's catalog and are quoted as identifiers;
// every value travels as a bound jsonb parameter.
import type { Queryable, Transaction } from '../database.ts';
import { countFromInt8 } from '../int8.ts';

/** Rows read and written per statement. */
const BATCH_ROWS = 1000;

/** One table copied. */
export interface TableCopy {
  table: string;
  rows: number;
}

/** Quotes an identifier as PostgreSQL's quote_ident does. */
function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** sm-core's tables in schema public (pg-boss's own schema and the migration ledger excluded), by name. */
export async function listTables(db: Queryable): Promise<string[]> {
  const res = await db.query<{ t: string }>(
    `SELECT table_name AS t FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'sm_migrations' ORDER BY 1`,
  );
  return res.rows.map((r) => r.t);
}

/** Columns of `table` that can be written (generated columns are computed again by the target). */
async function writableColumns(db: Queryable, table: string): Promise<string[]> {
  const res = await db.query<{ c: string }>(
    `SELECT column_name AS c FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name = $1 AND is_generated = 'NEVER' ORDER BY ordinal_position`,
    [table],
  );
  return res.rows.map((r) => r.c);
}

/** Tables of `db` holding at least one row. */
export async function nonEmptyTables(db: Queryable): Promise<string[]> {
  const out: string[] = [];
  for (const table of await listTables(db)) {
    const res = await db.query(`SELECT 1 FROM ${ident(table)} LIMIT 1`);
    if (res.rowCount > 0) out.push(table);
  }
  return out;
}

/**
 * Copies every table the source and target share, in one target transaction with foreign-key
 * triggers off (session_replication_role = replica: the source already satisfied them; needs a
 * superuser, which the embedded server's `postgres` is). Columns only the target has keep their
 * defaults; identity values are kept (OVERRIDING SYSTEM VALUE) and every sequence is set past the
 * largest copied id.
 * @returns rows copied per table
 * @throws the driver's error; the target transaction rolls back whole
 */
export async function copyTables(source: Queryable, target: Transaction): Promise<TableCopy[]> {
  const sourceTables = new Set(await listTables(source));
  const out: TableCopy[] = [];
  await target.query(`SET LOCAL session_replication_role = replica`);
  for (const table of await listTables(target)) {
    if (!sourceTables.has(table)) continue;
    const have = new Set(await writableColumns(source, table));
    const columns = (await writableColumns(target, table)).filter((c) => have.has(c));
    const list = columns.map(ident).join(', ');
    let rows = 0;
    for (let offset = 0; ; offset += BATCH_ROWS) {
      const batch = await source.query<{ r: unknown }>(`SELECT to_jsonb(t) AS r FROM ${ident(table)} t ORDER BY ctid LIMIT $1 OFFSET $2`, [
        BATCH_ROWS,
        offset,
      ]);
      if (batch.rows.length === 0) break;
      await target.query(
        `INSERT INTO ${ident(table)} (${list}) OVERRIDING SYSTEM VALUE
         SELECT ${list} FROM jsonb_populate_recordset(NULL::${ident(table)}, $1::jsonb)`,
        [JSON.stringify(batch.rows.map((b) => b.r))],
      );
      rows += batch.rows.length;
    }
    for (const column of columns) {
      // Serial and identity columns: the next id must come after the copied ones.
      const seq = await target.query<{ seq: string | null }>('SELECT pg_get_serial_sequence($1, $2) AS seq', [ident(table), column]);
      if (!seq.rows[0]?.seq) continue;
      await target.query(
        `SELECT setval($1::regclass, greatest(max_id, 1), max_id IS NOT NULL)
           FROM (SELECT max(${ident(column)})::bigint AS max_id FROM ${ident(table)}) m`,
        [seq.rows[0].seq],
      );
    }
    out.push({ table, rows });
  }
  return out;
}

/** Row count of `table` (for reports and tests). */
export async function countRows(db: Queryable, table: string): Promise<number> {
  const res = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${ident(table)}`);
  return countFromInt8(res.rows[0]?.n) ?? 0;
}
