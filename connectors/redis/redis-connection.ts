/**
 * One ioredis connection as our connectors use it:
 * - lazy: nothing happens until open(), which connects under our exponential backoff
 *   (connectors/support/retry.ts) and then fails with CONNECTOR_UNAVAILABLE naming the URL; while
 *   starting, ioredis' own reconnection is off, so an unreachable Redis is no endless loop;
 * - once open, a dropped connection is re-established by ioredis with a capped backoff (and a
 *   subscriber connection re-subscribes its channels: ioredis' autoResubscribe);
 * - every 'error' event is logged (an EventEmitter without an 'error' listener would crash us).
 */
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { errorMessage, PlatformError } from '../../schema/errors.ts';
import { withRetry } from '../support/retry.ts';
import type { RedisConnectionConfig } from './redis-config.ts';

/** The URL with any password replaced, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable url)';
  }
}

export interface RedisConnectionEvents {
  /** Called each time the connection is ready again after a drop. */
  readonly onReconnected?: () => void;
}

export class RedisConnection {
  readonly client: Redis;
  /** `what` of messages, e.g. `onlineStore/redis`. */
  readonly #what: string;
  readonly #url: string;
  readonly #config: RedisConnectionConfig;
  readonly #log: Logger;
  /** Whether ioredis may reconnect by itself (only after open() succeeded, until close()). */
  #reconnect = false;
  #opened = false;
  #lastError: unknown = null;

  constructor(config: RedisConnectionConfig, what: string, role: string, log: Logger, events: RedisConnectionEvents = {}) {
    this.#config = config;
    this.#what = what;
    this.#url = redactUrl(config.url);
    this.#log = log.child({ redis: role });
    const { initialMs, maxMs } = config.reconnect;
    this.client = new Redis(config.url, {
      lazyConnect: true,
      connectionName: `${config.clientName}:${role}`,
      connectTimeout: config.connectTimeoutMs,
      commandTimeout: config.commandTimeoutMs,
      maxRetriesPerRequest: config.maxRetriesPerRequest,
      disableClientInfo: true,
      retryStrategy: (times) => (this.#reconnect ? Math.min(maxMs, initialMs * 2 ** Math.min(times - 1, 20)) : null),
    });
    this.client.on('error', (e: unknown) => {
      this.#lastError = e;
      // while starting, the retry loop reports each failure; afterwards a drop is worth a warning
      if (this.#reconnect) this.#log.warn({ err: errorMessage(e), url: this.#url }, 'redis connection error');
      else this.#log.debug({ err: errorMessage(e), url: this.#url }, 'redis connection error');
    });
    this.client.on('reconnecting', (delayMs: number) => this.#log.info({ delayMs, url: this.#url }, 'redis connection lost, reconnecting'));
    this.client.on('ready', () => {
      if (!this.#opened) return;
      this.#log.info({ url: this.#url }, 'redis connection re-established');
      events.onReconnected?.();
    });
  }

  get url(): string {
    return this.#url;
  }

  /** Connects (retrying per `startRetry`), or throws CONNECTOR_UNAVAILABLE naming the URL. */
  async open(): Promise<void> {
    const r = this.#config.startRetry;
    try {
      await withRetry(
        async () => {
          if (this.client.status === 'ready') return;
          this.#lastError = null;
          try {
            await this.client.connect();
          } catch (e) {
            // ioredis rejects with a bare "Connection is closed."; the 'error' event had the reason
            throw this.#lastError ?? e;
          }
        },
        {
          retries: r.retries,
          initialMs: r.initialMs,
          maxMs: r.maxMs,
          onRetry: (attempt, e, delayMs) => this.#log.warn({ attempt, delayMs, url: this.#url, err: errorMessage(e) }, 'redis not reachable, retrying'),
        },
      );
    } catch (e) {
      this.#drop();
      throw new PlatformError('CONNECTOR_UNAVAILABLE', `${this.#what} cannot reach Redis at ${this.#url} after ${r.retries} retries: ${errorMessage(e)}`, { url: this.#url }, { cause: e });
    }
    this.#reconnect = true;
    this.#opened = true;
  }

  /** Waits for pending replies (QUIT) for up to `graceMs`, then drops the connection. */
  async close(graceMs = 1_000): Promise<void> {
    this.#reconnect = false;
    this.#opened = false;
    const c = this.client;
    if (c.status === 'ready') {
      const quit = c.quit().then(
        () => undefined,
        () => undefined,
      );
      await Promise.race([quit, sleep(graceMs, undefined, { ref: false })]);
    }
    this.#drop();
    if (c.status !== 'end') {
      // the socket closes asynchronously: wait for it, so a closed connector holds no handle
      await Promise.race([once(c, 'end'), sleep(graceMs, undefined, { ref: false })]);
    }
  }

  #drop(): void {
    // disconnect() of an ended client would leave ioredis believing a later drop was asked for
    if (this.client.status !== 'end') this.client.disconnect();
  }

  /** A failed command as a PlatformError: CONNECTOR_UNAVAILABLE naming the URL and the operation. */
  failure(op: string, e: unknown): PlatformError {
    if (e instanceof PlatformError) return e;
    return new PlatformError('CONNECTOR_UNAVAILABLE', `${this.#what} ${op} failed on Redis at ${this.#url}: ${errorMessage(e)}`, { url: this.#url, op }, { cause: e });
  }
}
