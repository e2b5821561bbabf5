// The embedded server's supervisor: a small detached process, one per data directory, that creates
// the cluster when absent, starts PostgreSQL (or adopts one a crashed supervisor left running), and
// stops it once no sm-core process has used it for the idle time. Run as
// `node supervisor.ts <dataDir> <idleSeconds>`; sm-core's client side (attach.ts) starts it.
// It imports nothing heavy: node builtins and the layout/binaries modules only.
import { type ChildProcess, spawn } from 'node:child_process';
import {
  chownSync,
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { binariesFor, findBinaries, type PostgresBinaries, type ServerUser, serverUser } from './binaries.ts';
import {
  type EmbeddedLayout,
  embeddedLayout,
  isAlive,
  ownPidText,
  readPidFile,
  ROOT_FALLBACK_HOME,
  SERVER_HOME_FILE,
  SOCKET_PORT,
  writeFileAtomic,
} from './layout.ts';

/** How often the supervisor looks at its clients and its server (ms). */
const WATCH_MS = 200;

/** How many times a minute a server that dies under its clients is started again before the supervisor gives up. */
const RESTARTS = 3;

/** Longest wait for initdb or for the server to accept connections (ms). */
const START_TIMEOUT_MS = 120_000;

function log(layout: EmbeddedLayout, line: string): void {
  try {
    writeFileSync(layout.logFile, `${new Date().toISOString()} [sm-core supervisor ${process.pid}] ${line}\n`, { flag: 'a', mode: 0o600 });
  } catch {
    // the log is best effort
  }
}

/** Takes the supervisor lock; false when a live supervisor holds it. A dead holder's lock is taken over. */
function takeLock(layout: EmbeddedLayout): boolean {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(layout.lockFile, 'wx', 0o600);
      writeFileSync(fd, ownPidText());
      closeSync(fd);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readPidFile(layout.lockFile);
      if (holder && holder.pid !== process.pid && isAlive(holder.pid, holder.startTicks)) return false;
      rmSync(layout.lockFile, { force: true });
    }
  }
  return false;
}

/** The last `n` non-empty lines of `text`, joined for a one-line message. */
export function lastLines(text: string, n = 3): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-n)
    .join(' | ');
}

function own(dir: string, user: ServerUser | null): void {
  if (user) chownSync(dir, user.uid, user.gid);
}

/**
 * Creates the socket directory (mode 0700, owned by the server's user), or checks that an existing
 * one is a real directory that only that user can enter: trust authentication relies on it, and the
 * long-path fallback lives in the shared temp dir under a predictable name.
 * @throws Error naming the directory when someone else owns it or can enter it
 */
function secureDir(dir: string, user: ServerUser | null): void {
  const uid = user?.uid ?? process.getuid?.() ?? -1;
  try {
    mkdirSync(dir, { mode: 0o700 });
    own(dir, user);
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      mkdirSync(path.dirname(dir), { recursive: true });
      secureDir(dir, user);
      return;
    }
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const st = lstatSync(dir);
  if (!st.isDirectory() || (uid >= 0 && st.uid !== uid) || (st.mode & 0o077) !== 0) {
    throw new Error(
      `the socket directory ${dir} exists but is not a 0700 directory of the server's user: remove it, or set SM_DATA_DIR to a shorter path`,
    );
  }
}

