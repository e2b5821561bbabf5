// Configuration: one zod schema, read once at start from the environment (and `.env` outside production).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from './errors.ts';
import { ROCKET_MAX_FOLLOWERS_COUNT, ROCKET_MAX_FOLLOWING_COUNT } from './providers/rocket/limits.ts';

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
/** A whole number >= min (default `def`); anything else is refused with `a whole number >= min` (the value is never echoed). */
const intWithDefault = (def: number, min = 0) => {
  const message = `a whole number >= ${min}`;
  // Decimal digits only: Number() would also take `0x10`, `1e3` or `0b1` and read them as 16, 1000, 1.
  const decimalOnly = (v: unknown) => {
    const t = emptyToUndefined(v);
    return typeof t === 'string' && !/^\s*\d+\s*$/.test(t) ? Number.NaN : t;
  };
  return z.preprocess(decimalOnly, z.coerce.number({ message }).int({ message }).min(min, { message }).default(def));
};
/**
 * An integer in [min, max] (default `def`); anything else is refused with `an integer min-max` and
 * `why` in the configuration error (the value itself is never echoed).
 */
const intInRange = (def: number, min: number, max: number, why: string) =>
  z.preprocess(
    (v) => {
      const t = emptyToUndefined(v);
      return t === undefined ? def : Number(t);
    },
    z.custom<number>((v) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max, {
      message: `an integer ${min}-${max}: ${why}`,
    }),
  );

/**
 * Largest page size every provider accepts: RocketAPI's get_followers takes `count` <= 50
 * (get_following <= 200; PROVIDERS.md §1.3), and the scraper takes no page size (§2.1). The one
 * setting serves followers and followings pages.
 */
export const MAX_PAGE_SIZE = Math.min(ROCKET_MAX_FOLLOWERS_COUNT, ROCKET_MAX_FOLLOWING_COUNT);

/** True when `text` parses as a `postgres:`, `postgresql:` or (pg's Unix socket form) `socket:` URL. */
function isPostgresUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const { protocol } = new URL(text);
  return protocol === 'postgres:' || protocol === 'postgresql:' || protocol === 'socket:';
}

/**
 * Environment schema. Every key is documented in `.env.example`; keep both in step.
 * Keys listed in {@link SECRET_KEYS} are never logged or printed.
 */
