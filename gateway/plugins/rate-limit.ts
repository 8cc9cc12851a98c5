/**
 * Per-caller rate limit: every query, mutation and subscribe spends one point of the caller's
 * budget (`points` per `durationSeconds`, rate-limiter-flexible). In memory per process by default;
 * with `redisUrl` (services profile) the counters live in Redis so every gateway replica spends
 * from the same budget, with an in-memory insurance limiter if Redis is unreachable. The caller is
 * the principal, else the client IP (client-identity.ts). Over budget: 429 RATE_LIMITED with
 * `retryAfterSeconds` and a Retry-After header, before anything is planned or sent upstream.
 */
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from 'pino';
import type { CallerKey } from './client-identity.ts';
import { policyError } from './limit-error.ts';
import type { RateLimitConfig } from './policy-config.ts';

export interface RateLimiter {
  /** Spends one point of `key`; undefined when allowed, else seconds until the next point. */
  consume(key: string): Promise<number | undefined>;
  /** Resolves once the shared store is connected (at once in memory); until then the insurance limiter counts. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export function createRateLimiter(config: RateLimitConfig, logger: Logger): RateLimiter {
  const memory = new RateLimiterMemory({ points: config.points, duration: config.durationSeconds, keyPrefix: config.keyPrefix });
  let limiter: RateLimiterAbstract = memory;
  let redis: Redis | undefined;
  if (config.redisUrl) {
    // rate-limiter-flexible's advice for ioredis: no offline queue, so a dead Redis fails fast to the insurance limiter
    redis = new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
    redis.on('error', (e: unknown) => logger.warn({ err: e }, 'rate limit: redis error; using the in-memory limiter meanwhile'));
    limiter = new RateLimiterRedis({ storeClient: redis, points: config.points, duration: config.durationSeconds, keyPrefix: config.keyPrefix, insuranceLimiter: memory });
  }
  return {
    async consume(key) {
      try {
        await limiter.consume(key, 1);
        return undefined;
      } catch (e) {
        if (e instanceof RateLimiterRes) return Math.max(1, Math.ceil(e.msBeforeNext / 1000));
        logger.warn({ err: e }, 'rate limit: limiter failed; request allowed');
        return undefined;
      }
    },
    ready: () =>
      !redis || redis.status === 'ready'
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            redis?.once('ready', () => resolve());
          }),
    async close() {
      if (redis) await redis.quit().catch(() => redis?.disconnect());
    },
  };
}

function rateLimited(retryAfterSeconds: number): { errors: [ReturnType<typeof policyError>] } {
  return {
    errors: [policyError('RATE_LIMITED', `rate limit exceeded; retry in ${retryAfterSeconds} s`, 429, { retryAfterSeconds }, { 'retry-after': String(retryAfterSeconds) })],
  };
}

export function createRateLimitPlugin(limiter: RateLimiter, callerKey: CallerKey): GatewayPlugin {
  return {
    async onExecute({ context, setResultAndStopExecution }) {
      const wait = await limiter.consume(callerKey(context));
      if (wait !== undefined) setResultAndStopExecution(rateLimited(wait));
    },
    async onSubscribe({ context, setResultAndStopExecution }) {
      const wait = await limiter.consume(callerKey(context));
      if (wait !== undefined) setResultAndStopExecution(rateLimited(wait));
    },
  };
}
