/**
 * The landing jobs against real embedded connectors: the in-process event log and a DuckDB
 * warehouse. Events are published as producers would (topic and key of seed 002).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { consumerLag, type EventLog, type LogRecord } from '../../connectors/contracts/event-log.ts';
import type { Row, Warehouse } from '../../connectors/contracts/warehouse.ts';
import { createDuckDbWarehouse } from '../../connectors/embedded/duckdb-warehouse.ts';
import { createTableSql } from '../../connectors/embedded/duckdb-sql.ts';
import { createMemoryEventLog } from '../../connectors/embedded/memory-event-log.ts';
import { startLandingJobs, type LandingJobs } from '../../jobs/landing/index.ts';
import { EVENT_TOPIC, eventKey, type DomainEvent } from '../../schema/events/domain-events.ts';
import { ALL_TOPICS, DEAD_LETTER_HEADERS, TOPICS } from '../../schema/events/topics.ts';
import { TRIPS, WAREHOUSE_TABLES } from '../../schema/tables/warehouse-tables.ts';
import { waitFor } from '../conformance/helpers.ts';
import {
  accepted, booking, completed, created, driverLocation, driverRated, driverStatus, lifecycle, MIN, paymentCompleted,
  paymentInitiated, priced, started, T0,
} from './landing-event-factory.ts';

const logger = pino({ level: 'silent' });
let dir = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gofuture-landing-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Env {
  readonly log: EventLog;
  readonly warehouse: Warehouse;
  readonly metrics: Registry;
  start(): Promise<LandingJobs>;
  close(): Promise<void>;
}

let envSeq = 0;

/** A fresh event log and warehouse; `prepare` runs before the tables are ensured. */
async function makeEnv(prepare?: (w: Warehouse) => Promise<void>): Promise<Env> {
  const metrics = new Registry();
  const ctx = { logger, metrics };
  const log = createMemoryEventLog({}, ctx);
  const warehouse = createDuckDbWarehouse({ path: join(dir, `wh-${++envSeq}.duckdb`) }, ctx);
  await log.start();
  await warehouse.start();
  await log.ensureTopics(ALL_TOPICS);
  if (prepare) await prepare(warehouse);
  await warehouse.ensureTables(WAREHOUSE_TABLES);
  const running: LandingJobs[] = [];
  return {
    log, warehouse, metrics,
    start: async () => {
      const jobs = await startLandingJobs({ log, warehouse, logger, metrics });
      running.push(jobs);
      return jobs;
    },
    close: async () => {
      for (const j of running) await j.stop();
      await log.close();
      await warehouse.close();
    },
  };
}

async function publish(log: EventLog, events: readonly DomainEvent[]): Promise<void> {
  for (const e of events) {
    await log.publish(EVENT_TOPIC[e.event_type].name, [{ key: eventKey(e), value: JSON.stringify(e) }]);
  }
}

const GROUPS: Record<string, readonly string[]> = {
  'landing-trips': [TOPICS.booking.name, TOPICS.pricing.name],
  'landing-payments': [TOPICS.payment.name],
  'landing-drivers': [TOPICS.driver.name],
};

/** Waits until every landing group has committed everything published so far. */
async function drained(log: EventLog): Promise<void> {
  await waitFor('landing groups to catch up', async () => {
    for (const [group, topics] of Object.entries(GROUPS)) {
      for (const t of topics) if ((await consumerLag(log, group, t)) > 0) return false;
    }
    return true;
  });
}

async function deadLetters(log: EventLog): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for (let p = 0; p < TOPICS.deadLetter.partitions; p++) out.push(...(await log.read(TOPICS.deadLetter.name, p, '0', 1000)));
  return out;
}

const tripRows = (w: Warehouse): Promise<Row[]> => w.query('SELECT * FROM trips ORDER BY trip_id');
const paymentRow = async (w: Warehouse, id: string): Promise<Row | undefined> => (await w.query('SELECT * FROM payments WHERE payment_id = {id}', { id }))[0];

void test('a full booking lifecycle lands as one row with the right fields', async () => {
  const env = await makeEnv();
  try {
    await env.start();
    const b = booking(1);
    await publish(env.log, lifecycle(b, T0));
    await drained(env.log);
    const rows = await tripRows(env.warehouse);
    assert.equal(rows.length, 1);
    assert.deepEqual(rows[0], {
      trip_id: 'b-1', region_id: 'msk-center', rider_id: 'r-1', driver_id: 'd-1', status: 'completed',
      fare: 420, currency: 'RUB', surge_multiplier: 1.4, distance_km: 8.1, duration_s: 1260, weather: 'rain',
      requested_at: T0, accepted_at: T0 + 2 * MIN, started_at: T0 + 6 * MIN, completed_at: T0 + 27 * MIN,
      cancelled_at: null, cancelled_by: null, cancel_reason: null,
      requested_hour: T0, trip_date: '2025-01-15', version: (T0 + 27 * MIN) * 100 + 31,
    });
  } finally {
    await env.close();
  }
});

