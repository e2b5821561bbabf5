// Commander's usage errors through the real CLI process: one line `sm-core: <message> (see
// 'sm-core <cmd> --help')` on stderr, nothing on stdout, exit 2 (EXIT.usage), like every other error.
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/errors.ts';
import { runCli } from '../helpers/cli.ts';

const SLOW = 120_000;

describe('usage errors (no database)', () => {
  it(
    'unknown option / command, missing or extra argument: one line, exit 2',
    async () => {
      // Found by a new user review: these printed commander's "error: ..." plus a second line
      // "(run with --help for usage)", and `help <cmd> <unknown>` printed help and exited 0.
      const cases: Array<[string[], string]> = [
        [['--bogus'], "sm-core: unknown option '--bogus' (see 'sm-core --help')\n"],
        [['sync-profile', '--bogus'], "sm-core: unknown option '--bogus' (see 'sm-core sync-profile --help')\n"],
        [['bogus'], "sm-core: unknown command 'bogus' (see 'sm-core --help')\n"],
        [['sync-profil'], "sm-core: unknown command 'sync-profil' (Did you mean sync-profile?) (see 'sm-core --help')\n"],
        [['schedule', 'bogus'], "sm-core: unknown command 'bogus' (see 'sm-core schedule --help')\n"],
        [['runs', 'show'], "sm-core: missing required argument 'id' (see 'sm-core runs show --help')\n"],
        [['usage', '--days'], "sm-core: option '--days <n>' argument missing (see 'sm-core usage --help')\n"],
        [['show', 'a', 'b'], "sm-core: too many arguments for 'show'. Expected 1 argument but got 2: a, b. (see 'sm-core show --help')\n"],
        [['help', 'bogus'], "sm-core: unknown command 'bogus' (see 'sm-core --help')\n"],
        [['help', 'sync-profile', 'bogus'], "sm-core: unknown command 'sync-profile bogus' (see 'sm-core sync-profile --help')\n"],
        [['help', 'schedule', 'bogus'], "sm-core: unknown command 'schedule bogus' (see 'sm-core schedule --help')\n"],
        [['schedule', 'help', 'bogus'], "sm-core: unknown command 'bogus' (see 'sm-core schedule --help')\n"],
      ];
      for (const [args, stderr] of cases) {
        const res = await runCli(args, {});
        expect({ args, code: res.code, stdout: res.stdout, stderr: res.stderr }).toEqual({ args, code: EXIT.usage, stdout: '', stderr });
      }
    },
    SLOW,
  );

  it(
    "`help [command...]` prints that command's help on stdout and exits 0",
    async () => {
      for (const [args, usage] of [
        [['help'], 'Usage: sm-core [options] [command]\n'],
        [['help', 'sync-profile'], 'Usage: sm-core sync-profile [options] [username]\n'],
        [['help', 'schedule', 'add'], 'Usage: sm-core schedule add [options] [username]\n'],
        [['schedule', 'help', 'add'], 'Usage: sm-core schedule add [options] [username]\n'],
        [['runs', 'help', 'show'], 'Usage: sm-core runs show [options] <id>\n'],
      ] as const) {
        const res = await runCli([...args], {});
        expect([args, res.code, res.stderr], args.join(' ')).toEqual([args, EXIT.ok, '']);
        expect(res.stdout.startsWith(usage), res.stdout.slice(0, 80)).toBe(true);
      }
    },
    SLOW,
  );
});
