/**
 * The services profile end to end, in this process, on free ports: the source services' rows and
 * transactional-outbox rows are written into PostgreSQL -> CDC (logical replication) -> Kafka ->
 * landing, features and aggregation jobs -> ClickHouse (and Redis) -> subgraphs -> gateway. Queries
 * go through the gateway with plain fetch, the dashboard subscription through the gateway over
 * graphql-ws; every number is checked against a tally this test computes from the events itself.
 *
 * The events: the simulator (fixed seed, 05:00 UTC of a recent day, no late events so payments
 * arrive in order) for 20 simulated minutes, then 5 minutes more, which push the aggregation
 * watermark past the first 20 minutes' windows. The source services' writes run on a worker thread
 * (support/platform-writer.ts), as real services write from their own processes.
 *
 * Clean slate: the domain topics (booking-events, ...: fixed names) and the jobs' consumer groups
 * are deleted with the kafkajs admin before the platform starts (integration tests run one file at a
 * time; kill-restart.test.ts does the same). Everything else is the run's own and removed after it:
 * ClickHouse database, source schemas, replication slot and publication, CDC topic prefix, Redis
 * key/channel prefixes. Needs `bash scripts/services.sh up`.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { loadConfig } from '../../bin/config.ts';
import { startPlatform, type RunningPlatform } from '../../bin/platform.ts';
import type { SourceWriter } from '../../jobs/sources/index.ts';
import type { DomainEvent } from '../../schema/events/domain-events.ts';
import { regionWindowsChannel, type WindowMessage } from '../../schema/live-channels.ts';
import { REGION_IDS } from '../../schema/regions.ts';
import { capturedTables } from '../../schema/sources/source-tables.ts';
import { uniqueName } from '../conformance/helpers.ts';
import { eventually, gql, subscribe, type Subscription } from '../e2e/support.ts';
import { latestUtcHour, simulatedStream } from './support/platform-events.ts';
import { deleteTopicsWithPrefix, PLATFORM_GROUPS, PLATFORM_TOPICS, resetKafka } from './support/platform-kafka.ts';
import { liveConnectors, type LiveConnectors } from './support/platform-live.ts';
import { createWorkerSourceWriter } from './support/platform-writer.ts';
import {
  figuresOf, mismatch, revenueDayTally, tripBucketTally, watermarkLowerBound, windowTally,
  type WindowFigures, type WindowTally,
} from './support/platform-tally.ts';
import { dropCdcFixtures, PG_URL, requirePostgres } from './support/postgres.ts';
import { CLICKHOUSE_URL, clickhouseExec, KAFKA_BROKERS, requireClickHouse, requireKafka } from './support/services.ts';

const MINUTE = 60_000;
const WINDOW_MS = 5 * MINUTE;
const LATENESS_MS = 5_000;
const REGION = 'msk-center';
const START = latestUtcHour(5);
const HOURS = { from: new Date(START).toISOString(), to: new Date(START + 2 * 3_600_000).toISOString() };
const WINDOW_FIELDS = 'regionId windowStart windowEnd tripCount completedCount cancelledCount cancellationRate averagePrice revenue isFinal';
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }, pino.destination(2));

interface WindowNode extends WindowFigures { readonly regionId: string; readonly windowStart: string; readonly windowEnd: string; readonly isFinal: boolean }

const figures = (w: WindowNode): WindowFigures => ({
  tripCount: w.tripCount, completedCount: w.completedCount, cancelledCount: w.cancelledCount,
  cancellationRate: w.cancellationRate, averagePrice: w.averagePrice, revenue: w.revenue,
});

/** Every final window in `finals` equals the tally; returns a problem or null. */
function finalsProblem(finals: readonly WindowNode[], tally: ReadonlyMap<string, WindowTally>): string | null {
  for (const w of finals) {
    const t = tally.get(`${w.regionId}|${Date.parse(w.windowStart)}`);
    if (!t) return `final window ${w.regionId} ${w.windowStart} has no event in the tally`;
    const m = mismatch(figures(w), figuresOf(t), `${w.regionId} ${w.windowStart}`);
    if (m) return m;
  }
  return null;
}