export const envSchema = z.object({
  SM_ENV: z.preprocess(emptyToUndefined, z.enum(['development', 'test', 'production']).default('development')),
  DATABASE_URL: z.preprocess(
    emptyToUndefined,
    z.string().refine(isPostgresUrl, { message: 'a postgres:// or postgresql:// URL' }).optional(),
  ),
  DB_HOST: optionalString,
  DB_PORT: intWithDefault(5432, 1),
  DB_USERNAME: optionalString,
  DB_PASSWORD: optionalString,
  DB_NAME: optionalString,
  SM_DATA_DIR: z.preprocess(emptyToUndefined, z.string().default('./.sm-core')),
  /** Seconds the embedded server stays up after the last sm-core process using it exits (src/db/embedded/supervisor.ts). */
  SM_DB_IDLE_SECONDS: intWithDefault(5, 0),
  /** Store the bundled SAMPLE accounts in the configured server's database (off: sample syncs refuse to write there). */
  SM_SAMPLE_TO_SERVER: z.preprocess(
    emptyToUndefined,
    z
      .enum(['true', 'false', '1', '0'], { message: 'true or false' })
      .default('false')
      .transform((v) => v === 'true' || v === '1'),
  ),
  ROCKET_API_KEY: optionalString,
  ROCKET_API_HOST: z.preprocess(
    emptyToUndefined,
    z.url({ message: 'a URL such as https://v1.rocketapi.io' }).default('https://v1.rocketapi.io'),
  ),
  RAPID_API_KEY: optionalString,
  RAPID_SCRAPER_API_HOST: optionalString,
  /** API family behind RAPID_SCRAPER_API_HOST (`rocket` = RocketAPI-shaped, `scraperapi2`); default from the host name. */
  RAPID_SCRAPER_API_FAMILY: z.preprocess(emptyToUndefined, z.enum(['rocket', 'scraperapi2']).optional()),
  /** Provider order for profiles and first pages: comma list of `rocket`, `scraper`. */
  SM_PROVIDER_PRIORITY: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^\s*(rocket|scraper)\s*(,\s*(rocket|scraper)\s*)*$/, { message: 'a comma list of rocket, scraper' })
      .default('rocket,scraper'),
  ),
  /** Retries in place after a retryable provider failure (transient, invalid response, short throttle). */
  SM_PROVIDER_RETRIES: intWithDefault(2, 0),
  /** First retry backoff (ms); doubles per retry, with jitter. */
  SM_PROVIDER_RETRY_BASE_MS: intWithDefault(1_000, 1),
  /** Longest Retry-After waited in place (seconds); longer waits defer the job instead. */
  SM_RETRY_AFTER_CAP_SECONDS: intWithDefault(30, 0),
  /** Wait after Instagram's feedback_required throttle, which names no Retry-After (seconds). */
  SM_FEEDBACK_DEFER_SECONDS: intWithDefault(600, 1),
  /** Requests per second to RocketAPI across all processes (0 = no limit). */
  SM_ROCKET_MAX_RPS: intWithDefault(0, 0),
  /** RocketAPI requests per UTC day across all processes (0 = no limit). */
  SM_ROCKET_DAILY_BUDGET: intWithDefault(0, 0),
  /** RocketAPI requests per UTC month across all processes (0 = no limit). */
  SM_ROCKET_MONTHLY_BUDGET: intWithDefault(0, 0),
  /** Requests per second to the RapidAPI scraper across all processes (0 = no limit). */
  SM_SCRAPER_MAX_RPS: intWithDefault(0, 0),
  /** RapidAPI scraper requests per UTC day across all processes (0 = no limit). */
  SM_SCRAPER_DAILY_BUDGET: intWithDefault(0, 0),
  /** RapidAPI scraper requests per UTC month across all processes (0 = no limit). */
  SM_SCRAPER_MONTHLY_BUDGET: intWithDefault(0, 0),
  /** Directory where every provider exchange is written as a cassette (record mode). */
  SM_RECORD_DIR: optionalString,
  /** Directory of cassettes to answer from instead of the network (replay mode). */
  SM_REPLAY_DIR: optionalString,
  NEW_RELIC_LICENSE_KEY: optionalString,
  /** Application name reported to New Relic (only read when NEW_RELIC_LICENSE_KEY is set). */
  NEW_RELIC_APP_NAME: z.preprocess(emptyToUndefined, z.string().default('sm-core')),
  /** Log line format on stderr: `auto` = pretty on a TTY, JSON otherwise. */
  SM_LOG_FORMAT: z.preprocess(emptyToUndefined, z.enum(['auto', 'json', 'pretty']).default('auto')),
  /** Unset: the command decides (src/logger.ts defaultLogLevel): info for worker, serve and a terminal; warn otherwise. */
  SM_LOG_LEVEL: z.preprocess(emptyToUndefined, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional()),
  /** Whole-request budget for one provider call, body included (ms). */
  SM_PROVIDER_TIMEOUT_MS: intWithDefault(30_000, 100),
  /** Accounts requested per followers / followings page, 1 to {@link MAX_PAGE_SIZE}. */
  SM_FOLLOWERS_PAGE_SIZE: intInRange(50, 1, MAX_PAGE_SIZE, `RocketAPI accepts at most ${MAX_PAGE_SIZE} accounts per page`),
  /** Hard ceiling on pages in one run (loop guard, CASES.md C05). */
  SM_MAX_PAGES: intWithDefault(100_000, 1),
  /** Share of the profile's count a list run must see to be complete (docs/history.md). */
  SM_COMPLETENESS_MIN_SHARE: z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ message: 'a number from 0 to 1' })
      .min(0, { message: 'a number from 0 to 1' })
      .max(1, { message: 'a number from 0 to 1' })
      .default(0.9),
  ),
  /** Minutes a profile's count may be older than a list run and still let it mark unfollows (docs/history.md). */
  SM_COUNT_MAX_AGE_MINUTES: intWithDefault(15, 0),
  /** Hours a profile sync that found the account private spares its list requests (exit 9 at no cost). */
  SM_PRIVATE_MAX_AGE_HOURS: intWithDefault(24, 0),
  /** Hours after its last progress beyond which an orphaned run is closed as abandoned, not resumed. */
  SM_RUN_RESUME_HOURS: intWithDefault(24, 0),
  /** Seconds the provider that issued a list run's cursor may keep failing before the list restarts on the next provider (docs/providers.md). */
  SM_CURSOR_PROVIDER_WAIT_SECONDS: intWithDefault(900, 0),
  /** Change alerts (docs/analytics.md): the webhook that receives a signed JSON POST when a run ends with news. */
  SM_WEBHOOK_URL: z.preprocess(emptyToUndefined, z.url({ protocol: /^https?$/, message: 'an http:// or https:// URL' }).optional()),
  /** HMAC-SHA256 key of the alert signature; required with SM_WEBHOOK_URL. */
  SM_WEBHOOK_SECRET: z.preprocess(emptyToUndefined, z.string().min(16, { message: 'at least 16 characters' }).optional()),
  /** POST attempts per alert before it becomes a dead letter. */
  SM_WEBHOOK_MAX_ATTEMPTS: intWithDefault(8, 1),
  /** Seconds before the first retry of a failed alert; doubles per attempt (with jitter), at most an hour. 0 = retry at once. */
  SM_WEBHOOK_RETRY_SECONDS: intWithDefault(30, 0),
  /** Total time one POST may take (ms). */
  SM_WEBHOOK_TIMEOUT_MS: intWithDefault(10_000, 100),
  /** New / lost followers named in an alert (the counts are always complete). */
  SM_WEBHOOK_LIST_MAX: intWithDefault(20, 0),
  /** Connections in one process's database pool (server databases; docs/api.md "Load"). */
  SM_DB_POOL_SIZE: intWithDefault(10, 2),
  /** Searches one `serve` process runs at once; below SM_DB_POOL_SIZE, so profiles and metrics keep connections. */
  SM_HTTP_SEARCH_CONCURRENCY: intWithDefault(8, 1),
  /** Searches that may wait for a slot; beyond it a search is refused at once (503 overloaded, Retry-After). */
  SM_HTTP_SEARCH_QUEUE: intWithDefault(32, 0),
  /** Longest wait for a search slot (ms), then 503 overloaded. */
  SM_HTTP_SEARCH_WAIT_MS: intWithDefault(1_000, 0),
  /** Budget of one /health check on its own connection, connecting included (ms). */
  SM_HEALTH_TIMEOUT_MS: intWithDefault(1_000, 50),
});

