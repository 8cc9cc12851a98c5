/**
 * The gateway's rate limit shared through a real Redis (REDIS_URL, default redis://127.0.0.1:16379;
 * `bash scripts/services.sh up redis`): two limiters standing for two gateway replicas spend from one
 * budget per caller, and a limiter whose Redis is unreachable still limits (in-memory insurance)
 * instead of failing open or failing requests. Keys live under this run's own prefix.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createRateLimiter, type RateLimiter } from '../../gateway/plugins/rate-limit.ts';
import { resolveLimits } from '../../gateway/plugins/policy-config.ts';
import { uniqueName } from '../conformance/helpers.ts';
import { closedPort } from './support/services.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:16379';
const PREFIX = `gofuture:it:${uniqueName('rl')}`;
const logger = pino({ level: 'silent' });

void describe('rate limit shared through Redis', () => {
  const limiters: RateLimiter[] = [];
  const make = (redisUrl: string, points: number): RateLimiter => {
    const l = createRateLimiter(resolveLimits({ rateLimit: { points, durationSeconds: 60, redisUrl, keyPrefix: PREFIX } }).rateLimit, logger);
    limiters.push(l);
    return l;
  };

  after(async () => {
    for (const l of limiters) await l.close();
    const admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    const keys = await admin.keys(`${PREFIX}*`);
    if (keys.length > 0) await admin.del(...keys);
    await admin.quit();
  });

  void it('two replicas spend from one budget per caller', async () => {
    const admin = new Redis(REDIS_URL, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    admin.on('error', () => undefined);
    await admin.connect().catch((e: unknown) => {
      throw new Error(`Redis is not reachable at ${REDIS_URL} (${String(e)}). Start it with \`bash scripts/services.sh up redis\` or set REDIS_URL.`);
    });
    await admin.quit();
    const a = make(REDIS_URL, 4);
    const b = make(REDIS_URL, 4);
    await Promise.all([a.ready(), b.ready()]);
    const spent = [await a.consume('p:bi-1'), await b.consume('p:bi-1'), await a.consume('p:bi-1'), await b.consume('p:bi-1')];
    assert.deepEqual(spent, [undefined, undefined, undefined, undefined]);
    const fifthA = await a.consume('p:bi-1');
    const fifthB = await b.consume('p:bi-1');
    assert.ok(typeof fifthA === 'number' && fifthA > 0, 'replica a refuses the fifth');
    assert.ok(typeof fifthB === 'number' && fifthB > 0, 'replica b refuses it too');
    assert.equal(await b.consume('p:other'), undefined, 'another caller has its own budget');
    const check = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    assert.ok((await check.keys(`${PREFIX}*`)).length >= 2, 'the counters live in Redis');
    await check.quit();
  });

  void it('with Redis unreachable the in-memory insurance limiter still limits', async () => {
    const port = await closedPort();
    const down = make(`redis://127.0.0.1:${port}`, 2);
    const results = [await down.consume('p:x'), await down.consume('p:x'), await down.consume('p:x')];
    assert.deepEqual(results.slice(0, 2), [undefined, undefined]);
    assert.ok(typeof results[2] === 'number');
  });
});
