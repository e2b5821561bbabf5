// `sm-core migrate [--status] [--json]`: apply pending SQL migrations, or list them.
import type { Command } from 'commander';
import { printJson, printLine, printTable } from '../output.ts';
import { withContext } from '../with-context.ts';

/** Registers `migrate` on the program. */
export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description("apply pending schema migrations from sql/ (and install or upgrade pg-boss's own schema)")
    .option('--status', 'list migrations (applied, pending, unknown) without applying anything')
    .option('--json', 'print machine-readable JSON')
    .addHelpText(
      'after',
      '\nSafe to run from several processes at once (advisory lock). Refuses a database that has\nmigrations this code does not know (exit 5).',
    )
    .action(async (opts: { status?: boolean; json?: boolean }) => {
      const { migrate, migrationStatus } = await import('../../db/migrate.ts');
      await withContext({ schema: 'none' }, async (ctx) => {
        if (!opts.status) {
          const applied = await migrate(ctx.db);
          await ctx.boss(); // installs or upgrades the pgboss schema
          if (!opts.json)
            printLine(applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}` : 'schema is up to date');
        }
        const status = await migrationStatus(ctx.db);
        if (opts.json) {
          printJson(
            status.map((s) => ({
              id: s.id,
              name: s.name,
              applied_at: s.appliedAt?.toISOString() ?? null,
              state: s.unknown ? 'unknown' : s.appliedAt ? 'applied' : 'pending',
            })),
          );
        } else if (opts.status) {
          await printTable(
            ['id', 'name', 'state', 'applied at'],
            status.map((s) => [
              s.id,
              s.name,
              s.unknown ? 'unknown (db ahead)' : s.appliedAt ? 'applied' : 'pending',
              s.appliedAt?.toISOString() ?? '',
            ]),
          );
        }
      });
    });
}