export type Env = z.infer<typeof envSchema>;

/** Keys whose values are secrets: never logged, never in errors, never stored. */
export const SECRET_KEYS = [
  'DATABASE_URL',
  'DB_PASSWORD',
  'ROCKET_API_KEY',
  'RAPID_API_KEY',
  'NEW_RELIC_LICENSE_KEY',
  // A webhook URL often carries its own token (Slack, Discord...): treated as a secret too.
  'SM_WEBHOOK_URL',
  'SM_WEBHOOK_SECRET',
] as const;

/** Change alerts: where and how run-end alerts are POSTed (src/sync/alerts.ts); absent without SM_WEBHOOK_URL. */
export interface WebhookSettings {
  url: string;
  secret: string;
  maxAttempts: number;
  /** First retry delay (seconds; 0 = at once, no backoff). */
  retrySeconds: number;
  timeoutMs: number;
  /** Accounts named per alert. */
  listMax: number;
}

/**
 * Where the database lives: a configured server, or a database (`sm_core`, or `sm_core_sample` for
 * the bundled sample accounts) of the embedded server that sm-core runs in `dataDir`.
 */
export type DatabaseTarget =
  | { kind: 'server'; connectionString: string }
  | { kind: 'embedded'; dataDir: string; database: string; idleSeconds: number };

/** The embedded server's database for real data. */
export const EMBEDDED_DATABASE = 'sm_core';
/** The embedded server's database for the bundled sample accounts (kept apart from real data). */
export const EMBEDDED_SAMPLE_DATABASE = 'sm_core_sample';

