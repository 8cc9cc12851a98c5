/** A graphql-ws subscription that stamps every payload with its arrival time (performance.now()). */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

export interface Arrival<T> {
  /** performance.now() when the payload was handed to us. */
  readonly at: number;
  readonly value: T;
}

export interface TimedSubscription<T> {
  readonly arrivals: readonly Arrival<T>[];
  readonly errors: readonly unknown[];
  /** The first arrival from index `from` on that satisfies `match`, waiting up to `timeoutMs`. */
  next(match: (value: T) => boolean, timeoutMs: number, from?: number): Promise<Arrival<T>>;
  close(): Promise<void>;
}

interface Waiter<T> {
  readonly match: (value: T) => boolean;
  readonly resolve: (a: Arrival<T>) => void;
}

/**
 * `connectionParams` is the graphql-ws `connection_init` payload: the caller's credentials for a
 * gateway with auth on (`{ authorization: 'Bearer …' }`, a dashboard or admin token).
 */
export function timedSubscription<T>(httpUrl: string, query: string, variables: Record<string, unknown>, pick: (data: Record<string, unknown>) => T, connectionParams?: Record<string, unknown>): TimedSubscription<T> {
  const client = createClient({ url: httpUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, lazy: false, ...(connectionParams ? { connectionParams } : {}) });
  const arrivals: Arrival<T>[] = [];
  const errors: unknown[] = [];
  const waiters = new Set<Waiter<T>>();
  const dispose = client.subscribe<Record<string, unknown>>(
    { query, variables },
    {
      next: (r) => {
        const at = performance.now();
        if (r.errors) errors.push(r.errors);
        if (!r.data) return;
        const a: Arrival<T> = { at, value: pick(r.data) };
        arrivals.push(a);
        for (const w of waiters) {
          if (w.match(a.value)) {
            waiters.delete(w);
            w.resolve(a);
          }
        }
      },
      error: (e) => errors.push(e),
      complete: () => undefined,
    },
  );
  return {
    arrivals,
    errors,
    next: (match, timeoutMs, from = 0) => {
      for (let i = from; i < arrivals.length; i++) {
        const a = arrivals[i] as Arrival<T>;
        if (match(a.value)) return Promise.resolve(a);
      }
      return new Promise((resolve, reject) => {
        const w: Waiter<T> = { match, resolve: (a) => { clearTimeout(timer); resolve(a); } };
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`no matching subscription payload within ${timeoutMs} ms (${arrivals.length} received, errors: ${JSON.stringify(errors).slice(0, 300)})`));
        }, timeoutMs);
        waiters.add(w);
      });
    },
    close: async () => {
      dispose();
      await client.dispose();
    },
  };
}
