/**
 * Order independence of the landing folds (issue 7 item 1): a seeded set of events, landed in
 * random arrival orders, in random batch splits and with duplicated records (same event_id), must
 * give exactly the same warehouse rows (trips, payments, drivers, driver_ratings) as the events in
 * event-time order. Real DuckDB warehouse, the jobs' own batch functions.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { LogRecord } from '../../connectors/contracts/event-log.ts';
import type { Row, Warehouse } from '../../connectors/contracts/warehouse.ts';
import { createDuckDbWarehouse } from '../../connectors/embedded/duckdb-warehouse.ts';
import { landDriversBatch } from '../../jobs/landing/drivers-landing.ts';
import { PaymentsLander } from '../../jobs/landing/payments-landing.ts';
import { landTripsBatch } from '../../jobs/landing/trips-landing.ts';
import type { ParsedRecord } from '../../jobs/support/event-consumer.ts';
import { EVENT_TOPIC, eventKey, type DomainEvent } from '../../schema/events/domain-events.ts';
import { WAREHOUSE_TABLES } from '../../schema/tables/warehouse-tables.ts';
import { mulberry32 as prng } from '../../jobs/simulator/prng.ts';
import {
  accepted, booking, cancelled, completed, created, driverRated, driverStatus, MIN, paymentCompleted, paymentFailed,
  paymentInitiated, paymentRefunded, priced, started, T0,
} from './landing-event-factory.ts';

const logger = pino({ level: 'silent' });
let dir = '';
let seq = 0;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gofuture-order-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Bookings (completed and cancelled), their payments (completed, failed then completed, refunded), a velocity burst, drivers and ratings. */
function eventSet(): DomainEvent[] {
  const out: DomainEvent[] = [];
  for (let n = 0; n < 10; n++) {
    const b = booking(100 + n, n % 2 === 0 ? 'msk-center' : 'nsk');
    const t = T0 + n * 4 * MIN;
    out.push(created(b, t), priced(b, t + 1000, 1 + (n % 3) / 10));
    if (n % 4 === 3) {
      out.push(cancelled(b, t + 3 * MIN));
      continue;
    }
    out.push(accepted(b, t + 2 * MIN), started(b, t + 6 * MIN), completed(b, t + 27 * MIN, 300 + n));
    const p = { paymentId: `pay-${n}`, userId: `u-${n % 3}`, amount: 300 + n, method: n === 5 ? ('crypto' as const) : ('card' as const) };
    out.push(paymentInitiated(p, t + 27 * MIN + 500));
    if (n % 5 === 1) out.push(paymentFailed(p, t + 27 * MIN + 900));
    out.push(paymentCompleted(p, t + 27 * MIN + 1500));
    if (n === 2) out.push(paymentRefunded(p, t + 40 * MIN, 50));
    out.push(driverRated(b.driverId, b.bookingId, 1 + (n % 5), t + 35 * MIN));
  }
  // one user pays 7 times in 21 minutes: the 6th and 7th score the velocity rule in any order
  for (let k = 0; k < 7; k++) {
    const p = { paymentId: `burst-${k}`, userId: 'u-burst', amount: 120 };
    out.push(paymentInitiated(p, T0 + k * 3 * MIN), paymentCompleted(p, T0 + k * 3 * MIN + 2000));
  }
  for (let d = 0; d < 3; d++) {
    const statuses = ['online', 'busy', 'online', 'offline'] as const;
    statuses.forEach((s, i) => out.push(driverStatus(`drv-${d}`, s, T0 + (i * 7 + d) * MIN)));
  }
  // two status changes of one driver in the same millisecond: the same one wins in any order
  out.push(driverStatus('drv-tie', 'online', T0 + 5 * MIN), driverStatus('drv-tie', 'busy', T0 + 5 * MIN));
  return out;
}

function shuffle<T>(xs: readonly T[], rnd: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a;
}

/** Arrival order: shuffled, with ~20 % of the records delivered twice (the same event, another offset). */
function arrival(events: readonly DomainEvent[], rnd: () => number): DomainEvent[] {
  const withDupes = [...events];
  for (const e of events) if (rnd() < 0.2) withDupes.push(e);
  return shuffle(withDupes, rnd);
}

