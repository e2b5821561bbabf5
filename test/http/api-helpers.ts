// Starts the API server on a loopback port for a test file and gives a small fetch wrapper.
import type { AddressInfo } from 'node:net';
import type { Database } from '../../src/db/database.ts';
import { createHttpServer, type ApiServer, type HttpDeps, type HttpOptions } from '../../src/http/server.ts';
import { createLogger } from '../../src/logger.ts';

/** A running server and its base URL (`http://127.0.0.1:PORT`). */
export interface RunningApi {
  server: ApiServer;
  base: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 with an OS-assigned port. */
export async function startApi(db: Database, options: HttpOptions = {}, deps: Partial<HttpDeps> = {}): Promise<RunningApi> {
  const server = createHttpServer({ db, logger: createLogger('silent'), ...deps }, options);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, base, close: () => server.shutdown(1000) };
}

/** A response read whole: status, headers, parsed JSON (or null) and the raw text. */
export interface Reply {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: parsed JSON of a reply; tests assert it field by field
  json: any;
  text: string;
}

/** Sends one request through the real HTTP stack (global fetch) and reads the body. */
export async function request(base: string, path: string, init?: RequestInit): Promise<Reply> {
  const res = await fetch(base + path, init);
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, headers: res.headers, json, text };
}

/** Usernames of a search reply, in order. */
export function usernames(reply: Reply): string[] {
  return (reply.json?.data ?? []).map((b: { username: string }) => b.username);
}

/** Polls `check` until it returns true, every 25 ms (no sleeps as synchronisation). @throws after `timeoutMs` */
export async function until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
