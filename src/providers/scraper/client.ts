// The RapidAPI scraper provider (issue 3 §1): either a RocketAPI-shaped host behind RapidAPI's
// gateway, or the instagram-scraper-api2 family. Which one comes from RAPID_SCRAPER_API_FAMILY.
import type { Logger } from '../../logger.ts';
import type { Recorder } from '../cassette.ts';
import type { HttpClient } from '../http.ts';
import type { ClassifyOptions } from '../classify.ts';
import { createRocketClient } from '../rocket/client.ts';
import type { Provider } from '../types.ts';
import { createScraperApi2Client } from './scraperapi2.ts';

/** API families seen behind RAPID_SCRAPER_API_HOST (PROVIDERS.md §1 "via RapidAPI", §2.1). */
export type ScraperFamily = 'rocket' | 'scraperapi2';

/** Options for {@link createScraperClient}. */
export interface ScraperClientOptions {
  /** Provider name (default `scraper`). */
  name?: string;
  /** Base URL without trailing slash, e.g. `https://instagram-scraper-api2.p.rapidapi.com`. */
  baseUrl: string;
  /** RAPID_API_KEY. */
  apiKey: string;
  family: ScraperFamily;
  /** Total budget per request incl. body (ms). */
  timeoutMs: number;
  /** Wait reported for Instagram's feedback_required throttle (seconds). */
  feedbackDeferSeconds?: number;
  logger?: Logger;
  /** HTTP transport (default: createHttpClient; replay mode passes a cassette player). */
  http?: HttpClient;
  /** Records every exchange (SM_RECORD_DIR) when the default transport is used. */
  recorder?: Recorder;
}

/** The scraper provider with its connection pool. */
export interface ScraperClient extends Provider {
  close(): Promise<void>;
}

/**
 * Family a host most likely speaks when RAPID_SCRAPER_API_FAMILY is unset: RocketAPI-shaped for
 * `rocketapi-for-instagram` and its clones (`starapi1`), else instagram-scraper-api2 (also `social-api4`).
 */
export function defaultScraperFamily(host: string): ScraperFamily {
  return /rocketapi|starapi/i.test(host) ? 'rocket' : 'scraperapi2';
}

/** `instagram-scraper-api2.p.rapidapi.com` or a full URL -> a base URL without trailing slash. */
export function scraperBaseUrl(host: string): string {
  const url = host.includes('://') ? host : `https://${host}`;
  return url.replace(/\/+$/, '');
}

/** Creates the RapidAPI scraper provider for the configured family. Requests are not retried here. */
export function createScraperClient(options: ScraperClientOptions): ScraperClient {
  const name = options.name ?? 'scraper';
  const rapidHost = new URL(options.baseUrl).host;
  if (options.family === 'rocket') {
    return createRocketClient({
      name,
      host: options.baseUrl,
      apiKey: options.apiKey,
      keyName: 'RAPID_API_KEY',
      auth: { kind: 'rapidapi', rapidHost },
      timeoutMs: options.timeoutMs,
      feedbackDeferSeconds: options.feedbackDeferSeconds,
      logger: options.logger,
      http: options.http,
      recorder: options.recorder,
    });
  }
  const classify: ClassifyOptions = { provider: name, keyName: 'RAPID_API_KEY', feedbackDeferSeconds: options.feedbackDeferSeconds ?? 600 };
  return createScraperApi2Client({ ...options, name }, classify, rapidHost);
}
