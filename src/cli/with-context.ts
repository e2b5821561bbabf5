// Runs a command body with a fully built Context and always closes it.
import type { Context, ContextOptions } from '../context.ts';
import { setOutputSecrets } from './output.ts';

/**
 * Builds the context (lazily importing the heavy layers), runs `fn`, closes the context.
 * @returns whatever `fn` returns
 * @throws whatever context creation or `fn` throws (main maps it to an exit code)
 */
export async function withContext<T>(options: ContextOptions, fn: (ctx: Context) => Promise<T>): Promise<T> {
  const { createContext } = await import('../context.ts');
  const ctx = await createContext(options);
  setOutputSecrets(ctx.config.secrets);
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}
