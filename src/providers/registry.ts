// Builds the configured providers; with no API key outside production, the bundled sample data.
import type { Config } from '../config.ts';
import { ConfigError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { createRocketClient, type RocketClient } from './rocket/client.ts';
import { startFakeRocketServer } from './sample/fake-rocket-server.ts';
import type { Provider } from './types.ts';

/** The providers of one process, in priority order. */
export interface Providers {
  /** Every usable provider, first = highest priority. */
  providers: Provider[];
  /** The first provider (profiles and page 1 of lists go here first). */
  primary: Provider;
  /** True when serving the bundled SAMPLE data (no key set): results are invented people. */
  sample: boolean;
  /** Closes connection pools and the sample server. */
  close(): Promise<void>;
}

/** One-line stderr warning printed when the bundled sample data is used. */
export const SAMPLE_WARNING =
  'sm-core: warning: using bundled SAMPLE data (no ROCKET_API_KEY set); set ROCKET_API_KEY to sync real accounts';

/**
 * Creates the providers from configuration. With `ROCKET_API_KEY` the RocketAPI client talks to
 * `ROCKET_API_HOST`. Without it (and SM_ENV != production) a fake RocketAPI serving `samples/rocketapi/`
 * starts in-process on 127.0.0.1 and the client points at it; a loud one-line warning goes to stderr.
 * @throws ConfigError in production without any provider key
 */
export async function createProviders(config: Config, logger: Logger): Promise<Providers> {
  const closers: Array<() => Promise<void>> = [];
  const common = { timeoutMs: config.providerTimeoutMs, logger };
  let rocket: RocketClient;
  let sample = false;
  if (config.rocket.apiKey) {
    rocket = createRocketClient({ ...common, host: config.rocket.host, apiKey: config.rocket.apiKey });
  } else if (config.env !== 'production') {
    const server = await startFakeRocketServer();
    closers.push(() => server.close());
    process.stderr.write(`${SAMPLE_WARNING}\n`);
    logger.debug({ host: server.url }, 'sample provider started');
    rocket = createRocketClient({ ...common, host: server.url, apiKey: 'sample' });
    sample = true;
  } else {
    throw new ConfigError('no provider API key configured: set ROCKET_API_KEY (see .env.example)');
  }
  closers.unshift(() => rocket.close());
  const providers: Provider[] = [rocket];
  return {
    providers,
    primary: rocket,
    sample,
    async close() {
      for (const close of closers.splice(0)) {
        try {
          await close();
        } catch (err) {
          logger.warn({ err: { message: (err as Error).message } }, 'error while closing a provider');
        }
      }
    },
  };
}
