// The Database seam over the embedded server: attach (starting it when needed), then the same
// pg Pool as for any server. One code path: queries, pg-boss, LISTEN/NOTIFY and advisory locks
// behave exactly as on a configured server.
import type { DatabaseTarget } from '../../config.ts';
import type { Logger } from '../../logger.ts';
import type { Database } from '../database.ts';
import { openServerDatabase } from '../server.ts';
import { attachEmbeddedServer } from './attach.ts';

/** Where the embedded default keeps data: SM_DATA_DIR (absolute), which database, the idle time (s). */
export type EmbeddedTarget = Extract<DatabaseTarget, { kind: 'embedded' }>;

/**
 * The connection string of database `database` on the embedded server whose socket is in
 * `socketDir`: user postgres over the Unix socket (trust: only this OS user and root can reach it).
 */
export function embeddedConnectionString(socketDir: string, port: number, database: string): string {
  return `postgresql://postgres@localhost/${encodeURIComponent(database)}?host=${encodeURIComponent(socketDir)}&port=${port}`;
}

/**
 * Opens the embedded database, creating the server's cluster and the database on first use.
 * @throws DatabaseError (exit 4) as {@link attachEmbeddedServer} and {@link openServerDatabase}
 */
export async function openEmbeddedDatabase(target: EmbeddedTarget, logger: Logger, options: { poolSize?: number } = {}): Promise<Database> {
  const server = await attachEmbeddedServer(target.dataDir, { idleSeconds: target.idleSeconds });
  logger.debug({ dataDir: target.dataDir, pid: server.state.pid, database: target.database }, 'embedded server attached');
  return openServerDatabase(embeddedConnectionString(server.state.socketDir, server.state.port, target.database), logger, {
    kind: 'embedded',
    label: `embedded (${target.dataDir}, database ${target.database})`,
    createIfMissing: true,
    onClose: server.release,
    poolSize: options.poolSize,
  });
}
