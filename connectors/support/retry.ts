/** Exponential backoff with jitter, for connectors reaching a backend that is not up yet. */
import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryOptions {
  readonly retries: number;
  readonly initialMs: number;
  readonly maxMs: number;
  readonly onRetry?: (attempt: number, error: unknown, delayMs: number) => void;
  readonly signal?: AbortSignal;
}

export async function withRetry<T>(fn: () => Promise<T>, o: RetryOptions): Promise<T> {
  let attempt = 0;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      attempt++;
      if (attempt > o.retries || o.signal?.aborted) throw e;
      const base = Math.min(o.maxMs, o.initialMs * 2 ** (attempt - 1));
      const delay = Math.round(base / 2 + Math.random() * (base / 2));
      o.onRetry?.(attempt, e, delay);
      await sleep(delay, undefined, o.signal ? { signal: o.signal } : undefined);
    }
  }
}
