/**
 * Subscription fan-out: one upstream source per key, read once, copied to every subscriber of that
 * key. Each subscriber has its own bounded queue: a subscriber that does not take its values (a
 * client that stopped reading: its socket's send never completes) fills only its own queue, and
 * when that passes `maxQueued` it is dropped (`onOverflow`, e.g. a coded close) while the others
 * go on. The upstream is opened by the first subscriber of a key and ended (`return()`) when the
 * last one leaves. No GraphQL here: values are whatever the source yields.
 */

/** What opening an upstream gives: a live source, or a final value (an error result) to hand every joiner. */
export type Opened<T> = { readonly kind: 'live'; readonly source: AsyncIterable<T> } | { readonly kind: 'final'; readonly value: unknown };

export interface JoinOptions {
  /** Values a subscriber may have waiting; one more and it is dropped. */
  readonly maxQueued: number;
  /** Called once when the subscriber is dropped for a full queue; it may return a last value to deliver. */
  readonly onOverflow: () => { readonly last?: unknown } | void;
}

export type Joined<T> = { readonly kind: 'live'; readonly iterator: AsyncIterableIterator<T> } | { readonly kind: 'final'; readonly value: unknown };

export interface SubscriptionHub<T> {
  /** Joins the key's upstream (opening it with `open` when the key has none). */
  join(key: string, open: () => Promise<Opened<T>>, opts: JoinOptions): Promise<Joined<T>>;
  /** Upstream sources open now (one per distinct key). */
  upstreams(): number;
  /** Subscribers across every key. */
  subscribers(): number;
  /** Upstreams opened since start (a key opened again after its last subscriber left counts again). */
  opened(): number;
}

interface Subscriber<T> {
  push(value: T): void;
  end(error?: unknown): void;
}

interface Entry<T> {
  readonly subscribers: Set<Subscriber<T>>;
  readonly opening: Promise<Opened<T>>;
  iterator?: AsyncIterator<T>;
  closed: boolean;
}

function subscriberOf<T>(opts: JoinOptions, leave: (s: Subscriber<T>) => void): { readonly subscriber: Subscriber<T>; readonly iterator: AsyncIterableIterator<T> } {
  const queue: T[] = [];
  let waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | null = null;
  let done = false;
  let failure: { error: unknown } | null = null;
  let last: { value: unknown } | null = null;
  const settle = (): void => {
    if (!waiting) return;
    const w = waiting;
    waiting = null;
    if (last) {
      const v = last.value as T;
      last = null;
      w.resolve({ value: v, done: false });
    } else if (failure) w.reject(failure.error);
    else w.resolve({ value: undefined, done: true });
  };
  const subscriber: Subscriber<T> = {
    push(value) {
      if (done) return;
      if (waiting) {
        const w = waiting;
        waiting = null;
        w.resolve({ value, done: false });
        return;
      }
      queue.push(value);
      if (queue.length > opts.maxQueued) {
        done = true;
        queue.length = 0;
        leave(subscriber);
        const r = opts.onOverflow();
        if (r && 'last' in r) last = { value: r.last };
      }
    },
    end(error) {
      if (done) return;
      done = true;
      if (error !== undefined) failure = { error };
      if (queue.length === 0) settle();
    },
  };
  const finish = (): Promise<IteratorResult<T>> => {
    if (!done) {
      done = true;
      queue.length = 0;
      leave(subscriber);
    }
    last = null;
    failure = null;
    settle();
    return Promise.resolve({ value: undefined, done: true });
  };
  const iterator: AsyncIterableIterator<T> = {
    next() {
      const v = queue.shift();
      if (v !== undefined) return Promise.resolve({ value: v, done: false });
      if (done) {
        if (last) {
          const l = last.value as T;
          last = null;
          return Promise.resolve({ value: l, done: false });
        }
        if (failure) {
          const f = failure.error;
          failure = null;
          return Promise.reject(f instanceof Error ? f : new Error(String(f)));
        }
        return Promise.resolve({ value: undefined, done: true });
      }
      return new Promise((resolve, reject) => (waiting = { resolve, reject }));
    },
    return: finish,
    throw: (e: unknown) => finish().then(() => Promise.reject(e instanceof Error ? e : new Error(String(e)))),
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return { subscriber, iterator };
}

export function createSubscriptionHub<T>(): SubscriptionHub<T> {
  const entries = new Map<string, Entry<T>>();
  let opened = 0;

  const close = (key: string, entry: Entry<T>): void => {
    if (entry.closed) return;
    entry.closed = true;
    if (entries.get(key) === entry) entries.delete(key);
    void entry.iterator?.return?.()?.catch(() => undefined);
  };

  const pump = async (key: string, entry: Entry<T>, source: AsyncIterable<T>): Promise<void> => {
    const iterator = source[Symbol.asyncIterator]();
    entry.iterator = iterator;
    if (entry.subscribers.size === 0 || entry.closed) {
      // every joiner left while the upstream was opening: end it at once
      entry.closed = true;
      if (entries.get(key) === entry) entries.delete(key);
      void iterator.return?.()?.catch(() => undefined);
      return;
    }
    try {
      for (;;) {
        const r = await iterator.next();
        if (r.done || entry.closed) break;
        for (const s of entry.subscribers) s.push(r.value);
      }
      if (entries.get(key) === entry) entries.delete(key);
      for (const s of [...entry.subscribers]) s.end();
    } catch (e) {
      if (entries.get(key) === entry) entries.delete(key);
      for (const s of [...entry.subscribers]) s.end(e);
    }
  };

  return {
    async join(key, open, opts) {
      let entry = entries.get(key);
      if (!entry) {
        opened++;
        const created: Entry<T> = { subscribers: new Set(), opening: open(), closed: false };
        entry = created;
        entries.set(key, created);
        created.opening.then(
          (o) => {
            if (o.kind === 'live') void pump(key, created, o.source);
            else if (entries.get(key) === created) entries.delete(key);
          },
          () => {
            if (entries.get(key) === created) entries.delete(key);
          },
        );
      }
      const current = entry;
      const { subscriber, iterator } = subscriberOf<T>(opts, (s) => {
        current.subscribers.delete(s);
        if (current.subscribers.size === 0) close(key, current);
      });
      current.subscribers.add(subscriber);
      let o: Opened<T>;
      try {
        o = await current.opening;
      } catch (e) {
        current.subscribers.delete(subscriber);
        throw e;
      }
      if (o.kind === 'final') {
        current.subscribers.delete(subscriber);
        return { kind: 'final', value: o.value };
      }
      return { kind: 'live', iterator };
    },
    upstreams: () => entries.size,
    subscribers: () => {
      let n = 0;
      for (const e of entries.values()) n += e.subscribers.size;
      return n;
    },
    opened: () => opened,
  };
}
