// The hook a provider request runs right before each HTTP attempt leaves (the first one and every
// retry in place): the sync layer checks there that its queue job still owns the page and writes the
// attempt to the run's ledger ahead of sending it (issue 13 §4). It travels with the call through
// AsyncLocalStorage, so the Provider contract (types.ts) and every provider stay as they are.
import { AsyncLocalStorage } from 'node:async_hooks';

/** What an attempt about to be sent is. */
export interface AttemptFacts {
  /** The provider it goes to. */
  provider: string;
  /** The retry layer's endpoint name (`profile`, `followers`, `followings`). */
  endpoint: string;
}

/**
 * Called before each HTTP attempt, after the rate gate let it go. Resolving lets the attempt go out;
 * throwing anything stops the call with that error before a byte is sent, and no retry follows
 * (src/providers/retry.ts rethrows errors that are not a ProviderError).
 */
export interface AttemptGuard {
  beforeSend(attempt: AttemptFacts): Promise<void>;
}

const current = new AsyncLocalStorage<AttemptGuard>();

/** Runs `fn` with `guard` consulted before every HTTP attempt of the provider calls it makes. */
export function withAttemptGuard<T>(guard: AttemptGuard, fn: () => Promise<T>): Promise<T> {
  return current.run(guard, fn);
}

/** The guard of the call in progress, if any (src/providers/retry.ts asks before each attempt). */
export function currentAttemptGuard(): AttemptGuard | undefined {
  return current.getStore();
}
