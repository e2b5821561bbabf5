// `sm-core help [command...]` (and `sm-core schedule help [command]`, ...): commander's implicit help
// command replaced by one that treats an unknown name as the usage error it is (exit 2, one line)
// instead of printing the whole help and, for `help <cmd> <unknown>`, exiting 0.
import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';

/** `sm-core schedule add` for that command: its name and its parents' names. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * Registers `help [command...]` on `cmd` and on each of its descendants that has subcommands.
 * The names walk down from `cmd`; the help of the command reached goes to stdout (exit 0).
 * @throws UsageError (exit 2) when a name is not a subcommand of the command before it
 */
export function registerHelp(cmd: Command): void {
  if (cmd.commands.length === 0) return;
  for (const sub of [...cmd.commands]) registerHelp(sub);
  cmd.helpCommand(false);
  cmd
    .command('help')
    .description('display help for command')
    .argument('[command...]', 'the command (and subcommand) to explain')
    .action((names: string[]) => {
      let target = cmd;
      for (const [i, name] of names.entries()) {
        const next = target.commands.find((c) => c.name() === name || c.aliases().includes(name));
        if (!next) {
          throw new UsageError(`unknown command '${names.slice(0, i + 1).join(' ')}' (see '${commandPath(target)} --help')`);
        }
        target = next;
      }
      target.outputHelp();
    });
}