void test('out-of-order events (completed before accepted, price before created) end in the final status', async () => {
  const env = await makeEnv();
  try {
    await env.start();
    const b = booking(2);
    await publish(env.log, [priced(b, T0 + 1000), completed(b, T0 + 27 * MIN)]);
    await drained(env.log);
    const early = (await tripRows(env.warehouse))[0];
    assert.equal(early?.status, 'completed');
    assert.equal(early?.weather, 'unknown', 'landed as a partial row until BookingCreated');
    await publish(env.log, [accepted(b, T0 + 2 * MIN), started(b, T0 + 6 * MIN), created(b, T0)]);
    await drained(env.log);
    const [row] = await tripRows(env.warehouse);
    assert.equal(row?.status, 'completed');
    assert.equal(row?.accepted_at, T0 + 2 * MIN);
    assert.equal(row?.requested_at, T0);
    assert.equal(row?.weather, 'rain');
    assert.equal(row?.surge_multiplier, 1.4);
    assert.equal(row?.version, (T0 + 27 * MIN) * 100 + 31);
  } finally {
    await env.close();
  }
});

void test('replaying the same events from offset 0 leaves identical rows', async () => {
  const env = await makeEnv();
  try {
    const jobs = await env.start();
    const events = [...lifecycle(booking(3), T0), ...lifecycle(booking(4, 'kzn'), T0 + MIN).slice(0, 3)];
    await publish(env.log, events);
    await publish(env.log, [paymentInitiated({ paymentId: 'p-3' }, T0 + 30 * MIN), paymentCompleted({ paymentId: 'p-3' }, T0 + 31 * MIN)]);
    await drained(env.log);
    const trips = await tripRows(env.warehouse);
    const payments = await env.warehouse.query('SELECT * FROM payments ORDER BY payment_id');
    assert.equal(trips.length, 2);
    assert.equal(payments.length, 1);
    await jobs.stop();
    for (const [group, topics] of Object.entries(GROUPS)) {
      for (const t of topics) {
        const end = await env.log.endOffsets(t);
        await env.log.setOffsets(group, t, Object.fromEntries(Object.keys(end).map((p) => [p, '0'])));
      }
    }
    const again = await env.start();
    await drained(env.log);
    assert.ok(again.jobs.filter((j) => j.name !== 'landing-drivers').every((j) => j.stats.processed > 0), 'the jobs re-read their events');
    assert.deepEqual(await tripRows(env.warehouse), trips);
    assert.deepEqual(await env.warehouse.query('SELECT * FROM payments ORDER BY payment_id'), payments);
    assert.deepEqual(await deadLetters(env.log), []);
  } finally {
    await env.close();
  }
});

void test('fraud scoring: crypto + late night + high amount in a high-risk region is CRITICAL with the reasons', async () => {
  const env = await makeEnv();
  try {
    await env.start();
    const lateNightNsk = Date.UTC(2025, 0, 15, 19, 0); // 02:00 local (UTC+7), a Thursday
    await publish(env.log, [
      paymentInitiated({ paymentId: 'p-crit', userId: 'u-9', regionId: 'nsk', amount: 7000, method: 'crypto' }, lateNightNsk),
      paymentInitiated({ paymentId: 'p-plain', userId: 'u-8', regionId: 'msk-center', amount: 400, method: 'card' }, T0),
    ]);
    await drained(env.log);
    const crit = await paymentRow(env.warehouse, 'p-crit');
    assert.equal(crit?.risk_level, 'CRITICAL');
    assert.equal(crit?.fraud_reasons, 'high_amount,crypto,high_risk_region,late_night');
    assert.equal(crit?.fraud_score, 0.75);
    assert.equal(crit?.status, 'initiated');
    assert.equal(crit?.payment_date, '2025-01-15');
    const plain = await paymentRow(env.warehouse, 'p-plain');
    assert.equal(plain?.risk_level, 'MINIMAL');
    assert.equal(plain?.fraud_reasons, '');
  } finally {
    await env.close();
  }
});

void test('velocity: the 6th payment of a user in 30 minutes scores the rule, also after a restart', async () => {
  const env = await makeEnv();
  try {
    const first = await env.start();
    const pay = (n: number) => paymentInitiated({ paymentId: `pv-${n}`, userId: 'u-fast' }, T0 + n * 5 * MIN);
    await publish(env.log, [0, 1, 2, 3, 4].map(pay));
    await drained(env.log);
    assert.equal((await paymentRow(env.warehouse, 'pv-4'))?.fraud_reasons, '', '5 payments: no velocity yet');
    await first.stop();
    await env.start(); // a fresh process: its windows are rebuilt from the warehouse
    await publish(env.log, [pay(5)]);
    await drained(env.log);
    const sixth = await paymentRow(env.warehouse, 'pv-5');
    assert.equal(sixth?.fraud_reasons, 'velocity');
    assert.equal(sixth?.risk_level, 'MEDIUM');
    // a payment 31 minutes after the first one sees only 6 of them in its window (pv-0 is out)
    await publish(env.log, [paymentInitiated({ paymentId: 'pv-late', userId: 'u-fast' }, T0 + 31 * MIN)]);
    await drained(env.log);
    assert.equal((await paymentRow(env.warehouse, 'pv-late'))?.fraud_reasons, 'velocity');
    assert.equal((await paymentRow(env.warehouse, 'pv-0'))?.fraud_reasons, '');
  } finally {
    await env.close();
  }
});

