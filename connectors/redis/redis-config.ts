/** Config of the Redis online store and pub/sub (validated, defaults filled, frozen by the registry). */
import { z } from 'zod';

const ms = (d: number) => z.number().int().positive().default(d);

/** What both Redis connectors share: where Redis is and how the connection behaves. */
const connection = {
  /** redis://[user:password@]host:port[/db] (rediss:// for TLS); the services profile uses 16379. */
  url: z.url({ protocol: /^rediss?$/, error: 'expected a redis:// or rediss:// URL' }).default('redis://127.0.0.1:6379'),
  /** Connection names in CLIENT LIST are `<clientName>:<role>` (role e.g. online-store, pubsub-subscriber). */
  clientName: z.string().regex(/^[!-~]+$/, 'expected printable ASCII without spaces').default('gofuture'),
  /** How long one connection attempt may take. */
  connectTimeoutMs: ms(5_000),
  /** A command with no reply after this long fails (the connection is then considered broken). */
  commandTimeoutMs: ms(5_000),
  /**
   * While the connection is down, a command waits for this many reconnection attempts before it
   * fails with CONNECTOR_UNAVAILABLE (0: fail at the first drop).
   */
  maxRetriesPerRequest: z.number().int().min(0).default(3),
  /** How start() waits for a Redis that is not up yet (then CONNECTOR_UNAVAILABLE). */
  startRetry: z.object({
    retries: z.number().int().min(0).default(5),
    initialMs: ms(200),
    maxMs: ms(3_000),
  }).strict().prefault({}),
  /** Backoff of reconnection after the connection dropped (once started, the client never gives up). */
  reconnect: z.object({
    initialMs: ms(100),
    maxMs: ms(2_000),
  }).strict().prefault({}),
};

export const redisOnlineStoreConfigSchema = z.object({
  ...connection,
  /** Prefix of every key: one HASH per vector at `<keyPrefix><entity>:<id>`. */
  keyPrefix: z.string().default('gofuture:fs:'),
}).strict();

export const redisPubSubConfigSchema = z.object({
  ...connection,
  /** Prefix of every Redis channel (`<channelPrefix><channel>`), so deployments sharing a Redis stay apart. */
  channelPrefix: z.string().default('gofuture:live:'),
}).strict();

export type RedisOnlineStoreConfig = z.output<typeof redisOnlineStoreConfigSchema>;
export type RedisOnlineStoreConfigInput = z.input<typeof redisOnlineStoreConfigSchema>;
export type RedisPubSubConfig = z.output<typeof redisPubSubConfigSchema>;
export type RedisPubSubConfigInput = z.input<typeof redisPubSubConfigSchema>;

/** The connection part of either config. */
export type RedisConnectionConfig = Pick<RedisOnlineStoreConfig, keyof typeof connection>;
