// A Database over ONE PostgreSQL connection whose server process CPU time can be read from
// /proc/<pid>/stat (the bench server is local): CPU ms per query does not depend on what else
// runs on the machine, unlike wall-clock latency on a shared 2-core box.
import { existsSync, readFileSync } from 'node:fs';
import pg from 'pg';
import type { Database, Queryable, Transaction } from '../../src/db/database.ts';

/** The connection, and the CPU its backend process used so far. */
export interface MeteredConnection {
  db: Database;
  /** utime + stime of the backend process in ms (10 ms resolution), or null when not readable. */
  cpuMs(): number | null;
  close(): Promise<void>;
}

/** Opens one connection (application_name `sm-core-bench`). */
export async function openMeteredConnection(url: string): Promise<MeteredConnection> {
  const client = new pg.Client({ connectionString: url, application_name: 'sm-core-bench' });
  await client.connect();
  const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  const stat = `/proc/${pid}/stat`;
  const query: Queryable['query'] = async (text, params) => {
    const res = await client.query(text, params as unknown[] | undefined);
    return { rows: res.rows, rowCount: res.rowCount ?? 0 };
  };
  const exec = async (sql: string) => {
    await client.query(sql);
  };
  const tx: Transaction = { query, exec };
  const db: Database = {
    kind: 'server',
    connectionString: url,
    label: 'bench (one connection)',
    poolStats: () => ({ total: 1, idle: 0, waiting: 0 }),
    query,
    exec,
    async transaction(fn) {
      await client.query('BEGIN');
      try {
        const out = await fn(tx);
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
    },
    bossDb: () => {
      throw new Error('not for pg-boss');
    },
    close: () => client.end(),
  };
  return {
    db,
    cpuMs() {
      if (!existsSync(stat)) return null;
      const fields = readFileSync(stat, 'utf8').split(') ')[1]!.split(' ');
      return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms (USER_HZ 100)
    },
    close: () => client.end(),
  };
}