/** Resolved configuration, built once by {@link loadConfig} and passed down from the composition root. */
export interface Config {
  env: Env['SM_ENV'];
  /** No provider usable ({@link providerUnusable}), not production, no replay: the bundled sample data is served. */
  sampleData: boolean;
  /** SM_SAMPLE_TO_SERVER: sample accounts may be written into a configured server's database. */
  sampleToServer: boolean;
  database: DatabaseTarget;
  /** SM_DATA_DIR, absolute: the embedded server's home, whether or not a server is configured. */
  dataDir: string;
  /** SM_DB_IDLE_SECONDS: how long the embedded server outlives its last client (seconds). */
  dbIdleSeconds: number;
  /** SM_LOG_LEVEL; undefined when unset (then src/logger.ts defaultLogLevel applies). */
  logLevel: Env['SM_LOG_LEVEL'];
  logFormat: Env['SM_LOG_FORMAT'];
  rocket: { apiKey: string | undefined; host: string };
  rapid: { apiKey: string | undefined; host: string | undefined; family: 'rocket' | 'scraperapi2' | undefined };
  /** Provider names in priority order (SM_PROVIDER_PRIORITY), duplicates removed. */
  providerPriority: ProviderName[];
  /** Retry in place (src/providers/retry.ts). */
  providerRetry: { retries: number; baseDelayMs: number; retryAfterCapSeconds: number };
  feedbackDeferSeconds: number;
  /** Shared rate limits and budgets per provider (0 = no limit). */
  rateLimits: Record<'rocket' | 'scraper', { maxRps: number; dailyBudget: number; monthlyBudget: number }>;
  /** Record / replay directories (absolute), when set. */
  recordDir: string | undefined;
  replayDir: string | undefined;
  newRelicLicenseKey: string | undefined;
  newRelicAppName: string;
  providerTimeoutMs: number;
  followersPageSize: number;
  maxPages: number;
  /** Completeness gate and resume window (docs/history.md). */
  completenessMinShare: number;
  /** SM_COUNT_MAX_AGE_MINUTES: the completeness gate's count freshness (minutes; src/sync/completeness.ts). */
  countMaxAgeMinutes: number;
  /** SM_PRIVATE_MAX_AGE_HOURS: a profile sync that found it private spares list requests this long (hours). */
  privateMaxAgeHours: number;
  runResumeHours: number;
  /** SM_CURSOR_PROVIDER_WAIT_SECONDS (seconds; src/sync/provider-switch.ts). */
  cursorProviderWaitSeconds: number;
  /** Change alerts (SM_WEBHOOK_*); undefined when SM_WEBHOOK_URL is not set. */
  webhook: WebhookSettings | undefined;
  /** SM_DB_POOL_SIZE: connections in the database pool (src/db/server.ts). */
  dbPoolSize: number;
  /** Load limits of `serve` (src/http/server.ts, docs/api.md "Load"). */
  http: { searchConcurrency: number; searchQueue: number; searchWaitMs: number; healthTimeoutMs: number };
  /** Every value that must never appear in output; used by the logger and error printer to redact. */
  secrets: string[];
}

/**
 * Reads `.env` (development and test only, when present) into `process.env` without overriding
 * variables that are already set. Uses Node's built-in `process.loadEnvFile`.
 */
function loadDotEnv(env: NodeJS.ProcessEnv, cwd: string): void {
  const mode = env.SM_ENV ?? 'development';
  if (mode === 'production') return;
  const file = path.join(cwd, '.env');
  if (existsSync(file)) process.loadEnvFile(file);
}

