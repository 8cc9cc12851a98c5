/**
 * End to end on the embedded connectors: simulator -> memory event log -> aggregation job ->
 * DuckDB warehouse + memory pubsub, compared with windows computed independently from the events
 * the simulator emitted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createMemoryEventLog } from '../../connectors/embedded/memory-event-log.ts';
import { createDuckDbWarehouse } from '../../connectors/embedded/duckdb-warehouse.ts';
import { createMemoryPubSub } from '../../connectors/embedded/memory-pub-sub.ts';
import { consumerLag, type EventLog } from '../../connectors/contracts/event-log.ts';
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import { parseDomainEvent, type DomainEvent } from '../../schema/events/domain-events.ts';
import { isControlRecord } from '../../schema/events/control-records.ts';
import { DEAD_LETTER_HEADERS, TOPICS } from '../../schema/events/topics.ts';
import { isWindowMessage, platformWindowsChannel, regionWindowsChannel, type WindowMessage } from '../../schema/live-channels.ts';
import { createSimulator } from '../../jobs/simulator/index.ts';
import { startAggregationJob, type AggregationJob } from '../../jobs/aggregation/index.ts';

const logger = pino({ level: 'silent' });
const MIN = 60_000;
const START = Date.UTC(2024, 2, 5, 4, 0, 0); // 07:00 in Moscow
const SIZES = [5, 15, 60];
const GROUP = 'stream-aggregation';

interface Expected {
  trips: number;
  completed: number;
  cancelled: number;
  prices: number;
  priceSum: number;
  revenue: number;
}

/** The windows, computed the plain way from the emitted events (no watermark: nothing is late in these runs). */
function expectedWindows(events: readonly DomainEvent[]): Map<string, Expected> {
  const out = new Map<string, Expected>();
  const add = (region: string, at: number, f: (e: Expected) => void): void => {
    for (const m of SIZES) {
      const start = Math.floor(at / (m * MIN)) * m * MIN;
      for (const key of [`${region}|${m}|${start}`, `*|${m}|${start}`]) {
        const e = out.get(key) ?? { trips: 0, completed: 0, cancelled: 0, prices: 0, priceSum: 0, revenue: 0 };
        f(e);
        out.set(key, e);
      }
    }
  };
  for (const e of events) {
    if (e.event_type === 'BookingCreated') add(e.data.region_id, e.occurred_at, (x) => void x.trips++);
    else if (e.event_type === 'BookingCompleted') add(e.data.region_id, e.occurred_at, (x) => ((x.completed += 1), (x.revenue += e.data.fare)));
    else if (e.event_type === 'BookingCancelled') add(e.data.region_id, e.occurred_at, (x) => void x.cancelled++);
    else if (e.event_type === 'PriceCalculated') add(e.data.region_id, e.occurred_at, (x) => ((x.prices += 1), (x.priceSum += e.data.final_price)));
  }
  return out;
}

interface Env {
  log: EventLog;
  warehouse: Warehouse;
  pubsub: ReturnType<typeof createMemoryPubSub>;
  metrics: Registry;
  close(): Promise<void>;
}

async function env(): Promise<Env> {
  const metrics = new Registry();
  const ctx = { logger, metrics };
  const log = createMemoryEventLog({ maxRecordsPerPartition: 1_000_000 }, ctx);
  const warehouse = createDuckDbWarehouse({ path: ':memory:' }, ctx);
  const pubsub = createMemoryPubSub({}, ctx);
  await Promise.all([log.start(), warehouse.start(), pubsub.start()]);
  return { log, warehouse, pubsub, metrics, close: async () => void (await Promise.all([log.close(), warehouse.close(), pubsub.close()])) };
}

async function drained(e: Env, job: AggregationJob): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const lag = (await consumerLag(e.log, GROUP, TOPICS.booking.name)) + (await consumerLag(e.log, GROUP, TOPICS.pricing.name));
    if (lag === 0) {
      await job.flush();
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('aggregation did not catch up');
}

