/** The ingest and warehouse benches' data: repeated simulator events stay distinct and in event-time order; the in-engine trips generator yields the rows it says. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { repeatedEvents } from '../../bench/suites/pipeline-ingest-data.ts';
import { duckDbTripsInsert } from '../../bench/suites/warehouse-data.ts';
import type { DomainEvent } from '../../schema/events/domain-events.ts';

const booking = (i: number, at: number): DomainEvent => ({
  event_id: `e${i}`, event_type: 'BookingCreated', occurred_at: at, producer: 'test', schema_version: 1,
  data: { booking_id: `b${i}`, rider_id: 'r1', region_id: 'kzn', pickup: { lat: 55.7, lon: 49.1 }, dropoff: { lat: 55.8, lon: 49.2 }, estimated_distance_km: 3, weather: 'clear' },
});

void test('repeatedEvents: n events, ids distinct per copy, dimensions kept, event time never goes back', () => {
  const pool = [booking(1, 1_000_000), booking(2, 1_060_000), booking(3, 1_200_000)];
  const out = repeatedEvents(pool, 8);
  assert.equal(out.length, 8);
  assert.equal(new Set(out.map((e) => e.event_id)).size, 8);
  assert.equal(new Set(out.map((e) => (e.data as { booking_id: string }).booking_id)).size, 8);
  assert.ok(out.every((e) => (e.data as { region_id: string }).region_id === 'kzn' && (e.data as { rider_id: string }).rider_id === 'r1'));
  for (let i = 1; i < out.length; i++) assert.ok((out[i] as DomainEvent).occurred_at >= (out[i - 1] as DomainEvent).occurred_at, `event ${i} goes back in time`);
  // the newest copy is the pool itself
  assert.deepEqual(out.slice(-2), pool.slice(0, 2));
});

void test('duckDbTripsInsert: count rows, distinct trip ids, all in the 24 h before now, statuses as the contract says', async () => {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    await conn.run("CREATE TABLE trips (trip_id VARCHAR PRIMARY KEY, region_id VARCHAR, rider_id VARCHAR, driver_id VARCHAR, status VARCHAR, fare DOUBLE, currency VARCHAR, surge_multiplier DOUBLE, distance_km DOUBLE, duration_s DOUBLE, weather VARCHAR, requested_at BIGINT, accepted_at BIGINT, started_at BIGINT, completed_at BIGINT, cancelled_at BIGINT, cancelled_by VARCHAR, cancel_reason VARCHAR, requested_hour BIGINT, trip_date DATE, version BIGINT)");
    const now = Date.UTC(2026, 2, 7, 13, 30);
    await conn.run(duckDbTripsInsert(5000, now));
    const r = await conn.runAndReadAll(`SELECT count(*)::INT AS n, count(DISTINCT trip_id)::INT AS ids, min(requested_at)::BIGINT >= ${now - 86_400_000} AS after, max(requested_at)::BIGINT < ${now} AS before,
      sum(CASE WHEN status = 'completed' AND fare IS NULL THEN 1 ELSE 0 END)::INT AS unpriced, sum(CASE WHEN status <> 'completed' AND fare IS NOT NULL THEN 1 ELSE 0 END)::INT AS priced,
      sum(CASE WHEN requested_hour <> requested_at // 3600000 * 3600000 THEN 1 ELSE 0 END)::INT AS bad_hours, count(DISTINCT region_id)::INT AS regions FROM trips`);
    const [n, ids, after, before, unpriced, priced, badHours, regions] = r.getRows()[0] ?? [];
    assert.deepEqual({ n, ids, after, before, unpriced, priced, badHours }, { n: 5000, ids: 5000, after: true, before: true, unpriced: 0, priced: 0, badHours: 0 });
    assert.equal(regions, 8);
  } finally {
    conn.closeSync();
    db.closeSync();
  }
});
