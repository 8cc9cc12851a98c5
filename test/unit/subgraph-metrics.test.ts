/**
 * The metrics subgraph: job status and counters, stored windows from the warehouse, and live
 * windows over graphql-ws from the PubSub (real ws client, real in-process PubSub).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient, type Client, type FormattedExecutionResult as WsResult } from 'graphql-ws';
import { Registry } from 'prom-client';
import WebSocket from 'ws';
import type { PubSub } from '../../connectors/contracts/pub-sub.ts';
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import { createMemoryPubSub } from '../../connectors/embedded/memory-pub-sub.ts';
import { platformWindowsChannel, regionWindowsChannel, type WindowMessage } from '../../schema/live-channels.ts';
import { utcDate } from '../../schema/tables/warehouse-tables.ts';
import type { SubgraphServer } from '../../subgraphs/common/index.ts';
import { startMetricsSubgraph } from '../../subgraphs/metrics/index.ts';
import { MIN, T0, fixtureWarehouse, gql, gqlData, silent } from './subgraph-fixtures.ts';

/** A PubSub whose active subscriptions (per channel) the test can wait for. */
function observed(inner: PubSub): { pubsub: PubSub; active: Map<string, number>; until: (channel: string, n: number) => Promise<void> } {
  const active = new Map<string, number>();
  const bump = (c: string, d: number) => active.set(c, (active.get(c) ?? 0) + d);
  const pubsub = new Proxy(inner, {
    get(target, prop) {
      if (prop === 'subscribe') {
        return async (channel: string, onMessage: (m: unknown) => void) => {
          const unsub = await target.subscribe(channel, onMessage);
          bump(channel, 1);
          return async () => {
            await unsub();
            bump(channel, -1);
          };
        };
      }
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  const until = async (channel: string, n: number): Promise<void> => {
    const deadline = Date.now() + 5000;
    while ((active.get(channel) ?? 0) !== n) {
      if (Date.now() > deadline) throw new Error(`channel ${channel}: ${active.get(channel) ?? 0} subscriptions, waited for ${n}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return { pubsub, active, until };
}

const window = (over: Partial<WindowMessage>): WindowMessage => ({
  windowMinutes: 5, windowStart: T0, windowEnd: T0 + 5 * MIN, tripCount: 10, completedCount: 6, cancelledCount: 2,
  cancellationRate: 0.2, avgPrice: 350.5, revenue: 2100, isFinal: false, ...over,
});

type FormattedExecutionResult = WsResult<Record<string, unknown>, unknown>;
interface CodedError {
  readonly message?: string;
  readonly extensions?: { readonly code?: unknown };
}

/** Collects what one subscription delivers. */
function collect(client: Client, query: string): { results: FormattedExecutionResult[]; errors: unknown[]; done: Promise<void>; stop: () => void; next: (n: number) => Promise<void> } {
  const results: FormattedExecutionResult[] = [];
  const errors: unknown[] = [];
  let resolveDone = (): void => undefined;
  const done = new Promise<void>((r) => (resolveDone = r));
  const stop = client.subscribe({ query }, {
    next: (r) => results.push(r),
    error: (e) => { errors.push(e); resolveDone(); },
    complete: () => resolveDone(),
  });
  const next = async (n: number): Promise<void> => {
    const deadline = Date.now() + 5000;
    while (results.length < n) {
      if (Date.now() > deadline) throw new Error(`waited for ${n} results, got ${results.length}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return { results, errors, done, stop, next };
}

void describe('metrics subgraph', () => {
  let wh: Warehouse;
  let inner: PubSub;
  let obs: ReturnType<typeof observed>;
  let server: SubgraphServer;
  let client: Client;

  before(async () => {
    wh = await fixtureWarehouse();
    const row = (i: number, region: string | null) => ({
      ...(region ? { region_id: region } : {}), window_minutes: 5, window_start: T0 + i * 5 * MIN, window_end: T0 + (i + 1) * 5 * MIN,
      trip_count: 10 + i, completed_count: 5, cancelled_count: 1, cancellation_rate: 1 / (10 + i), price_count: 4, price_sum: 1000,
      avg_price: i === 0 ? null : 250, revenue: 100 * i, is_final: i < 19, window_date: utcDate(T0), version: 1,
    });
    await wh.insert('region_windows', [...Array.from({ length: 20 }, (_, i) => row(i, 'kzn')), row(0, 'nsk'), { ...row(3, 'kzn'), window_minutes: 15 }]);
    await wh.insert('platform_windows', Array.from({ length: 20 }, (_, i) => row(i, null)));
    await wh.insert('job_status', [
      { job: 'landing-trips', state: 'running', processed: 1200, dead_lettered: 3, last_error: null, updated_at: T0, version: 1 },
      { job: 'aggregation', state: 'failed', processed: 800, dead_lettered: 0, last_error: 'boom', updated_at: T0 + MIN, version: 1 },
      { job: 'features-realtime', state: 'stopped', processed: 50, dead_lettered: 0, last_error: null, updated_at: T0 + 2 * MIN, version: 1 },
      { job: 'simulator', state: 'running', processed: 10, dead_lettered: 0, last_error: null, updated_at: Date.now(), version: 1 },
    ]);
    inner = createMemoryPubSub({}, { logger: silent, metrics: new Registry() });
    await inner.start();
    obs = observed(inner);
    server = await startMetricsSubgraph({ warehouse: wh, pubsub: obs.pubsub, logger: silent, port: 0, jobStaleAfterMs: 24 * 60 * MIN });
    client = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
  });
  after(async () => {
    await client.dispose();
    await server.close();
    await inner.close();
    await wh.close();
  });

  void it('lists jobs and platform counters from job_status; a running row without a recent heartbeat is stale', async () => {
    const data = await gqlData<{ jobs: { job: string; state: string; stoppedAt: string | null }[]; counters: unknown }>(server.url, `{
      jobs { job state processed deadLettered lastError updatedAt stoppedAt }
      counters { eventsProcessed eventsDeadLettered jobs { job processed deadLettered } }
    }`);
    const simulator = data.jobs.find((j) => j.job === 'simulator');
    assert.equal(simulator?.state, 'running', 'a heartbeat within the threshold: running');
    assert.deepEqual(data.jobs.filter((j) => j.job !== 'simulator'), [
      { job: 'aggregation', state: 'failed', processed: 800, deadLettered: 0, lastError: 'boom', updatedAt: new Date(T0 + MIN).toISOString(), stoppedAt: null },
      { job: 'features-realtime', state: 'stopped', processed: 50, deadLettered: 0, lastError: null, updatedAt: new Date(T0 + 2 * MIN).toISOString(), stoppedAt: new Date(T0 + 2 * MIN).toISOString() },
      { job: 'landing-trips', state: 'stale', processed: 1200, deadLettered: 3, lastError: null, updatedAt: new Date(T0).toISOString(), stoppedAt: null },
    ]);
    assert.deepEqual(data.counters, {
      eventsProcessed: 2060, eventsDeadLettered: 3,
      jobs: [
        { job: 'aggregation', processed: 800, deadLettered: 0 }, { job: 'features-realtime', processed: 50, deadLettered: 0 },
        { job: 'landing-trips', processed: 1200, deadLettered: 3 }, { job: 'simulator', processed: 10, deadLettered: 0 },
      ],
    });
  });

  void it('returns the last stored windows of a region and of the platform, oldest first', async () => {
    const data = await gqlData<{ regionWindows: { regionId: string; windowStart: string; tripCount: number; averagePrice: number | null; isFinal: boolean }[]; platformWindows: { windowStart: string }[] }>(
      server.url,
      `{ regionWindows(regionId: "kzn", last: 3) { regionId windowStart tripCount averagePrice isFinal }
         platformWindows(last: 2, to: "2024-05-01T00:50:00Z") { windowStart } }`,
    );
    assert.deepEqual(data.regionWindows, [17, 18, 19].map((i) => ({
      regionId: 'kzn', windowStart: new Date(T0 + i * 5 * MIN).toISOString(), tripCount: 10 + i, averagePrice: 250, isFinal: i < 19,
    })));
    // windows starting before 00:50 are 0..9; the last two are 8 and 9
    assert.deepEqual(data.platformWindows.map((w) => w.windowStart), [8, 9].map((i) => new Date(T0 + i * 5 * MIN).toISOString()));
    const fifteen = await gqlData<{ regionWindows: { tripCount: number }[] }>(server.url, '{ regionWindows(regionId: "kzn", windowMinutes: 15) { tripCount } }');
    assert.deepEqual(fifteen.regionWindows, [{ tripCount: 13 }]);
  });

  void it('refuses a window size the aggregation does not produce', async () => {
    const r = await gql(server.url, '{ platformWindows(windowMinutes: 7) { windowStart } }');
    assert.equal(r.body.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
    assert.match(r.body.errors?.[0]?.message ?? '', /5, 15, 60/);
    const last = await gql(server.url, '{ regionWindows(regionId: "kzn", last: 0) { windowStart } }');
    assert.equal(last.body.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
  });

  void it('delivers a region subscription its own region only', async () => {
    const sub = collect(client, `subscription { regionAggregates(regionId: "kzn", windowMinutes: 5) {
      regionId windowMinutes windowStart windowEnd tripCount completedCount cancelledCount cancellationRate averagePrice revenue isFinal } }`);
    await obs.until(regionWindowsChannel(5, 'kzn'), 1);
    await inner.publish(regionWindowsChannel(5, 'kzn'), window({ regionId: 'kzn' }));
    await sub.next(1);
    assert.deepEqual(sub.results[0], { data: { regionAggregates: {
      regionId: 'kzn', windowMinutes: 5, windowStart: new Date(T0).toISOString(), windowEnd: new Date(T0 + 5 * MIN).toISOString(),
      tripCount: 10, completedCount: 6, cancelledCount: 2, cancellationRate: 0.2, averagePrice: 350.5, revenue: 2100, isFinal: false,
    } } });
    // another region's window (and another size) is not delivered; the next kzn one is
    await inner.publish(regionWindowsChannel(5, 'msk-center'), window({ regionId: 'msk-center' }));
    await inner.publish(regionWindowsChannel(15, 'kzn'), window({ regionId: 'kzn', windowMinutes: 15 }));
    await inner.publish(regionWindowsChannel(5, 'kzn'), window({ regionId: 'kzn', tripCount: 11, isFinal: true }));
    await sub.next(2);
    const second = sub.results[1]?.data?.['regionAggregates'] as { regionId: string; tripCount: number; isFinal: boolean };
    assert.deepEqual([second.regionId, second.tripCount, second.isFinal], ['kzn', 11, true]);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(sub.results.length, 2);
    sub.stop();
    await obs.until(regionWindowsChannel(5, 'kzn'), 0);
  });

  void it('subscribes to every region when regionId is omitted, and to platform totals', async () => {
    const all = collect(client, 'subscription { regionAggregates(windowMinutes: 15) { regionId tripCount } }');
    const platform = collect(client, 'subscription { platformTotals(windowMinutes: 60) { windowMinutes tripCount averagePrice } }');
    await obs.until(regionWindowsChannel(15, 'sochi'), 1);
    await obs.until(platformWindowsChannel(60), 1);
    await inner.publish(regionWindowsChannel(15, 'nsk'), window({ regionId: 'nsk', windowMinutes: 15, tripCount: 1 }));
    await inner.publish(regionWindowsChannel(15, 'spb-center'), window({ regionId: 'spb-center', windowMinutes: 15, tripCount: 2 }));
    await inner.publish(platformWindowsChannel(60), window({ windowMinutes: 60, tripCount: 99, avgPrice: null }));
    await all.next(2);
    await platform.next(1);
    assert.deepEqual(all.results.map((r) => r.data?.['regionAggregates']), [{ regionId: 'nsk', tripCount: 1 }, { regionId: 'spb-center', tripCount: 2 }]);
    assert.deepEqual(platform.results, [{ data: { platformTotals: { windowMinutes: 60, tripCount: 99, averagePrice: null } } }]);
    all.stop();
    platform.stop();
    await obs.until(regionWindowsChannel(15, 'sochi'), 0);
    await obs.until(platformWindowsChannel(60), 0);
  });

  void it('answers bad subscriptions with coded errors and keeps the socket serving', async () => {
    const badSize = collect(client, 'subscription { regionAggregates(regionId: "kzn", windowMinutes: 7) { regionId } }');
    await badSize.done;
    const sizeErrors: CodedError[] = [...badSize.results.flatMap((r) => r.errors ?? []), ...(badSize.errors as CodedError[][]).flat()];
    assert.equal(sizeErrors[0]?.extensions?.['code'], 'BAD_USER_INPUT');
    assert.match(sizeErrors[0]?.message ?? '', /windowMinutes/);

    for (const [query, code] of [
      ['subscription { regionAggregates(', 'GRAPHQL_PARSE_FAILED'],
      ['subscription { nope }', 'GRAPHQL_VALIDATION_FAILED'],
      ['subscription { regionAggregates(regionId: "atlantis") { regionId } }', 'BAD_USER_INPUT'],
    ] as const) {
      const s = collect(client, query);
      await s.done;
      const errs: CodedError[] = [...s.results.flatMap((r) => r.errors ?? []), ...(s.errors as CodedError[][]).flat()];
      assert.equal(errs[0]?.extensions?.['code'], code, query);
    }

    // the same socket still delivers
    const ok = collect(client, 'subscription { platformTotals { tripCount } }');
    await obs.until(platformWindowsChannel(5), 1);
    await inner.publish(platformWindowsChannel(5), window({ tripCount: 7 }));
    await ok.next(1);
    assert.deepEqual(ok.results[0], { data: { platformTotals: { tripCount: 7 } } });
    ok.stop();
  });

  void it('closing the server ends live subscriptions and releases their PubSub channels', async () => {
    const other = await startMetricsSubgraph({ warehouse: wh, pubsub: obs.pubsub, logger: silent, port: 0, windowSizes: [1] });
    const c = createClient({ url: other.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      const live = collect(c, 'subscription { platformTotals(windowMinutes: 1) { tripCount } }');
      await obs.until(platformWindowsChannel(1), 1);
      await other.close();
      await obs.until(platformWindowsChannel(1), 0);
      await live.done;
      await assert.rejects(fetch(other.url.replace('/graphql', '/health')));
    } finally {
      await c.dispose();
      await other.close();
    }
  });
});