/**
 * Parses and validates the environment once.
 * @throws ConfigError naming every invalid or (in production) missing key; values are never echoed.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  if (env === process.env) loadDotEnv(env, cwd);
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    // Each key once, with what it accepts where that is known; the value itself is never echoed (it may be a secret).
    const hints = new Map<string, string>();
    for (const i of parsed.error.issues) {
      const key = String(i.path[0]);
      // Every schema above that can fail names what it accepts in its message (never the value).
      const hint = i.code === 'invalid_value' ? ` (one of ${i.values.join(', ')})` : ` (${i.message})`;
      if (!hints.get(key)) hints.set(key, hint);
    }
    const keys = [...hints].map(([key, hint]) => key + hint);
    throw new ConfigError(`invalid configuration: ${keys.join(', ')} (see .env.example)`);
  }
  const e = parsed.data;
  if (e.SM_ENV === 'production') {
    const missing: string[] = [];
    if (!e.DATABASE_URL && !e.DB_HOST) missing.push('DATABASE_URL (or DB_HOST)');
    if (!e.DATABASE_URL && e.DB_HOST && !e.DB_USERNAME) missing.push('DB_USERNAME');
    if (!e.ROCKET_API_KEY && !e.RAPID_API_KEY) missing.push('ROCKET_API_KEY (or RAPID_API_KEY)');
    if (!e.ROCKET_API_KEY && e.RAPID_API_KEY && !e.RAPID_SCRAPER_API_HOST) missing.push('RAPID_SCRAPER_API_HOST');
    if (missing.length) {
      throw new ConfigError(`missing required configuration for production: ${missing.join(', ')} (see .env.example)`);
    }
  }
  if (e.SM_WEBHOOK_URL && !e.SM_WEBHOOK_SECRET) {
    throw new ConfigError('SM_WEBHOOK_SECRET must be set with SM_WEBHOOK_URL: every alert is signed (see .env.example)');
  }
  if (e.SM_HTTP_SEARCH_CONCURRENCY >= e.SM_DB_POOL_SIZE) {
    // Searches holding every connection would leave profiles and metrics waiting behind them (issue 14).
    throw new ConfigError(
      `invalid configuration: SM_HTTP_SEARCH_CONCURRENCY must be below SM_DB_POOL_SIZE (${e.SM_DB_POOL_SIZE}) (see .env.example)`,
    );
  }
  const providers = {
    rocket: { apiKey: e.ROCKET_API_KEY, host: e.ROCKET_API_HOST.replace(/\/+$/, '') },
    rapid: { apiKey: e.RAPID_API_KEY, host: e.RAPID_SCRAPER_API_HOST, family: e.RAPID_SCRAPER_API_FAMILY },
    providerPriority: [...new Set(e.SM_PROVIDER_PRIORITY.split(',').map((n) => n.trim() as ProviderName))],
  };
  // The bundled sample data is served (src/providers/registry.ts) when no provider is usable,
  // outside production and replay.
  const sampleData =
    e.SM_ENV !== 'production' && !e.SM_REPLAY_DIR && providers.providerPriority.every((n) => providerUnusable(providers, n) !== null);
  return {
    env: e.SM_ENV,
    sampleData,
    sampleToServer: e.SM_SAMPLE_TO_SERVER,
    database: resolveDatabase(e, cwd, sampleData),
    dataDir: path.resolve(cwd, e.SM_DATA_DIR),
    dbIdleSeconds: e.SM_DB_IDLE_SECONDS,
    logLevel: e.SM_LOG_LEVEL,
    logFormat: e.SM_LOG_FORMAT,
    ...providers,
    providerRetry: {
      retries: e.SM_PROVIDER_RETRIES,
      baseDelayMs: e.SM_PROVIDER_RETRY_BASE_MS,
      retryAfterCapSeconds: e.SM_RETRY_AFTER_CAP_SECONDS,
    },
    feedbackDeferSeconds: e.SM_FEEDBACK_DEFER_SECONDS,
    rateLimits: {
      rocket: { maxRps: e.SM_ROCKET_MAX_RPS, dailyBudget: e.SM_ROCKET_DAILY_BUDGET, monthlyBudget: e.SM_ROCKET_MONTHLY_BUDGET },
      scraper: { maxRps: e.SM_SCRAPER_MAX_RPS, dailyBudget: e.SM_SCRAPER_DAILY_BUDGET, monthlyBudget: e.SM_SCRAPER_MONTHLY_BUDGET },
    },
    recordDir: e.SM_RECORD_DIR ? path.resolve(cwd, e.SM_RECORD_DIR) : undefined,
    replayDir: e.SM_REPLAY_DIR ? path.resolve(cwd, e.SM_REPLAY_DIR) : undefined,
    newRelicLicenseKey: e.NEW_RELIC_LICENSE_KEY,
    newRelicAppName: e.NEW_RELIC_APP_NAME,
    providerTimeoutMs: e.SM_PROVIDER_TIMEOUT_MS,
    followersPageSize: e.SM_FOLLOWERS_PAGE_SIZE,
    maxPages: e.SM_MAX_PAGES,
    completenessMinShare: e.SM_COMPLETENESS_MIN_SHARE,
    countMaxAgeMinutes: e.SM_COUNT_MAX_AGE_MINUTES,
    privateMaxAgeHours: e.SM_PRIVATE_MAX_AGE_HOURS,
    runResumeHours: e.SM_RUN_RESUME_HOURS,
    cursorProviderWaitSeconds: e.SM_CURSOR_PROVIDER_WAIT_SECONDS,
    webhook:
      e.SM_WEBHOOK_URL && e.SM_WEBHOOK_SECRET
        ? {
            url: e.SM_WEBHOOK_URL,
            secret: e.SM_WEBHOOK_SECRET,
            maxAttempts: e.SM_WEBHOOK_MAX_ATTEMPTS,
            retrySeconds: e.SM_WEBHOOK_RETRY_SECONDS,
            timeoutMs: e.SM_WEBHOOK_TIMEOUT_MS,
            listMax: e.SM_WEBHOOK_LIST_MAX,
          }
        : undefined,
    dbPoolSize: e.SM_DB_POOL_SIZE,
    http: {
      searchConcurrency: e.SM_HTTP_SEARCH_CONCURRENCY,
      searchQueue: e.SM_HTTP_SEARCH_QUEUE,
      searchWaitMs: e.SM_HTTP_SEARCH_WAIT_MS,
      healthTimeoutMs: e.SM_HEALTH_TIMEOUT_MS,
    },
    secrets: SECRET_KEYS.map((k) => e[k]).filter((v): v is string => typeof v === 'string' && v.length >= 4),
  };
}

/** A provider of SM_PROVIDER_PRIORITY. */
export type ProviderName = 'rocket' | 'scraper';