type WindowRow = { region_id?: string; window_minutes: number; window_start: number; window_end: number; trip_count: number; completed_count: number; cancelled_count: number; price_count: number; price_sum: number; avg_price: number | null; revenue: number; cancellation_rate: number; is_final: boolean | number; version: number };

async function rows(w: Warehouse): Promise<Map<string, WindowRow>> {
  const out = new Map<string, WindowRow>();
  for (const r of await w.query<WindowRow>('SELECT * FROM region_windows')) out.set(`${r.region_id}|${r.window_minutes}|${r.window_start}`, r);
  for (const r of await w.query<WindowRow>('SELECT * FROM platform_windows')) out.set(`*|${r.window_minutes}|${r.window_start}`, r);
  return out;
}

function compare(actual: Map<string, WindowRow>, expected: Map<string, Expected>, watermark: number): void {
  assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort());
  let finals = 0;
  for (const [key, x] of expected) {
    const r = actual.get(key) as WindowRow;
    const at = `window ${key}`;
    assert.equal(r.trip_count, x.trips, at);
    assert.equal(r.completed_count, x.completed, at);
    assert.equal(r.cancelled_count, x.cancelled, at);
    assert.equal(r.price_count, x.prices, at);
    assert.ok(Math.abs(r.price_sum - x.priceSum) < 1e-5, `${at}: price_sum ${r.price_sum} vs ${x.priceSum}`);
    assert.ok(Math.abs(r.revenue - x.revenue) < 1e-5, `${at}: revenue ${r.revenue} vs ${x.revenue}`);
    assert.equal(r.cancellation_rate, x.completed + x.cancelled === 0 ? 0 : x.cancelled / (x.completed + x.cancelled), at);
    if (x.prices === 0) assert.equal(r.avg_price, null, at);
    else assert.ok(Math.abs((r.avg_price ?? NaN) - x.priceSum / x.prices) < 1e-5, at);
    assert.equal(Boolean(r.is_final), r.window_end <= watermark, at);
    if (r.is_final) finals++;
  }
  assert.ok(finals > 10, `${finals} final windows`);
}

void test('simulator -> event log -> aggregation -> warehouse + pubsub equals an independent computation', async () => {
  const e = await env();
  try {
    const live: WindowMessage[] = [];
    const collect = (m: unknown) => void (isWindowMessage(m) && live.push(m));
    await e.pubsub.subscribe(platformWindowsChannel(5), collect);
    await e.pubsub.subscribe(regionWindowsChannel(15, 'msk-center'), collect);

    const events: DomainEvent[] = [];
    const sim = createSimulator({
      log: e.log, logger, metrics: e.metrics, onEmit: (ev) => events.push(ev),
      seed: 21, startTime: START, ratePerSecond: 0.3, driversPerRegion: 45, locationIntervalMs: 120_000,
      lateShare: 0.05, maxLatenessMs: 10_000, invalidShare: 0.01,
    });
    await sim.runFor(50 * MIN);
    await sim.stop();

    const job = await startAggregationJob({ log: e.log, warehouse: e.warehouse, pubsub: e.pubsub, logger, metrics: e.metrics, config: { publishIntervalMs: 0 } });
    try {
      await drained(e, job);
      const wm = job.watermark();
      assert.ok(wm !== null && wm > START + 40 * MIN, `watermark ${wm}`);
      compare(await rows(e.warehouse), expectedWindows(events), wm);

      // invalid records of the two topics are dead-lettered with a reason; nothing was late
      let invalid = 0;
      for (const t of [TOPICS.booking, TOPICS.pricing]) {
        for (let p = 0; p < t.partitions; p++) invalid += (await e.log.read(t.name, p, '0', 1e7)).filter((r) => !isControlRecord(r) && !parseDomainEvent(r.value).ok).length;
      }
      assert.ok(invalid > 0);
      const letters = [];
      for (let p = 0; p < TOPICS.deadLetter.partitions; p++) letters.push(...(await e.log.read(TOPICS.deadLetter.name, p, '0', 1e7)));
      assert.equal(letters.length, invalid);
      assert.ok(letters.every((l) => l.headers[DEAD_LETTER_HEADERS.reasonCode] === 'EVENT_INVALID' && l.headers[DEAD_LETTER_HEADERS.stage] === 'aggregation' && l.headers[DEAD_LETTER_HEADERS.reason]));
      assert.equal(job.stats.late, 0);
      assert.equal(job.stats.deadLettered, invalid);

      // live: every final window once, with the warehouse's values
      await new Promise((r) => setTimeout(r, 20));
      const finals = live.filter((m) => m.isFinal && m.regionId === undefined && m.windowMinutes === 5);
      const starts = finals.map((m) => m.windowStart);
      assert.equal(new Set(starts).size, starts.length, 'each final platform window published once');
      const finalRows = await e.warehouse.query<WindowRow>('SELECT * FROM platform_windows WHERE window_minutes = 5 AND is_final = true ORDER BY window_start');
      assert.deepEqual(starts.sort((a, b) => a - b), finalRows.map((r) => r.window_start));
      for (const m of finals) {
        const r = finalRows.find((x) => x.window_start === m.windowStart) as WindowRow;
        assert.equal(m.tripCount, r.trip_count);
        assert.equal(m.revenue, r.revenue);
        assert.equal(m.avgPrice, r.avg_price);
      }
      assert.ok(live.some((m) => !m.isFinal), 'running windows are published too');
      assert.ok(live.some((m) => m.regionId === 'msk-center' && m.windowMinutes === 15 && m.isFinal));
    } finally {
      await job.stop();
    }
  } finally {
    await e.close();
  }
});