void describe('services profile end to end: PostgreSQL -> CDC -> Kafka -> jobs -> ClickHouse -> gateway', { timeout: 240_000 }, () => {
  const tag = uniqueName('psvc').toLowerCase();
  const names = {
    database: `gf_${tag}`, prefix: `${tag}_`, slot: `${tag}_slot`, publication: `${tag}_pub`, topicPrefix: `${tag}`,
    schemas: ['booking', 'driver', 'payment', 'pricing', 'fraud'].map((s) => `${tag}_${s}`),
  };
  let dir = '';
  let live: LiveConnectors;
  let writer: SourceWriter | null = null;
  let platform: RunningPlatform | null = null;
  let sub: Subscription<WindowNode> | null = null;
  const events: DomainEvent[] = [];
  let tally = new Map<string, WindowTally>();
  /** Windows ending at or before this must be final once everything is consumed. */
  let finalBefore = 0;

  before(async () => {
    await Promise.all([requireKafka(), requireClickHouse(), requirePostgres()]);
    await resetKafka({ topics: PLATFORM_TOPICS, groups: PLATFORM_GROUPS });
    const sim = await simulatedStream({ seed: 2024, startTime: START, ratePerSecond: 0.3, driversPerRegion: 30, locationIntervalMs: 5 * MINUTE, lateShare: 0 });
    events.push(...(await sim.runFor(20 * MINUTE)), ...(await sim.runFor(5 * MINUTE)));
    await sim.close();
    tally = windowTally(events, WINDOW_MS);
    finalBefore = watermarkLowerBound(events, LATENESS_MS);

    dir = await mkdtemp(path.join(os.tmpdir(), 'gofuture-psvc-'));
    writer = createWorkerSourceWriter({ pgUrl: PG_URL, schemaPrefix: names.prefix });
    await writer.migrate();
    live = liveConnectors(tag);
    const config = loadConfig({
      profile: 'services',
      env: {},
      overrides: {
        dataDir: dir,
        logLevel: 'silent',
        gateway: { port: 0 },
        subgraphs: { trips: 0, payments: 0, features: 0, models: 0, metrics: 0, lake: 0 },
        connectors: {
          eventLog: {
            kind: 'kafka', brokers: [...KAFKA_BROKERS], clientId: `gofuture-${tag}`, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 500,
            fetchMaxWaitMs: 100, lagRefreshMs: 1_000, retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 1_000 },
          },
          warehouse: { kind: 'clickhouse', url: CLICKHOUSE_URL, database: names.database },
          onlineStore: live.onlineStore,
          pubSub: live.pubSub,
        },
        jobs: ['cdc', 'landing', 'features', 'aggregation'],
        aggregation: { allowedLatenessMs: LATENESS_MS, publishIntervalMs: 200, partitionRefreshMs: 500 },
        cdc: {
          changeSource: { kind: 'postgres', url: PG_URL, slot: names.slot, publication: names.publication, tables: capturedTables(names.prefix), statusIntervalMs: 200 },
          topicPrefix: names.topicPrefix,
        },
        jobStatusIntervalMs: 1_000,
      },
    });
    const t0 = Date.now();
    platform = await startPlatform(config, logger, new Registry());
    console.log(`# platform started in ${Date.now() - t0} ms`);

    // the dashboard subscription, live before the first write: a probe window published on the
    // aggregation's channel must come back through the gateway first
    sub = subscribe(platform.gatewayUrl, `subscription($r: ID, $w: Int) { regionAggregates(regionId: $r, windowMinutes: $w) { ${WINDOW_FIELDS} } }`, { r: REGION, w: 5 }, (d) => d.regionAggregates as WindowNode);
    const probe: WindowMessage = { regionId: REGION, windowMinutes: 5, windowStart: 0, windowEnd: WINDOW_MS, tripCount: 0, completedCount: 0, cancelledCount: 0, cancellationRate: 0, avgPrice: null, revenue: 0, isFinal: false };
    const pubSub = platform.connectors.pubSub;
    await eventually('the subscription to be live through the gateway', 15_000, async () => {
      await pubSub.publish(regionWindowsChannel(5, REGION), probe);
      return sub?.messages.some((m) => Date.parse(m.windowStart) === 0) ? true : undefined;
    }, 200);
  });

  after(async () => {
    // every step, even after a failed one; the first failure is reported
    const steps: (() => Promise<unknown> | undefined)[] = [
      () => sub?.close(),
      () => platform?.stop(),
      () => writer?.close(),
      () => dropCdcFixtures({ slot: names.slot, publication: names.publication, schemas: names.schemas }),
      () => clickhouseExec(`DROP DATABASE IF EXISTS ${names.database}`),
      () => deleteTopicsWithPrefix(`${names.topicPrefix}.`),
      () => live?.cleanup(),
      () => (dir ? rm(dir, { recursive: true, force: true }) : undefined),
    ];
    const failures: unknown[] = [];
    for (const step of steps) await Promise.resolve().then(step).catch((e: unknown) => failures.push(e));
    if (failures.length > 0) throw failures[0];
  });

  void it('lands every trip written to the source tables: trips totalCount through the gateway', async () => {
    const created = events.filter((e) => e.event_type === 'BookingCreated').length;
    assert.ok(created > 200, `the stream has bookings (${created} of ${events.length} events)`);
    const t0 = Date.now();
    const r = await writer!.write(events);
    const writeMs = Date.now() - t0;
    assert.equal(r.written, events.length);
    assert.equal(r.duplicates, 0);
    const total = await eventually('trips totalCount to reach the bookings written', 90_000, async () => {
      const q = await gql<{ trips: { totalCount: number } }>(platform!.gatewayUrl, '{ trips(first: 1) { totalCount } }');
      assert.equal(q.body.errors, undefined, JSON.stringify(q.body.errors));
      return q.body.data!.trips.totalCount >= created ? q.body.data!.trips.totalCount : undefined;
    }, 250);
    const catchUpMs = Date.now() - t0 - writeMs;
    assert.equal(total, created);
    console.log(`# ${events.length} events (${created} bookings) written to PostgreSQL in ${writeMs} ms (${r.transactions} transactions); `
      + `all trips through the gateway ${catchUpMs} ms after the last commit`);
  });

  void it('answers tripStats(HOUR) and revenuePerDay through the gateway with the numbers of the tally', async () => {
    const trips = tripBucketTally(events);
    const days = revenueDayTally(events);
    assert.ok(trips.some((b) => b.completed > 0) && days.some((d) => d.revenue > 0), 'the stream has completed trips and paid payments');
    const t0 = Date.now();
    let last = '';
    await eventually('tripStats and revenuePerDay to equal the tally', 60_000, async () => {
      const q = await gql<{ tripStats: { bucketStart: string; region: { id: string }; trips: number; completed: number; cancelled: number; cancellationRate: number; revenue: number; averageFare: number | null }[]; revenuePerDay: { date: string; region: { id: string } | null; revenue: number; payments: number; completed: number; failed: number; refunded: number }[] }>(
        platform!.gatewayUrl,
        `query($from: DateTime, $to: DateTime) {
          tripStats(granularity: HOUR, from: $from, to: $to) { bucketStart region { id } trips completed cancelled cancellationRate revenue averageFare }
          revenuePerDay(from: $from, to: $to, byRegion: true) { date region { id } revenue payments completed failed refunded }
        }`,
        HOURS,
      );
      assert.equal(q.body.errors, undefined, JSON.stringify(q.body.errors));
      const d = q.body.data!;
      const actualTrips = d.tripStats.map(({ region, ...b }) => ({ ...b, regionId: region.id }));
      const actualDays = d.revenuePerDay.map(({ region, ...r }) => ({ ...r, regionId: region?.id ?? '' }));
      last = mismatch(actualTrips, trips, 'tripStats') ?? mismatch(actualDays, days, 'revenuePerDay') ?? '';
      return last === '' ? true : undefined;
    }, 500).catch((e: unknown) => assert.fail(`${String(e)}; last difference: ${last}`));
    console.log(`# ${trips.length} hour buckets and ${days.length} revenue days equal the tally (${Date.now() - t0} ms after the trips count)`);
  });

  void it('keeps the online store (Redis) fresh: drivers\' trips7d through the gateway equal the tally', async () => {
    const completed = new Map<string, number>();
    for (const e of events) if (e.event_type === 'BookingCompleted') completed.set(e.data.driver_id, (completed.get(e.data.driver_id) ?? 0) + 1);
    const ids = [...completed.keys()].sort();
    assert.ok(ids.length > 10, `drivers completed trips (${ids.length})`);
    const expected = ids.map((id) => ({ id, trips7d: completed.get(id) }));
    let last = '';
    await eventually('driver_trips_7d of every driver in the online store', 30_000, async () => {
      const q = await gql<{ onlineFeatures: ({ id: string; values: { name: string; value: number | null }[] } | null)[] }>(
        platform!.gatewayUrl, 'query($ids: [ID!]!) { onlineFeatures(entity: DRIVER, ids: $ids) { id values { name value } } }', { ids },
      );
      assert.equal(q.body.errors, undefined, JSON.stringify(q.body.errors));
      const actual = q.body.data!.onlineFeatures.map((v, i) => ({ id: v?.id ?? `${ids[i]} (no vector)`, trips7d: v?.values.find((x) => x.name === 'driver_trips_7d')?.value ?? undefined }));
      last = mismatch(actual, expected, 'drivers') ?? '';
      return last === '' ? true : undefined;
    }, 500).catch((e: unknown) => assert.fail(`${String(e)}; last difference: ${last}`));
    console.log(`# driver_trips_7d of ${ids.length} drivers in Redis equal the tally`);
  });

  void it('stores final 5-minute windows of every region (regionWindows) equal to the tally', async () => {
    const expected = [...tally.values()].filter((t) => t.windowStart + WINDOW_MS <= finalBefore);
    assert.ok(finalBefore >= START + 20 * MINUTE, `the later events push the watermark past the first 20 minutes (bound ${new Date(finalBefore).toISOString()})`);
    const query = `query($from: DateTime, $to: DateTime) { ${REGION_IDS.map((r, i) => `r${i}: regionWindows(regionId: "${r}", windowMinutes: 5, from: $from, to: $to, last: 100) { ${WINDOW_FIELDS} }`).join(' ')} }`;
    let last = '';
    const finals = await eventually('the expected final windows in the warehouse', 60_000, async () => {
      const q = await gql<Record<string, WindowNode[]>>(platform!.gatewayUrl, query, HOURS);
      assert.equal(q.body.errors, undefined, JSON.stringify(q.body.errors));
      const all = Object.values(q.body.data!).flat().filter((w) => w.isFinal);
      const have = new Set(all.map((w) => `${w.regionId}|${Date.parse(w.windowStart)}`));
      const missing = expected.filter((t) => !have.has(`${t.regionId}|${t.windowStart}`));
      last = missing.length ? `${missing.length} windows not final yet, e.g. ${missing[0]!.regionId} ${new Date(missing[0]!.windowStart).toISOString()}` : '';
      return missing.length === 0 ? all : undefined;
    }, 500).catch((e: unknown) => assert.fail(`${String(e)}; ${last}`));
    assert.equal(finalsProblem(finals, tally), null);
    for (const w of finals) assert.equal(Date.parse(w.windowEnd) - Date.parse(w.windowStart), WINDOW_MS);
    assert.ok(expected.filter((t) => t.regionId === REGION).length >= 4, 'msk-center has at least four final windows');
    console.log(`# ${finals.length} final region windows in ClickHouse equal the tally (${expected.length} required)`);
  });

  void it('delivers the final windows over a gateway subscription opened before the writes, equal to the tally', async () => {
    const expected = [...tally.values()].filter((t) => t.regionId === REGION && t.windowStart + WINDOW_MS <= finalBefore);
    const finals = await eventually('the final windows of msk-center over the subscription', 30_000, () => {
      const f = sub!.messages.filter((m) => m.isFinal);
      const have = new Set(f.map((m) => Date.parse(m.windowStart)));
      return expected.every((t) => have.has(t.windowStart)) ? f : undefined;
    });
    assert.deepEqual(sub!.errors, []);
    for (const m of sub!.messages) assert.equal(m.regionId, REGION, 'only the subscribed region is delivered');
    assert.equal(finalsProblem(finals, tally), null);
    assert.ok(sub!.messages.some((m) => !m.isFinal && Date.parse(m.windowStart) > 0), 'running windows were delivered too');
    console.log(`# ${finals.length} final windows of ${REGION} over the subscription equal the tally (${sub!.messages.length} messages in all)`);
  });
});