function records(events: readonly DomainEvent[]): ParsedRecord[] {
  const offsets = new Map<string, number>();
  return events.map((event) => {
    const topic = EVENT_TOPIC[event.event_type].name;
    const offset = offsets.get(topic) ?? 0;
    offsets.set(topic, offset + 1);
    const record: LogRecord = { topic, partition: 0, offset: String(offset), key: eventKey(event), value: JSON.stringify(event), headers: {}, timestamp: event.occurred_at };
    return { record, event };
  });
}

function batches<T>(xs: readonly T[], rnd: () => number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length;) {
    const n = 1 + Math.floor(rnd() * 8);
    out.push(xs.slice(i, i + n));
    i += n;
  }
  return out;
}

async function freshWarehouse(): Promise<Warehouse> {
  const w = createDuckDbWarehouse({ path: join(dir, `wh-${++seq}.duckdb`) }, { logger, metrics: new Registry() });
  await w.start();
  await w.ensureTables(WAREHOUSE_TABLES);
  return w;
}

const TRIP_TOPICS = new Set(['booking-events', 'pricing-events']);

/** Lands `events` in the given arrival order and batch splits; returns every landed row. */
async function land(events: readonly DomainEvent[], rnd: () => number | null): Promise<Record<string, Row[]>> {
  const w = await freshWarehouse();
  try {
    const all = records(events);
    const split = (xs: ParsedRecord[]): ParsedRecord[][] => {
      const r = rnd();
      return r === null ? [xs] : batches(xs, () => rnd() ?? 0);
    };
    const now = Date.now();
    for (const b of split(all.filter((p) => TRIP_TOPICS.has(p.record.topic)))) {
      const r = await landTripsBatch(w, b, now);
      assert.deepEqual(r.letters, [], 'no trip event is dead-lettered');
    }
    const lander = new PaymentsLander(w);
    for (const b of split(all.filter((p) => p.record.topic === 'payment-events'))) {
      const r = await lander.land(b, now);
      assert.deepEqual(r.letters.map((l) => l.reason), [], 'no payment event is dead-lettered');
    }
    for (const b of split(all.filter((p) => p.record.topic === 'driver-events'))) {
      const r = await landDriversBatch(w, b, now);
      assert.deepEqual(r.letters, [], 'no driver event is dead-lettered');
    }
    return {
      trips: await w.query('SELECT * FROM trips ORDER BY trip_id'),
      payments: await w.query('SELECT * FROM payments ORDER BY payment_id'),
      drivers: await w.query('SELECT * FROM drivers ORDER BY driver_id'),
      ratings: await w.query('SELECT * FROM driver_ratings ORDER BY booking_id'),
    };
  } finally {
    await w.close();
  }
}

void test('any arrival order, batch split and duplication of the same events lands identical rows', async () => {
  const events = eventSet();
  const inOrder = [...events].sort((a, b) => a.occurred_at - b.occurred_at);
  const reference = await land(inOrder, () => null);
  // the reference itself is complete: every payment landed with its final status
  const byId = new Map(reference.payments?.map((r) => [String(r.payment_id), r]));
  assert.equal(byId.size, 8 + 7, 'every payment has a row');
  assert.equal(byId.get('pay-2')?.status, 'refunded');
  assert.equal(byId.get('pay-1')?.status, 'completed', 'a failure followed by a success is completed');
  assert.equal(byId.get('burst-5')?.fraud_reasons, 'velocity');
  assert.equal(byId.get('burst-4')?.fraud_reasons, '');
  assert.equal(reference.trips?.length, 10);
  for (let s = 1; s <= 6; s++) {
    const rnd = prng(s);
    const order = arrival(events, rnd);
    const got = await land(order, rnd);
    for (const table of Object.keys(reference)) assert.deepEqual(got[table], reference[table], `seed ${s}: ${table} rows equal the in-order landing`);
  }
});

void test('a PaymentCompleted that arrives before its PaymentInitiated is landed once the initiation arrives', async () => {
  const p = { paymentId: 'p-early', userId: 'u-9', amount: 777 };
  const got = await land([paymentCompleted(p, T0 + 2000), paymentInitiated(p, T0)], () => 0.1);
  assert.equal(got.payments?.length, 1);
  assert.equal(got.payments?.[0]?.status, 'completed');
  assert.equal(got.payments?.[0]?.amount, 777);
  assert.equal(got.payments?.[0]?.initiated_at, T0);
});
