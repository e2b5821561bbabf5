// Child process of test/providers/rate-gate.test.ts: one worker sending N profile requests through the
// shared gate (rocket: 2 requests per second, 7 per day). Prints {"sent":n,"refused":n} on stdout.
import { openDatabase } from '../../src/db/database.ts';
import { ProviderError } from '../../src/errors.ts';
import { createLogger } from '../../src/logger.ts';
import { createDbRateGate } from '../../src/providers/rate-gate.ts';
import { withRetry } from '../../src/providers/retry.ts';
import { createRocketClient } from '../../src/providers/rocket/client.ts';

const env = process.env;
const logger = createLogger('silent');
const db = await openDatabase({ kind: 'server', connectionString: env.GATE_DATABASE_URL ?? '' }, logger);
const rocket = createRocketClient({ host: env.GATE_FAKE_URL ?? '', apiKey: env.GATE_KEY ?? '', timeoutMs: 5_000 });
const gate = createDbRateGate(db, { rocket: { maxRps: 2, dailyBudget: 7, monthlyBudget: 0 } });
const provider = withRetry(rocket, { retries: 0, baseDelayMs: 5, retryAfterCapSeconds: 30, gate });
let sent = 0;
let refused = 0;
for (let i = 0; i < Number(env.GATE_REQUESTS ?? '0'); i++) {
  try {
    await provider.getProfile({ username: 'demo.blogger' });
    sent++;
  } catch (err) {
    if (!(err instanceof ProviderError) || err.kind !== 'rate_limited') throw err;
    refused++;
  }
}
process.stdout.write(JSON.stringify({ sent, refused }));
await rocket.close();
await db.close();
