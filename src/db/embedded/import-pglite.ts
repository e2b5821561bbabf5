// `sm-core db import-pglite`: moves the data of the previous embedded default (PGlite, in
// SM_DATA_DIR/pgdata) into the embedded server's `sm_core` database (docs/database.md).
// PGlite is no dependency any more: the user installs it for this once (`npm install --no-save`).
import { existsSync, renameSync } from 'node:fs';
import path from 'node:path';
import { EMBEDDED_DATABASE } from '../../config.ts';
import { DatabaseError } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import type { Queryable } from '../database.ts';
import { migrate } from '../migrate.ts';
import { copyTables, nonEmptyTables, type TableCopy } from '../queries/table-copy.ts';
import { openServerDatabase } from '../server.ts';
import { attachEmbeddedServer } from './attach.ts';
import { embeddedConnectionString } from './open.ts';

/** The PGlite release the previous sm-core wrote its data with. */
export const PGLITE_VERSION = '0.5.17';

/** What an import did. */
export interface PgliteImport {
  copied: TableCopy[];
  /** Where the PGlite folder was moved once copied. */
  movedTo: string;
}

interface PgliteHandle {
  source: Queryable;
  close(): Promise<void>;
}

/** Opens the PGlite folder read for copying. @throws DatabaseError when PGlite is not installed */
async function openPglite(dir: string): Promise<PgliteHandle> {
  const load = (name: string) => import(name) as Promise<Record<string, never>>;
  let mods: Array<Record<string, never>>;
  try {
    mods = await Promise.all([
      load('@electric-sql/pglite'),
      load('@electric-sql/pglite/contrib/pg_trgm'),
      load('@electric-sql/pglite/contrib/unaccent'),
    ]);
  } catch {
    throw new DatabaseError(
      `reading ${dir} needs PGlite, which sm-core no longer ships: run \`npm install --no-save @electric-sql/pglite@${PGLITE_VERSION}\`, then this command again`,
    );
  }
  const [{ PGlite }, { pg_trgm }, { unaccent }] = mods as unknown as [
    {
      PGlite: {
        create(
          o: unknown,
        ): Promise<{ query(t: string, p?: unknown[]): Promise<{ rows: never[]; affectedRows?: number }>; close(): Promise<void> }>;
      };
    },
    { pg_trgm: unknown },
    { unaccent: unknown },
  ];
  const pglite = await PGlite.create({ dataDir: dir, extensions: { pg_trgm, unaccent } });
  return {
    source: {
      query: async (text, params) => {
        const res = await pglite.query(text, params as unknown[] | undefined);
        return { rows: res.rows, rowCount: Math.max(res.affectedRows ?? 0, res.rows.length) };
      },
    },
    close: () => pglite.close(),
  };
}

/**
 * Copies every sm-core table of the PGlite folder `<dataDir>/pgdata` into the embedded server's
 * `sm_core` database (created and migrated first), then renames the folder to
 * `pgdata.imported-<YYYY-MM-DD>`. pg-boss jobs are not moved.
 * @throws DatabaseError when there is no such folder, PGlite is not installed, or `sm_core` already
 *   holds data (nothing is copied then)
 */
export async function importPglite(dataDir: string, idleSeconds: number, logger: Logger): Promise<PgliteImport> {
  const dir = path.join(dataDir, 'pgdata');
  if (!existsSync(path.join(dir, 'PG_VERSION'))) throw new DatabaseError(`no PGlite data in ${dir}: nothing to import`);
  const pglite = await openPglite(dir);
  try {
    const server = await attachEmbeddedServer(dataDir, { idleSeconds, allowLegacyData: true });
    const db = await openServerDatabase(embeddedConnectionString(server.state.socketDir, server.state.port, EMBEDDED_DATABASE), logger, {
      kind: 'embedded',
      label: `embedded (${dataDir}, database ${EMBEDDED_DATABASE})`,
      createIfMissing: true,
      onClose: server.release,
    });
    try {
      await migrate(db);
      const busy = await nonEmptyTables(db);
      if (busy.length) {
        throw new DatabaseError(
          `the embedded database already holds data (${busy.join(', ')}): import into a fresh SM_DATA_DIR (move ${dir} there)`,
        );
      }
      const copied = await db.transaction((tx) => copyTables(pglite.source, tx));
      const movedTo = `${dir}.imported-${new Date().toISOString().slice(0, 10)}`;
      await pglite.close();
      renameSync(dir, movedTo);
      return { copied, movedTo };
    } finally {
      await db.close();
    }
  } finally {
    await pglite.close().catch(() => {});
  }
}
