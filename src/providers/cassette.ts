// Record and replay of provider exchanges (issue 3 §9): with SM_RECORD_DIR every HTTP exchange is
// written as a cassette; with SM_REPLAY_DIR providers answer from cassettes, with no network.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { redact } from '../config.ts';
import { AppError, EXIT } from '../errors.ts';
import type { HttpClient, HttpRequest, HttpResponse } from './http.ts';

/** One recorded exchange. Requests keep no headers (they carry API keys) and no host. */
export interface Cassette {
  version: 1;
  provider: string;
  recordedAt: string;
  request: { method: string; path: string; query: Record<string, string>; body: string | null };
  response: { status: number; headers: Record<string, string>; body: string; latencyMs: number };
}

/** Response headers worth keeping (classification reads them); everything else is dropped. */
const KEEP_HEADERS = /^(content-type|retry-after|x-ratelimit-.*)$/;

function requestParts(req: HttpRequest): Cassette['request'] {
  const url = new URL(req.url);
  const query = Object.fromEntries([...url.searchParams].sort(([a], [b]) => a.localeCompare(b)));
  return { method: req.method, path: url.pathname, query, body: req.body ?? null };
}

/** File stem of a request: `<path slug>-<sha256 of method, path, sorted query and body, 12 hex>`. */
function stem(r: Cassette['request']): string {
  const hash = createHash('sha256')
    .update(JSON.stringify([r.method, r.path, r.query, r.body]))
    .digest('hex')
    .slice(0, 12);
  const slug = r.path.replace(/^\/+/, '').replace(/[^a-zA-Z0-9_.-]+/g, '-') || 'root';
  return `${slug}-${hash}`;
}

/**
 * Writes cassettes under `<dir>/<provider>/<stem>-<n>.json` (n = 1, 2, ... for repeated identical
 * requests, e.g. a 503 then its retry). Every secret value is replaced by `[redacted]`.
 */
export function createRecorder(dir: string, secrets: readonly string[]) {
  return {
    record(provider: string, req: HttpRequest, res: HttpResponse): string {
      const request = requestParts(req);
      const headers = Object.fromEntries(Object.entries(res.headers).filter(([k]) => KEEP_HEADERS.test(k)));
      const cassette: Cassette = {
        version: 1,
        provider,
        recordedAt: new Date().toISOString(),
        request,
        response: { status: res.status, headers, body: res.body, latencyMs: res.latencyMs },
      };
      const folder = path.join(dir, provider);
      mkdirSync(folder, { recursive: true });
      const base = stem(request);
      let n = 1;
      while (existsSync(path.join(folder, `${base}-${n}.json`))) n++;
      const file = path.join(folder, `${base}-${n}.json`);
      writeFileSync(file, `${redact(JSON.stringify(cassette, null, 2), secrets)}\n`, { flag: 'wx' });
      return file;
    },
  };
}

/** A recorder as used by the HTTP seam. */
export type Recorder = ReturnType<typeof createRecorder>;

/** Provider names that have cassettes in `dir` (sub-directories). */
export function recordedProviders(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name);
}

/** True when `provider`'s cassettes use the instagram-scraper-api2 routes (`/v1/...`). */
export function recordedScraperApi2(dir: string, provider: string): boolean {
  return readdirSync(path.join(dir, provider)).some((f) => f.startsWith('v1-'));
}

/**
 * An HttpClient that answers from `<dir>/<provider>/` cassettes: identical requests get the recorded
 * answers in order, then the last one again. Host and headers are ignored.
 * @throws AppError (exit 6) when no cassette matches: record it first with SM_RECORD_DIR
 */
export function createReplayHttpClient(dir: string, provider: string): HttpClient {
  const folder = path.join(dir, provider);
  const served = new Map<string, number>();
  return {
    provider,
    timeoutMs: 0,
    async request(req) {
      const request = requestParts(req);
      const base = stem(request);
      const files = existsSync(folder)
        ? readdirSync(folder)
            .filter((f) => f.startsWith(`${base}-`) && /-\d+\.json$/.test(f))
            .sort((a, b) => Number(/-(\d+)\.json$/.exec(a)![1]) - Number(/-(\d+)\.json$/.exec(b)![1]))
        : [];
      if (!files.length) {
        throw new AppError(
          `replay: no cassette for ${request.method} ${request.path} ${JSON.stringify(request.query)} ${request.body ?? ''} in ${folder} (record it first with SM_RECORD_DIR)`,
          EXIT.runFailed,
        );
      }
      const i = served.get(base) ?? 0;
      served.set(base, i + 1);
      const cassette = JSON.parse(readFileSync(path.join(folder, files[Math.min(i, files.length - 1)]!), 'utf8')) as Cassette;
      return { status: cassette.response.status, headers: cassette.response.headers, body: cassette.response.body, latencyMs: 0 };
    },
    async close() {},
  };
}
