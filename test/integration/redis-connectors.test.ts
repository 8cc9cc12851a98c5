/**
 * The Redis online store and pub/sub against a real Redis (REDIS_URL, default
 * redis://127.0.0.1:16379; `bash scripts/services.sh up redis`): both conformance suites unchanged,
 * then what only Redis shows: one round trip per getMany (counted on the wire by a TCP proxy), TTLs
 * kept by Redis itself, the storage layout, shared ref-counted SUBSCRIBEs, re-subscription after a
 * dropped connection, and CONNECTOR_UNAVAILABLE in bounded time. Every key and channel of this run
 * lives under its own prefix; the keys are removed at the end.
 */
import assert from 'node:assert/strict';
import { createServer, Socket, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { ConnectorContext } from '../../connectors/contracts/connector.ts';
import { createRedisOnlineStore, createRedisPubSub, registerRedisConnectors, UPDATED_AT_FIELD, type RedisOnlineStore, type RedisPubSub } from '../../connectors/redis/index.ts';
import { ConnectorRegistry } from '../../connectors/registry.ts';
import { uniqueName, waitFor, withCode } from '../conformance/helpers.ts';
import { onlineStoreConformance } from '../conformance/online-store.suite.ts';
import { pubSubConformance } from '../conformance/pub-sub.suite.ts';
import { closedPort } from './support/services.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:16379';
/** Everything this run writes lives under this prefix. */
const RUN_PREFIX = `gofuture:it:${uniqueName('run')}:`;
const ctx = (metrics = new Registry()): ConnectorContext => ({ logger: pino({ level: 'silent' }), metrics });
const fastStart = { retries: 1, initialMs: 50, maxMs: 100 };

let adminClient: Redis | null = null;
/** A plain client for looking at Redis from outside the connectors; fails (never skips) when Redis is down. */
async function admin(): Promise<Redis> {
  if (adminClient) return adminClient;
  const c = new Redis(REDIS_URL, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 2_000 });
  c.on('error', () => undefined); // the connect() rejection below says what went wrong
  try {
    await c.connect();
  } catch (e) {
    throw new Error(`Redis is not reachable at ${REDIS_URL} (${e instanceof Error ? e.message : String(e)}). Start it with \`bash scripts/services.sh up redis\` or set REDIS_URL.`);
  }
  adminClient = c;
  return c;
}

async function makeStore(o: { url?: string; metrics?: Registry } = {}): Promise<RedisOnlineStore> {
  await admin();
  return createRedisOnlineStore({ url: o.url ?? REDIS_URL, keyPrefix: `${RUN_PREFIX}fs:`, startRetry: fastStart }, ctx(o.metrics));
}

async function makeBus(o: { clientName?: string; metrics?: Registry; prefix?: string } = {}): Promise<RedisPubSub> {
  await admin();
  return createRedisPubSub({ url: REDIS_URL, channelPrefix: o.prefix ?? `${RUN_PREFIX}live:`, startRetry: fastStart, ...(o.clientName ? { clientName: o.clientName } : {}) }, ctx(o.metrics));
}

async function numsub(channel: string): Promise<number> {
  const reply = (await (await admin()).call('PUBSUB', 'NUMSUB', channel)) as [string, number];
  return Number(reply[1]);
}