void test('a malformed record goes to the dead-letter topic with a reason and the rest of the batch lands', async () => {
  const env = await makeEnv();
  try {
    const b = booking(5);
    await env.log.publish(TOPICS.booking.name, [
      { key: b.regionId, value: JSON.stringify(created(b, T0)) },
      { key: b.regionId, value: '{"event_type":"BookingCreated", truncated' },
      { key: b.regionId, value: JSON.stringify({ ...accepted(b, T0 + MIN), data: { booking_id: b.bookingId } }) },
      { key: b.regionId, value: JSON.stringify(accepted(b, T0 + MIN)) },
    ]);
    await publish(env.log, [paymentCompleted({ paymentId: 'p-orphan', userId: 'u-7' }, T0)]);
    await env.start();
    await drained(env.log);
    const [row] = await tripRows(env.warehouse);
    assert.equal(row?.status, 'accepted');
    assert.equal(row?.driver_id, 'd-5');
    const letters = await deadLetters(env.log);
    const byOffset = new Map(letters.map((l) => [`${l.headers[DEAD_LETTER_HEADERS.sourceTopic]}/${l.headers[DEAD_LETTER_HEADERS.sourceOffset]}`, l]));
    assert.equal(letters.length, 2, 'the early PaymentCompleted is not a dead letter');
    const notJson = byOffset.get('booking-events/1');
    assert.equal(notJson?.headers[DEAD_LETTER_HEADERS.reasonCode], 'EVENT_INVALID');
    assert.match(notJson?.headers[DEAD_LETTER_HEADERS.reason] ?? '', /not JSON/);
    assert.equal(notJson?.headers[DEAD_LETTER_HEADERS.stage], 'landing-trips');
    assert.match(byOffset.get('booking-events/2')?.headers[DEAD_LETTER_HEADERS.reason] ?? '', /invalid event at data\./);
    assert.equal(await paymentRow(env.warehouse, 'p-orphan'), undefined, 'no row until its PaymentInitiated lands');
    await publish(env.log, [paymentInitiated({ paymentId: 'p-orphan', userId: 'u-7' }, T0 - 2000)]);
    await drained(env.log);
    assert.equal((await paymentRow(env.warehouse, 'p-orphan'))?.status, 'completed');
  } finally {
    await env.close();
  }
});

void test('rows the warehouse rejects are dead-lettered with the engine message, the others land', async () => {
  // A trips table with a stricter check than the contract: the engine refuses fares above 10000.
  const env = await makeEnv(async (w) => {
    await w.query(createTableSql(TRIPS).replace(/\)$/, ', CHECK (fare IS NULL OR fare <= 10000))'));
  });
  try {
    await env.start();
    const ok = booking(6);
    const bad = booking(7);
    await publish(env.log, [created(ok, T0), created(bad, T0)]);
    await drained(env.log);
    await publish(env.log, [completed(ok, T0 + 20 * MIN, 500), completed(bad, T0 + 20 * MIN, 50_000)]);
    await drained(env.log);
    const rows = await tripRows(env.warehouse);
    assert.deepEqual(rows.map((r) => [r.trip_id, r.status]), [['b-6', 'completed'], ['b-7', 'requested']]);
    const letters = await deadLetters(env.log);
    assert.equal(letters.length, 1, 'only the completion of b-7');
    const [letter] = letters;
    assert.equal(letter?.headers[DEAD_LETTER_HEADERS.reasonCode], 'WAREHOUSE_ROW_REJECTED');
    assert.match(letter?.headers[DEAD_LETTER_HEADERS.reason] ?? '', /trip_id b-7: .*CHECK/i);
  } finally {
    await env.close();
  }
});

void test('driver events land DRIVERS and DRIVER_RATINGS rows; locations are only counted', async () => {
  const env = await makeEnv();
  try {
    await env.start();
    await publish(env.log, [
      driverStatus('d-1', 'online', T0), driverLocation('d-1', T0 + 5000), driverLocation('d-1', T0 + 10_000),
      driverStatus('d-1', 'busy', T0 + MIN), driverRated('d-1', 'b-1', 4, T0 + 2 * MIN),
    ]);
    await drained(env.log);
    assert.deepEqual(await env.warehouse.query('SELECT driver_id, status, updated_at FROM drivers'), [{ driver_id: 'd-1', status: 'busy', updated_at: T0 + MIN }]);
    assert.deepEqual(await env.warehouse.query('SELECT booking_id, rating, rated_date FROM driver_ratings'), [{ booking_id: 'b-1', rating: 4, rated_date: '2025-01-15' }]);
    const metric = await env.metrics.getSingleMetric('gofuture_landing_driver_locations_total')?.get();
    assert.equal(metric?.values[0]?.value, 2);
  } finally {
    await env.close();
  }
});
