// Builds the configured providers in priority order; with no API key outside production, the bundled
// sample data; with SM_REPLAY_DIR, recorded cassettes instead of the network.
import { type Config, providerUnusable } from '../config.ts';
import type { Database } from '../db/database.ts';
import { SAMPLE_USAGE_PROVIDER } from '../db/queries/provider-usage.ts';
import { ConfigError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { createRecorder, createReplayHttpClient, recordedProviders, recordedScraperApi2, type Recorder } from './cassette.ts';
import { createFallbackProvider } from './fallback.ts';
import { createDbRateGate, type RateGate } from './rate-gate.ts';
import { withRetry } from './retry.ts';
import { createRocketClient } from './rocket/client.ts';
import { startFakeRocketServer } from './sample/fake-rocket-server.ts';
import { createScraperClient, defaultScraperFamily, scraperBaseUrl } from './scraper/client.ts';
import type { Provider } from './types.ts';

/** The providers of one process, in priority order. */
export interface Providers {
  /** Every usable provider (each retried in place, src/providers/retry.ts), first = highest priority. */
  providers: Provider[];
  /** Their names, same order (a list run switches to the next one when its cursor's provider stays down). */
  names: string[];
  /**
   * Profiles and page 1 of a list: tries the providers in order (src/providers/fallback.ts); the
   * result's `call.provider` names the one that answered. Its `name` is the first provider's.
   */
  primary: Provider;
  /** The provider with this name (a cursor goes back to the provider that issued it), or undefined. */
  byName(name: string): Provider | undefined;
  /** True when serving the bundled SAMPLE data (no key set): results are invented people. */
  sample: boolean;
  /** True when answering from recorded cassettes (SM_REPLAY_DIR): no network. */
  replay: boolean;
  /** Closes connection pools and the sample server. */
  close(): Promise<void>;
}

/** One-line stderr warning printed when the bundled sample data is used. */
export const SAMPLE_WARNING =
  'sm-core: warning: using bundled SAMPLE data (no ROCKET_API_KEY set); set ROCKET_API_KEY to sync real accounts';

type Closable = Provider & { close(): Promise<void> };

/** Options for {@link createProviders}. */
export interface CreateProvidersOptions {
  /** The database shared by all workers: enables the cross-process rate limits, budgets and usage counts. */
  db?: Database;
}

interface Built {
  clients: Closable[];
  closers: Array<() => Promise<void>>;
  sample: boolean;
  replay: boolean;
}

function common(config: Config, logger: Logger, recorder: Recorder | undefined) {
  return { timeoutMs: config.providerTimeoutMs, feedbackDeferSeconds: config.feedbackDeferSeconds, logger, recorder };
}

/** Providers answering from `<SM_REPLAY_DIR>/<name>/` cassettes, in priority order. */
function replayClients(config: Config, logger: Logger, dir: string): Built {
  const recorded = recordedProviders(dir);
  const clients: Closable[] = [];
  for (const name of config.providerPriority.filter((n) => recorded.includes(n))) {
    const http = createReplayHttpClient(dir, name);
    const opts = { ...common(config, logger, undefined), http, apiKey: 'replay' };
    if (name === 'rocket') clients.push(createRocketClient({ ...opts, host: 'http://replay.invalid' }));
    else
      clients.push(
        createScraperClient({
          ...opts,
          baseUrl: 'http://replay.invalid',
          family: recordedScraperApi2(dir, name) ? 'scraperapi2' : 'rocket',
        }),
      );
  }
  if (!clients.length)
    throw new ConfigError(
      `SM_REPLAY_DIR ${dir} holds no cassettes for ${config.providerPriority.join(', ')} (record some with SM_RECORD_DIR)`,
    );
  process.stderr.write(`sm-core: replaying recorded provider responses from ${dir} (no network)\n`);
  return { clients, closers: [], sample: false, replay: true };
}

/** Providers with keys, or the bundled sample server when none has one (outside production). */
async function liveClients(config: Config, logger: Logger): Promise<Built> {
  const recorder = config.recordDir ? createRecorder(config.recordDir, config.secrets) : undefined;
  const opts = common(config, logger, recorder);
  const clients: Closable[] = [];
  const skipped: string[] = [];
  for (const name of config.providerPriority) {
    const unusable = providerUnusable(config, name);
    if (unusable) skipped.push(`provider ${name} skipped: ${unusable}`);
    else if (name === 'rocket') clients.push(createRocketClient({ ...opts, host: config.rocket.host, apiKey: config.rocket.apiKey! }));
    else {
      const { apiKey, host, family } = config.rapid;
      clients.push(
        createScraperClient({ ...opts, baseUrl: scraperBaseUrl(host!), apiKey: apiKey!, family: family ?? defaultScraperFamily(host!) }),
      );
    }
  }
  if (clients.length) {
    for (const s of skipped) logger.warn(s);
    return { clients, closers: [], sample: false, replay: false };
  }
  if (config.env === 'production')
    throw new ConfigError('no provider API key configured: set ROCKET_API_KEY or RAPID_API_KEY (see .env.example)');
  // No provider usable by the same rule as config.sampleData (providerUnusable): the sample data.
  const server = await startFakeRocketServer();
  process.stderr.write(`${SAMPLE_WARNING}\n`);
  logger.debug({ host: server.url }, 'sample provider started');
  return {
    clients: [createRocketClient({ ...opts, host: server.url, apiKey: 'sample' })],
    closers: [() => server.close()],
    sample: true,
    replay: false,
  };
}

/**
 * Creates the providers named by SM_PROVIDER_PRIORITY (default `rocket,scraper`):
 * - `rocket`: RocketAPI at ROCKET_API_HOST with ROCKET_API_KEY;
 * - `scraper`: RAPID_SCRAPER_API_HOST with RAPID_API_KEY, family RAPID_SCRAPER_API_FAMILY (default
 *   guessed from the host name).
 * A provider without its key (or host) is skipped with a warning. When none is usable and SM_ENV
 * is not production, a fake RocketAPI serving `samples/` starts in-process on 127.0.0.1, the rocket
 * client points at it, and a loud one-line warning goes to stderr. With SM_RECORD_DIR every exchange
 * is also written as a cassette; with SM_REPLAY_DIR the providers answer from cassettes only.
 * With `options.db`, every request to a real provider is first reserved in `provider_usage`, so the
 * per-second limits and budgets (SM_ROCKET_*, SM_SCRAPER_*) hold across all processes.
 * @throws ConfigError when no provider is usable in production, or SM_REPLAY_DIR holds no cassettes
 */
export async function createProviders(config: Config, logger: Logger, options: CreateProvidersOptions = {}): Promise<Providers> {
  const built = config.replayDir ? replayClients(config, logger, config.replayDir) : await liveClients(config, logger);
  const closers = [...built.clients.map((c) => () => c.close()), ...built.closers];
  // Real providers: limits and budgets, shared by every process. Sample data: counted only, under
  // SAMPLE_USAGE_PROVIDER (no limits), so `usage` shows what `runs` shows. Replays send nothing.
  let gate: RateGate | undefined;
  if (options.db && built.sample) gate = renamedGate(createDbRateGate(options.db, {}), SAMPLE_USAGE_PROVIDER);
  else if (options.db && !built.replay) gate = createDbRateGate(options.db, config.rateLimits);
  const retry = { ...config.providerRetry, logger, gate };
  const providers = built.clients.map((c) => withRetry(c, retry));
  const byName = new Map(providers.map((p) => [p.name, p]));
  return {
    providers,
    names: providers.map((p) => p.name),
    primary: providers.length === 1 ? providers[0]! : createFallbackProvider(providers, logger),
    byName: (name) => byName.get(name),
    sample: built.sample,
    replay: built.replay,
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

/** `gate` with every provider name replaced by `name` (the sample server's requests, counted apart). */
function renamedGate(gate: RateGate, name: string): RateGate {
  return {
    acquire: (_provider, signal) => gate.acquire(name, signal),
    block: (_provider, seconds, kind, reason) => gate.block(name, seconds, kind, reason),
  };
}
