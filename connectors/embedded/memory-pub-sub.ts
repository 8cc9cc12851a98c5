/**
 * In-process PubSub: fan-out to every subscriber of a channel. Each subscriber gets its own
 * structuredClone of the message, delivered asynchronously; a throwing listener is logged and
 * does not stop delivery to the others.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import { validateConfig } from '../../schema/config-validation.ts';
import { errorMessage, PlatformError } from '../../schema/errors.ts';
import type { ConnectorContext, HealthReport } from '../contracts/connector.ts';
import type { PubSub } from '../contracts/pub-sub.ts';
import { counter, gauge } from '../support/metrics.ts';

export const memoryPubSubConfigSchema = z.object({}).strict();

export type MemoryPubSubConfig = z.output<typeof memoryPubSubConfigSchema>;

type Listener = (message: unknown) => void;

export class MemoryPubSub implements PubSub {
  readonly capability = 'pubSub' as const;
  readonly kind = 'memory';
  readonly features: ReadonlySet<string> = new Set<string>();

  readonly #log: Logger;
  readonly #channels = new Map<string, Set<Listener>>();
  readonly #metrics;
  #state: 'new' | 'started' | 'closed' = 'new';

  constructor(_config: MemoryPubSubConfig, ctx: ConnectorContext) {
    this.#log = ctx.logger.child({ impl: 'pubSub/memory' });
    this.#metrics = {
      published: counter(ctx.metrics, 'gofuture_pubsub_messages_published_total', 'Messages published', []),
      delivered: counter(ctx.metrics, 'gofuture_pubsub_messages_delivered_total', 'Messages handed to subscribers', []),
      failed: counter(ctx.metrics, 'gofuture_pubsub_listener_errors_total', 'Subscriber callbacks that threw', []),
      subscribers: gauge(ctx.metrics, 'gofuture_pubsub_subscribers', 'Active subscriptions', []),
    };
  }

  async start(): Promise<void> {
    if (this.#state === 'closed') throw new PlatformError('CONNECTOR_NOT_STARTED', 'pubSub/memory is closed');
    this.#state = 'started';
  }

  async health(): Promise<HealthReport> {
    if (this.#state !== 'started') return { ok: false, detail: this.#state === 'new' ? 'not started' : 'closed' };
    return { ok: true, detail: `${this.#count()} subscriptions` };
  }

  async close(): Promise<void> {
    this.#state = 'closed';
    this.#channels.clear();
    this.#metrics.subscribers.set(0);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async publish(channel: string, message: unknown): Promise<void> {
    this.#check();
    // cloned once here so a later mutation by the publisher cannot leak in, and a message
    // structuredClone cannot copy fails now, in the publisher's hands
    const snapshot = structuredClone(message);
    this.#metrics.published.inc();
    const listeners = this.#channels.get(channel);
    if (!listeners) return;
    for (const listener of [...listeners]) {
      queueMicrotask(() => {
        if (!listeners.has(listener)) return; // unsubscribed meanwhile
        try {
          listener(structuredClone(snapshot));
          this.#metrics.delivered.inc();
        } catch (e) {
          this.#metrics.failed.inc();
          this.#log.warn({ err: errorMessage(e), channel }, 'pubsub listener threw');
        }
      });
    }
  }

  async subscribe(channel: string, onMessage: (message: unknown) => void): Promise<() => Promise<void>> {
    this.#check();
    let listeners = this.#channels.get(channel);
    if (!listeners) this.#channels.set(channel, (listeners = new Set()));
    // a distinct function per subscription, so subscribing one callback twice gives two deliveries
    const listener: Listener = (m) => onMessage(m);
    listeners.add(listener);
    this.#metrics.subscribers.set(this.#count());
    return async () => {
      const set = this.#channels.get(channel);
      if (!set?.delete(listener)) return;
      if (set.size === 0) this.#channels.delete(channel);
      this.#metrics.subscribers.set(this.#count());
    };
  }

  #count(): number {
    let n = 0;
    for (const s of this.#channels.values()) n += s.size;
    return n;
  }

  #check(): void {
    if (this.#state !== 'started') throw new PlatformError('CONNECTOR_NOT_STARTED', `pubSub/memory is ${this.#state === 'new' ? 'not started' : 'closed'}`);
  }
}

export function createMemoryPubSub(config: z.input<typeof memoryPubSubConfigSchema>, ctx: ConnectorContext): MemoryPubSub {
  return new MemoryPubSub(validateConfig(memoryPubSubConfigSchema, config, 'connectors.pubSub'), ctx);
}
