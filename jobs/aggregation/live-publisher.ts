/**
 * Live fan-out of windows on PubSub: running windows at most once per `intervalMs` per key (the
 * latest value wins; the rest is coalesced), final windows immediately and once. PubSub is
 * at-most-once by contract, so a failed publish is logged and counted, never retried.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { PubSub } from '../../connectors/contracts/pub-sub.ts';
import { counter } from '../../connectors/support/metrics.ts';
import { errorMessage } from '../../schema/errors.ts';
import { channelOf, keyOf, toMessage } from './window-output.ts';
import type { WindowView } from './window-state.ts';

export class LivePublisher {
  readonly #pubsub: PubSub;
  readonly #intervalMs: number;
  readonly #logger: Logger;
  readonly #lastSent = new Map<string, number>();
  readonly #pending = new Map<string, WindowView>();
  readonly #published;
  readonly #failed;
  #timer: NodeJS.Timeout | null = null;
  #inFlight = new Set<Promise<void>>();

  constructor(o: { pubsub: PubSub; intervalMs: number; logger: Logger; metrics: Registry }) {
    this.#pubsub = o.pubsub;
    this.#intervalMs = o.intervalMs;
    this.#logger = o.logger;
    this.#published = counter(o.metrics, 'gofuture_aggregation_windows_published_total', 'Window messages published on PubSub', ['kind']);
    this.#failed = counter(o.metrics, 'gofuture_aggregation_publish_failures_total', 'Window messages PubSub failed to publish', []);
    if (this.#intervalMs > 0) {
      this.#timer = setInterval(() => this.#sendDue(), Math.max(20, Math.min(250, this.#intervalMs / 4)));
      this.#timer.unref();
    }
  }

  /** Open windows that changed: published now if the key's interval has passed, else coalesced. */
  running(views: readonly WindowView[]): void {
    const now = Date.now();
    for (const v of views) {
      const key = keyOf(v);
      if (now - (this.#lastSent.get(key) ?? Number.NEGATIVE_INFINITY) >= this.#intervalMs) {
        this.#pending.delete(key);
        this.#lastSent.set(key, now);
        this.#send(v, 'running');
      } else {
        this.#pending.set(key, v);
      }
    }
  }

  /** Windows that became final: always published, once; any coalesced running value is dropped. */
  final(views: readonly WindowView[]): void {
    for (const v of views) {
      const key = keyOf(v);
      this.#pending.delete(key);
      this.#lastSent.delete(key);
      this.#send(v, 'final');
    }
  }

  /** Publishes what is still coalesced and waits for every publish in flight. */
  async flush(): Promise<void> {
    for (const [key, v] of this.#pending) {
      this.#lastSent.set(key, Date.now());
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
    for (const [key, v] of this.#pending) {
      if (now - (this.#lastSent.get(key) ?? 0) < this.#intervalMs) continue;
      this.#pending.delete(key);
      this.#lastSent.set(key, now);
      this.#send(v, 'running');
    }
  }

  #send(v: WindowView, kind: 'running' | 'final'): void {
    const p = this.#pubsub
      .publish(channelOf(v), toMessage(v))
      .then(() => void this.#published.inc({ kind }))
      .catch((e: unknown) => {
        this.#failed.inc();
        this.#logger.warn({ err: errorMessage(e), channel: channelOf(v) }, 'window publish failed');
      })
      .finally(() => this.#inFlight.delete(p));
    this.#inFlight.add(p);
  }
}
