// `sm-core worker` with SM_WEBHOOK_URL (issue 16 §4): the worker that ends a run also delivers its
// change alert to a receiver on loopback (signature checked), and stops cleanly on SIGTERM.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type FakeRocketServer, startFakeRocketServer } from '../../src/providers/sample/fake-rocket-server.ts';
import { runCli, startCli } from '../helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const API_KEY = 'test-key';
const SECRET = 'worker-alerts-secret-0123';

describe('sm-core worker delivers change alerts', () => {
  let tdb: TestDatabase;
  let provider: FakeRocketServer;
  let receiver: Server;
  const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    provider = await startFakeRocketServer({ apiKey: API_KEY });
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString('utf8');
      });
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    env = {
      DATABASE_URL: tdb.url,
      ROCKET_API_HOST: provider.url,
      ROCKET_API_KEY: API_KEY,
      SM_ENV: 'test',
      SM_LOG_LEVEL: 'info',
      SM_WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
      SM_WEBHOOK_SECRET: SECRET,
    };
  });
  afterAll(async () => {
    await provider.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    await tdb.drop();
  });

  it('a profile that does not exist: the worker ends the run and POSTs run.not_found, signed', async () => {
    const queued = await runCli(['sync-profile', 'ghost.account', '--enqueue'], env);
    expect(queued.code, queued.stderr).toBe(0);
    const worker = startCli(['worker', '--concurrency', '1', '--grace', '5'], env);
    await vi.waitFor(() => expect(received).toHaveLength(1), { timeout: 30_000, interval: 20 });
    worker.child.kill('SIGTERM');
    const result = await worker.done;
    expect(result.code, result.stderr).toBe(0);
    const [got] = received;
    const timestamp = String(got!.headers['x-sm-timestamp']);
    expect(got!.headers['x-sm-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(`${timestamp}.${got!.body}`).digest('hex')}`);
    expect(JSON.parse(got!.body)).toMatchObject({
      event: 'run.not_found',
      profile: { lookup: 'username:ghost.account' },
      run: { kind: 'profile', status: 'failed', outcome: 'not_found' },
    });
    // Neither the secret nor the URL reached the worker's log.
    expect(result.stderr).not.toContain(SECRET);
    expect(result.stderr).not.toContain('/hook');
    expect(result.stderr).toContain('alert delivered');
  }, 60_000);
});
