/**
 * The online store and pub/sub of a platform-level integration test: the services profile's Redis
 * (kind 'redis') with key and channel prefixes of the run's own, so runs never meet, and the keys can
 * be removed afterwards.
 */
import { Redis } from 'ioredis';

export const REDIS_URL: string = process.env.REDIS_URL ?? 'redis://127.0.0.1:16379';

export interface LiveConnectors {
  readonly onlineStore: Record<string, unknown> & { kind: string };
  readonly pubSub: Record<string, unknown> & { kind: string };
  /** Removes the run's online-store keys. */
  cleanup(): Promise<void>;
}

export function liveConnectors(tag: string): LiveConnectors {
  const keyPrefix = `gofuture-it:${tag}:fs:`;
  return {
    onlineStore: { kind: 'redis', url: REDIS_URL, keyPrefix },
    pubSub: { kind: 'redis', url: REDIS_URL, channelPrefix: `gofuture-it:${tag}:live:` },
    cleanup: async () => {
      const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2_000 });
      await redis.connect();
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
          if (keys.length > 0) await redis.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    },
  };
}