/** Runs a program as the server's user; resolves with its output, rejects with its last lines. */
function runProgram(file: string, args: string[], user: ServerUser | null): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(user ? { uid: user.uid, gid: user.gid } : {}) });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.on('error', (err) => reject(new Error(`${path.basename(file)} could not run: ${err.message}`)));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${path.basename(file)} failed: ${lastLines(out)}`))));
  });
}

/**
 * Creates the cluster in a temporary directory and renames it into place, so an interrupted initdb
 * never leaves a half-made cluster for the next start. Trust authentication is safe here: the
 * server listens on a Unix socket only, in a directory only its user (and root) can enter.
 */
async function initCluster(layout: EmbeddedLayout, bin: PostgresBinaries, user: ServerUser | null): Promise<void> {
  const parent = layout.serverHome;
  for (const name of readdirSync(parent)) {
    if (name.startsWith('postgres.init-')) rmSync(path.join(parent, name), { recursive: true, force: true });
  }
  const tmp = `${layout.clusterDir}.init-${process.pid}`;
  mkdirSync(tmp, { mode: 0o700 });
  own(tmp, user);
  log(layout, `initdb ${layout.clusterDir}`);
  try {
    await runProgram(
      bin.initdb,
      [
        '-D',
        tmp,
        '-U',
        'postgres',
        '--auth=trust',
        '-E',
        'UTF8',
        '--locale-provider=builtin',
        '--builtin-locale=C.UTF-8',
        '--no-instructions',
      ],
      user,
    );
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    const hint = user ? ` (the server runs as OS user '${user.name}': it must be able to enter ${layout.dataDir})` : '';
    throw new Error(`${(err as Error).message}${hint}`);
  }
  renameSync(tmp, layout.clusterDir);
}

/** The postmaster pid and status line of `postmaster.pid` (PostgreSQL's lock file: line 1 pid, line 8 status). */
function postmasterFile(layout: EmbeddedLayout): { pid: number; status: string } | null {
  try {
    const lines = readFileSync(path.join(layout.clusterDir, 'postmaster.pid'), 'utf8').split('\n');
    return { pid: Number(lines[0]), status: (lines[7] ?? '').trim() };
  } catch {
    return null;
  }
}

/** True when `pid` is a live PostgreSQL server process (not a later process with a reused pid). */
export function isPostgres(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
  } catch {
    return true; // no /proc: trust the pid
  }
}

/** Starts the server and waits until its lock file says `ready`. @returns the postmaster pid */
async function startServer(
  layout: EmbeddedLayout,
  bin: PostgresBinaries,
  user: ServerUser | null,
): Promise<{ pid: number; child: ChildProcess }> {
  // A crashed server's lock files whose pid is gone, a zombie not yet reaped, or now another program's:
  // PostgreSQL would refuse to start ("lock file already exists").
  const stale = postmasterFile(layout);
  if (stale && !isPostgres(stale.pid)) {
    log(layout, `removing stale postmaster.pid (pid ${stale.pid} is not a running PostgreSQL server)`);
    rmSync(path.join(layout.clusterDir, 'postmaster.pid'), { force: true });
  }
  const socketLock = path.join(layout.socketDir, `.s.PGSQL.${SOCKET_PORT}.lock`);
  const lockPid = readPidFile(socketLock);
  if (lockPid && !isPostgres(lockPid.pid)) {
    log(layout, `removing stale socket lock (pid ${lockPid.pid} is not a running PostgreSQL server)`);
    rmSync(socketLock, { force: true });
  }
  const logFd = openSync(layout.logFile, 'a', 0o600);
  const args = [
    '-D',
    layout.clusterDir,
    '-k',
    layout.socketDir,
    '-p',
    String(SOCKET_PORT),
    '-c',
    'listen_addresses=',
    '-c',
    'unix_socket_permissions=0700',
    '-c',
    'max_connections=200',
  ];
  const child = spawn(bin.postgres, args, { stdio: ['ignore', logFd, logFd], ...(user ? { uid: user.uid, gid: user.gid } : {}) });
  closeSync(logFd);
  let exited: string | null = null;
  child.on('exit', (code, signal) => {
    exited = `exited with ${signal ?? `code ${code}`}`;
  });
  child.on('error', (err) => {
    exited = `could not run: ${err.message}`;
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited) {
      const tail = lastLines(readFileSync(layout.logFile, 'utf8'), 3);
      throw new Error(`the PostgreSQL server ${exited}: ${tail}`);
    }
    const pm = postmasterFile(layout);
    if (pm && pm.pid === child.pid && pm.status === 'ready') return { pid: child.pid, child };
    await sleep(10);
  }
  child.kill('SIGQUIT');
  throw new Error(`the PostgreSQL server did not become ready within ${START_TIMEOUT_MS / 1000} s (see ${layout.logFile})`);
}

/** Live client processes; removes the files of dead ones (a killed process cannot remove its own). */
export function liveClients(layout: EmbeddedLayout): number[] {
  let names: string[];
  try {
    names = readdirSync(layout.clientsDir);
  } catch {
    return [];
  }
  const live: number[] = [];
  for (const name of names) {
    const file = path.join(layout.clientsDir, name);
    const rec = readPidFile(file);
    if (rec && isAlive(rec.pid, rec.startTicks)) live.push(rec.pid);
    else rmSync(file, { force: true });
  }
  return live;
}

/** Fast shutdown (SIGINT: roll back open transactions, disconnect, checkpoint) and wait for the postmaster to exit. */
async function stopServer(layout: EmbeddedLayout, pid: number): Promise<void> {
  log(layout, `stopping server ${pid}`);
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  for (let waited = 0; isAlive(pid); waited += 20) {
    if (waited === 30_000) process.kill(pid, 'SIGQUIT');
    await sleep(20);
  }
}

/** The supervisor's whole life. @returns the process exit code */
export async function supervise(dataDir: string, idleSeconds: number): Promise<number> {
  const layout = embeddedLayout(dataDir);
  if (!takeLock(layout)) return 0; // another supervisor has this directory
  let pid = 0;
  let stopping = false;
  const onSignal = () => {
    stopping = true;
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', () => {}); // outlive the terminal that started the first client
  try {
    rmSync(layout.errorFile, { force: true });
    const user = serverUser();
    if (user) mkdirSync(ROOT_FALLBACK_HOME, { recursive: true, mode: 0o755 });
    const bin = binariesFor(findBinaries(), user, ROOT_FALLBACK_HOME);
    if (layout.serverHome !== layout.dataDir) {
      // As root with a data directory the server's user cannot enter: cluster and socket live apart.
      if (!existsSync(path.join(layout.dataDir, SERVER_HOME_FILE)) && existsSync(layout.serverHome)) {
        // A cluster whose data directory was deleted (the record lives there): never serve it as this one's.
        const aside = `${layout.serverHome}.orphaned-${Date.now()}`;
        renameSync(layout.serverHome, aside);
        log(layout, `moved the cluster of a deleted data directory aside: ${aside}`);
      }
      mkdirSync(layout.serverHome, { recursive: true, mode: 0o700 });
      own(layout.serverHome, user);
      writeFileSync(path.join(layout.serverHome, 'data-dir'), `${layout.dataDir}\n`);
      writeFileSync(path.join(layout.dataDir, SERVER_HOME_FILE), `${layout.serverHome}\n`);
    }
    secureDir(layout.socketDir, user);
    mkdirSync(layout.clientsDir, { recursive: true });
    if (!existsSync(path.join(layout.clusterDir, 'PG_VERSION'))) await initCluster(layout, bin, user);
    const version = readFileSync(path.join(layout.clusterDir, 'PG_VERSION'), 'utf8').trim();
    const left = postmasterFile(layout);
    if (left && isPostgres(left.pid) && left.status === 'ready') {
      pid = left.pid; // a server a killed supervisor left running: adopt it
      log(layout, `adopting server ${pid}`);
    } else {
      pid = (await startServer(layout, bin, user)).pid;
      log(layout, `server ${pid} ready`);
    }
    let state = {
      pid,
      supervisorPid: process.pid,
      socketDir: layout.socketDir,
      port: SOCKET_PORT,
      version,
      startedAt: new Date().toISOString(),
    };
    writeFileAtomic(layout.stateFile, JSON.stringify(state));
    let idleSince: number | null = null;
    const restarts: number[] = [];
    while (!stopping) {
      await sleep(WATCH_MS);
      const wanted = () => liveClients(layout).length > 0 || existsSync(layout.keepFile);
      if (!isAlive(pid)) {
        // Killed or crashed under its clients (a worker keeps its pool and reconnects to the same
        // socket): start it again while anyone still uses it, at most RESTARTS times a minute.
        log(layout, `server ${pid} exited on its own`);
        rmSync(layout.stateFile, { force: true });
        pid = 0;
        if (!wanted()) return 1;
        while (restarts.length > 0 && restarts[0]! < Date.now() - 60_000) restarts.shift();
        if (restarts.length >= RESTARTS) {
          log(layout, `giving up: the server died ${RESTARTS} times within a minute (the next sm-core command tries again)`);
          return 1;
        }
        restarts.push(Date.now());
        pid = (await startServer(layout, bin, user)).pid;
        log(layout, `server ${pid} restarted for its clients`);
        state = { ...state, pid, startedAt: new Date().toISOString() };
        writeFileAtomic(layout.stateFile, JSON.stringify(state));
        continue;
      }
      // Someone deleted server.json: clients would wait for a server that runs. Put it back.
      if (!existsSync(layout.stateFile)) writeFileAtomic(layout.stateFile, JSON.stringify(state));
      if (wanted()) {
        idleSince = null;
        continue;
      }
      idleSince ??= Date.now();
      if (Date.now() - idleSince < idleSeconds * 1000) continue;
      // Withdraw the state first, then count again: a client registers before it reads the state,
      // so one that arrived in between is seen here and the server stays.
      rmSync(layout.stateFile, { force: true });
      if (liveClients(layout).length > 0) {
        writeFileAtomic(layout.stateFile, JSON.stringify(state));
        idleSince = null;
        continue;
      }
      break;
    }
    return 0;
  } catch (err) {
    const message = (err as Error).message.replace(/\s+/g, ' ');
    log(layout, `start failed: ${message}`);
    writeFileAtomic(layout.errorFile, message);
    return 1;
  } finally {
    rmSync(layout.stateFile, { force: true });
    if (pid) await stopServer(layout, pid);
    if (readPidFile(layout.lockFile)?.pid === process.pid) rmSync(layout.lockFile, { force: true });
  }
}

/** True when this module is the process's entry point (not imported by a test). */
function isMain(): boolean {
  return process.argv[1] !== undefined && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname);
}

if (isMain()) {
  const [dataDir, idle] = process.argv.slice(2);
  if (!dataDir) {
    process.stderr.write('usage: supervisor.ts <dataDir> <idleSeconds>\n');
    process.exit(2);
  }
  process.exitCode = await supervise(path.resolve(dataDir), Number(idle ?? 5));
}
