/**
 * Live subscriptions through the gateway (docs/decisions/0029-subs.md), on a real metrics subgraph
 * (memory PubSub, DuckDB) and a real gateway with auth on, clients over real WebSockets:
 * - N clients with the same subscription and variables open exactly one upstream subscription
 *   (one PubSub subscriber on the region's channel) and every client gets every update, in order;
 *   other variables open their own upstream, and updates do not cross;
 * - a client that stops reading is closed with 4413 SUBSCRIPTION_BACKLOG_EXCEEDED while a client
 *   of the same subscription gets every update;
 * - a connection is closed with 4401 SUBSCRIPTION_TOKEN_EXPIRED when its JWT expires, while a
 *   connection with a longer-lived token keeps running.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient, type Client } from 'graphql-ws';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import WebSocket from 'ws';
import type { PubSub } from '../../connectors/contracts/pub-sub.ts';
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import { createDuckDbWarehouse } from '../../connectors/embedded/duckdb-warehouse.ts';
import { createMemoryPubSub, type MemoryPubSub } from '../../connectors/embedded/memory-pub-sub.ts';
import { mintDevToken } from '../../gateway/plugins/auth-token.ts';
import { startGateway, type RunningGateway } from '../../gateway/server.ts';
import { WS_BACKLOG_EXCEEDED } from '../../gateway/subscriptions-fanout.ts';
import { regionWindowsChannel, type WindowMessage } from '../../schema/live-channels.ts';
import { WAREHOUSE_TABLES } from '../../schema/tables/warehouse-tables.ts';
import type { SubgraphServer } from '../../subgraphs/common/index.ts';
import { startMetricsSubgraph } from '../../subgraphs/metrics/index.ts';
import { waitFor } from '../conformance/helpers.ts';

const logger = pino({ level: 'silent' });
const SECRET = 'subs-e2e-secret-0123456789abcdef-0123456789';
const T0 = Date.UTC(2024, 4, 1, 10, 0, 0);
const MIN = 60_000;
/** Bursts below stay under it (30 and 50 updates at once); a client that stops reading passes it. */
const MAX_QUEUED = 64;

/** The metrics subgraph's PubSub, counting live subscribers per channel (what "one upstream" means at the source). */
function countingPubSub(inner: MemoryPubSub): PubSub & { live(channel: string): number } {
  const live = new Map<string, number>();
  return {
    kind: inner.kind,
    capability: inner.capability,
    features: inner.features,
    start: () => inner.start(),
    health: () => inner.health(),
    close: () => inner.close(),
    [Symbol.asyncDispose]: () => inner.close(),
    publish: (channel, message) => inner.publish(channel, message),
    async subscribe(channel, onMessage) {
      const unsubscribe = await inner.subscribe(channel, onMessage);
      live.set(channel, (live.get(channel) ?? 0) + 1);
      let done = false;
      return async () => {
        if (!done) live.set(channel, (live.get(channel) ?? 1) - 1);
        done = true;
        await unsubscribe();
      };
    },
    live: (channel) => live.get(channel) ?? 0,
  };
}

const window = (region: string, seq: number): WindowMessage => ({
  regionId: region, windowMinutes: 5, windowStart: T0 + seq * 5 * MIN, windowEnd: T0 + (seq + 1) * 5 * MIN,
  tripCount: seq, completedCount: 1, cancelledCount: 0, cancellationRate: 0, avgPrice: 300, revenue: 1000 + seq, isFinal: false,
});

const SUBSCRIPTION = 'subscription Live($r: ID) { regionAggregates(regionId: $r, windowMinutes: 5) { regionId tripCount } }';

interface Live {
  readonly got: { regionId: string; tripCount: number }[];
  readonly errors: unknown[];
  stop(): void;
}

function live(client: Client, query: string, variables: Record<string, unknown>): Live {
  const got: { regionId: string; tripCount: number }[] = [];
  const errors: unknown[] = [];
  const stop = client.subscribe<{ regionAggregates: { regionId: string; tripCount: number } }>(
    { query, variables },
    { next: (r) => (r.data ? got.push(r.data.regionAggregates) : errors.push(r.errors)), error: (e) => errors.push(e), complete: () => undefined },
  );
  return { got, errors, stop };
}

