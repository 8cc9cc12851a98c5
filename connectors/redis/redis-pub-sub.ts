/**
 * PubSub on Redis (ioredis), for the `services` profile: fan-out across every process subscribed
 * to the same Redis (each replica of the metrics subgraph delivers every live aggregate).
 *
 * - Two connections per instance: one publishes, one is in subscriber mode.
 * - Messages travel as JSON on `<channelPrefix><channel>`; each local subscriber parses its own copy.
 * - Local subscribers of one channel share ONE Redis SUBSCRIBE (ref-counted; UNSUBSCRIBE when the
 *   last leaves). Changes of a channel's Redis subscription are serialised per channel, and
 *   subscribe() resolves once Redis confirmed the SUBSCRIBE.
 * - A throwing listener is logged and counted; the others still get the message.
 * - After a dropped connection ioredis reconnects and re-subscribes every channel (autoResubscribe);
 *   what was published meanwhile is lost (at-most-once, as the contract says).
 */
import type { Logger } from 'pino';
import { validateConfig } from '../../schema/config-validation.ts';
import { errorMessage, PlatformError } from '../../schema/errors.ts';
import type { ConnectorContext, HealthReport } from '../contracts/connector.ts';
import type { PubSub } from '../contracts/pub-sub.ts';
import { counter, gauge } from '../support/metrics.ts';
import { redisPubSubConfigSchema, type RedisPubSubConfig, type RedisPubSubConfigInput } from './redis-config.ts';
import { RedisConnection } from './redis-connection.ts';

type Listener = (message: unknown) => void;

/** One Redis channel: its local listeners and whether Redis has us subscribed. */
interface Channel {
  readonly listeners: Set<Listener>;
  subscribed: boolean;
  /** Tail of the serialised SUBSCRIBE / UNSUBSCRIBE steps of this channel. */
  tail: Promise<void>;
}

export class RedisPubSub implements PubSub {
  readonly capability = 'pubSub' as const;
  readonly kind = 'redis';
  readonly features: ReadonlySet<string> = new Set<string>();

  readonly #config: RedisPubSubConfig;
  readonly #log: Logger;
  readonly #pub: RedisConnection;
  readonly #sub: RedisConnection;
  /** Redis channel name (prefixed) -> state. */
  readonly #channels = new Map<string, Channel>();
  readonly #metrics;
  #listenerCount = 0;
  #redisChannels = 0;
  #starting: Promise<void> | null = null;
  #started = false;
  #closing: Promise<void> | null = null;

