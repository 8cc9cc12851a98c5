/** The Redis connectors (kind 'redis'), for the `services` profile: the online store and the pub/sub. */
import type { ConnectorFactory, ConnectorRegistry } from '../registry.ts';
import { redisOnlineStoreConfigSchema, redisPubSubConfigSchema } from './redis-config.ts';
import { RedisOnlineStore } from './redis-online-store.ts';
import { RedisPubSub } from './redis-pub-sub.ts';

export const redisOnlineStoreFactory: ConnectorFactory<typeof redisOnlineStoreConfigSchema, RedisOnlineStore> = {
  capability: 'onlineStore',
  kind: 'redis',
  configSchema: redisOnlineStoreConfigSchema,
  create: (config, ctx) => new RedisOnlineStore(config, ctx),
};

export const redisPubSubFactory: ConnectorFactory<typeof redisPubSubConfigSchema, RedisPubSub> = {
  capability: 'pubSub',
  kind: 'redis',
  configSchema: redisPubSubConfigSchema,
  create: (config, ctx) => new RedisPubSub(config, ctx),
};

export function registerRedisConnectors(registry: ConnectorRegistry): ConnectorRegistry {
  return registry.register(redisOnlineStoreFactory).register(redisPubSubFactory);
}

export { RedisOnlineStore, createRedisOnlineStore, UPDATED_AT_FIELD } from './redis-online-store.ts';
export { RedisPubSub, createRedisPubSub } from './redis-pub-sub.ts';
export { redactUrl } from './redis-connection.ts';
export {
  redisOnlineStoreConfigSchema,
  redisPubSubConfigSchema,
  type RedisOnlineStoreConfig,
  type RedisOnlineStoreConfigInput,
  type RedisPubSubConfig,
  type RedisPubSubConfigInput,
} from './redis-config.ts';
