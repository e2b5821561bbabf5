// Connection loss classification and the in-place re-run of a transaction (CASES.md C17).
import { describe, expect, it } from 'vitest';
import { isConnectionLoss, retryOnConnectionLoss } from '../../src/db/connection-loss.ts';
import { createLogger } from '../../src/logger.ts';

const logger = createLogger('silent');
const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isConnectionLoss', () => {
  it('is true for lost connections, false for statement errors', () => {
    expect(isConnectionLoss(pgError('57P01', 'terminating connection due to administrator command'))).toBe(true);
    expect(isConnectionLoss(pgError('08006'))).toBe(true);
    expect(isConnectionLoss(pgError('ECONNRESET'))).toBe(true);
    expect(isConnectionLoss(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isConnectionLoss(pgError('23505', 'duplicate key value violates unique constraint'))).toBe(false);
    expect(isConnectionLoss(pgError('40001'))).toBe(false);
    expect(isConnectionLoss(null)).toBe(false);
    expect(isConnectionLoss('Connection terminated')).toBe(false);
  });
});

describe('retryOnConnectionLoss', () => {
  it('runs the transaction again after a connection loss', async () => {
    let calls = 0;
    const out = await retryOnConnectionLoss(
      async () => {
        calls++;
        if (calls < 3) throw pgError('57P01');
        return 'committed';
      },
      { what: 'test', logger, delayMs: 1 },
    );
    expect(out).toBe('committed');
    expect(calls).toBe(3);
  });

  it('throws any other error at once, and the last loss after the attempts', async () => {
    let calls = 0;
    const dup = pgError('23505');
    await expect(
      retryOnConnectionLoss(
        async () => {
          calls++;
          throw dup;
        },
        { what: 'test', logger, delayMs: 1 },
      ),
    ).rejects.toBe(dup);
    expect(calls).toBe(1);
    calls = 0;
    await expect(
      retryOnConnectionLoss(
        async () => {
          calls++;
          throw pgError('08006', `lost ${calls}`);
        },
        { what: 'test', logger, delayMs: 1, attempts: 3 },
      ),
    ).rejects.toThrow('lost 3');
    expect(calls).toBe(3);
  });
});
