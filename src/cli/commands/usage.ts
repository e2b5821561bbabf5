// `sm-core usage [--days N] [--json]`: provider requests per UTC day (and this month) against the budgets.
import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import { printJson, printLine, printTable } from '../output.ts';
import { withContext } from '../with-context.ts';

const budgetText = (n: number) => (n > 0 ? String(n) : 'none');
/** The sample server's requests are counted under SAMPLE_USAGE_PROVIDER; shown as SAMPLE, never billed. */
const SAMPLE_LABEL = 'SAMPLE (bundled data, not billed)';
const left = (used: number, budget: number) => (budget > 0 ? Math.max(0, budget - used) : null);

/** Registers `usage` on the program. */
export function registerUsage(program: Command): void {
  program
    .command('usage')
    .description('show provider requests per UTC day and this month, against the configured budgets')
    .option('--days <n>', 'days to show, today included', '7')
    .option('--json', 'print machine-readable JSON')
    .addHelpText(
      'after',
      '\nCounts every request sent to a real provider (failed attempts included) by every process on this\n' +
        'database. Budgets: SM_ROCKET_DAILY_BUDGET, SM_ROCKET_MONTHLY_BUDGET, SM_SCRAPER_* (0 = none).\n' +
        'Requests to the bundled sample data (no API key set) are counted too, labelled SAMPLE: nobody bills them.',
    )
    .action(async (opts: { days: string; json?: boolean }) => {
      const days = Number(opts.days);
      if (!Number.isInteger(days) || days < 1 || days > 366)
        throw new UsageError(`invalid --days "${opts.days}": use a whole number from 1 to 366`);
      const { usageByDay, usageThisMonth, SAMPLE_USAGE_PROVIDER } = await import('../../db/queries/provider-usage.ts');
      const label = (provider: string) => (provider === SAMPLE_USAGE_PROVIDER ? SAMPLE_LABEL : provider);
      await withContext({}, async (ctx) => {
        const limits = ctx.config.rateLimits as Record<string, { dailyBudget: number; monthlyBudget: number } | undefined>;
        const today = new Date();
        const since = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - (days - 1)));
        const rows = (await usageByDay(ctx.db, since)).map((r) => {
          const budget = limits[r.provider]?.dailyBudget ?? 0;
          return {
            day: new Date(r.day).toISOString().slice(0, 10),
            provider: r.provider,
            sample: r.provider === SAMPLE_USAGE_PROVIDER,
            requests: r.requests,
            daily_budget: budget || null,
            left: left(r.requests, budget),
          };
        });
        const month = (await usageThisMonth(ctx.db)).map((r) => {
          const budget = limits[r.provider]?.monthlyBudget ?? 0;
          return {
            provider: r.provider,
            sample: r.provider === SAMPLE_USAGE_PROVIDER,
            requests: r.requests,
            monthly_budget: budget || null,
            left: left(r.requests, budget),
          };
        });
        if (opts.json) return printJson({ days: rows, month });
        if (!rows.length) printLine(`no provider requests in the last ${days} day(s)`);
        else
          await printTable(
            ['day (UTC)', 'provider', 'requests', 'daily budget', 'left'],
            rows.map((r) => [r.day, label(r.provider), r.requests, budgetText(r.daily_budget ?? 0), r.left ?? '']),
          );
        for (const m of month)
          printLine(
            `this month: ${label(m.provider)} ${m.requests} request(s), budget ${budgetText(m.monthly_budget ?? 0)}${m.left !== null ? `, ${m.left} left` : ''}`,
          );
      });
    });
}
