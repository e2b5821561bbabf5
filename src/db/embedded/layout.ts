// The embedded server's files inside SM_DATA_DIR, and the small file-level facts both sides
// (the client processes and the supervisor) read: who is alive, what state the server is in.
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { searchableByAll } from './binaries.ts';

/**
 * Paths of one embedded server. Every file lives under `dataDir`, with two exceptions:
 * - the socket directory, when `<dataDir>/run/.s.PGSQL.5432` would pass the 107-byte limit of a Unix
 *   socket path: then a 0700 directory under the OS temp dir, named after a hash of `dataDir`;
 * - as root, the cluster and socket when the server's OS user (`postgres`: PostgreSQL refuses root)
 *   could not enter `dataDir` (it or a parent is not world-searchable, e.g. under /root): then
 *   {@link ROOT_FALLBACK_HOME}/<hash of dataDir>. The state, lock, clients and log stay in `dataDir`.
 */
export interface EmbeddedLayout {
  dataDir: string;
  /** Where the cluster and socket live: `dataDir`, or the root fallback home. */
  serverHome: string;
  /** The PostgreSQL cluster (initdb's `-D`), owned by the server's OS user, mode 0700. */
  clusterDir: string;
  /** Directory of the Unix socket `.s.PGSQL.<port>`; the server listens on nothing else. */
  socketDir: string;
  /** `server.json` ({@link ServerState}): present only while the server accepts connections. */
  stateFile: string;
  /** Held (O_EXCL, holding a pid) by the one supervisor of this directory. */
  lockFile: string;
  /** One file per sm-core process using the server, named by its pid. */
  clientsDir: string;
  /** Present while `sm-core db start` keeps the server up with no client. */
  keepFile: string;
  /** The server's and supervisor's log (appended). */
  logFile: string;
  /** The last start failure, one line, written by the supervisor for the waiting client. */
  errorFile: string;
}

/** TCP-style port number of the socket file name (`.s.PGSQL.5432`); nothing listens on TCP. */
export const SOCKET_PORT = 5432;

/** Longest Unix socket path Linux accepts (sun_path is 108 bytes with the NUL). */
const MAX_SOCKET_PATH = 107;

/** Home of clusters whose data directory the server's OS user cannot enter, when sm-core runs as root. */
export const ROOT_FALLBACK_HOME = '/var/lib/sm-core';

/** File in `dataDir` naming the fallback home once a cluster was made there, so it never moves. */
export const SERVER_HOME_FILE = 'server-home';

function recordedHome(dataDir: string): string | null {
  try {
    return readFileSync(path.join(dataDir, SERVER_HOME_FILE), 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/** Builds the layout of `dataDir` (absolute). Reads directory modes only; creates nothing. */
export function embeddedLayout(dataDir: string): EmbeddedLayout {
  const hash = createHash('sha256').update(dataDir).digest('hex').slice(0, 12);
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const serverHome = recordedHome(dataDir) ?? (asRoot && !searchableByAll(dataDir) ? path.join(ROOT_FALLBACK_HOME, hash) : dataDir);
  const run = path.join(serverHome, 'run');
  const socketName = `.s.PGSQL.${SOCKET_PORT}`;
  const short = path.join(tmpdir(), `sm-core-${hash}`);
  return {
    dataDir,
    serverHome,
    clusterDir: path.join(serverHome, 'postgres'),
    socketDir: Buffer.byteLength(path.join(run, socketName)) <= MAX_SOCKET_PATH ? run : short,
    stateFile: path.join(dataDir, 'server.json'),
    lockFile: path.join(dataDir, 'supervisor.lock'),
    clientsDir: path.join(dataDir, 'clients'),
    keepFile: path.join(dataDir, 'keep-running'),
    logFile: path.join(dataDir, 'postgres.log'),
    errorFile: path.join(dataDir, 'start-error.txt'),
  };
}

/** What `server.json` records about the running server. */
export interface ServerState {
  /** The postmaster's pid. */
  pid: number;
  /** The supervisor's pid (stops the server when the last client is gone). */
  supervisorPid: number;
  socketDir: string;
  port: number;
  /** PostgreSQL major version, e.g. "18". */
  version: string;
  /** ISO time the server became ready. */
  startedAt: string;
}

/** Reads `server.json`; null when absent or unreadable (a half-written file is never seen: it is renamed into place). */
export function readState(layout: EmbeddedLayout): ServerState | null {
  try {
    return JSON.parse(readFileSync(layout.stateFile, 'utf8')) as ServerState;
  } catch {
    return null;
  }
}

/** Writes `file` whole or not at all (temp file + rename). */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, file);
}

/** Fields 3 on of `/proc/<pid>/stat` (state first), or null where /proc is absent or the process is gone. */
function procStat(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count from its end.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/**
 * The process's start time in clock ticks since boot (Linux `/proc/<pid>/stat` field 22), which
 * tells a live process from a later one that reused its pid; null where /proc is absent.
 */
export function processStartTicks(pid: number): string | null {
  return procStat(pid)?.[19] ?? null;
}

/**
 * True when process `pid` exists and is not a zombie (a killed process whose parent has not reaped
 * it, common under a container's init) and, when `startTicks` is given and /proc is readable, is the
 * same process that recorded it, not a later one with the same pid.
 */
export function isAlive(pid: number, startTicks?: string | null): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStat(pid);
  if (stat === null) return process.platform !== 'linux';
  if (stat[0] === 'Z' || stat[0] === 'X') return false;
  return !startTicks || stat[19] === startTicks;
}

/** Reads a file holding `<pid> [<startTicks>]`; null when absent or malformed. */
export function readPidFile(file: string): { pid: number; startTicks: string | null } | null {
  try {
    const [pid, ticks] = readFileSync(file, 'utf8').trim().split(/\s+/);
    const n = Number(pid);
    return Number.isInteger(n) && n > 0 ? { pid: n, startTicks: ticks ?? null } : null;
  } catch {
    return null;
  }
}

/** The text of a pid file for this process: `<pid> <startTicks>`. */
export function ownPidText(): string {
  return `${process.pid} ${processStartTicks(process.pid) ?? ''}`.trim();
}