  constructor(config: RedisPubSubConfig, ctx: ConnectorContext) {
    this.#config = config;
    this.#log = ctx.logger.child({ impl: 'pubSub/redis' });
    this.#metrics = {
      published: counter(ctx.metrics, 'gofuture_pubsub_messages_published_total', 'Messages published', []),
      delivered: counter(ctx.metrics, 'gofuture_pubsub_messages_delivered_total', 'Messages handed to subscribers', []),
      failed: counter(ctx.metrics, 'gofuture_pubsub_listener_errors_total', 'Subscriber callbacks that threw', []),
      undecodable: counter(ctx.metrics, 'gofuture_pubsub_messages_undecodable_total', 'Messages received that were not JSON (dropped)', []),
      subscribers: gauge(ctx.metrics, 'gofuture_pubsub_subscribers', 'Active subscriptions', []),
      redisChannels: gauge(ctx.metrics, 'gofuture_pubsub_redis_channels', 'Redis channels subscribed (one per channel, shared by its local subscribers)', []),
      reconnects: counter(ctx.metrics, 'gofuture_pubsub_reconnects_total', 'Redis connections re-established after a drop', ['connection']),
    };
    this.#pub = new RedisConnection(config, 'pubSub/redis', 'pubsub-publisher', this.#log, { onReconnected: () => this.#metrics.reconnects.inc({ connection: 'publisher' }) });
    this.#sub = new RedisConnection(config, 'pubSub/redis', 'pubsub-subscriber', this.#log, { onReconnected: () => this.#metrics.reconnects.inc({ connection: 'subscriber' }) });
    this.#sub.client.on('message', (channel: string, payload: string) => this.#deliver(channel, payload));
  }

  start(): Promise<void> {
    if (this.#closing) return Promise.reject(new PlatformError('CONNECTOR_NOT_STARTED', 'pubSub/redis is closed'));
    this.#starting ??= Promise.all([this.#pub.open(), this.#sub.open()]).then(
      () => {
        this.#started = true;
        this.#log.info({ url: this.#pub.url, channelPrefix: this.#config.channelPrefix }, 'redis pubsub connected');
      },
      async (e: unknown) => {
        this.#starting = null;
        await Promise.all([this.#pub.close(0), this.#sub.close(0)]);
        throw e;
      },
    );
    return this.#starting;
  }

  async health(): Promise<HealthReport> {
    if (!this.#started || this.#closing) return { ok: false, detail: this.#closing ? 'closed' : 'not started' };
    const sub = this.#sub.client.status;
    if (sub !== 'ready') return { ok: false, detail: `subscriber connection to ${this.#sub.url} is ${sub}` };
    try {
      await this.#pub.client.ping();
      return { ok: true, detail: `redis at ${this.#pub.url}, ${this.#listenerCount} subscriptions on ${this.#channels.size} channels` };
    } catch (e) {
      return { ok: false, detail: this.#pub.failure('ping', e).message };
    }
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#starting?.catch(() => undefined);
      this.#started = false;
      this.#metrics.subscribers.dec(this.#listenerCount);
      this.#metrics.redisChannels.dec(this.#redisChannels);
      this.#listenerCount = 0;
      this.#redisChannels = 0;
      for (const c of this.#channels.values()) c.listeners.clear();
      this.#channels.clear();
      // closing the subscriber connection ends its subscriptions
      await Promise.all([this.#pub.close(), this.#sub.close()]);
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async publish(channel: string, message: unknown): Promise<void> {
    this.#check();
    let payload: string | undefined;
    try {
      payload = JSON.stringify(message);
    } catch (e) {
      throw new PlatformError('BAD_USER_INPUT', `publish to ${channel}: message is not JSON-serialisable: ${errorMessage(e)}`, { channel }, { cause: e });
    }
    if (payload === undefined) throw new PlatformError('BAD_USER_INPUT', `publish to ${channel}: message is not JSON-serialisable (${typeof message})`, { channel });
    try {
      await this.#pub.client.publish(this.#redisChannel(channel), payload);
    } catch (e) {
      throw this.#pub.failure(`publish to ${channel}`, e);
    }
    this.#metrics.published.inc();
  }

  async subscribe(channel: string, onMessage: (message: unknown) => void): Promise<() => Promise<void>> {
    this.#check();
    const name = this.#redisChannel(channel);
    let state = this.#channels.get(name);
    if (!state) this.#channels.set(name, (state = { listeners: new Set(), subscribed: false, tail: Promise.resolve() }));
    // a distinct function per subscription, so subscribing one callback twice gives two deliveries
    const listener: Listener = (m) => onMessage(m);
    state.listeners.add(listener);
    this.#countListeners(1);
    try {
      await this.#sync(name, state);
    } catch (e) {
      if (state.listeners.delete(listener)) this.#countListeners(-1);
      void this.#sync(name, state).catch(() => undefined); // give the channel back if we were its last
      throw e;
    }
    let active = true;
    return async () => {
      if (!active) return;
      active = false;
      if (!state.listeners.delete(listener)) return; // closed meanwhile
      this.#countListeners(-1);
      if (this.#closing) return;
      await this.#sync(name, state);
    };
  }

  /**
   * Brings the Redis subscription of a channel in line with its listeners (SUBSCRIBE on the first,
   * UNSUBSCRIBE after the last), one step at a time per channel; forgets an idle channel.
   */
  #sync(name: string, state: Channel): Promise<void> {
    const step = state.tail.then(async () => {
      if (this.#closing) return;
      const want = state.listeners.size > 0;
      try {
        if (want && !state.subscribed) {
          await this.#sub.client.subscribe(name);
          state.subscribed = true;
          this.#countRedisChannels(1);
        } else if (!want && state.subscribed) {
          await this.#sub.client.unsubscribe(name);
          state.subscribed = false;
          this.#countRedisChannels(-1);
        }
      } catch (e) {
        throw this.#sub.failure(`${want ? 'subscribe to' : 'unsubscribe from'} ${name}`, e);
      } finally {
        if (state.listeners.size === 0 && !state.subscribed && this.#channels.get(name) === state) this.#channels.delete(name);
      }
    });
    state.tail = step.catch(() => undefined);
    return step;
  }

  #deliver(name: string, payload: string): void {
    const state = this.#channels.get(name);
    if (!state || state.listeners.size === 0) return;
    for (const listener of [...state.listeners]) {
      if (!state.listeners.has(listener)) continue; // unsubscribed by an earlier listener
      let message: unknown;
      try {
        message = JSON.parse(payload); // each subscriber gets its own copy
      } catch (e) {
        this.#metrics.undecodable.inc();
        this.#log.warn({ channel: name, err: errorMessage(e) }, 'pubsub message is not JSON, dropped');
        return;
      }
      try {
        listener(message);
        this.#metrics.delivered.inc();
      } catch (e) {
        this.#metrics.failed.inc();
        this.#log.warn({ err: errorMessage(e), channel: name }, 'pubsub listener threw');
      }
    }
  }

  #redisChannel(channel: string): string {
    return `${this.#config.channelPrefix}${channel}`;
  }

  #countListeners(d: number): void {
    this.#listenerCount += d;
    this.#metrics.subscribers.inc(d);
  }

  #countRedisChannels(d: number): void {
    this.#redisChannels += d;
    this.#metrics.redisChannels.inc(d);
  }

  #check(): void {
    if (!this.#started || this.#closing) throw new PlatformError('CONNECTOR_NOT_STARTED', `pubSub/redis is ${this.#closing ? 'closed' : 'not started'}`);
  }
}

export function createRedisPubSub(config: RedisPubSubConfigInput, ctx: ConnectorContext): RedisPubSub {
  return new RedisPubSub(validateConfig(redisPubSubConfigSchema, config, 'connectors.pubSub'), ctx);
}
