/**
 * Live fan-out of windows on PubSub, for any window view: running windows at most once per
 * `intervalMs` per window (the latest value wins; the rest is coalesced), closed ones (final or
 * retracted) at once and once, dropping a coalesced running value of the same window. PubSub is
 * at-most-once by contract, so a failed publish is logged and counted, never retried.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { PubSub } from '../../connectors/contracts/pub-sub.ts';
import { counter } from '../../connectors/support/metrics.ts';
import { errorMessage } from '../../schema/errors.ts';

/** How a job's window views go live. */
export interface LiveFormat<V> {
  /** The window's identity (coalescing key). */
  readonly keyOf: (v: V) => string;
  /** The channels a view is published on (e.g. its key's and its spec's). */
  readonly channelsOf: (v: V) => readonly string[];
  readonly messageOf: (v: V) => unknown;
}

export interface LivePublisherOptions<V> {
  readonly pubsub: PubSub;
  readonly intervalMs: number;
  readonly logger: Logger;
  readonly metrics: Registry;
  readonly format: LiveFormat<V>;
  /** Counter names: messages published (label kind: running, final, retracted) and failed publishes. */
  readonly metricNames: { readonly published: string; readonly failed: string };
}

export class LivePublisher<V> {
  readonly #pubsub: PubSub;
  readonly #intervalMs: number;
  readonly #logger: Logger;
  readonly #format: LiveFormat<V>;
  readonly #lastSent = new Map<string, number>();
  readonly #pending = new Map<string, V>();
  readonly #published;
  readonly #failed;
  readonly #inFlight = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | null = null;

  constructor(o: LivePublisherOptions<V>) {
    this.#pubsub = o.pubsub;
    this.#intervalMs = o.intervalMs;
    this.#logger = o.logger;
    this.#format = o.format;
    this.#published = counter(o.metrics, o.metricNames.published, 'Window messages published on PubSub', ['kind']);
    this.#failed = counter(o.metrics, o.metricNames.failed, 'Window messages PubSub failed to publish', []);
    if (this.#intervalMs > 0) {
      this.#timer = setInterval(() => this.#sendDue(), Math.max(20, Math.min(250, this.#intervalMs / 4)));
      this.#timer.unref();
    }
  }

  /** Open windows that changed: published now if the window's interval has passed, else coalesced. */
  running(views: readonly V[]): void {
    const now = Date.now();
    for (const v of views) {
      const k = this.#format.keyOf(v);
      if (now - (this.#lastSent.get(k) ?? Number.NEGATIVE_INFINITY) >= this.#intervalMs) {
        this.#pending.delete(k);
        this.#lastSent.set(k, now);
        this.#send(v, 'running');
      } else this.#pending.set(k, v);
    }
  }

  /** Windows that closed (`kind` final or retracted): always published, once. */
  closed(views: readonly V[], kindOf: (v: V) => string = () => 'final'): void {
    for (const v of views) {
      const k = this.#format.keyOf(v);
      this.#pending.delete(k);
      this.#lastSent.delete(k);
      this.#send(v, kindOf(v));
    }
  }

  /** Publishes what is still coalesced and waits for every publish in flight. */
  async flush(): Promise<void> {
    for (const [k, v] of this.#pending) {
      this.#lastSent.set(k, Date.now());
      this.#send(v, 'running');
    }
    this.#pending.clear();
    await Promise.all([...this.#inFlight]);
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.flush();
  }

  #sendDue(): void {
    const now = Date.now();
    for (const [k, v] of this.#pending) {
      if (now - (this.#lastSent.get(k) ?? 0) < this.#intervalMs) continue;
      this.#pending.delete(k);
      this.#lastSent.set(k, now);
      this.#send(v, 'running');
    }
  }

  #send(v: V, kind: string): void {
    const message = this.#format.messageOf(v);
    for (const channel of this.#format.channelsOf(v)) {
      const p = this.#pubsub
        .publish(channel, message)
        .then(() => void this.#published.inc({ kind }))
        .catch((e: unknown) => {
          this.#failed.inc();
          this.#logger.warn({ err: errorMessage(e), channel }, 'window publish failed');
        })
        .finally(() => this.#inFlight.delete(p));
      this.#inFlight.add(p);
    }
  }
}
