// The client side of the embedded server: an sm-core process registers itself in the data
// directory, starts the supervisor when no server runs, and waits until the server accepts
// connections. Every process that needs the default database goes through here; the first one
// starts the server, later ones (CLI, worker, serve, tests) share it.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { DatabaseError } from '../../errors.ts';
import { type EmbeddedLayout, embeddedLayout, isAlive, ownPidText, readPidFile, readState, type ServerState } from './layout.ts';

/** The supervisor's entry file, run with this process's Node. */
const SUPERVISOR = fileURLToPath(new URL('./supervisor.ts', import.meta.url));

/** Longest wait for a server to start, a cold initdb included (ms). */
const ATTACH_TIMEOUT_MS = 120_000;

/** Registrations of this process, per data directory (several databases of one server count once). */
const registrations = new Map<string, number>();

/**
 * Says where the previous default (PGlite, a `pgdata/` folder in SM_DATA_DIR) left data.
 * @throws DatabaseError (exit 4) with the steps to keep that data; nothing is read or deleted
 */
export function refuseLegacyData(dataDir: string): void {
  if (!existsSync(path.join(dataDir, 'pgdata', 'PG_VERSION'))) return;
  throw new DatabaseError(
    `${path.join(dataDir, 'pgdata')} holds data of the previous embedded database (PGlite), which this sm-core no longer reads: ` +
      `keep it with \`sm-core db import-pglite\` (docs/database.md#moving-data-from-pglite), or move that folder out of ${dataDir} to start afresh`,
  );
}

/**
 * Creates `dataDir` and its missing parents one level at a time. Node's recursive mkdirSync loops
 * forever where a parent cannot hold directories and answers ENOENT (e.g. under /proc); one level at
 * a time, that error is thrown.
 * @throws NodeJS.ErrnoException of the first level that cannot be created
 */
function makeDataDir(dataDir: string): void {
  const missing: string[] = [];
  for (let dir = path.resolve(dataDir); !existsSync(dir); dir = path.dirname(dir)) missing.unshift(dir);
  for (const dir of missing) {
    try {
      mkdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // another process made it first
    }
  }
}

function register(layout: EmbeddedLayout): void {
  const count = registrations.get(layout.dataDir) ?? 0;
  if (count === 0) {
    mkdirSync(layout.clientsDir, { recursive: true });
    writeFileSync(path.join(layout.clientsDir, String(process.pid)), ownPidText());
    if (registrations.size === 0) process.once('exit', unregisterAll);
  }
  registrations.set(layout.dataDir, count + 1);
}

/** Seconds between a long-running client's checks that its server still has a supervisor. */
const WATCH_SECONDS = 1;

/** Per data directory: the timer of {@link watch}. */
const watchers = new Map<string, NodeJS.Timeout>();

/**
 * Keeps the server there for a long-running client (worker, serve): when the server and its
 * supervisor are gone (`db stop --force` is not this: it stops the clients first; a supervisor that
 * gave up on a crashing server, or was killed), a new supervisor is started and the client's pool
 * reconnects to the same socket on its next query. The timer does not keep the process alive.
 */
function watch(layout: EmbeddedLayout, idleSeconds: number): void {
  if (watchers.has(layout.dataDir)) return;
  const timer = setInterval(() => {
    if (!registrations.has(layout.dataDir) || runningState(layout) || supervised(layout)) return;
    startSupervisor(layout, idleSeconds);
  }, WATCH_SECONDS * 1000);
  timer.unref();
  watchers.set(layout.dataDir, timer);
}

function unregister(layout: EmbeddedLayout): void {
  const count = (registrations.get(layout.dataDir) ?? 1) - 1;
  if (count > 0) {
    registrations.set(layout.dataDir, count);
    return;
  }
  registrations.delete(layout.dataDir);
  clearInterval(watchers.get(layout.dataDir));
  watchers.delete(layout.dataDir);
  rmSync(path.join(layout.clientsDir, String(process.pid)), { force: true });
}

function unregisterAll(): void {
  for (const dataDir of registrations.keys()) rmSync(path.join(embeddedLayout(dataDir).clientsDir, String(process.pid)), { force: true });
  registrations.clear();
}

/** Options of {@link attachEmbeddedServer}. */
export interface AttachOptions {
  /** Seconds the server stays up after its last client (SM_DB_IDLE_SECONDS). */
  idleSeconds: number;
  /** Attach even beside PGlite data (`db import-pglite` itself). */
  allowLegacyData?: boolean;
}