void test('a restart from an older checkpoint with re-delivered records counts every event exactly once', async () => {
  const e = await env();
  try {
    const events: DomainEvent[] = [];
    const sim = createSimulator({
      log: e.log, logger, metrics: e.metrics, onEmit: (ev) => events.push(ev),
      seed: 5, startTime: START, ratePerSecond: 0.2, driversPerRegion: 30, locationIntervalMs: 120_000, lateShare: 0.05, maxLatenessMs: 5_000,
    });
    const config = { publishIntervalMs: 0 };
    await sim.runFor(15 * MIN);
    const job1 = await startAggregationJob({ log: e.log, warehouse: e.warehouse, pubsub: e.pubsub, logger, metrics: e.metrics, config });
    await drained(e, job1);
    const older = (await e.warehouse.query<{ job: string; state: string; updated_at: number; version: number }>('SELECT * FROM aggregation_checkpoints'))[0];
    assert.ok(older);
    await sim.runFor(15 * MIN);
    await drained(e, job1);
    await job1.stop();

    // As if the process died after writing window rows but before its last checkpoints and commits:
    // the checkpoint goes back, the group's offsets go back further still.
    await e.warehouse.query('DELETE FROM aggregation_checkpoints');
    await e.warehouse.insert('aggregation_checkpoints', [older]);
    for (const t of [TOPICS.booking, TOPICS.pricing]) {
      await e.log.setOffsets(GROUP, t.name, Object.fromEntries(Array.from({ length: t.partitions }, (_, p) => [p, '0'])));
    }
    await sim.runFor(10 * MIN);
    await sim.stop();

    const job2 = await startAggregationJob({ log: e.log, warehouse: e.warehouse, pubsub: e.pubsub, logger, metrics: e.metrics, config });
    try {
      await drained(e, job2);
      assert.ok(job2.stats.duplicates > 0, 'records below the checkpoint were skipped');
      const wm = job2.watermark();
      assert.ok(wm !== null);
      compare(await rows(e.warehouse), expectedWindows(events), wm);
      assert.equal(job2.stats.late, 0);
    } finally {
      await job2.stop();
    }
  } finally {
    await e.close();
  }
});
