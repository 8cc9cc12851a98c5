import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createMemoryEventLog } from '../../connectors/embedded/memory-event-log.ts';
import { createDuckDbWarehouse } from '../../connectors/embedded/duckdb-warehouse.ts';
import { createMemoryPubSub } from '../../connectors/embedded/memory-pub-sub.ts';
import { consumerLag } from '../../connectors/contracts/event-log.ts';
import { DEAD_LETTER_HEADERS, TOPICS } from '../../schema/events/topics.ts';
import { isPlatformError } from '../../schema/errors.ts';
import { validateConfig } from '../../schema/config-validation.ts';
import { isWindowMessage, regionWindowsChannel, type WindowMessage } from '../../schema/live-channels.ts';
import { AGGREGATION_CHECKPOINTS, AggregationConfigSchema, regionWindowsOutput, startAggregationJob } from '../../jobs/aggregation/index.ts';
import { LivePublisher } from '../../jobs/support/live-publisher.ts';
import type { SpecWindowView } from '../../jobs/windows/index.ts';

const logger = pino({ level: 'silent' });
const MIN = 60_000;
const T0 = Date.UTC(2024, 2, 5, 8, 0, 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let n = 0;
const created = (region: string, at: number) =>
  JSON.stringify({
    event_id: `e-${++n}`, occurred_at: at, producer: 'test', schema_version: 1, event_type: 'BookingCreated',
    data: { booking_id: `b-${n}`, rider_id: 'r', region_id: region, pickup: { lat: 1, lon: 1 }, dropoff: { lat: 1, lon: 1 }, estimated_distance_km: 2, weather: 'clear' },
  });

void test('late events go to the dead-letter topic with EVENT_LATE and a reason, are counted, and change no window', async () => {
  const metrics = new Registry();
  const ctx = { logger, metrics };
  const log = createMemoryEventLog({}, ctx);
  const warehouse = createDuckDbWarehouse({ path: ':memory:' }, ctx);
  const pubsub = createMemoryPubSub({}, ctx);
  await Promise.all([log.start(), warehouse.start(), pubsub.start()]);
  try {
    await log.ensureTopics([TOPICS.booking, TOPICS.pricing, TOPICS.deadLetter]);
    // one region, so one partition of booking-events; pricing-events stays empty
    await log.publish(TOPICS.booking.name, [
      { key: 'kzn', value: created('kzn', T0 + 1000) },
      { key: 'kzn', value: created('kzn', T0 + 2000) },
      { key: 'kzn', value: created('kzn', T0 + 10 * MIN) }, // watermark T0 + 9.5 min: [T0, T0+5m) is final
      { key: 'kzn', value: created('kzn', T0 + 3000) }, // late
      { key: 'kzn', value: '{"not": "an event"' }, // invalid
    ]);
    const job = await startAggregationJob({ log, warehouse, pubsub, logger, metrics, config: { allowedLatenessMs: 30_000, windowMinutes: [5, 60] } });
    try {
      for (let i = 0; i < 200 && (await consumerLag(log, 'stream-aggregation', TOPICS.booking.name)) > 0; i++) await sleep(20);
      await job.flush();
      assert.equal(job.watermark(), T0 + 10 * MIN - 30_000);
      const letters = [];
      for (let p = 0; p < TOPICS.deadLetter.partitions; p++) letters.push(...(await log.read(TOPICS.deadLetter.name, p, '0', 100)));
      const late = letters.filter((l) => l.headers[DEAD_LETTER_HEADERS.reasonCode] === 'EVENT_LATE');
      assert.equal(late.length, 1);
      assert.equal(letters.length, 2);
      const letter = late[0];
      assert.ok(letter);
      assert.equal(letter.headers[DEAD_LETTER_HEADERS.sourceOffset], '3');
      assert.equal(letter.headers[DEAD_LETTER_HEADERS.stage], 'aggregation');
      assert.match(letter.headers[DEAD_LETTER_HEADERS.reason] ?? '', /already closed by the .*watermark/);
      assert.equal(job.stats.late, 1);
      assert.equal(job.stats.deadLettered, 2);
      const metric = await metrics.getSingleMetric('gofuture_aggregation_late_events_total')?.get();
      assert.equal(metric?.values[0]?.value, 1);
      const rows = await warehouse.query<{ window_minutes: number; window_start: number; trip_count: number; is_final: boolean }>(
        'SELECT window_minutes, window_start, trip_count, is_final FROM region_windows ORDER BY window_minutes, window_start',
      );
      assert.deepEqual(rows.map((r) => [r.window_minutes, r.window_start - T0, r.trip_count, Boolean(r.is_final)]), [
        [5, 0, 2, true],
        [5, 10 * MIN, 1, false],
        [60, 0, 3, false],
      ]);
    } finally {
      await job.stop();
    }
  } finally {
    await Promise.all([log.close(), warehouse.close(), pubsub.close()]);
  }
});

void test('live publisher: running windows at most once per interval per key (latest wins), finals at once', async () => {
  const metrics = new Registry();
  const pubsub = createMemoryPubSub({}, { logger, metrics });
  await pubsub.start();
  const got: WindowMessage[] = [];
  await pubsub.subscribe(regionWindowsChannel(5, 'kzn'), (m) => void (isWindowMessage(m) && got.push(m)));
  const { live: format, liveMetricNames: metricNames } = regionWindowsOutput(createDuckDbWarehouse({ path: ':memory:' }, { logger, metrics }));
  const live = new LivePublisher({ pubsub, intervalMs: 300, logger, metrics, format, metricNames });
  const view = (trips: number, isFinal = false, start = T0): SpecWindowView => ({
    spec: 'region-5m', keyValues: ['kzn'], windowStart: start, windowEnd: start + 5 * MIN, isFinal, retracted: false, version: trips * 2 + (isFinal ? 1 : 0), events: trips,
    values: { tripCount: trips, completedCount: 0, cancelledCount: 0, cancellationRate: 0, priceCount: 0, priceSum: 0, avgPrice: null, revenue: 0 },
  });
  try {
    for (let i = 1; i <= 10; i++) live.running([view(i)]);
    await sleep(30);
    assert.deepEqual(got.map((m) => m.tripCount), [1]);
    await sleep(450);
    assert.deepEqual(got.map((m) => m.tripCount), [1, 10], 'coalesced to the latest value');
    live.running([view(11)]); // within the interval of the last send: coalesced...
    live.closed([view(12, true)]); // ...and superseded by the final value, which goes at once
    await sleep(30);
    assert.deepEqual(got.map((m) => [m.tripCount, m.isFinal]), [[1, false], [10, false], [12, true]]);
    await sleep(400);
    assert.equal(got.length, 3, 'nothing after the final');
    live.running([view(1, false, T0 + 5 * MIN)]);
    live.running([view(2, false, T0 + 5 * MIN)]);
    await live.close(); // publishes what is still coalesced
    await sleep(20);
    assert.deepEqual(got.at(-1)?.tripCount, 2);
  } finally {
    await live.close();
    await pubsub.close();
  }
});

void test('aggregation config: defaults, and a wrong value names its key', () => {
  const c = validateConfig(AggregationConfigSchema, {}, 'aggregation');
  assert.deepEqual(c.windowMinutes, [5, 15, 60]);
  assert.equal(c.allowedLatenessMs, 30_000);
  assert.equal(c.publishIntervalMs, 1000);
  for (const [raw, key] of [[{ windowMinutes: [5, 5] }, 'aggregation.windowMinutes'], [{ allowedLatenessMs: -1 }, 'aggregation.allowedLatenessMs'], [{ lateness: 1 }, 'aggregation']] as const) {
    assert.throws(() => validateConfig(AggregationConfigSchema, raw, 'aggregation'), (e: unknown) => isPlatformError(e) && e.code === 'CONFIG_INVALID' && e.message.includes(key));
  }
});

/** The embedded log, warehouse and pubsub, started, with the aggregation's topics. */
async function world() {
  const metrics = new Registry();
  const ctx = { logger, metrics };
  const log = createMemoryEventLog({}, ctx);
  const warehouse = createDuckDbWarehouse({ path: ':memory:' }, ctx);
  const pubsub = createMemoryPubSub({}, ctx);
  await Promise.all([log.start(), warehouse.start(), pubsub.start()]);
  await log.ensureTopics([TOPICS.booking, TOPICS.pricing, TOPICS.deadLetter]);
  return { metrics, log, warehouse, pubsub, close: async () => void (await Promise.all([log.close(), warehouse.close(), pubsub.close()])) };
}

void test('a checkpoint of the layout before the window engine is not resumed: the group rebuilds from the log, versions count on', async () => {
  const { metrics, log, warehouse, pubsub, close } = await world();
  try {
    await log.publish(TOPICS.booking.name, [1, 2, 3].map((i) => ({ key: 'ekb', value: created('ekb', T0 + i * 1000) })));
    // as the old job left it: a WindowState snapshot, and the group's offsets past every record
    const partition = await log.partitionFor(TOPICS.booking.name, 'ekb');
    await warehouse.ensureTables([AGGREGATION_CHECKPOINTS]);
    const old = { format: 1, watermark: null, partitions: { [`booking-events:${partition}`]: { nextOffset: '3', maxEventTime: T0 + 3000 } }, windows: [], seen: [] };
    await warehouse.insert(AGGREGATION_CHECKPOINTS.name, [{ job: 'stream-aggregation', state: JSON.stringify(old), updated_at: 0, version: 7 }]);
    await log.setOffsets('stream-aggregation', TOPICS.booking.name, { [partition]: '3' });
    const job = await startAggregationJob({ log, warehouse, pubsub, logger, metrics, config: { windowMinutes: [5] } });
    try {
      for (let i = 0; i < 200 && job.stats.applied < 3; i++) await sleep(20);
      await job.flush();
      const rows = await warehouse.query<{ trip_count: number }>("SELECT trip_count FROM region_windows WHERE region_id = 'ekb'");
      assert.deepEqual(rows.map((r) => Number(r.trip_count)), [3], 'the three events were counted again from the log');
      const saved = await warehouse.query<{ state: string; version: number }>(`SELECT state, version FROM ${AGGREGATION_CHECKPOINTS.name} ORDER BY version DESC LIMIT 1`);
      assert.ok(Number(saved[0]?.version) > 7, 'the new checkpoint rows win over the old one');
      assert.ok('specs' in (JSON.parse(saved[0]?.state ?? '{}') as object), 'in the engine layout');
    } finally {
      await job.stop();
    }
  } finally {
    await close();
  }
});