/** A registration with a running server; `release()` once the process no longer needs it. */
export interface EmbeddedServer {
  state: ServerState;
  release(): void;
}

/** Turns a filesystem error on the data directory into a one-line DatabaseError. */
function dataDirError(dataDir: string, err: unknown): DatabaseError {
  const code = (err as NodeJS.ErrnoException).code ?? 'error';
  return new DatabaseError(
    `cannot use the data directory ${dataDir} (${code}): set SM_DATA_DIR to a writable directory, or DATABASE_URL to a server`,
    {
      cause: err,
    },
  );
}

function startSupervisor(layout: EmbeddedLayout, idleSeconds: number): { exited: () => number | null } {
  let code: number | null = null;
  const child = spawn(process.execPath, [SUPERVISOR, layout.dataDir, String(idleSeconds)], {
    detached: true,
    stdio: 'ignore',
    // Neither the CLI's memory flags nor a test runner's loaders belong to the supervisor.
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  child.on('exit', (c) => {
    code = c ?? 1;
  });
  child.unref();
  return { exited: () => code };
}

/**
 * Registers this process as a client of the embedded server in `dataDir`, starting the server
 * (creating its cluster first when absent) when none runs, and waits until it accepts connections.
 * Two processes starting at once end up on one server (one supervisor holds the directory's lock).
 * @throws DatabaseError (exit 4) when the directory is unusable or holds PGlite data, the binaries
 *   are missing for this platform, or the server fails to start (with the last lines of its log)
 */
export async function attachEmbeddedServer(dataDir: string, options: AttachOptions): Promise<EmbeddedServer> {
  if (!options.allowLegacyData) refuseLegacyData(dataDir);
  const layout = embeddedLayout(dataDir);
  try {
    makeDataDir(dataDir);
    register(layout);
  } catch (err) {
    throw dataDirError(dataDir, err);
  }
  const release = () => unregister(layout);
  try {
    const state = await waitForServer(layout, options.idleSeconds);
    watch(layout, options.idleSeconds);
    return { state, release };
  } catch (err) {
    release();
    throw err;
  }
}

/** A server that accepts connections and has a live supervisor (which adopts an orphaned one first). */
function runningState(layout: EmbeddedLayout): ServerState | null {
  const state = readState(layout);
  return state && isAlive(state.pid) && isAlive(state.supervisorPid) ? state : null;
}

/** True when a live supervisor holds the directory's lock. */
function supervised(layout: EmbeddedLayout): boolean {
  const holder = readPidFile(layout.lockFile);
  return holder !== null && isAlive(holder.pid, holder.startTicks);
}

/** Supervisors that may die without a word (killed mid-initdb, say) before the start counts as failed. */
const SUPERVISOR_TRIES = 3;

async function waitForServer(layout: EmbeddedLayout, idleSeconds: number): Promise<ServerState> {
  const started = Date.now();
  let ours: { exited: () => number | null } | null = null;
  let tries = 0;
  for (;;) {
    const state = runningState(layout);
    if (state) return state;
    const held = supervised(layout);
    const code = ours?.exited() ?? null;
    if (code !== null && code !== 0 && !held && (reportedError(layout, started) !== null || tries >= SUPERVISOR_TRIES)) {
      throw startError(layout, started);
    }
    if (!held && (ours === null || code !== null)) {
      ours = startSupervisor(layout, idleSeconds);
      tries++;
    }
    if (Date.now() - started > ATTACH_TIMEOUT_MS) {
      throw new DatabaseError(
        `the embedded PostgreSQL server in ${layout.dataDir} did not start within ${ATTACH_TIMEOUT_MS / 1000} s (see ${layout.logFile})`,
      );
    }
    await sleep(10);
  }
}

/** The supervisor's one-line start failure written since `since` (ms), or null. */
function reportedError(layout: EmbeddedLayout, since: number): string | null {
  try {
    if (statSync(layout.errorFile).mtimeMs >= since - 1000) return readFileSync(layout.errorFile, 'utf8').trim();
  } catch {
    // no error file
  }
  return null;
}

function startError(layout: EmbeddedLayout, since: number): DatabaseError {
  const reason = reportedError(layout, since) ?? `the supervisor exited ${SUPERVISOR_TRIES} times without saying why`;
  return new DatabaseError(`the embedded PostgreSQL server in ${layout.dataDir} did not start: ${reason} (log: ${layout.logFile})`);
}
