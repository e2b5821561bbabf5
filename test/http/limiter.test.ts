// The query limiter (searches and analyses) on its own: slots, first-come-first-served hand-over, queue bound, wait bound.
import { describe, expect, it } from 'vitest';
import { createLimiter, type ShedReason } from '../../src/http/limiter.ts';

/** A unit of work that ends when `finish` is called. */
function gate(): { promise: Promise<void>; finish: () => void } {
  let finish = () => {};
  const promise = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return { promise, finish };
}

describe('createLimiter', () => {
  it('runs `concurrency` items at once, hands slots to waiters in arrival order, and refuses past the queue', async () => {
    const shed: string[] = [];
    const waits: number[] = [];
    const limiter = createLimiter(
      { concurrency: 2, queue: 2, maxWaitMs: 60_000 },
      { shed: (r: ShedReason, route) => shed.push(`${r} ${route}`), admitted: (s) => waits.push(s) },
    );
    const order: string[] = [];
    const gates = ['a', 'b', 'c', 'd'].map(() => gate());
    const runs = ['a', 'b', 'c', 'd'].map((name, i) =>
      limiter.run(async () => {
        order.push(name);
        await gates[i]!.promise;
        return name;
      }, 'search'),
    );
    await expect(limiter.run(async () => 'e', 'overlap')).rejects.toMatchObject({
      status: 503,
      code: 'overloaded',
      headers: { 'retry-after': '1' },
    });
    expect([order, limiter.stats(), shed]).toEqual([
      ['a', 'b'],
      { active: 2, queued: 2, concurrency: 2, queue: 2 },
      ['queue_full overlap'],
    ]);
    gates[1]!.finish();
    await expect(runs[1]).resolves.toBe('b');
    await expect.poll(() => order).toEqual(['a', 'b', 'c']);
    for (const g of gates) g.finish();
    expect(await Promise.all(runs)).toEqual(['a', 'b', 'c', 'd']);
    expect([order, limiter.stats(), waits.length, waits.slice(0, 2)]).toEqual([
      ['a', 'b', 'c', 'd'],
      { active: 0, queued: 0, concurrency: 2, queue: 2 },
      4,
      [0, 0],
    ]);
  });

  it('frees the slot of an item that failed', async () => {
    const limiter = createLimiter({ concurrency: 1, queue: 0, maxWaitMs: 0 });
    await expect(limiter.run(async () => Promise.reject(new Error('boom')), 'search')).rejects.toThrow('boom');
    await expect(limiter.run(async () => 'next', 'search')).resolves.toBe('next');
    expect(limiter.stats().active).toBe(0);
  });
});