after(async () => {
  const c = adminClient;
  if (!c) return;
  let cursor = '0';
  do {
    const [next, keys] = await c.scan(cursor, 'MATCH', `${RUN_PREFIX}*`, 'COUNT', 1000);
    if (keys.length > 0) await c.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
  c.disconnect();
});

onlineStoreConformance('redis', () => makeStore());
pubSubConformance('redis', () => makeBus());

/**
 * A TCP proxy in front of Redis that counts turns: a client->server send after the server has
 * answered. A pipeline is one turn; n sequential commands are n turns.
 */
async function turnCountingProxy(target: URL): Promise<{ url: string; turns: () => number; reset: () => void; close: () => Promise<void> }> {
  let turns = 0;
  let lastFromClient = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = new Socket();
    sockets.add(client).add(upstream);
    upstream.connect(Number(target.port), target.hostname);
    client.on('data', (chunk) => {
      if (!lastFromClient) turns++;
      lastFromClient = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      lastFromClient = false;
      client.write(chunk);
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no proxy address');
  return {
    url: `redis://127.0.0.1:${address.port}`,
    turns: () => turns,
    reset: () => {
      turns = 0;
      lastFromClient = false;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

void describe('redis online store specifics', () => {
  let store: RedisOnlineStore;
  let metrics: Registry;
  before(async () => {
    metrics = new Registry();
    store = await makeStore({ metrics });
    await store.start();
  });
  after(() => store.close());

  void it('reads 500 vectors in one round trip (counted on the wire)', async () => {
    const proxy = await turnCountingProxy(new URL(REDIS_URL));
    const viaProxy = await makeStore({ url: proxy.url });
    try {
      await viaProxy.start();
      const entity = uniqueName('rt');
      const ids = Array.from({ length: 500 }, (_, i) => `d${i}`);
      await store.put(ids.map((id, i) => ({ entity, id, values: { i }, ttlMs: 60_000 })));

      // the counter can fail: five sequential reads are five turns
      proxy.reset();
      for (const id of ids.slice(0, 5)) await viaProxy.getMany(entity, [id]);
      assert.equal(proxy.turns(), 5);

      proxy.reset();
      const got = await viaProxy.getMany(entity, [...ids, 'missing']);
      assert.equal(proxy.turns(), 1, 'one getMany of 500 ids is one round trip');
      assert.equal(got.length, 501);
      got.slice(0, 500).forEach((g, i) => assert.deepEqual(g?.values, { i }));
      assert.equal(got[500], null);

      proxy.reset();
      await viaProxy.put(ids.map((id) => ({ entity, id, values: { again: 1 }, ttlMs: 60_000 })));
      assert.equal(proxy.turns(), 1, 'one put of 500 writes is one round trip');
    } finally {
      await viaProxy.close();
      await proxy.close();
    }
  });

  void it('stores one hash per vector: JSON-encoded fields and the write time', async () => {
    const entity = uniqueName('layout');
    const t0 = Date.now();
    await store.put([{ entity, id: 'a:b', values: { n: 1.5, s: 'x', z: null, q: '"quoted"' }, ttlMs: 60_000 }]);
    const key = store.keyOf(entity, 'a:b');
    assert.equal(key, `${RUN_PREFIX}fs:${entity}:a:b`);
    const raw = await (await admin()).hgetall(key);
    assert.deepEqual({ ...raw, [UPDATED_AT_FIELD]: 'ts' }, { n: '1.5', s: '"x"', z: 'null', q: '"\\"quoted\\""', [UPDATED_AT_FIELD]: 'ts' });
    const at = Number(raw[UPDATED_AT_FIELD]);
    assert.ok(at >= t0 && at <= Date.now(), `updatedAt ${at}`);
    assert.deepEqual((await store.getMany(entity, ['a:b']))[0], { values: { n: 1.5, s: 'x', z: null, q: '"quoted"' }, updatedAt: at });
  });

  void it('leaves expiry to Redis: PTTL follows the last write, and the key is gone after it', async () => {
    const a = await admin();
    const entity = uniqueName('pttl');
    const key = store.keyOf(entity, 'v');
    await store.put([{ entity, id: 'v', values: { v: 1 }, ttlMs: 60_000 }]);
    const first = await a.pttl(key);
    assert.ok(first > 55_000 && first <= 60_000, `PTTL ${first}`);
    await store.put([{ entity, id: 'v', values: { v: 2 }, ttlMs: 250 }]);
    const second = await a.pttl(key);
    assert.ok(second > 0 && second <= 250, `PTTL after the second write ${second}`);
    await waitFor('Redis to expire the key', async () => (await a.exists(key)) === 0, { timeoutMs: 5_000 });
    assert.deepEqual(await store.getMany(entity, ['v']), [null]);
  });

  void it('deletes in Redis, and counts its operations', async () => {
    const entity = uniqueName('del');
    await store.put([{ entity, id: 'a', values: { v: 1 }, ttlMs: 60_000 }]);
    await store.delete(entity, ['a', 'a', 'b']);
    assert.equal(await (await admin()).exists(store.keyOf(entity, 'a')), 0);
    const text = await metrics.metrics();
    assert.match(text, /gofuture_online_store_ops_total\{op="delete"\} [1-9]/);
    assert.match(text, /gofuture_online_store_op_duration_seconds_count\{op="getMany"\} [1-9]/);
    assert.match(text, /gofuture_online_store_keys_total\{op="put"\} [1-9]/);
  });

  void it('rejects what it cannot store faithfully, before writing anything', async () => {
    const entity = uniqueName('bad');
    const ok = { entity, id: 'ok', values: { v: 1 }, ttlMs: 60_000 };
    await assert.rejects(store.put([ok, { entity, id: 'x', values: { v: 1 }, ttlMs: 0 }]), withCode('BAD_USER_INPUT'));
    await assert.rejects(store.put([ok, { entity, id: 'x', values: { v: Number.NaN }, ttlMs: 1_000 }]), withCode('BAD_USER_INPUT'));
    await assert.rejects(store.put([ok, { entity, id: 'x', values: { [UPDATED_AT_FIELD]: 1 }, ttlMs: 1_000 }]), withCode('BAD_USER_INPUT'));
    await assert.rejects(store.put([{ entity: 'a:b', id: 'x', values: {}, ttlMs: 1_000 }]), withCode('BAD_USER_INPUT'));
    await assert.rejects(store.getMany('a:b', ['x']), withCode('BAD_USER_INPUT'));
    assert.deepEqual(await store.getMany(entity, ['ok']), [null]);
  });

  void it('is built by the registry, and a bad config value names its key', () => {
    const registry = registerRedisConnectors(new ConnectorRegistry());
    assert.deepEqual(registry.kinds('onlineStore'), ['redis']);
    assert.deepEqual(registry.kinds('pubSub'), ['redis']);
    const built = registry.create('onlineStore', { kind: 'redis', url: REDIS_URL }, ctx(), 'connectors.onlineStore');
    assert.equal(built.kind, 'redis');
    assert.throws(() => registry.create('onlineStore', { kind: 'redis', url: 'http://127.0.0.1:16379' }, ctx(), 'connectors.onlineStore'), (e: unknown) => withCode('CONFIG_INVALID')(e) && /connectors\.onlineStore\.url/.test((e as Error).message));
    assert.throws(() => registry.create('pubSub', { kind: 'redis', channelPrefix: 1 }, ctx(), 'connectors.pubSub'), /connectors\.pubSub\.channelPrefix/);
  });
});

void describe('redis pub/sub specifics', () => {
  let bus: RedisPubSub;
  let metrics: Registry;
  const clientName = uniqueName('gf-it');
  before(async () => {
    metrics = new Registry();
    bus = await makeBus({ clientName, metrics });
    await bus.start();
  });
  after(() => bus.close());

  void it('shares one Redis SUBSCRIBE among the local subscribers of a channel', async () => {
    const ch = uniqueName('shared');
    const name = `${RUN_PREFIX}live:${ch}`;
    const u1 = await bus.subscribe(ch, () => undefined);
    const u2 = await bus.subscribe(ch, () => undefined);
    assert.equal(await numsub(name), 1, 'subscribed once in Redis, confirmed when subscribe() resolved');
    await u1();
    assert.equal(await numsub(name), 1, 'still subscribed for the second');
    await u2();
    assert.equal(await numsub(name), 0, 'UNSUBSCRIBE after the last left');
    // and again, after the channel was given back
    const got: unknown[] = [];
    const u3 = await bus.subscribe(ch, (m) => got.push(m));
    assert.equal(await numsub(name), 1);
    await bus.publish(ch, 'back');
    await waitFor('the message after resubscribing', () => got.length === 1);
    await u3();
  });

  void it('survives concurrent subscribe/unsubscribe churn on one channel', async () => {
    const ch = uniqueName('churn');
    const name = `${RUN_PREFIX}live:${ch}`;
    const unsubs = await Promise.all(Array.from({ length: 20 }, () => bus.subscribe(ch, () => undefined)));
    await Promise.all(unsubs.map((u) => u()));
    const again = await Promise.all([bus.subscribe(ch, () => undefined), bus.subscribe(ch, () => undefined)]);
    assert.equal(await numsub(name), 1);
    await Promise.all(again.map((u) => u()));
    assert.equal(await numsub(name), 0);
  });

  void it('fans out across instances (each its own connections)', async () => {
    const other = await makeBus();
    await other.start();
    try {
      const ch = uniqueName('across');
      const a: unknown[] = [];
      const b: unknown[] = [];
      const ua = await bus.subscribe(ch, (m) => a.push(m));
      const ub = await other.subscribe(ch, (m) => b.push(m));
      assert.equal(await numsub(`${RUN_PREFIX}live:${ch}`), 2);
      for (let i = 0; i < 10; i++) await other.publish(ch, { i });
      await waitFor('both instances to get 10', () => a.length === 10 && b.length === 10);
      assert.deepEqual(a, b);
      await ua();
      await ub();
    } finally {
      await other.close();
    }
  });

  void it('re-subscribes after its subscriber connection was killed', async () => {
    const a = await admin();
    const ch = uniqueName('reconnect');
    const name = `${RUN_PREFIX}live:${ch}`;
    const got: unknown[] = [];
    const un = await bus.subscribe(ch, (m) => got.push(m));
    const list = await a.client('LIST');
    const line = String(list).split('\n').find((l) => l.includes(` name=${clientName}:pubsub-subscriber `));
    const id = line?.match(/^id=(\d+) /)?.[1];
    assert.ok(id, 'the subscriber connection is listed under its name');
    await a.client('KILL', 'ID', id);
    await waitFor('the subscriber to be back', async () => (await numsub(name)) === 1, { timeoutMs: 10_000 });
    await bus.publish(ch, 'after');
    await waitFor('delivery after the reconnect', () => got.includes('after'));
    assert.match(await metrics.metrics(), /gofuture_pubsub_reconnects_total\{connection="subscriber"\} [1-9]/);
    assert.equal((await bus.health()).ok, true);
    await un();
  });

  void it('rejects a message JSON cannot carry', async () => {
    await assert.rejects(bus.publish(uniqueName('bad'), undefined), withCode('BAD_USER_INPUT'));
    await assert.rejects(bus.publish(uniqueName('bad'), { n: 1n }), withCode('BAD_USER_INPUT'));
  });
});

void describe('redis unreachable', () => {
  void it('start() fails with CONNECTOR_UNAVAILABLE naming the URL, in bounded time', async () => {
    const port = await closedPort();
    const url = `redis://127.0.0.1:${port}`;
    const t0 = Date.now();
    const store = createRedisOnlineStore({ url, startRetry: { retries: 2, initialMs: 20, maxMs: 50 } }, ctx());
    await assert.rejects(store.start(), (e: unknown) => withCode('CONNECTOR_UNAVAILABLE')(e) && (e as Error).message.includes(url) && /ECONNREFUSED/.test((e as Error).message));
    const bus = createRedisPubSub({ url, startRetry: { retries: 2, initialMs: 20, maxMs: 50 } }, ctx());
    await assert.rejects(bus.start(), withCode('CONNECTOR_UNAVAILABLE'));
    assert.ok(Date.now() - t0 < 5_000, `took ${Date.now() - t0} ms`);
    assert.equal((await store.health()).ok, false);
    await assert.rejects(store.getMany('e', ['x']), withCode('CONNECTOR_NOT_STARTED'));
    await store.close();
    await bus.close();
  });

  void it('a server that never answers is CONNECTOR_UNAVAILABLE too, in bounded time', async () => {
    const held = new Set<Socket>();
    const silent = createServer((s) => {
      held.add(s);
      s.resume(); // reads, never answers
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    const t0 = Date.now();
    const store = createRedisOnlineStore({ url: `redis://127.0.0.1:${address.port}`, connectTimeoutMs: 300, commandTimeoutMs: 300, startRetry: { retries: 1, initialMs: 20, maxMs: 50 } }, ctx());
    try {
      await assert.rejects(store.start(), withCode('CONNECTOR_UNAVAILABLE'));
      assert.ok(Date.now() - t0 < 8_000, `took ${Date.now() - t0} ms`);
    } finally {
      await store.close();
      for (const s of held) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