/**
 * Why provider `name` cannot be used (the setting it lacks), or null when it can: rocket needs
 * ROCKET_API_KEY, scraper needs RAPID_API_KEY and RAPID_SCRAPER_API_HOST. The one rule behind both
 * the providers built (src/providers/registry.ts) and `sampleData`.
 */
export function providerUnusable(config: Pick<Config, 'rocket' | 'rapid'>, name: ProviderName): string | null {
  if (name === 'rocket') return config.rocket.apiKey ? null : 'ROCKET_API_KEY not set';
  if (!config.rapid.apiKey) return 'RAPID_API_KEY not set';
  return config.rapid.host ? null : 'RAPID_SCRAPER_API_HOST not set';
}

/**
 * The database: DATABASE_URL, else DB_HOST..., else the embedded server in SM_DATA_DIR. There, sample
 * data (invented accounts) goes to its own database, so it never mixes with real data.
 */
function resolveDatabase(e: Env, cwd: string, sampleData: boolean): DatabaseTarget {
  if (e.DATABASE_URL) return { kind: 'server', connectionString: e.DATABASE_URL };
  if (e.DB_HOST) {
    const url = new URL('postgres://localhost');
    url.hostname = e.DB_HOST;
    url.port = String(e.DB_PORT);
    if (e.DB_USERNAME) url.username = e.DB_USERNAME;
    if (e.DB_PASSWORD) url.password = e.DB_PASSWORD;
    url.pathname = `/${e.DB_NAME ?? `sm_core_${e.SM_ENV}`}`;
    return { kind: 'server', connectionString: url.toString() };
  }
  const dataDir = path.resolve(cwd, e.SM_DATA_DIR);
  return {
    kind: 'embedded',
    dataDir,
    database: sampleData ? EMBEDDED_SAMPLE_DATABASE : EMBEDDED_DATABASE,
    idleSeconds: e.SM_DB_IDLE_SECONDS,
  };
}

/**
 * Replaces every secret value inside `text` with `[redacted]`; also masks the password of any
 * postgres URL. Used on every log line and every error message that leaves the process.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('[redacted]');
  return out.replace(/(postgres(?:ql)?:\/\/[^:/@\s]+:)[^@\s]+@/g, '$1[redacted]@');
}

/** A view of the configuration safe to print: secrets replaced by `set`/`unset`. */
export function describeConfig(config: Config): Record<string, string> {
  return {
    SM_ENV: config.env,
    database:
      config.database.kind === 'embedded'
        ? `embedded (${config.database.dataDir}, database ${config.database.database})`
        : redact(config.database.connectionString, config.secrets),
    ROCKET_API_HOST: config.rocket.host,
    ROCKET_API_KEY: config.rocket.apiKey ? 'set' : 'unset',
    RAPID_SCRAPER_API_HOST: config.rapid.host ?? 'unset',
    RAPID_API_KEY: config.rapid.apiKey ? 'set' : 'unset',
    NEW_RELIC_LICENSE_KEY: config.newRelicLicenseKey ? 'set' : 'unset',
  };
}
