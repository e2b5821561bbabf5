// Runs the real CLI (bin/sm-core.js) as a subprocess on the pinned Node, for end-to-end tests.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

/** Absolute path of bin/sm-core.js. */
export const BIN = fileURLToPath(new URL('../../bin/sm-core.js', import.meta.url));

/** What a finished CLI process produced. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A started CLI process, with its output so far and its end. */
export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  done: Promise<CliResult>;
}

/** CLI processes started by this test file and not yet ended. */
const live = new Set<ChildProcess>();

// A test that fails or times out must not leave a worker running (orphans eat CPU and DB connections
// for the rest of the run): whatever is still alive when the importing test file ends is killed.
afterAll(() => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * Starts `sm-core <args>` in an empty temporary working directory (no stray `.env`), with only the
 * given environment plus PATH/HOME. The pinned Node runs it (process.execPath: vitest runs on it).
 */
export function startCli(args: string[], env: Record<string, string>, cwd = mkdtempSync(path.join(tmpdir(), 'sm-cli-'))): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? cwd, SM_LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  child.stderr!.on('data', (c: Buffer) => {
    err += c.toString('utf8');
  });
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      live.delete(child);
      resolve({ code, signal, stdout: out, stderr: err });
    });
  });
  return { child, stdout: () => out, stderr: () => err, done };
}

/** Runs `sm-core <args>` to its end. */
export function runCli(args: string[], env: Record<string, string>, cwd?: string): Promise<CliResult> {
  return startCli(args, env, cwd).done;
}
