/**
 * Live fan-out of spec windows on PubSub (each on its key's channel and its spec's channel): running
 * windows at most once per `intervalMs` per window (latest wins), final and retracted ones at once.
 * PubSub is at-most-once by contract: a failed publish is logged and counted, never retried.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { PubSub } from '../../connectors/contracts/pub-sub.ts';
import { counter } from '../../connectors/support/metrics.ts';
import { errorMessage } from '../../schema/errors.ts';
import type { SpecWindowView } from './spec-windows.ts';
import { channelsOf, rowKey, toMessage } from './window-rows.ts';

export class LiveWindows {
  readonly #pubsub: PubSub;
  readonly #intervalMs: number;
  readonly #logger: Logger;
  readonly #lastSent = new Map<string, number>();
  readonly #pending = new Map<string, SpecWindowView>();
  readonly #published;
  readonly #failed;
  readonly #inFlight = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | null = null;

  constructor(o: { pubsub: PubSub; intervalMs: number; logger: Logger; metrics: Registry }) {
    this.#pubsub = o.pubsub;
    this.#intervalMs = o.intervalMs;
    this.#logger = o.logger;
    this.#published = counter(o.metrics, 'gofuture_windows_published_total', 'Spec window messages published on PubSub', ['kind']);
    this.#failed = counter(o.metrics, 'gofuture_windows_publish_failures_total', 'Spec window messages PubSub failed to publish', []);
    if (this.#intervalMs > 0) {
      this.#timer = setInterval(() => this.#sendDue(), Math.max(20, Math.min(250, this.#intervalMs / 4)));
      this.#timer.unref();
    }
  }

  running(views: readonly SpecWindowView[]): void {
    const now = Date.now();
    for (const v of views) {
      const k = rowKey(v);
      if (now - (this.#lastSent.get(k) ?? Number.NEGATIVE_INFINITY) >= this.#intervalMs) {
        this.#pending.delete(k);
        this.#lastSent.set(k, now);
        this.#send(v, 'running');
      } else this.#pending.set(k, v);
    }
  }

  /** Final and retracted windows: always sent, once; a coalesced running value of the window is dropped. */
  closed(views: readonly SpecWindowView[]): void {
    for (const v of views) {
      const k = rowKey(v);
      this.#pending.delete(k);
      this.#lastSent.delete(k);
      this.#send(v, v.retracted ? 'retracted' : 'final');
    }
  }

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

  #send(v: SpecWindowView, kind: string): void {
    const message = toMessage(v);
    for (const channel of channelsOf(v)) {
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
