import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { EXIT } from '../../src/errors.ts';

/** Runs the CLI in-process with stdout/stderr captured; returns the exit code and what each stream got. */
async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  const code = await main(['node', 'sm-core', ...args]);
  vi.restoreAllMocks();
  return { code, stdout, stderr };
}

describe('CLI help exit codes', () => {
  afterEach(() => vi.restoreAllMocks());

  it('help that was asked for exits 0 on stdout', async () => {
    for (const args of [['--help'], ['help'], ['schedule', '--help']]) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).toBe(EXIT.ok);
      expect(r.stdout).toContain('Usage: sm-core');
    }
  });

  it('a missing command shows help on stderr and exits 2 (usage)', async () => {
    // Found by a new user: `sm-core` and `sm-core schedule` printed help to stderr and exited 0.
    for (const args of [[], ['schedule']]) {
      const r = await run(...args);
      expect(r.code, args.join(' ') || '(no arguments)').toBe(EXIT.usage);
      expect(r.stderr).toContain('Usage: sm-core');
      expect(r.stdout).toBe('');
    }
  });
});
