// `sm-core db status|start|stop`: what a person sees of the embedded server and how they steer it.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DatabaseError } from '../../errors.ts';
import { attachEmbeddedServer } from './attach.ts';
import { embeddedLayout, isAlive, readPidFile, readState, type ServerState } from './layout.ts';
import { isPostgres, liveClients } from './supervisor.ts';

/** The embedded server of one data directory, as `db status` reports it. */
export interface EmbeddedStatus {
  dataDir: string;
  /** The PostgreSQL cluster (under SM_DATA_DIR, or the root fallback home: layout.ts). */
  clusterDir: string;
  /** A cluster exists (initdb has run). */
  initialized: boolean;
  /** PostgreSQL major version of the cluster, when initialized. */
  version: string | null;
  /** The server accepts connections. */
  running: boolean;
  /** A supervisor watches it (stops it when idle). A running server without one was left by a killed supervisor. */
  supervised: boolean;
  /** server.json while running. */
  server: ServerState | null;
  /** Pids of the sm-core processes registered as its clients. */
  clients: number[];
  /** `db start` keeps it up with no client. */
  keepRunning: boolean;
  /** The server's and supervisor's log. */
  logFile: string;
}

/** Reads the state of the embedded server in `dataDir` (absolute); starts or stops nothing. */
export function embeddedStatus(dataDir: string): EmbeddedStatus {
  const layout = embeddedLayout(dataDir);
  const versionFile = path.join(layout.clusterDir, 'PG_VERSION');
  const state = readState(layout);
  const running = state !== null && isAlive(state.pid);
  const supervisor = readPidFile(layout.lockFile);
  return {
    supervised: supervisor !== null && isAlive(supervisor.pid, supervisor.startTicks),
    dataDir,
    clusterDir: layout.clusterDir,
    initialized: existsSync(versionFile),
    version: existsSync(versionFile) ? readFileSync(versionFile, 'utf8').trim() : null,
    running,
    server: running ? state : null,
    clients: liveClients(layout),
    keepRunning: existsSync(layout.keepFile),
    logFile: layout.logFile,
  };
}

/**
 * Starts the server (creating the cluster when absent) and keeps it running with no client until
 * {@link stopEmbedded}.
 * @throws DatabaseError as attachEmbeddedServer
 */
export async function startEmbedded(dataDir: string, idleSeconds: number): Promise<EmbeddedStatus> {
  const server = await attachEmbeddedServer(dataDir, { idleSeconds });
  writeFileSync(embeddedLayout(dataDir).keepFile, `kept running by sm-core db start at ${new Date().toISOString()}\n`);
  server.release();
  return embeddedStatus(dataDir);
}

/** Seconds `db stop --force` gives the sm-core processes using the server to exit on SIGTERM (a worker's default grace is 30). */
const CLIENT_STOP_SECONDS = 45;

/**
 * SIGTERMs the sm-core processes registered as clients (a worker stops taking jobs and lets the jobs
 * in flight commit, `serve` finishes its requests) and waits for them; SIGKILL after the grace.
 */
async function stopClients(layout: ReturnType<typeof embeddedLayout>, pids: number[]): Promise<void> {
  for (const pid of pids) process.kill(pid, 'SIGTERM');
  for (let waited = 0; waited < CLIENT_STOP_SECONDS * 1000; waited += 50) {
    if (liveClients(layout).filter((p) => p !== process.pid).length === 0) return;
    await sleep(50);
  }
  for (const pid of liveClients(layout).filter((p) => p !== process.pid)) process.kill(pid, 'SIGKILL');
}

/**
 * Stops the server (fast shutdown) and waits until it has exited. With `force`, the sm-core
 * processes using it are stopped first (SIGTERM, then SIGKILL after 45 s).
 * @returns false when no server was running
 * @throws DatabaseError (exit 4) when sm-core processes still use it and `force` is not set, or it
 *   does not stop within 60 s
 */
export async function stopEmbedded(dataDir: string, options: { force?: boolean } = {}): Promise<boolean> {
  const layout = embeddedLayout(dataDir);
  const clients = liveClients(layout).filter((pid) => pid !== process.pid);
  if (clients.length > 0 && !options.force) {
    throw new DatabaseError(
      `the embedded server in ${dataDir} is in use by sm-core process(es) ${clients.join(', ')}: stop them first, or use --force to stop them too (SIGTERM: jobs in flight commit)`,
    );
  }
  rmSync(layout.keepFile, { force: true });
  if (clients.length > 0) await stopClients(layout, clients);
  const supervisor = readPidFile(layout.lockFile);
  const state = readState(layout);
  const postmaster = state?.pid ?? readPostmasterPid(layout.clusterDir);
  const supervised = supervisor !== null && isAlive(supervisor.pid, supervisor.startTicks);
  const serving = postmaster !== null && isPostgres(postmaster);
  if (!supervised && !serving) return false;
  if (supervised) process.kill(supervisor.pid, 'SIGTERM');
  else if (postmaster !== null) process.kill(postmaster, 'SIGINT'); // a server whose supervisor was killed
  for (let waited = 0; waited < 60_000; waited += 25) {
    const up = (supervised && isAlive(supervisor.pid, supervisor.startTicks)) || (postmaster !== null && isAlive(postmaster));
    if (!up) return true;
    await sleep(25);
  }
  throw new DatabaseError(`the embedded server in ${dataDir} did not stop within 60 s (see ${layout.logFile})`);
}

function readPostmasterPid(clusterDir: string): number | null {
  try {
    const pid = Number(readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}