void describe('gateway subscriptions: fan-out, slow clients, token expiry', () => {
  let inner: MemoryPubSub;
  let pubsub: ReturnType<typeof countingPubSub>;
  let warehouse: Warehouse;
  let subgraph: SubgraphServer;
  let gateway: RunningGateway;
  const registry = new Registry();
  /** The gateway's count of clients it closed for a full backlog (gateway_subscription_dropped_total). */
  const droppedForBacklog = async (): Promise<number> => {
    const m = await registry.getSingleMetric('gateway_subscription_dropped_total')?.get();
    return m?.values.find((v) => v.labels['reason'] === 'backlog')?.value ?? 0;
  };
  const clients: Client[] = [];
  const sockets: WebSocket[] = [];

  const token = (ttlSeconds = 3600, subject = 'dash'): Promise<string> => mintDevToken({ secret: SECRET, roles: ['dashboard'], subject, ttlSeconds });
  const client = async (ttlSeconds?: number, onClose?: (code: number, reason: string) => void): Promise<Client> => {
    const c = createClient({
      url: gateway.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => undefined, // a close the test provokes is asserted through `on.closed`
      connectionParams: { authorization: `Bearer ${await token(ttlSeconds)}` },
      on: { closed: (e) => onClose?.((e as { code: number }).code, (e as { reason: string }).reason) },
    });
    clients.push(c);
    return c;
  };

  /** Publishes until every live subscription has one update from `region` (joins are async), then returns the next seq. */
  const warmUp = async (region: string, subs: readonly Live[], from: number): Promise<number> => {
    let seq = from;
    await waitFor(`every ${region} client to get a first update`, async () => {
      await pubsub.publish(regionWindowsChannel(5, region), window(region, seq++));
      await new Promise((r) => setTimeout(r, 20));
      return subs.every((s) => s.got.length > 0);
    });
    await new Promise((r) => setTimeout(r, 100));
    return seq;
  };

  before(async () => {
    inner = createMemoryPubSub({}, { logger, metrics: new Registry() });
    pubsub = countingPubSub(inner);
    await pubsub.start();
    warehouse = createDuckDbWarehouse({ path: ':memory:' }, { logger, metrics: new Registry() });
    await warehouse.start();
    await warehouse.ensureTables(WAREHOUSE_TABLES);
    subgraph = await startMetricsSubgraph({ warehouse, pubsub, logger, port: 0 });
    gateway = await startGateway({
      supergraph: { kind: 'subgraphs', subgraphs: [{ name: 'metrics', url: subgraph.url }] },
      port: 0,
      logger,
      registry,
      auth: { jwtSecret: SECRET },
      // the slow-client case needs big updates (aliases) to fill the socket buffers quickly
      limits: { maxAliases: 1000, rateLimit: { enabled: false } },
      subscriptions: { maxQueuedMessages: MAX_QUEUED },
    });
  });

  after(async () => {
    for (const s of sockets) s.terminate();
    for (const c of clients) await c.dispose();
    await gateway?.close();
    await subgraph?.close();
    await pubsub?.close();
    await warehouse?.close();
  });

  void it('N clients with the same subscription share one upstream and all get every update; other variables get their own', async () => {
    const N = 6;
    const a = await Promise.all(Array.from({ length: N }, async () => live(await client(), SUBSCRIPTION, { r: 'msk-center' })));
    const b = [live(await client(), SUBSCRIPTION, { r: 'msk-north' }), live(await client(), SUBSCRIPTION, { r: 'msk-north' })];
    let seqA = await warmUp('msk-center', a, 0);
    await warmUp('msk-north', b, 0);
    assert.equal(pubsub.live(regionWindowsChannel(5, 'msk-center')), 1, 'one upstream subscription for the six msk-center clients');
    assert.equal(pubsub.live(regionWindowsChannel(5, 'msk-north')), 1, 'its own upstream for msk-north');

    const first = seqA;
    const K = 30;
    for (let i = 0; i < K; i++) await pubsub.publish(regionWindowsChannel(5, 'msk-center'), window('msk-center', seqA++));
    const expected = Array.from({ length: K }, (_, i) => ({ regionId: 'msk-center', tripCount: first + i }));
    
    await waitFor(`every msk-center client to get ${K} updates`, () => a.every((s) => s.got.filter((g) => g.tripCount >= first).length >= K));
    for (const s of a) {
      assert.deepEqual(s.got.filter((g) => g.tripCount >= first), expected);
      assert.deepEqual(s.errors, []);
    }
    // msk-center's updates did not reach the msk-north clients
    for (const s of b) assert.ok(s.got.every((g) => g.regionId === 'msk-north'));

    // the upstream lives while one client does, and ends with the last
    for (const s of a.slice(1)) s.stop();
    await pubsub.publish(regionWindowsChannel(5, 'msk-center'), window('msk-center', seqA));
    await waitFor('the last msk-center client to get the next update', () => a[0]?.got.some((g) => g.tripCount === seqA) ?? false);
    assert.equal(pubsub.live(regionWindowsChannel(5, 'msk-center')), 1);
    a[0]?.stop();
    for (const s of b) s.stop();
    await waitFor('the upstream subscriptions to end with their last client', () => pubsub.live(regionWindowsChannel(5, 'msk-center')) === 0 && pubsub.live(regionWindowsChannel(5, 'msk-north')) === 0);
  });

  void it('a client that stops reading is closed with 4413 and the others get every update', async () => {
    // ~7 KB per update: 400 aliases of one field
    const fields = Array.from({ length: 400 }, (_, i) => `f${i}: revenue`).join(' ');
    const big = `subscription Big($r: ID) { regionAggregates(regionId: $r, windowMinutes: 5) { regionId tripCount ${fields} } }`;
    const fast = live(await client(), big, { r: 'msk-south' });

    // the slow client: graphql-ws by hand on a raw socket, which then stops reading
    const ws = new WebSocket(gateway.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    sockets.push(ws);
    const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    let slowGot = 0;
    await new Promise<void>((resolve, reject) => {
      ws.once('error', reject);
      ws.once('open', () => {
        void token().then((t) => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${t}` } })));
      });
      ws.on('message', (data: Buffer) => {
        const m = JSON.parse(data.toString()) as { type: string };
        if (m.type === 'connection_ack') {
          ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: big, variables: { r: 'msk-south' } } }));
          resolve();
        } else if (m.type === 'next') slowGot++;
      });
    });
    await waitFor('the slow client to join', async () => {
      await pubsub.publish(regionWindowsChannel(5, 'msk-south'), window('msk-south', 0));
      await new Promise((r) => setTimeout(r, 20));
      return slowGot > 0 && fast.got.length > 0;
    });
    assert.equal(pubsub.live(regionWindowsChannel(5, 'msk-south')), 1, 'the slow and the fast client share one upstream');
    ws.pause(); // stops reading: the kernel buffers fill, then the gateway's send never completes

    // updates of ~7 KB, 50 at a time (so the subgraph never drops one for the gateway), until the
    // gateway drops the slow client: its socket buffers fill, then its queue; bounded at 4,000
    // (~40 MB, far more than loopback socket buffers hold). The fast client must get all of them.
    const first = 1;
    let next = first;
    while ((await droppedForBacklog()) === 0) {
      assert.ok(next < first + 4000, 'the gateway never dropped the client that stopped reading');
      for (let i = 0; i < 50; i++) await pubsub.publish(regionWindowsChannel(5, 'msk-south'), window('msk-south', next++));
      const upTo = next - 1;
      await waitFor(`the fast client to get update ${upTo}`, () => fast.got.some((g) => g.tripCount === upTo), { timeoutMs: 30_000 });
    }
    const TOTAL = next - first;
    assert.deepEqual(fast.got.filter((g) => g.tripCount >= first).map((g) => g.tripCount), Array.from({ length: TOTAL }, (_, i) => first + i));
    assert.deepEqual(fast.errors, []);

    ws.resume(); // reads what was buffered, then the close frame
    const { code, reason } = await closed;
    assert.equal(code, WS_BACKLOG_EXCEEDED);
    assert.match(reason, /^SUBSCRIPTION_BACKLOG_EXCEEDED: /);
    assert.ok(slowGot < TOTAL, `the slow client got ${slowGot} of ${TOTAL} before it was closed`);
    fast.stop();
  });

  void it('a connection is closed with 4401 when its token expires; one with a longer token keeps running', async () => {
    let closedWith: { code: number; reason: string } | undefined;
    const short = live(await client(2, (code, reason) => (closedWith = { code, reason })), SUBSCRIPTION, { r: 'spb-center' });
    const long = live(await client(3600), SUBSCRIPTION, { r: 'spb-center' });
    let seq = await warmUp('spb-center', [short, long], 0);
    await waitFor('the short-lived token to expire and its connection to close', async () => {
      await pubsub.publish(regionWindowsChannel(5, 'spb-center'), window('spb-center', seq++));
      await new Promise((r) => setTimeout(r, 100));
      return closedWith !== undefined;
    }, { timeoutMs: 20_000 });
    assert.equal(closedWith?.code, 4401);
    assert.match(closedWith?.reason ?? '', /^SUBSCRIPTION_TOKEN_EXPIRED: /);
    const next = seq;
    await pubsub.publish(regionWindowsChannel(5, 'spb-center'), window('spb-center', next));
    await waitFor('the long-lived connection to get the next update', () => long.got.some((g) => g.tripCount === next));
    assert.ok(!short.got.some((g) => g.tripCount === next), 'the expired connection got nothing after its close');
    long.stop();
  });
});
