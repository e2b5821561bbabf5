// Child process of test/providers/rate-gate-processes.test.ts: one worker sending COUNT requests to a
// loopback server, CONCURRENCY at a time, each first reserved through the shared gate
// (src/providers/rate-gate.ts). Prints {"sent":n,"refused":n,"sendTimes":[Date.now() of each send]}.
import { setTimeout as delay } from 'node:timers/promises';
import { openDatabase } from '../../src/db/database.ts';
import { ProviderError } from '../../src/errors.ts';
import { createLogger } from '../../src/logger.ts';
import { createDbRateGate } from '../../src/providers/rate-gate.ts';

const env = process.env;
const db = await openDatabase({ kind: 'server', connectionString: env.GATE_DATABASE_URL ?? '' }, createLogger('silent'));
const gate = createDbRateGate(db, {
  rocket: { maxRps: Number(env.GATE_MAX_RPS ?? 0), dailyBudget: Number(env.GATE_DAILY_BUDGET ?? 0), monthlyBudget: 0 },
});
const count = Number(env.GATE_REQUESTS ?? 0);
const sendTimes: number[] = [];
let started = 0;
let refused = 0;
/** Takes a slot like the retry layer does: a short refusal (a missed slot on a busy machine) is retried after its wait. */
async function acquire(): Promise<boolean> {
  for (;;) {
    try {
      await gate.acquire('rocket');
      return true;
    } catch (err) {
      if (!(err instanceof ProviderError)) throw err;
      if ((err.retryAfterSeconds ?? 0) > 30) return false; // a budget: deferred, never sent
      await delay((err.retryAfterSeconds ?? 1) * 1000);
    }
  }
}

async function loop(): Promise<void> {
  while (started < count) {
    started++;
    if (!(await acquire())) {
      refused++;
      continue;
    }
    sendTimes.push(Date.now());
    const res = await fetch(env.GATE_TARGET ?? '', { method: 'POST', body: JSON.stringify({ pid: process.pid }) });
    await res.text();
  }
}
await Promise.all(Array.from({ length: Number(env.GATE_CONCURRENCY ?? 1) }, loop));
await db.close();
process.stdout.write(JSON.stringify({ sent: sendTimes.length, refused, sendTimes }));
