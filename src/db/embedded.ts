// Database seam over PGlite: an embedded PostgreSQL kept in a data directory, one process at a time.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PGlite, types } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import { fromPglite } from 'pg-boss';
import { DatabaseError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { toBossDb, type Database, type Queryable } from './database.ts';

const LOCK_FILE = 'sm-core.lock';

/** Returns true when a process with this pid exists. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the data directory's lock file (`<dir>/sm-core.lock`, holding the owner's pid); a stale lock
 * of a dead process is taken over.
 * @throws DatabaseError when a live process holds it
 */
function acquireLock(dataDir: string): () => void {
  const file = path.join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new DatabaseError(
          `the embedded database in ${dataDir} is in use by process ${pid}; it serves one process at a time. ` +
            'Stop that process, or set DATABASE_URL to use a PostgreSQL server for several processes (worker + enqueue).',
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new DatabaseError(`cannot lock the embedded database in ${dataDir}`);
}

/**
 * Opens (creating when absent) the PGlite database in `dataDir`, with the pg_trgm and unaccent
 * extensions available. int8 and numeric come back as strings, as with node-postgres.
 * @throws DatabaseError when another live process holds the directory
 */
export async function openEmbeddedDatabase(dataDir: string, logger: Logger): Promise<Database> {
  mkdirSync(dataDir, { recursive: true });
  const release = acquireLock(dataDir);
  let pglite: PGlite;
  try {
    pglite = await PGlite.create({
      dataDir: path.join(dataDir, 'pgdata'),
      extensions: { pg_trgm, unaccent },
      parsers: { [types.INT8]: (v: string) => v, [types.NUMERIC]: (v: string) => v },
    });
  } catch (err) {
    release();
    throw new DatabaseError(`cannot open the embedded database in ${dataDir}: ${(err as Error).message}`, { cause: err });
  }
  logger.debug({ dataDir }, 'embedded database open');
  const query: Queryable['query'] = async (text, params) => {
    const res = await pglite.query(text, params as unknown[] | undefined);
    return { rows: res.rows as never[], rowCount: Math.max(res.affectedRows ?? 0, res.rows.length) };
  };
  const bossAdapter = fromPglite(pglite);
  return {
    kind: 'embedded',
    label: `embedded (${dataDir})`,
    query,
    async exec(sql) {
      await pglite.exec(sql);
    },
    transaction: (fn) =>
      pglite.transaction(async (tx) =>
        fn({
          query: async (text, params) => {
            const res = await tx.query(text, params as unknown[] | undefined);
            return { rows: res.rows as never[], rowCount: Math.max(res.affectedRows ?? 0, res.rows.length) };
          },
          exec: async (sql) => {
            await tx.exec(sql);
          },
        }),
      ),
    bossDb: (tx) => (tx ? toBossDb(tx) : (bossAdapter as never)),
    async close() {
      try {
        await pglite.close();
      } finally {
        release();
      }
    },
  };
}
