/**
 * Live fan-out across replicas on a real Redis (REDIS_URL, default redis://127.0.0.1:16379;
 * `bash scripts/services.sh up redis`): two replicas of the metrics subgraph, each with its own
 * Redis PubSub and DuckDB warehouse, each fronted by its own gateway; a graphql-ws client on each
 * gateway subscribes to regionAggregates; a third PubSub (as the aggregation job) publishes N
 * windows on the region's channel; both clients receive all N, in order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient, type Client, type FormattedExecutionResult as WsResult } from 'graphql-ws';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import WebSocket from 'ws';
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import { createDuckDbWarehouse } from '../../connectors/embedded/duckdb-warehouse.ts';
import { createRedisPubSub, type RedisPubSub } from '../../connectors/redis/index.ts';
import { startGateway, type RunningGateway } from '../../gateway/server.ts';
import { regionWindowsChannel, type WindowMessage } from '../../schema/live-channels.ts';
import { WAREHOUSE_TABLES } from '../../schema/tables/warehouse-tables.ts';
import type { SubgraphServer } from '../../subgraphs/common/index.ts';
import { startMetricsSubgraph } from '../../subgraphs/metrics/index.ts';
import { uniqueName, waitFor } from '../conformance/helpers.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:16379';
const logger = pino({ level: 'silent' });
const REGION = 'msk-center';
const N = 25;
const T0 = Date.UTC(2024, 4, 1, 10, 0, 0);
const MIN = 60_000;

type FormattedExecutionResult = WsResult<Record<string, unknown>, unknown>;

interface Replica {
  readonly pubsub: RedisPubSub;
  readonly warehouse: Warehouse;
  readonly subgraph: SubgraphServer;
  readonly gateway: RunningGateway;
  readonly client: Client;
}

const window = (i: number): WindowMessage => ({
  regionId: REGION, windowMinutes: 5, windowStart: T0 + i * 5 * MIN, windowEnd: T0 + (i + 1) * 5 * MIN,
  tripCount: 10 + i, completedCount: 6, cancelledCount: 2, cancellationRate: 2 / (10 + i), avgPrice: i === 0 ? null : 300 + i, revenue: 100 * i, isFinal: i % 2 === 1,
});

void describe('live fan-out: two metrics replicas behind two gateways on one Redis', () => {
  /** This run's channels only: no other test (or earlier run) can reach our subscribers. */
  const channelPrefix = `gofuture:it:${uniqueName('fanout')}:`;
  const channel = `${channelPrefix}${regionWindowsChannel(5, REGION)}`;
  const replicas: Replica[] = [];
  let publisher: RedisPubSub;
  let admin: Redis;

  const bus = (): RedisPubSub => createRedisPubSub({ url: REDIS_URL, channelPrefix, startRetry: { retries: 1, initialMs: 50, maxMs: 100 } }, { logger, metrics: new Registry() });
  const numsub = async (): Promise<number> => Number(((await admin.call('PUBSUB', 'NUMSUB', channel)) as [string, number])[1]);

  before(async () => {
    admin = new Redis(REDIS_URL, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 2_000 });
    admin.on('error', () => undefined); // connect() below reports it
    await admin.connect().catch((e: unknown) => {
      throw new Error(`Redis is not reachable at ${REDIS_URL} (${e instanceof Error ? e.message : String(e)}). Start it with \`bash scripts/services.sh up redis\` or set REDIS_URL.`);
    });
    publisher = bus();
    await publisher.start();
    for (let r = 0; r < 2; r++) {
      const pubsub = bus();
      await pubsub.start();
      const warehouse = createDuckDbWarehouse({ path: ':memory:' }, { logger, metrics: new Registry() });
      await warehouse.start();
      await warehouse.ensureTables(WAREHOUSE_TABLES);
      const subgraph = await startMetricsSubgraph({ warehouse, pubsub, logger, port: 0 });
      const gateway = await startGateway({ supergraph: { kind: 'subgraphs', subgraphs: [{ name: 'metrics', url: subgraph.url }] }, port: 0, logger, registry: new Registry() });
      const client = createClient({ url: gateway.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
      replicas.push({ pubsub, warehouse, subgraph, gateway, client });
    }
  });

  after(async () => {
    for (const r of replicas) {
      await r.client.dispose();
      await r.gateway.close();
      await r.subgraph.close();
      await r.pubsub.close();
      await r.warehouse.close();
    }
    await publisher?.close();
    admin?.disconnect();
  });

  void it('both gateways deliver every live aggregate, in order', async () => {
    const query = `subscription { regionAggregates(regionId: "${REGION}", windowMinutes: 5) { regionId windowMinutes windowStart windowEnd tripCount averagePrice isFinal } }`;
    const got = replicas.map(() => [] as FormattedExecutionResult[]);
    const failures: unknown[] = [];
    const stops = replicas.map((r, i) =>
      r.client.subscribe({ query }, { next: (v) => got[i]?.push(v), error: (e) => failures.push(e), complete: () => undefined }),
    );
    // each replica holds its own Redis subscription of the region's channel once its client is through
    await waitFor('both replicas to subscribe in Redis', async () => (await numsub()) === 2, { timeoutMs: 10_000 });

    for (let i = 0; i < N; i++) await publisher.publish(regionWindowsChannel(5, REGION), window(i));
    await waitFor(`both clients to receive ${N}`, () => got.every((g) => g.length >= N) || failures.length > 0, { timeoutMs: 10_000 });
    assert.deepEqual(failures, []);

    const expected = Array.from({ length: N }, (_, i) => {
      const w = window(i);
      return {
        data: {
          regionAggregates: {
            regionId: REGION, windowMinutes: 5, windowStart: new Date(w.windowStart).toISOString(), windowEnd: new Date(w.windowEnd).toISOString(),
            tripCount: w.tripCount, averagePrice: w.avgPrice, isFinal: w.isFinal,
          },
        },
      };
    });
    assert.deepEqual(got[0], expected);
    assert.deepEqual(got[1], expected);

    // ending the client subscriptions releases the replicas' Redis subscriptions end to end
    for (const stop of stops) stop();
    await waitFor('the replicas to unsubscribe in Redis', async () => (await numsub()) === 0, { timeoutMs: 10_000 });
  });
});
