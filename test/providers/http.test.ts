// The HTTP seam: total budget incl. body (CASES.md C11), transport errors, Retry-After.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/errors.ts';
import { createHttpClient, retryAfterSeconds } from '../../src/providers/http.ts';
import { createRocketClient } from '../../src/providers/rocket/client.ts';
import { startFakeRocketServer, type FakeRocketServer } from '../../src/providers/sample/fake-rocket-server.ts';
import { TEST_KEY } from './helpers.ts';

// Long enough that a loaded CI machine still delivers the headers of the half-body server inside it.
const BUDGET_MS = 1_500;

/** A TCP server that accepts and never answers (C11 server 1); tracks open sockets. */
async function silentServer() {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    s.resume(); // read (and discard) the request so the client's FIN is seen
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    sockets,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function until(cond: () => boolean, timeoutMs = 3_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

let fake: FakeRocketServer;
beforeAll(async () => {
  fake = await startFakeRocketServer();
});
afterAll(() => fake.close());

describe('C11 stalled peer', () => {
  it('server 1: accepts TCP, never sends headers -> retryable timeout within the budget, socket released', async () => {
    const silent = await silentServer();
    const client = createHttpClient({ provider: 'rocket', timeoutMs: BUDGET_MS });
    try {
      const started = performance.now();
      const err = await client
        .request({ method: 'POST', url: `${silent.url}/instagram/user/get_followers`, body: '{}' })
        .catch((e: unknown) => e);
      const elapsed = performance.now() - started;
      expect(err).toBeInstanceOf(ProviderError);
      expect(err).toMatchObject({ kind: 'transient' });
      expect((err as Error).message).toContain(`timed out after ${BUDGET_MS} ms waiting for the headers`);
      expect(elapsed).toBeGreaterThanOrEqual(BUDGET_MS - 5);
      expect(elapsed).toBeLessThan(BUDGET_MS + 1_000);
      await until(() => silent.sockets.size === 0); // the client dropped the connection
    } finally {
      await client.close();
      await silent.close();
    }
  });

  it('server 2: headers then half the body, then stalls -> timeout counts the body', async () => {
    fake.script('get_followers', { fixture: 'rocketapi-user-get_followers-page1.json', stall: 'body' });
    const rocket = createRocketClient({ host: fake.url, apiKey: TEST_KEY, timeoutMs: BUDGET_MS });
    try {
      const started = performance.now();
      const err = await rocket.getFollowersPage('9100000001', null, 50).catch((e: unknown) => e);
      const elapsed = performance.now() - started;
      expect(err).toMatchObject({ kind: 'transient' });
      expect((err as Error).message).toContain('waiting for the body');
      expect((err as ProviderError).call).toMatchObject({ endpoint: 'instagram/user/get_followers', httpStatus: null });
      expect(elapsed).toBeLessThan(BUDGET_MS + 1_000);
    } finally {
      await rocket.close();
    }
  });

  it('a slow but complete answer inside the budget succeeds', async () => {
    fake.script('get_followers', { fixture: 'rocketapi-user-get_followers-page2.json', delayMs: 50 });
    const rocket = createRocketClient({ host: fake.url, apiKey: TEST_KEY, timeoutMs: 2_000 });
    try {
      const { data, call } = await rocket.getFollowersPage('9100000001', null, 50);
      expect(data.users).toHaveLength(5);
      expect(call.latencyMs).toBeGreaterThanOrEqual(45);
    } finally {
      await rocket.close();
    }
  });
});

describe('transport errors', () => {
  it('connection refused -> unreachable, naming the host and the cause', async () => {
    const silent = await silentServer();
    const url = silent.url;
    await silent.close();
    const client = createHttpClient({ provider: 'scraper', timeoutMs: 2_000 });
    try {
      const err = await client.request({ method: 'GET', url: `${url}/v1/info` }).catch((e: unknown) => e);
      expect(err).toMatchObject({ kind: 'unreachable', transport: 'refused', provider: 'scraper' });
      expect((err as Error).message).toBe(
        `scraper: GET /v1/info failed: cannot connect to ${new URL(url).host}: connection refused (ECONNREFUSED); is the provider's host setting right?`,
      );
    } finally {
      await client.close();
    }
  });

  it('https:// to a port that does not speak TLS -> unreachable (tls), naming the host', async () => {
    // Accepts the connection and closes it at once, as a plain server does on a TLS hello it cannot read.
    const server = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const host = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const client = createHttpClient({ provider: 'rocket', timeoutMs: 2_000 });
    try {
      const err = await client.request({ method: 'GET', url: `https://${host}/v1/info` }).catch((e: unknown) => e);
      expect(err).toMatchObject({ kind: 'unreachable', transport: 'tls', provider: 'rocket' });
      expect((err as Error).message).toMatch(
        new RegExp(`^rocket: GET /v1/info failed: TLS handshake with ${host} failed: .+ \\(ECONNRESET\\)$`),
      );
    } finally {
      await client.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('a port fetch never uses (ROCKET_API_HOST=http://127.0.0.1:1) -> unreachable (bad_port), no socket opened', async () => {
    const client = createHttpClient({ provider: 'rocket', timeoutMs: 2_000 });
    try {
      const err = await client
        .request({ method: 'POST', url: 'http://127.0.0.1:1/instagram/user/get_info', body: '{}' })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ kind: 'unreachable', transport: 'bad_port' });
      expect((err as Error).message).toBe(
        'rocket: POST /instagram/user/get_info failed: cannot connect to 127.0.0.1:1: fetch never uses that port ("bad port" in the Fetch standard); check the provider\'s host setting',
      );
    } finally {
      await client.close();
    }
  });

  it('a connection reset mid-request stays transient (the request may have reached the provider), naming the host', async () => {
    const server = net.createServer((s) => {
      s.on('error', () => {});
      s.once('data', () => s.resetAndDestroy());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const host = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const client = createHttpClient({ provider: 'rocket', timeoutMs: 2_000 });
    try {
      const err = await client.request({ method: 'GET', url: `http://${host}/v1/info` }).catch((e: unknown) => e);
      expect(err).toMatchObject({ kind: 'transient' });
      expect((err as Error).message).toBe(`rocket: GET /v1/info to ${host} failed: network error (ECONNRESET)`);
    } finally {
      await client.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('caller abort -> transient, before the budget', async () => {
    fake.script('get_info', { stall: 'headers' });
    const client = createHttpClient({ provider: 'rocket', timeoutMs: 5_000 });
    try {
      const ctrl = new AbortController();
      setTimeout(() => ctrl.abort(), 20);
      const err = await client
        .request({ method: 'POST', url: `${fake.url}/instagram/user/get_info`, body: '{}', signal: ctrl.signal })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ kind: 'transient' });
      expect((err as Error).message).toContain('aborted');
    } finally {
      await client.close();
    }
  });
});

describe('retryAfterSeconds', () => {
  it('reads delay-seconds and HTTP-dates', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterSeconds({ 'retry-after': '120' }, now)).toBe(120);
    expect(retryAfterSeconds({ 'retry-after': 'Thu, 01 Jan 2026 00:10:00 GMT' }, now)).toBe(600);
    expect(retryAfterSeconds({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(retryAfterSeconds({}, now)).toBeUndefined();
  });
});
