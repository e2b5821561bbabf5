// Shutdown on SIGINT/SIGTERM: the first signal stops taking new jobs and lets the job in flight
// finish (its page commits, or is cleanly retried later); after the grace period, or on a second
// signal, requests in flight are aborted and the process exits.

/** Signals a long command watches, and how it stops. */
export interface Shutdown {
  /** Aborted on the first signal: stop fetching jobs. */
  stopSignal: AbortSignal;
  /** Aborted on the second signal or when the grace period ends: abort requests in flight. */
  abortSignal: AbortSignal;
  /** The signal received first, if any. */
  readonly received: NodeJS.Signals | null;
  /** Removes the handlers (call once the work ended). */
  dispose(): void;
}

/**
 * Installs SIGINT/SIGTERM handlers.
 * @param graceMs time the job in flight gets after the first signal before it is aborted (ms)
 * @param onFirst called on the first signal (print what happens next)
 */
export function watchShutdown(graceMs: number, onFirst?: (signal: NodeJS.Signals) => void): Shutdown {
  const stop = new AbortController();
  const abort = new AbortController();
  let received: NodeJS.Signals | null = null;
  let timer: NodeJS.Timeout | undefined;
  const handler = (signal: NodeJS.Signals) => {
    if (!received) {
      received = signal;
      stop.abort();
      onFirst?.(signal);
      timer = setTimeout(() => abort.abort(), graceMs);
      timer.unref();
      return;
    }
    // Second signal: force.
    abort.abort();
    process.stderr.write('sm-core: second signal: aborting now\n');
    process.exit(130);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    stopSignal: stop.signal,
    abortSignal: abort.signal,
    get received() {
      return received;
    },
    dispose() {
      clearTimeout(timer);
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
