/**
 * PubSub: live fan-out of JSON messages to every subscriber of a channel, across processes on
 * Redis (so every replica of the metrics subgraph delivers every live aggregate). At-most-once:
 * a subscriber gets what is published while it is subscribed.
 */
import type { Connector } from './connector.ts';

export interface PubSub extends Connector {
  readonly capability: 'pubSub';
  publish(channel: string, message: unknown): Promise<void>;
  /** Resolves once the subscription is active; returns the unsubscribe function. */
  subscribe(channel: string, onMessage: (message: unknown) => void): Promise<() => Promise<void>>;
}

/**
 * A PubSub subscription as an AsyncIterableIterator (what GraphQL subscription resolvers return).
 * Buffers up to `maxBuffer` messages per slow reader, dropping the oldest beyond that.
 */
export async function subscribeIterator<T>(
  pubsub: PubSub,
  channels: readonly string[],
  filter: (message: unknown) => message is T,
  maxBuffer = 1000,
): Promise<AsyncIterableIterator<T>> {
  const queue: T[] = [];
  let waiting: ((r: IteratorResult<T>) => void) | null = null;
  let done = false;
  const onMessage = (m: unknown): void => {
    if (done || !filter(m)) return;
    if (waiting) {
      const w = waiting;
      waiting = null;
      w({ value: m, done: false });
      return;
    }
    queue.push(m);
    if (queue.length > maxBuffer) queue.shift();
  };
  const unsubs = await Promise.all(channels.map((c) => pubsub.subscribe(c, onMessage)));
  const finish = async (): Promise<IteratorResult<T>> => {
    if (!done) {
      done = true;
      await Promise.all(unsubs.map((u) => u()));
      if (waiting) waiting({ value: undefined, done: true });
      waiting = null;
    }
    return { value: undefined, done: true };
  };
  const it: AsyncIterableIterator<T> = {
    next: () => {
      const v = queue.shift();
      if (v !== undefined) return Promise.resolve({ value: v, done: false });
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => (waiting = resolve));
    },
    return: finish,
    throw: async (e: unknown) => {
      await finish();
      throw e;
    },
    [Symbol.asyncIterator]() {
      return it;
    },
  };
  return it;
}
